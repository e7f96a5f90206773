"""A PDF's glyphs into words, page by page (pypdfium2).

Glyphs become words where they touch: PDFium's own text puts whitespace
between glyphs far apart, and within a run the boxes decide. Each word keeps
its box, baseline, font size and weight; nothing here depends on the order
the glyphs were stored in beyond the letters of one word. A PDF that cannot
be opened is refused here, with the reason.
"""

from __future__ import annotations

import ctypes
import math
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..errors import ReportParseError

__all__ = ["MAX_PAGE_WIDTH", "WORD_GAP", "Word", "read_words"]

# PDFium is not thread-safe: one document at a time in this process.
_PDFIUM = threading.Lock()

_EOF_WITHIN = 1024  # "%%EOF" must end the file, give or take trailing junk
_BOLD_WEIGHT = 600
_HYPHENS = str.maketrans({"\ufffe": "-", "\x02": "-", "\u2010": "-"})  # PDFium marks line-end ones
_SOFT_HYPHEN = "\u00ad"
_SOFT_HYPHEN_AT_END = re.compile(_SOFT_HYPHEN + r"(?=\s|$)")
WORD_GAP = 0.12  # of the font size: wider than this between glyphs, a space
MAX_PAGE_WIDTH = 20_000.0  # points; glyphs placed beyond any page are noise


@dataclass(slots=True)
class Word:
    """A word as drawn: its box across, baseline and style."""

    text: str
    x0: float
    x1: float
    base: float  # baseline
    size: float
    bold: bool
    sup: bool = False  # a footnote reference


class _Glyphs:
    """Boxes and styles of one page's glyphs, read through PDFium's C API."""

    def __init__(self, textpage: pdfium.PdfTextPage, styles: dict[tuple[float, int], tuple[float, float]]) -> None:
        self.handle = textpage.raw
        # (glyph height, weight) -> (font size, baseline above the box's bottom): glyphs that
        # share height and weight share a font, so these are read once per document
        self.styles = styles
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
        limit = MAX_PAGE_WIDTH
        return -limit < left < limit and -limit < right < limit and -limit < bottom <= top < limit

    def word(self, i: int, text: str, box: tuple[float, float, float, float], like: Word | None) -> Word:
        """A word from glyph `i` on; `like` is a word on the same line in the same style, if known."""
        if like is not None:
            return Word(text, box[0], box[1], like.base, like.size, like.bold)
        weight = pdfium_c.FPDFText_GetFontWeight(self.handle, i)
        key = (round(box[3] - box[2], 2), weight)
        style = self.styles.get(key)
        if style is None:
            size = pdfium_c.FPDFText_GetFontSize(self.handle, i)
            if not (math.isfinite(size) and 0 < size < MAX_PAGE_WIDTH):
                size = box[3] - box[2]
            pdfium_c.FPDFText_GetCharOrigin(self.handle, i, self._x, self._y)
            rise = self._y.value - box[2]
            style = self.styles[key] = (size, rise if math.isfinite(rise) and abs(rise) < size else 0.0)
        size, rise = style
        return Word(text, box[0], box[1], box[2] + rise, size, weight >= _BOLD_WEIGHT)


def _words(textpage: pdfium.PdfTextPage, styles: dict[tuple[float, int], tuple[float, float]]) -> list[Word]:
    """The page's words, in stored order, from its glyphs' boxes.

    PDFium's own text puts whitespace between glyphs far apart; a run between
    two such breaks whose first and last glyphs sit alike is one word (two
    calls for its boxes), and any other run is split glyph by glyph.
    """
    glyphs = _Glyphs(textpage, styles)
    words: list[Word] = []
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


def _split_run(glyphs: _Glyphs, start: int, end: int) -> Iterator[Word]:
    """Words of a run of glyphs with no whitespace between them, one glyph at a time."""
    word: Word | None = None
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
            and x0 - word.x1 <= WORD_GAP * word.size
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


def _refuse(name: str, error: pdfium.PdfiumError) -> ReportParseError:
    if error.err_code == pdfium_c.FPDF_ERR_PASSWORD:
        return ReportParseError(f"{name}: the PDF is encrypted; save a copy without a password and try again")
    if error.err_code == pdfium_c.FPDF_ERR_SECURITY:
        return ReportParseError(f"{name}: the PDF uses an unsupported security handler")
    return ReportParseError(f"{name}: the PDF is damaged or truncated and cannot be read")


def read_words(data: bytes, name: str) -> tuple[list[list[Word]], str | None]:
    """The words of each page of a PDF called `name`, and the title its metadata gives.

    Raises:
        ReportParseError: the PDF is truncated, encrypted, or damaged.
    """
    if b"%%EOF" not in data[-_EOF_WITHIN:]:
        raise ReportParseError(f"{name}: the PDF is truncated (it does not end with %%EOF)")
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as error:
            raise _refuse(name, error) from None
        try:
            pages = []
            styles: dict[tuple[float, int], tuple[float, float]] = {}
            for index in range(len(document)):
                page = document[index]
                textpage = page.get_textpage()
                try:
                    pages.append(_words(textpage, styles))
                finally:
                    textpage.close()
                    page.close()
            title = (document.get_metadata_value("Title") or "").strip() or None
        except pdfium.PdfiumError:
            raise ReportParseError(f"{name}: the PDF is damaged and cannot be read") from None
        finally:
            document.close()
    return pages, title
