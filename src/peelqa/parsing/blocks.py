"""Lines and blocks: the shape every source is read into before it is understood.

A `Line` is one line as the source set it (a physical line); a `Block` is a
run of lines with no paragraph break between them. A text file is cut into
blocks at blank lines (`split_blocks`); the PDF reader builds them from the
page geometry. Either way every line keeps its offsets into the source text,
the page it is on and, where the source knows, how full it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Block", "Line", "split_blocks"]

_LINE = re.compile(r"[^\n\f]*(?:\n|\f|$)")


@dataclass(frozen=True, slots=True)
class Line:
    text: str  # without the line break and surrounding whitespace
    start: int
    end: int
    page: int | None = None  # 1-based page of the source; None when it has no pages
    frame: int | None = None  # ordinal of the page or column in reading order
    # Free space left at the end of the line, and the width the line's first
    # word (and a space) would need at the end of the line before it, both in
    # widths of a space; None where unknown.
    room: float | None = None
    lead: float | None = None


@dataclass(frozen=True, slots=True)
class Block:
    lines: tuple[Line, ...]

    @property
    def start(self) -> int:
        return self.lines[0].start

    @property
    def end(self) -> int:
        return self.lines[-1].end

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def page(self) -> int | None:
        return self.lines[0].page


def split_blocks(text: str) -> list[Block]:
    """Split `text` at blank lines (whitespace-only lines count as blank) and form feeds.

    Offsets are character offsets into `text` and cover each line's visible
    characters, so `text[line.start:line.end]` is exactly `line.text`. A form
    feed ends a page: lines after the first one carry their page number (and
    the page as their frame); without form feeds `page` stays None.
    """
    paged = "\f" in text
    page = 1
    blocks: list[Block] = []
    current: list[Line] = []
    for match in _LINE.finditer(text):
        raw = match.group()
        if not raw:
            break
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            start = match.start() + lead
            number = page if paged else None
            current.append(Line(stripped, start, start + len(stripped), number, number))
        if (not stripped or raw.endswith("\f")) and current:
            blocks.append(Block(tuple(current)))
            current = []
        if raw.endswith("\f"):
            page += 1
    if current:
        blocks.append(Block(tuple(current)))
    return blocks
