"""Split source text into blocks: runs of non-blank lines, with their offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Block", "Line", "split_blocks"]

_LINE = re.compile(r"[^\n]*\n?")


@dataclass(frozen=True, slots=True)
class Line:
    text: str  # without the line break and surrounding whitespace
    start: int
    end: int


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


def split_blocks(text: str) -> list[Block]:
    """Split `text` at blank lines (whitespace-only lines count as blank).

    Offsets are character offsets into `text` and cover each line's visible
    characters, so `text[line.start:line.end]` is exactly `line.text`.
    """
    blocks: list[Block] = []
    current: list[Line] = []
    for match in _LINE.finditer(text):
        raw = match.group()
        if not raw:
            break
        stripped = raw.strip()
        if not stripped:
            if current:
                blocks.append(Block(tuple(current)))
                current = []
            continue
        lead = len(raw) - len(raw.lstrip())
        start = match.start() + lead
        current.append(Line(stripped, start, start + len(stripped)))
    if current:
        blocks.append(Block(tuple(current)))
    return blocks
