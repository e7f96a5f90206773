"""Sentence boundaries in passage text, as character spans."""

from __future__ import annotations

import re

__all__ = ["split_sentences"]

# A sentence ends at . ! or ? (perhaps closed by a quote or bracket) before
# whitespace and a capital, a digit or an opening quote.
_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[A-Z0-9\"'“‘(])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|vs|cf|approx|no|nos|mr|mrs|ms|dr|st|para|fig|ref)|\b[A-Z])\.$",
    re.I,
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences in `text`, in order, covering all its words."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.start() + len(match.group().rstrip())
        head = text[start : match.start() + 1]
        if _ABBREVIATION.search(head) and not re.search(r"\b[A-Z]{2,}\.$", head):
            continue
        spans.append((start, end))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans
