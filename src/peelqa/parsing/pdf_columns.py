"""Words into lines in reading order: baselines, footnote references, columns.

Words that share a baseline make a row, read left to right; small digits
raised against the word before them (or just before a footnote's text) are
references, kept as superscript digits. A page whose lines leave a clear
vertical gutter with text on both sides is read column by column, with the
lines that run across the gutter (a chapter heading, the footnotes) before
and after: each column, and each full-width stretch, is a frame. Words far
apart in a row are cells of a table, joined by tabs.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate, islice

from .pdf_words import MAX_PAGE_WIDTH, Word

__all__ = ["PdfLine", "lines_of_pages"]

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_NOTE_REF = re.compile(r"^[\d,*†‡]+$")
_LEADERS = re.compile(r"\.{3,}$")

# Distances, as fractions of the font size.
_CELL_GAP = 1.0  # wider than this between words: another cell or column
_BASELINE_SLACK = 0.15  # words this close in height share a line
_SUPER_SIZE = 0.85  # a reference is set at most this size of its word…
_SUPER_RISE = (0.08, 0.75)  # … and raised by this much
_SUPER_GLUE = 0.3  # … right after it (or, heading a note, just before)

# Column detection, as fractions of the width of the page's text.
_GUTTER_ZONE = (0.3, 0.7)
_NARROW = 0.6  # narrower than this: may sit in a column
_MIN_GUTTER = 6.0  # points
_MIN_COLUMN_LINES = 3
_UNPAIRED = 0.3  # share of right-hand lines with no left-hand line beside them
_COLUMN_WIDTH = 0.25  # … or both sides are lines of text, not cells


@dataclass
class _Row:
    base: float
    size: float
    words: list[Word] = field(default_factory=list)


@dataclass
class _Seg:
    """A run of words on one baseline: a line of a column, or one cell."""

    words: list[Word]
    row: int

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def base(self) -> float:
        return self.words[0].base


@dataclass
class PdfLine:
    cells: list[_Seg]
    frame: int
    right: float  # where lines of its frame end when full

    @cached_property
    def words(self) -> list[Word]:
        return [word for cell in self.cells for word in cell.words]

    @cached_property
    def body(self) -> list[Word]:
        """The words, references left out."""
        return [word for word in self.words if not word.sup] or self.words

    @cached_property
    def size(self) -> float:
        """The size most of the line's letters are set in."""
        letters: dict[float, int] = {}
        for word in self.body:
            letters[word.size] = letters.get(word.size, 0) + len(word.text)
        return max(letters, key=letters.__getitem__)

    @cached_property
    def bold(self) -> bool:
        return all(word.bold for word in self.body)

    @property
    def base(self) -> float:
        return min(cell.base for cell in self.cells)

    @property
    def x0(self) -> float:
        return self.cells[0].x0

    @property
    def x1(self) -> float:
        return self.cells[-1].x1

    @property
    def is_cells(self) -> bool:
        return len(self.cells) > 1

    @cached_property
    def text(self) -> str:
        parts = []
        for cell in self.cells:
            out = ""
            for i, word in enumerate(cell.words):
                text = word.text.translate(_SUPERSCRIPT).replace(",", " ") if word.sup else word.text
                if word.sup and i > 0:
                    out += text  # glued to the word it refers from
                elif out:
                    out += " " + text
                else:
                    out = text
            parts.append(out)
        return "\t".join(parts)


def _rows(words: list[Word]) -> list[_Row]:
    """Words on one baseline, top to bottom; raised references join the word they follow."""
    ordered = sorted(words, key=lambda w: (-w.base, w.x0))
    rows: list[_Row] = []
    for word in ordered:
        if rows and abs(rows[-1].base - word.base) <= _BASELINE_SLACK * max(word.size, rows[-1].size):
            rows[-1].words.append(word)
            rows[-1].size = max(rows[-1].size, word.size)
        else:
            rows.append(_Row(word.base, word.size, [word]))
    for row in rows:
        row.words.sort(key=lambda w: w.x0)
    return _attach_references(rows)


def _reference_host(word: Word, rows: list[_Row], at: int) -> _Row | None:
    for below in islice(rows, at + 1, None):
        rise = word.base - below.base
        if rise < _SUPER_RISE[0] * below.size:
            continue
        if rise > _SUPER_RISE[1] * below.size:
            return None
        for other in below.words:
            if other.sup or word.size > _SUPER_SIZE * other.size:
                continue
            glue = _SUPER_GLUE * other.size
            after = -0.2 * other.size <= word.x0 - other.x1 <= glue
            heading_note = 0 <= other.x0 - word.x1 <= 3 * glue
            if after or heading_note:
                return below
    return None


def _attach_references(rows: list[_Row]) -> list[_Row]:
    kept: list[_Row] = []
    for at, row in enumerate(rows):
        stay = []
        for word in row.words:
            host = _reference_host(word, rows, at) if not word.sup and _NOTE_REF.match(word.text) else None
            if host is None:
                stay.append(word)
            else:
                word.sup = True
                host.words.append(word)
                host.words.sort(key=lambda w: w.x0)
        row.words = stay
        if stay:
            kept.append(row)
    return kept


def _segments(rows: list[_Row]) -> list[_Seg]:
    """Each row cut where its words lie far apart, except after dot leaders, which lead on."""
    segments = []
    for index, row in enumerate(rows):
        current: list[Word] = []
        for word in row.words:
            before = current[-1] if current else None
            if (
                before is not None
                and not word.sup
                and word.x0 - before.x1 > _CELL_GAP * max(word.size, before.size)
                and not _LEADERS.search(before.text)
            ):
                segments.append(_Seg(current, index))
                current = []
            current.append(word)
        if current:
            segments.append(_Seg(current, index))
    return segments


# -- columns ---------------------------------------------------------------------


def _gutter(segments: list[_Seg]) -> tuple[float, float] | None:
    """A clear vertical strip between two columns of lines, if the page has one."""
    if len(segments) < 2 * _MIN_COLUMN_LINES:
        return None
    left = min(s.x0 for s in segments)
    right = max(s.x1 for s in segments)
    span = right - left
    if not 0 < span < MAX_PAGE_WIDTH:
        return None
    narrow = [s for s in segments if s.x1 - s.x0 < _NARROW * span]
    lo, hi = int(left + _GUTTER_ZONE[0] * span), int(left + _GUTTER_ZONE[1] * span)
    steps = [0] * (hi - lo + 2)
    for seg in narrow:
        first, last = max(int(seg.x0), lo), min(int(seg.x1), hi)
        if first <= last:
            steps[first - lo] += 1
            steps[last - lo + 1] -= 1
    cover = list(accumulate(steps[:-1]))
    allowed = max(1, len(narrow) // 25)  # a centred page number may cross it
    best: tuple[int, int] | None = None
    run_start: int | None = None
    for x, count in enumerate([*cover, allowed + 1]):
        if count <= allowed:
            run_start = x if run_start is None else run_start
        elif run_start is not None:
            if best is None or x - run_start > best[1] - best[0]:
                best = (run_start, x)
            run_start = None
    if best is None or best[1] - best[0] < _MIN_GUTTER:
        return None
    middle = lo + (best[0] + best[1]) / 2
    lefts = [s for s in narrow if s.x1 <= middle]
    rights = [s for s in narrow if s.x0 >= middle]
    if len(lefts) < _MIN_COLUMN_LINES or len(rights) < _MIN_COLUMN_LINES:
        return None
    left_rows = {s.row for s in lefts}
    unpaired = sum(1 for s in rights if s.row not in left_rows) / len(rights)
    wide_text = min(
        statistics.median(s.x1 - s.x0 for s in lefts), statistics.median(s.x1 - s.x0 for s in rights)
    ) >= _COLUMN_WIDTH * span
    if unpaired < _UNPAIRED and not wide_text:
        return None  # cells of a table, not columns
    g0, g1 = max(s.x1 for s in lefts), min(s.x0 for s in rights)
    return (g0, g1) if g1 - g0 >= _MIN_GUTTER else None


def _lines_in_order(segments: list[_Seg], first_frame: int, page_right: float) -> list[PdfLine]:
    """The page's lines in reading order, each in its frame (a column or the full width).

    `page_right` is where full lines end: the document's right margin.
    """
    gutter = _gutter(segments)
    by_row: dict[int, list[_Seg]] = {}
    for seg in segments:
        by_row.setdefault(seg.row, []).append(seg)
    if gutter is None:
        return [PdfLine(by_row[i], first_frame, page_right) for i in sorted(by_row)]

    g0, g1 = gutter
    middle = (g0 + g1) / 2
    out: list[PdfLine] = []
    frame = first_frame
    band: list[int] = []

    def spans(row: int) -> bool:
        return any(s.x0 < middle < s.x1 for s in by_row[row])

    def flush() -> None:
        nonlocal frame
        if not band:
            return
        lefts = [s for r in band for s in by_row[r] if s.x1 <= middle]
        rights = [s for r in band for s in by_row[r] if s.x0 >= middle]
        if rights:
            top = max(s.base for s in rights) + 0.5 * max(s.words[0].size for s in rights)
            above = [s for s in lefts if s.base > top]  # a heading's last line, over both columns
            out.extend(PdfLine([s], frame, page_right) for s in above)
            lefts = [s for s in lefts if s.base <= top]
            frame += 1
            left_right = max((s.x1 for s in lefts), default=g0)
            out.extend(PdfLine([s], frame, left_right) for s in lefts)
            frame += 1
            out.extend(PdfLine([s], frame, page_right) for s in rights)
            frame += 1
        else:
            out.extend(PdfLine([s], frame, page_right) for s in lefts)
        band.clear()

    for row in sorted(by_row):
        if spans(row):
            flush()
            out.append(PdfLine(by_row[row], frame, page_right))
        else:
            band.append(row)
    flush()
    return out


def lines_of_pages(words_by_page: list[list[Word]]) -> list[list[PdfLine]]:
    """Each page's lines in reading order; frames are numbered across the document."""
    segments_by_page = [_segments(_rows(words)) for words in words_by_page]
    margin = statistics.median(max(s.x1 for s in segments) for segments in segments_by_page if segments)
    pages: list[list[PdfLine]] = []
    frame = 1
    for segments in segments_by_page:
        lines = _lines_in_order(segments, frame, margin)
        pages.append(lines)
        frame = max((line.frame for line in lines), default=frame) + 1
    return pages
