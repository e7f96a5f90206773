"""A report's source read into lines: its text, its blocks and its pages.

Both readers produce a `Source`: `read_text` for the text edition (pages cut by
form feeds, if it has them) and `peelqa.parsing.pdf.read_pdf` for PDFs. What
follows them (running lines, unwrapping, structure) is shared.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace

from . import shapes
from .blocks import Block, Line, split_blocks

__all__ = ["Source", "read_text"]

_FIRST_WORD = re.compile(r"\S+")
# A text is hard-wrapped when enough of its lines run on to a next line in the same block.
_MIN_WRAPPED_LINES = 20
_WRAP_QUANTILE = 0.98  # the wrap width, ignoring the odd overlong line (a URL)


@dataclass(frozen=True)
class Source:
    text: str  # what every offset points into
    blocks: tuple[Block, ...]  # in reading order
    page_starts: tuple[int, ...] = ()  # offset where each page starts; () without pages
    title: str | None = None  # the title the file's own metadata gives, if any

    @property
    def pages(self) -> int | None:
        return len(self.page_starts) or None

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding `offset`, or None when the source has no pages."""
        if not self.page_starts:
            return None
        return max(bisect_right(self.page_starts, offset), 1)


def _wrap_width(blocks: list[Block]) -> int | None:
    """The width a hard-wrapped text was wrapped at, in characters (None if it was not)."""
    lengths = sorted(
        len(line.text)
        for block in blocks
        for line in block.lines[:-1]
        if "\t" not in line.text and not shapes.is_toc_line(line.text)
    )
    if len(lengths) < _MIN_WRAPPED_LINES:
        return None
    return lengths[min(int(len(lengths) * _WRAP_QUANTILE), len(lengths) - 1)]


def _measured(line: Line, width: int) -> Line:
    first = _FIRST_WORD.match(line.text)
    return replace(line, room=float(width - len(line.text)), lead=float(len(first.group()) + 1) if first else None)


def read_text(text: str) -> Source:
    """Read the text edition of a report: blocks at blank lines, pages at form feeds.

    In a hard-wrapped text every line also knows how full it is, so that a
    paragraph cut by a page break can be told from one that ended there.
    """
    blocks = split_blocks(text)
    page_starts: tuple[int, ...] = ()
    if "\f" in text:
        starts = [0] + [match.end() for match in re.finditer("\f", text)]
        if not text[starts[-1] :].strip():  # a final form feed ends the last page
            starts.pop()
        page_starts = tuple(starts)
        width = _wrap_width(blocks)
        if width is not None:
            blocks = [Block(tuple(_measured(line, width) for line in block.lines)) for block in blocks]
    return Source(text=text, blocks=tuple(blocks), page_starts=page_starts)
