"""Footnote markers and inline clean-up.

PDF-to-text tools render footnote references as Unicode superscripts
("victims.² However") or as "^{8 9 10}". Passage text never carries them:
they are stripped everywhere, and the numbers are kept beside the text.
"""

from __future__ import annotations

import re

__all__ = [
    "clean_inline",
    "footnote_head",
    "strip_note_marks",
    "superscript_to_int",
]

_SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_TO_ASCII = str.maketrans(_SUPERSCRIPT_DIGITS, "0123456789")

_NOTE_MARK = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+|\^\{\s*\d+(?:[\s,]+\d+)*\s*\}")
_FOOTNOTE_HEAD = re.compile(r"^(?:([⁰¹²³⁴⁵⁶⁷⁸⁹]+)|\^\{\s*(\d+)\s*\})\s*(?=\S)(.*)$", re.S)
_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")
_SPACE_BEFORE_PUNCT = re.compile(r" +([,.;:?!)])")


def superscript_to_int(marker: str) -> int:
    """Read "¹⁰" or "10" as 10."""
    return int(marker.translate(_TO_ASCII))


def strip_note_marks(text: str) -> tuple[str, tuple[int, ...]]:
    """Remove footnote markers from `text`; return the text and the numbers."""
    refs: list[int] = []

    def _take(match: re.Match[str]) -> str:
        refs.extend(int(n) for n in re.findall(r"\d+", match.group().translate(_TO_ASCII)))
        return " "

    stripped = _NOTE_MARK.sub(_take, text)
    return stripped, tuple(refs)


def footnote_head(text: str) -> tuple[int, str] | None:
    """Split a footnote block into its number and body, or None if it is not one."""
    match = _FOOTNOTE_HEAD.match(text)
    if not match:
        return None
    number = match.group(1) or match.group(2)
    return superscript_to_int(number), match.group(3)


def clean_inline(text: str) -> str:
    """Join a block's lines and tidy what the converter left behind.

    Markdown-style *italics* lose their asterisks, runs of spaces collapse and
    no space is left before closing punctuation.
    """
    text = " ".join(part.strip() for part in text.splitlines())
    text = _ITALIC.sub(r"\1", text)
    text = _SPACES.sub(" ", text).strip()
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text)
