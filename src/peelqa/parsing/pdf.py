"""Read a PDF into blocks of lines, as the text edition is read (pypdfium2).

The order glyphs are stored in means nothing: `pdf_words` reads each page's
words from their glyphs' boxes, `pdf_columns` sets them in lines in reading
order, column by column, and this module cuts each frame's lines into
blocks. A paragraph break is a larger gap than the document's line spacing,
a change of font size or weight, a first-line indent, a bullet, or a
footnote number. Every line also says how much room its end left, in spaces,
so a paragraph cut by a page or column can be told from one that ended.

The text extracted this way (lines, blank lines between blocks, a form feed
between pages) is what passage offsets point into; it is the same for the
same bytes.
"""

from __future__ import annotations

import statistics
from collections import Counter

from ..errors import ReportParseError
from . import shapes
from .blocks import Block, Line
from .pdf_columns import PdfLine, lines_of_pages
from .pdf_words import WORD_GAP, read_words
from .source import Source

__all__ = ["read_pdf"]

_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})

# Distances, as fractions of the font size.
_PARAGRAPH_GAP = 0.3  # extra space above a line that starts a new block
_INDENT = 1.0  # a first-line indent
_SPACE_WIDTH = 0.3  # of a space, where the document shows none
_LEADING = 1.25  # line spacing where the document shows too little of it
_MAX_LEADING = 1.8  # wider spacing than this is between paragraphs
_MIN_LEADING_SAMPLES = 8


def _leadings(pages: list[list[PdfLine]]) -> dict[float, float]:
    """The usual distance between baselines for each font size in the document.

    Only sizes set in enough lines to tell line spacing from paragraph spacing
    count (a cover's few lines are all paragraphs); the others get the default.
    """
    seen: dict[float, Counter[float]] = {}
    for lines in pages:
        for before, line in zip(lines, lines[1:], strict=False):
            if before.frame == line.frame and before.size == line.size and not line.is_cells:
                distance = round(before.base - line.base, 1)
                if 0 < distance < _MAX_LEADING * line.size:
                    seen.setdefault(line.size, Counter())[distance] += 1
    return {
        size: counts.most_common(1)[0][0] for size, counts in seen.items() if counts.total() >= _MIN_LEADING_SAMPLES
    }


def _starts_block(before: PdfLine, line: PdfLine, block_first: PdfLine, leading: dict[float, float]) -> bool:
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
    usual = leading.get(size, _LEADING * size)
    if not 0 < distance <= usual + _PARAGRAPH_GAP * size:
        return True
    if shapes.is_list_line(line.text) and not shapes.is_list_line(block_first.text):
        return True
    # a first-line indent; a hanging one (a bullet's or a note's next lines) is no break
    hanging = before is block_first or shapes.is_list_line(before.text) or before.words[0].sup
    return line.x0 - before.x0 > _INDENT * size and not hanging


def _space_width(pages: list[list[PdfLine]]) -> float:
    """The width of a space, as a share of the font size: the usual gap between words."""
    gaps = [
        (b.x0 - a.x1) / a.size
        for lines in pages
        for line in lines
        for cell in line.cells
        for a, b in zip(cell.words, cell.words[1:], strict=False)
        if not a.sup and not b.sup and a.size == b.size and b.x0 > a.x1
    ]
    return max(statistics.median(gaps), WORD_GAP) if gaps else _SPACE_WIDTH


def _measure(line: PdfLine, space: float) -> tuple[float, float]:
    """Room left at the end of the line, and what its first word needs at the end of another, in spaces."""
    first = line.body[0]
    unit = space * first.size
    return (line.right - line.x1) / unit, (first.x1 - first.x0) / unit + 1.0


def _blocks(lines: list[PdfLine], leading: dict[float, float]) -> list[list[PdfLine]]:
    blocks: list[list[PdfLine]] = []
    for line in lines:
        if blocks and not _starts_block(blocks[-1][-1], line, blocks[-1][0], leading):
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


def _source(pages: list[list[PdfLine]], title: str | None) -> Source:
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
    words_by_page, title = read_words(data, name)
    if not any(words_by_page):
        raise ReportParseError(f"{name}: the PDF has no text layer (a scan?); run OCR on it first")
    return _source(lines_of_pages(words_by_page), title)
