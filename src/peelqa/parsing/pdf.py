"""Read a PDF into lines and blocks from the geometry of its glyphs (pypdfium2).

The order glyphs are stored in means nothing: a page is rebuilt from where
each glyph sits. Glyphs become words where they touch, words become lines
where they share a baseline (spaces come from the gaps between words, never
from space glyphs), and small digits raised against the word before them are
footnote references, written as superscript digits. A page whose lines leave
a clear vertical gutter with text on both sides is read column by column,
with lines that run across the gutter (a chapter heading, the footnotes)
before and after. Within a column, a paragraph break is a larger gap than the
document's line spacing, a change of font size or weight, a first-line
indent, a bullet, or a footnote number. Cells of a row far apart become tab
separated, so a table reads as the text edition's tables do.

The text extracted this way (lines, blank lines between blocks, a form feed
between pages) is what passage offsets point into; it is the same for the
same bytes.
"""

from __future__ import annotations

import ctypes
import math
import re
import statistics
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate, islice

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..errors import ReportParseError
from . import shapes
from .blocks import Block, Line
from .source import Source

__all__ = ["read_pdf"]

# PDFium is not thread-safe: one document at a time in this process.
_PDFIUM = threading.Lock()

_EOF_WITHIN = 1024  # "%%EOF" must end the file, give or take trailing junk
_BOLD_WEIGHT = 600
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
_HYPHENS = str.maketrans({"\ufffe": "-", "\x02": "-", "\u2010": "-"})  # PDFium marks line-end ones
_SOFT_HYPHEN = "\u00ad"
_SOFT_HYPHEN_AT_END = re.compile(_SOFT_HYPHEN + r"(?=\s|$)")
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_NOTE_REF = re.compile(r"^[\d,*†‡]+$")

# Distances, as fractions of the font size.
_WORD_GAP = 0.12  # wider than this between glyphs: a space
_CELL_GAP = 1.0  # wider than this between words: another cell or column
_BASELINE_SLACK = 0.15  # words this close in height share a line
_SUPER_SIZE = 0.85  # a reference is set at most this size of its word…
_SUPER_RISE = (0.08, 0.75)  # … and raised by this much
_SUPER_GLUE = 0.3  # … right after it (or, heading a note, just before)
_PARAGRAPH_GAP = 0.3  # extra space above a line that starts a new block
_INDENT = 1.0  # a first-line indent
_SPACE_WIDTH = 0.3  # of a space, where the document shows none

# Column detection, as fractions of the width of the page's text.
_GUTTER_ZONE = (0.3, 0.7)
_NARROW = 0.6  # narrower than this: may sit in a column
_MIN_GUTTER = 6.0  # points
_MAX_PAGE_WIDTH = 20_000.0  # points; glyphs placed beyond any page are noise
_MIN_COLUMN_LINES = 3
_UNPAIRED = 0.3  # share of right-hand lines with no left-hand line beside them
_COLUMN_WIDTH = 0.25  # … or both sides are lines of text, not cells


@dataclass(slots=True)
class _Word:
    text: str
    x0: float
    x1: float
    base: float  # baseline
    size: float
    bold: bool
    sup: bool = False  # a footnote reference


@dataclass
class _Row:
    base: float
    size: float
    words: list[_Word] = field(default_factory=list)


@dataclass
class _Seg:
    """A run of words on one baseline: a line of a column, or one cell."""

    words: list[_Word]
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
class _PdfLine:
    cells: list[_Seg]
    frame: int
    right: float  # where lines of its frame end when full

    @property
    def words(self) -> list[_Word]:
        return [word for cell in self.cells for word in cell.words]

    @property
    def body(self) -> list[_Word]:
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


# -- reading glyphs -------------------------------------------------------------


class _Glyphs:
    """Boxes and styles of one page's glyphs, read through PDFium's C API."""

    def __init__(self, textpage: pdfium.PdfTextPage) -> None:
        self.handle = textpage.raw
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count) if count else ""
        if len(text) != count:  # characters beyond the BMP: one call each instead
            text = "".join(chr(pdfium_c.FPDFText_GetUnicode(self.handle, i)) for i in range(count))
        # same length: indices stay those of the glyphs
        self.text = _SOFT_HYPHEN_AT_END.sub("-", text.translate(_HYPHENS))
        self._rect = pdfium_c.FS_RECTF()
        self._x, self._y = ctypes.c_double(), ctypes.c_double()

    def box(self, i: int) -> tuple[float, float, float, float]:
        pdfium_c.FPDFText_GetLooseCharBox(self.handle, i, self._rect)
        rect = self._rect
        return rect.left, rect.right, rect.bottom, rect.top

    @staticmethod
    def sane(box: tuple[float, float, float, float]) -> bool:
        """A box on a page: finite, not absurdly far out, not upside down (NaN fails every comparison)."""
        left, right, bottom, top = box
        limit = _MAX_PAGE_WIDTH
        return -limit < left < limit and -limit < right < limit and -limit < bottom <= top < limit

    def word(self, i: int, text: str, box: tuple[float, float, float, float], like: _Word | None) -> _Word:
        """A word from glyph `i` on; `like` is a word on the same line in the same style, if known."""
        if like is not None:
            return _Word(text, box[0], box[1], like.base, like.size, like.bold)
        size = pdfium_c.FPDFText_GetFontSize(self.handle, i)
        if not (math.isfinite(size) and 0 < size < _MAX_PAGE_WIDTH):
            size = box[3] - box[2]
        bold = pdfium_c.FPDFText_GetFontWeight(self.handle, i) >= _BOLD_WEIGHT
        pdfium_c.FPDFText_GetCharOrigin(self.handle, i, self._x, self._y)
        base = self._y.value if math.isfinite(self._y.value) else box[2]
        return _Word(text, box[0], box[1], base, size, bold)


def _words(textpage: pdfium.PdfTextPage) -> list[_Word]:
    """The page's words, in stored order, from its glyphs' boxes.

    PDFium's own text puts whitespace between glyphs far apart; a run between
    two such breaks whose first and last glyphs sit alike is one word (two
    calls for its boxes), and any other run is split glyph by glyph.
    """
    glyphs = _Glyphs(textpage)
    words: list[_Word] = []
    previous: tuple[float, float, float, float] | None = None  # box of the last word's first glyph
    for run in re.finditer(r"\S+", glyphs.text):
        start, end = run.span()
        first = glyphs.box(start)
        last = glyphs.box(end - 1) if end - start > 1 else first
        height = first[3] - first[2]
        alike = (
            height > 0
            and glyphs.sane(first)
            and glyphs.sane(last)
            and abs((last[3] - last[2]) - height) <= 0.02 * height
            and abs(last[2] - first[2]) <= 0.02 * height
            and first[0] <= last[0]
            and last[1] - first[0] <= 1.2 * height * (end - start)
        )
        if not alike:
            words.extend(_split_run(glyphs, start, end))
            previous = None
            continue
        # the same line in the same style as the word before: its style and baseline carry over
        same_line = previous is not None and previous[2] == first[2] and previous[3] == first[3]
        box = (first[0], max(first[1], last[1]), first[2], first[3])
        words.append(glyphs.word(start, run.group().replace(_SOFT_HYPHEN, ""), box, words[-1] if same_line else None))
        previous = first
    return words


def _split_run(glyphs: _Glyphs, start: int, end: int) -> Iterator[_Word]:
    """Words of a run of glyphs with no whitespace between them, one glyph at a time."""
    word: _Word | None = None
    bottom = height = -1.0
    for i in range(start, end):
        box = glyphs.box(i)
        x0, x1, y0, y1 = box
        h = y1 - y0
        if h <= 0 or not glyphs.sane(box):
            continue  # no size, or off any page: nothing a reader sees
        if (
            word is not None
            and abs(h - height) <= 0.02 * h
            and abs(y0 - bottom) <= 0.02 * h
            and x0 >= word.x0 - 0.1 * word.size  # a ligature's letters share one box
            and x0 - word.x1 <= _WORD_GAP * word.size
        ):
            word.text += glyphs.text[i].replace(_SOFT_HYPHEN, "")
            word.x1 = max(word.x1, x1)
        else:
            if word is not None:
                yield word
            word = glyphs.word(i, glyphs.text[i].replace(_SOFT_HYPHEN, ""), box, None)
            height, bottom = h, y0
    if word is not None:
        yield word


def _rows(words: list[_Word]) -> list[_Row]:
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


def _reference_host(word: _Word, rows: list[_Row], at: int) -> _Row | None:
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
    segments = []
    for index, row in enumerate(rows):
        current: list[_Word] = []
        for word in row.words:
            if current and not word.sup and word.x0 - current[-1].x1 > _CELL_GAP * max(word.size, current[-1].size):
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
    if not 0 < span < _MAX_PAGE_WIDTH:
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


def _lines_in_order(segments: list[_Seg], first_frame: int, page_right: float) -> list[_PdfLine]:
    """The page's lines in reading order, each in its frame (a column or the full width).

    `page_right` is where full lines end: the document's right margin.
    """
    gutter = _gutter(segments)
    by_row: dict[int, list[_Seg]] = {}
    for seg in segments:
        by_row.setdefault(seg.row, []).append(seg)
    if gutter is None:
        return [_PdfLine(by_row[i], first_frame, page_right) for i in sorted(by_row)]

    g0, g1 = gutter
    middle = (g0 + g1) / 2
    out: list[_PdfLine] = []
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
            out.extend(_PdfLine([s], frame, page_right) for s in above)
            lefts = [s for s in lefts if s.base <= top]
            frame += 1
            left_right = max((s.x1 for s in lefts), default=g0)
            out.extend(_PdfLine([s], frame, left_right) for s in lefts)
            frame += 1
            out.extend(_PdfLine([s], frame, page_right) for s in rights)
            frame += 1
        else:
            out.extend(_PdfLine([s], frame, page_right) for s in lefts)
        band.clear()

    for row in sorted(by_row):
        if spans(row):
            flush()
            out.append(_PdfLine(by_row[row], frame, page_right))
        else:
            band.append(row)
    flush()
    return out


# -- blocks ----------------------------------------------------------------------


def _leadings(pages: list[list[_PdfLine]]) -> dict[float, float]:
    """The usual distance between baselines for each font size in the document."""
    seen: dict[float, Counter[float]] = {}
    for lines in pages:
        for before, line in zip(lines, lines[1:], strict=False):
            if before.frame == line.frame and before.size == line.size and not line.is_cells:
                distance = round(before.base - line.base, 1)
                if 0 < distance < 3 * line.size:
                    seen.setdefault(line.size, Counter())[distance] += 1
    return {size: counts.most_common(1)[0][0] for size, counts in seen.items()}


def _starts_block(before: _PdfLine, line: _PdfLine, block_first: _PdfLine, leading: dict[float, float]) -> bool:
    if line.frame != before.frame or line.words[0].sup:
        return True
    if line.is_cells != before.is_cells:
        return True
    distance = before.base - line.base
    if line.is_cells:
        return not 0 < distance <= 2.5 * line.size
    size, previous = line.size, before.size
    if abs(size - previous) > 0.1 * max(size, previous) or line.bold != before.bold:
        return True
    usual = leading.get(size, 1.25 * size)
    if not 0 < distance <= usual + _PARAGRAPH_GAP * size:
        return True
    if shapes.is_list_line(line.text) and not shapes.is_list_line(block_first.text):
        return True
    # a first-line indent; a hanging one (a bullet's or a note's next lines) is no break
    hanging = before is block_first or shapes.is_list_line(before.text) or before.words[0].sup
    return line.x0 - before.x0 > _INDENT * size and not hanging


def _space_width(pages: list[list[_PdfLine]]) -> float:
    """The width of a space, as a share of the font size: the usual gap between words."""
    gaps = [
        (b.x0 - a.x1) / a.size
        for lines in pages
        for line in lines
        for cell in line.cells
        for a, b in zip(cell.words, cell.words[1:], strict=False)
        if not a.sup and not b.sup and a.size == b.size and b.x0 > a.x1
    ]
    return max(statistics.median(gaps), _WORD_GAP) if gaps else _SPACE_WIDTH


def _measure(line: _PdfLine, space: float) -> tuple[float, float]:
    """Room left at the end of the line, and what its first word needs at the end of another, in spaces."""
    first = line.body[0]
    unit = space * first.size
    return (line.right - line.x1) / unit, (first.x1 - first.x0) / unit + 1.0


# -- the document ----------------------------------------------------------------


def _refuse(name: str, error: pdfium.PdfiumError) -> ReportParseError:
    if error.err_code == pdfium_c.FPDF_ERR_PASSWORD:
        return ReportParseError(f"{name}: the PDF is encrypted; save a copy without a password and try again")
    if error.err_code == pdfium_c.FPDF_ERR_SECURITY:
        return ReportParseError(f"{name}: the PDF uses an unsupported security handler")
    return ReportParseError(f"{name}: the PDF is damaged or truncated and cannot be read")


def _read_pages(data: bytes, name: str) -> tuple[list[list[_Word]], str | None]:
    if b"%%EOF" not in data[-_EOF_WITHIN:]:
        raise ReportParseError(f"{name}: the PDF is truncated (it does not end with %%EOF)")
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as error:
            raise _refuse(name, error) from None
        try:
            pages = []
            for index in range(len(document)):
                page = document[index]
                textpage = page.get_textpage()
                try:
                    pages.append(_words(textpage))
                finally:
                    textpage.close()
                    page.close()
            title = (document.get_metadata_value("Title") or "").strip() or None
        except pdfium.PdfiumError:
            raise ReportParseError(f"{name}: the PDF is damaged and cannot be read") from None
        finally:
            document.close()
    return pages, title


def _blocks(lines: list[_PdfLine], leading: dict[float, float]) -> list[list[_PdfLine]]:
    blocks: list[list[_PdfLine]] = []
    for line in lines:
        if blocks and not _starts_block(blocks[-1][-1], line, blocks[-1][0], leading):
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


def _pages_of_lines(words_by_page: list[list[_Word]]) -> list[list[_PdfLine]]:
    segments_by_page = [_segments(_rows(words)) for words in words_by_page]
    margin = statistics.median(max(s.x1 for s in segments) for segments in segments_by_page if segments)
    pages: list[list[_PdfLine]] = []
    frame = 1
    for segments in segments_by_page:
        lines = _lines_in_order(segments, frame, margin)
        pages.append(lines)
        frame = max((line.frame for line in lines), default=frame) + 1
    return pages


def _source(pages: list[list[_PdfLine]], title: str | None) -> Source:
    """The extracted text: lines, a blank line between blocks, a form feed between pages."""
    leading = _leadings(pages)
    space = _space_width(pages)
    parts: list[str] = []
    offset = 0
    blocks: list[Block] = []
    page_starts: list[int] = []

    def write(text: str) -> int:
        nonlocal offset
        parts.append(text)
        offset += len(text)
        return offset - len(text)

    for number, page in enumerate(pages, start=1):
        if number > 1:
            write("\f")
        page_starts.append(offset)
        for b, pdf_lines in enumerate(_blocks(page, leading)):
            if b:
                write("\n\n")
            block: list[Line] = []
            for i, pdf_line in enumerate(pdf_lines):
                if i:
                    write("\n")
                text = pdf_line.text.translate(_LIGATURES)
                start = write(text)
                room, lead = _measure(pdf_line, space)
                block.append(Line(text, start, start + len(text), number, pdf_line.frame, room, lead))
            blocks.append(Block(tuple(block)))
    return Source(text="".join(parts), blocks=tuple(blocks), page_starts=tuple(page_starts), title=title)


def read_pdf(data: bytes, name: str) -> Source:
    """Read the text of a PDF into blocks of lines.

    Raises:
        ReportParseError: the PDF is encrypted, damaged or truncated, or has no
            text layer (a scan).
    """
    words_by_page, title = _read_pages(data, name)
    if not any(words_by_page):
        raise ReportParseError(f"{name}: the PDF has no text layer (a scan?); run OCR on it first")
    return _source(_pages_of_lines(words_by_page), title)
