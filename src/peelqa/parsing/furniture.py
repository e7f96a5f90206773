"""Running headers and page-number footers: found by repetition, removed, read for labels.

A line is page furniture when, with its digits masked, it recurs near the top
or the bottom of many pages ("PEEL: Police effectiveness 2015 – Wiltshire
Police", "12"). Such lines are dropped from the text, and a footer that is a
page number gives the page its printed label. A source without pages, or with
too few, is left as it is.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from .blocks import Block, Line

__all__ = ["strip_running_lines"]

_BAND = 2  # lines at each end of a page that may be a header or a footer
_MIN_PAGES = 3
_MIN_SHARE = 0.4  # of the pages with text
_MAX_WORDS = 14
_DIGITS = re.compile(r"\d+")
_ROMAN = re.compile(r"^[ivxlcdm]+$", re.I)
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?(\d{1,4}|[ivxlcdm]{1,7})(?:\s+of\s+\d{1,4})?$", re.I)


def _key(text: str) -> str:
    stripped = " ".join(text.split()).lower()
    if _ROMAN.match(stripped):
        return "#"
    return _DIGITS.sub("#", stripped)


def _bands(blocks: Sequence[Block]) -> dict[int, list[tuple[str, Line]]]:
    """The lines at the top and the bottom of each page, each keyed by its place and masked text.

    The place counts: a page number is the last line of a page, while the
    same digits one line up are a value of a figure that happens to end there.
    """
    by_page: dict[int, list[Line]] = defaultdict(list)
    for block in blocks:
        for line in block.lines:
            if line.page is not None:
                by_page[line.page].append(line)
    bands: dict[int, list[tuple[str, Line]]] = {}
    for page, lines in by_page.items():
        top = [(f"top{i}:{_key(line.text)}", line) for i, line in enumerate(lines[:_BAND])]
        bottom_lines = lines[max(_BAND, len(lines) - _BAND) :]
        bottom = [(f"bottom{len(bottom_lines) - 1 - i}:{_key(line.text)}", line) for i, line in enumerate(bottom_lines)]
        bands[page] = [(key, line) for key, line in top + bottom if len(line.text.split()) <= _MAX_WORDS]
    return bands


def strip_running_lines(blocks: Sequence[Block]) -> tuple[list[Block], dict[int, str]]:
    """Drop running headers and footers; return the blocks left and each page's printed label."""
    bands = _bands(blocks)
    if len(bands) < _MIN_PAGES:
        return list(blocks), {}
    pages_with: Counter[str] = Counter()
    for keyed in bands.values():
        pages_with.update({key for key, _ in keyed})
    threshold = max(_MIN_PAGES, _MIN_SHARE * len(bands))
    running = {key for key, count in pages_with.items() if count >= threshold}
    if not running:
        return list(blocks), {}
    dropped: set[int] = set()
    labels: dict[int, str] = {}
    for page, keyed in bands.items():
        for key, line in keyed:
            if key in running:
                dropped.add(line.start)
                if match := _PAGE_NUMBER.match(line.text.strip()):
                    labels.setdefault(page, match.group(1))
    kept: list[Block] = []
    for block in blocks:
        lines = tuple(line for line in block.lines if line.start not in dropped)
        if lines:
            kept.append(Block(lines))
    return kept, labels
