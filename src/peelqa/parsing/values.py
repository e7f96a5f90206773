"""The numbers of figures and table rows, recorded as facts while they are known.

A "Force in numbers" figure pairs names with values ("Wiltshire Police" 48,
"England and Wales" 350); a table row gives a value per header column. Both
become `Value`s: whose value it is (the series), which measure when a table
gives each series several columns, the text as printed and that text read as
a number. Later stages (the web page's charts) read these instead of parsing
the passage's text again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..records import Value

__all__ = ["figure_values", "read_number", "row_values", "table_columns"]

_NUMBER = re.compile(r"^(?P<sign>[+\-–−]?)(?P<currency>[£$€]?)(?P<digits>\d[\d,]*(?:\.\d+)?)\s*(?P<percent>%?)$")
_MINUS = "-–−"


def read_number(text: str) -> tuple[float | None, str]:
    """The number a printed value stands for, and its unit ("%", a currency sign or "").

    "+2.4%" → (2.4, "%"); "−10.7%" → (-10.7, "%"); "5,054" → (5054.0, ""); "n/a" → (None, "").
    """
    match = _NUMBER.match(text.strip())
    if match is None:
        return None, ""
    number = float(match["digits"].replace(",", ""))
    if match["sign"] and match["sign"] in _MINUS:
        number = -number
    return number, match["percent"] or match["currency"]


def _value(label: str, series: str, measure: str, text: str) -> Value:
    number, unit = read_number(text)
    return Value(label=label, series=series, measure=measure, text=text, number=number, unit=unit)


def figure_values(label: str, pairs: Sequence[tuple[str, str]]) -> tuple[Value, ...]:
    """A figure's (name, value) pairs as values: each name is a series."""
    return tuple(_value(label, name, "", value) for name, value in pairs)


def _common_suffix(cells: Sequence[str]) -> list[str]:
    """The words every cell ends with."""
    split = [cell.split() for cell in cells]
    common: list[str] = []
    for words in zip(*(reversed(s) for s in split), strict=False):
        if len(set(words)) != 1:
            break
        common.insert(0, words[0])
    return common


def _grouped(header: Sequence[str], width: int) -> list[tuple[str, str]] | None:
    """(series, measure) of each column when the header repeats `width` measures per series, else None.

    The first column of a group names its series and its measure
    ("Wiltshire Police Number of outcomes"); the others name only their measure
    ("Rate"), or the series and the measure again.
    """
    groups = len(header) // width
    suffixes = []
    for offset in range(width):
        cells = [header[g * width + offset] for g in range(groups)]
        suffix = _common_suffix(cells)
        if not suffix:
            return None
        suffixes.append(suffix)
    series = []
    for g in range(groups):
        names = []
        for offset, suffix in enumerate(suffixes):
            words = header[g * width + offset].split()
            names.append(" ".join(words[: len(words) - len(suffix)]))
        if not names[0] or any(name not in ("", names[0]) for name in names[1:]):
            return None
        series.append(names[0])
    if len(set(series)) != groups:
        return None
    return [(series[g], " ".join(suffixes[offset])) for g in range(groups) for offset in range(width)]


def table_columns(header: Sequence[str]) -> list[tuple[str, str]]:
    """(series, measure) of each value column, from a table's header cells after the first.

    A plain header ("Wiltshire Police", "England and Wales") gives one series a
    column and no measure; a header with several columns per series
    ("Wiltshire Police Number of outcomes", "Rate", "England and Wales Number
    of outcomes", "Rate") gives each column its series and its measure, so
    that only like is compared with like.
    """
    for width in range(2, len(header) // 2 + 1):
        if len(header) % width == 0:
            grouped = _grouped(header, width)
            if grouped is not None:
                return grouped
    return [(cell, "") for cell in header]


def row_values(label: str, columns: Sequence[tuple[str, str]], cells: Sequence[str]) -> tuple[Value, ...]:
    """A table row's cells (after its label) as values; empty cells give none."""
    return tuple(
        _value(label, series, measure, cell)
        for (series, measure), cell in zip(columns, cells, strict=False)
        if cell
    )
