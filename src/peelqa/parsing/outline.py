"""The outline of a report: heading levels and page numbers.

Levels come from two shapes. The contents list names the headings that start
parts and top-level questions, in order; a question that the report grades
("Good", "Requires improvement" …) is a top-level question. Headings repeated
outside their place in the contents (an overview that restates each question)
sit one level down.

Pages are estimated: the contents gives the page of each listed heading, and a
run of footnotes marks the bottom of a page. Between those anchors the page
is interpolated from the character position.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from . import shapes
from .classify import Kind, Typed

__all__ = ["Outline", "build_outline"]

TOP, PART, SUB = 1, 2, 3


@dataclass(frozen=True)
class Outline:
    levels: dict[int, int]  # index in the typed list -> heading level
    anchors: tuple[tuple[int, int], ...]  # (source offset, page) of listed headings
    page_breaks: tuple[int, ...]  # source offsets where a footnote run ends a page

    def page_at(self, offset: int) -> int | None:
        """Best estimate of the printed page holding `offset` (None before any anchor)."""
        positions = [position for position, _ in self.anchors]
        at = bisect_right(positions, offset) - 1
        if at < 0:
            return None
        anchor_offset, anchor_page = self.anchors[at]
        breaks = sum(1 for b in self.page_breaks if anchor_offset <= b < offset)
        page = anchor_page + breaks
        if at + 1 < len(self.anchors):
            next_offset, next_page = self.anchors[at + 1]
            span = max(next_offset - anchor_offset, 1)
            interpolated = anchor_page + (offset - anchor_offset) * (next_page - anchor_page) // span
            page = min(max(page, interpolated), next_page)
        return page


def _lcs_pairs(left: Sequence[str], right: Sequence[str]) -> list[tuple[int, int]]:
    """Index pairs of a longest common subsequence of two key lists.

    Where a `right` key repeats, the later copy is matched when that costs
    nothing: an overview restates chapter headings before the chapters that
    the contents list points at.
    """
    rows, cols = len(left), len(right)
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            table[i][j] = (
                table[i + 1][j + 1] + 1
                if left[i] == right[j]
                else max(table[i + 1][j], table[i][j + 1])
            )
    pairs, i, j = [], 0, 0
    while i < rows and j < cols:
        if left[i] == right[j] and table[i][j + 1] < table[i][j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def _graded_keys(typed: list[Typed]) -> set[str]:
    """Keys of headings followed by a grade, past any "Overall judgment"-like part heading."""
    graded: set[str] = set()
    for i, item in enumerate(typed):
        if item.kind is not Kind.HEADING or shapes.is_generic_part_heading(item.text):
            continue
        for following in typed[i + 1 :]:
            if following.kind is Kind.SKIP or (
                following.kind is Kind.HEADING and shapes.is_generic_part_heading(following.text)
            ):
                continue
            if following.kind is Kind.GRADE:
                graded.add(shapes.normalise_heading(shapes.judged_question(item.text)))
                graded.add(shapes.normalise_heading(item.text))
            break
    return graded


def _page_breaks(typed: list[Typed]) -> tuple[int, ...]:
    notes = (Kind.FOOTNOTE, Kind.NOTE_TAIL)
    return tuple(
        item.end
        for i, item in enumerate(typed)
        if item.kind in notes and (i + 1 == len(typed) or typed[i + 1].kind not in notes)
    )


def build_outline(typed: list[Typed], toc: Sequence[tuple[str, int]]) -> Outline:
    """Work out heading levels and page anchors for a classified body."""
    heading_at = [i for i, item in enumerate(typed) if item.kind is Kind.HEADING]
    heading_keys = [shapes.normalise_heading(typed[i].text) for i in heading_at]
    toc_keys = [shapes.normalise_heading(title) for title, _ in toc]
    matched = {heading_at[h]: t for t, h in _lcs_pairs(toc_keys, heading_keys)}
    graded = _graded_keys(typed)

    levels: dict[int, int] = {}
    for i, key in zip(heading_at, heading_keys, strict=True):
        text = typed[i].text
        is_graded = key in graded
        if shapes.is_generic_part_heading(text):
            level = PART
        elif i in matched:
            level = PART if shapes.is_question(text) and not is_graded else TOP
        elif is_graded:
            level = PART if toc else TOP
        elif toc:
            level = SUB
        else:
            level = PART if shapes.is_question(text) else TOP
        levels[i] = level

    anchors = tuple(sorted((typed[i].start, toc[t][1]) for i, t in matched.items()))
    return Outline(levels=levels, anchors=anchors, page_breaks=_page_breaks(typed))
