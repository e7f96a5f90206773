"""Small bar charts of the numbers an answer cites, as geometry for an inline SVG.

A figure or a table row records its numbers at parse time (the passage JSON's
`values`); this module only lays them out: one horizontal bar a series (the
force, England and Wales …), its printed value written beside it, a zero
line, negative values to its left. The template `_chart.html` draws the
shapes; autoescaping escapes every name. Geometry goes in SVG attributes and
colours in classes, because the page's Content-Security-Policy
(`style-src 'self'`) refuses inline `style` attributes.

Only like is charted with like: values of one label, one measure and one
unit. Where a table gives each series several measures (a count and a
rate), the rate is charted: counts of areas of different sizes do not
compare.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Bar", "Chart", "answer_charts", "chart"]

WIDTH = 360  # the viewBox's width; the SVG scales to its box
_NAME_SIZE = 14  # font size of series names and values, in viewBox units
# widths of a bold value's characters in ems, generous for common sans-serif
# fonts: the room a value needs beside its bar, since SVG cannot measure text
_NARROW, _WIDE, _EM = 0.35, 1.0, 0.68
_GAP = 6  # between a bar's end and its value
_ROW = 56  # one series: its name on a line, the bar below
_BAR = 24
_NAME_TO_BAR = 6
_PAD = 4
_EDGE = 2  # keeps the zero line whole at either side
_ZERO_OVERHANG = 3
MAX_CHARTS = 3  # an answer that cites more figures shows the first three
# measures that are already normalised, so that a force and a country compare
_NORMALISED = re.compile(r"\b(?:rate|per|percentage|proportion|share|average|mean)\b", re.I)


@dataclass(frozen=True)
class Bar:
    """One series' bar, its name above it and its printed value beside it."""

    series: str
    text: str  # the value as the report prints it
    own: bool  # the report's own force, drawn in the accent colour
    name_y: float  # baseline of the series name
    x: float
    y: float
    width: float
    height: float
    value_x: float
    value_y: float
    value_anchor: str  # "start" (right of a bar) or "end" (left of a negative bar)
    zero_top: float  # the zero line beside this bar: one piece a row, so it never crosses a name
    zero_bottom: float


@dataclass(frozen=True)
class Chart:
    """A bar chart's title, text alternative and shapes, in viewBox units."""

    title: str
    description: str  # the values in a sentence, for people who cannot see the bars
    width: int
    height: float
    zero_x: float
    bars: tuple[Bar, ...]


def _r(value: float) -> float:
    return round(value, 1)


def _text_width(text: str) -> float:
    ems = sum(_NARROW if c in ".,:;' " else _WIDE if c in "%£€$" else _EM for c in text)
    return ems * _NAME_SIZE


def _groups(values: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The passage's values grouped by what they measure, in order; only numbers."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for value in values:
        if value["number"] is not None:
            groups.setdefault((value["label"], value["measure"], value["unit"]), []).append(value)
    return [group for group in groups.values() if len(group) >= 2]


def _chosen(groups: list[list[dict[str, Any]]]) -> list[dict[str, Any]] | None:
    if not groups:
        return None
    if len(groups) == 1:
        return groups[0]
    normalised = [g for g in groups if g[0]["unit"] == "%" or _NORMALISED.search(g[0]["measure"])]
    return (normalised or groups)[0]


def chart(passage: dict[str, Any]) -> Chart | None:
    """The bar chart of a passage (as in an ask answer) with two numbers or more of one kind, else None."""
    group = _chosen(_groups(passage.get("values") or ()))
    if group is None:
        return None
    first = group[0]
    title = first["label"] + (f" ({first['measure']})" if first["measure"] else "")
    numbers = [float(v["number"]) for v in group]
    low, high = min(0.0, *numbers), max(0.0, *numbers)
    room = max(_text_width(v["text"]) for v in group) + _GAP
    left = room if low < 0 else _EDGE
    right = WIDTH - (room if high > 0 else _EDGE)
    scale = (right - left) / ((high - low) or 1.0)
    zero_x = left - low * scale
    own = passage["report"]["force"].casefold()
    bars = []
    for row, (value, number) in enumerate(zip(group, numbers, strict=True)):
        top = _PAD + row * _ROW
        bar_y = top + _NAME_SIZE + _NAME_TO_BAR
        start = zero_x + min(0.0, number) * scale
        end = zero_x + max(0.0, number) * scale
        negative = number < 0
        bars.append(
            Bar(
                series=value["series"],
                text=value["text"],
                own=value["series"].casefold() == own,
                name_y=_r(top + _NAME_SIZE),
                x=_r(start),
                y=_r(bar_y),
                width=_r(end - start),
                height=_BAR,
                value_x=_r(start - _GAP if negative else end + _GAP),
                value_y=_r(bar_y + _BAR / 2 + _NAME_SIZE * 0.35),
                value_anchor="end" if negative else "start",
                zero_top=_r(bar_y - _ZERO_OVERHANG),
                zero_bottom=_r(bar_y + _BAR + _ZERO_OVERHANG),
            )
        )
    height = _PAD * 2 + len(group) * _ROW - (_ROW - _NAME_SIZE - _NAME_TO_BAR - _BAR)
    return Chart(
        title=title,
        description="; ".join(f"{v['series']} {v['text']}" for v in group) + ".",
        width=WIDTH,
        height=_r(height),
        zero_x=_r(zero_x),
        bars=tuple(bars),
    )


def answer_charts(data: dict[str, Any]) -> list[tuple[int, Chart]]:
    """(citation number, chart) of the passages an answer cites that hold numbers to compare.

    Nothing for an answer that found nothing: its passages are only the nearest.
    """
    if not data["answer"]["found"]:
        return []
    by_rank = {p["rank"]: p for p in data["passages"]}
    charts: list[tuple[int, Chart]] = []
    for number in dict.fromkeys(s["citation"] for s in data["answer"]["sentences"]):
        passage = by_rank.get(number)
        drawn = chart(passage) if passage else None
        if drawn is not None:
            charts.append((number, drawn))
        if len(charts) == MAX_CHARTS:
            break
    return charts
