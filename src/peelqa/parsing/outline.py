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

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import shapes
from .classify import Kind, Typed

__all__ = ["Outline", "build_outline"]

TOP, PART, SUB = 1, 2, 3


@dataclass(frozen=True)
class Outline:
    levels: dict[int, int]  # index in the typed list -> heading level
    anchors: tuple[tuple[int, int], ...]  # (source offset, page) of listed headings, in order
    page_breaks: tuple[int, ...]  # source offsets where a footnote run ends a page, in order
    _positions: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_positions", [position for position, _ in self.anchors])

    def page_at(self, offset: int) -> int | None:
        """Best estimate of the printed page holding `offset` (None before any anchor)."""
        at = bisect_right(self._positions, offset) - 1
        if at < 0:
            return None
        anchor_offset, anchor_page = self.anchors[at]
        breaks = bisect_left(self.page_breaks, offset) - bisect_left(self.page_breaks, anchor_offset)
        page = anchor_page + breaks
        if at + 1 < len(self.anchors):
            next_offset, next_page = self.anchors[at + 1]
            span = max(next_offset - anchor_offset, 1)
            interpolated = anchor_page + (offset - anchor_offset) * (next_page - anchor_page) // span
            page = min(max(page, interpolated), next_page)
        return page


_MAX_LCS_CELLS = 250_000  # beyond this (no real contents list is that long) match greedily


def _greedy_pairs(left: Sequence[str], right: Sequence[str]) -> list[tuple[int, int]]:
    """Each `left` key matched to its next occurrence in `right`, in order."""
    where: dict[str, list[int]] = {}
    for j, key in enumerate(right):
        where.setdefault(key, []).append(j)
    pairs, after = [], 0
    for i, key in enumerate(left):
        spots = where.get(key, [])
        k = bisect_left(spots, after)
        if k < len(spots):
            pairs.append((i, spots[k]))
            after = spots[k] + 1
    return pairs


def _lcs_pairs(left: Sequence[str], right: Sequence[str]) -> list[tuple[int, int]]:
    """Index pairs of a longest common subsequence of two key lists.

    Where a `right` key repeats, the later copy is matched when that costs
    nothing: an overview restates chapter headings before the chapters that
    the contents list points at.
    """
    rows, cols = len(left), len(right)
    if rows * cols > _MAX_LCS_CELLS:
        return _greedy_pairs(left, right)
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
    following: Typed | None = None  # the next item that is neither skipped nor a part heading
    for item in reversed(typed):
        generic = item.kind is Kind.HEADING and shapes.is_generic_part_heading(item.text)
        if item.kind is Kind.HEADING and not generic and following is not None and following.kind is Kind.GRADE:
            graded.add(shapes.normalise_heading(shapes.judged_question(item.text)))
            graded.add(shapes.normalise_heading(item.text))
        if item.kind is not Kind.SKIP and not generic:
            following = item
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
