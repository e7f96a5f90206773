"""What gets indexed for each passage: the text a reader sees around it.

A passage is embedded with the headings it sits under, and a list item also
with the sentence that introduces its list ("The public expects … to:"). The
passage's own text, and so every citation, stays exactly as parsed.
"""

from __future__ import annotations

from collections.abc import Sequence

from .kinds import PassageKind
from .records import Passage

__all__ = ["CONTEXT_VERSION", "index_texts"]

# Bump when the indexed text changes, so existing indexes are rebuilt.
CONTEXT_VERSION = 1
_HEADINGS_KEPT = 2


def _lead_in(passage: Passage, before: Sequence[Passage]) -> str | None:
    """The sentence that opens the list a list item belongs to, if there is one."""
    for previous in reversed(before):
        if previous.section != passage.section:
            return None
        if previous.kind is PassageKind.LIST_ITEM:
            continue
        return previous.text if previous.text.endswith(":") else None
    return None


def index_texts(passages: Sequence[Passage]) -> list[str]:
    """The text to index for each passage, in the same order."""
    texts: list[str] = []
    for i, passage in enumerate(passages):
        parts = []
        if passage.section:
            parts.append(" › ".join(passage.section[-_HEADINGS_KEPT:]))
        if passage.kind is PassageKind.LIST_ITEM:
            lead = _lead_in(passage, passages[max(0, i - 50) : i])
            if lead:
                parts.append(lead)
        parts.append(passage.text)
        texts.append("\n".join(parts))
    return texts
