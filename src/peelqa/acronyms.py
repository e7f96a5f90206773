"""Acronyms a report defines, so a question may use either form.

Reports define them in the shapes "high tech crime units (HTCU)" and "an
organised crime group or OCG". A keyword query naming one form also searches
for the other: "Why is OCG mapping inconsistent?" finds "organised crime
groups", and "crime management unit" finds "CMU".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["expand", "find_acronyms"]

_BRACKETED = re.compile(r"((?:[A-Za-z][\w'’,-]*\s+){1,10})\(([A-Z][A-Za-z]{1,9}?)s?\)")
_OR_FORM = re.compile(r"((?:[A-Za-z][\w'’-]*\s+){1,10})or (?:an? )?([A-Z]{2,10})s?\b")
_SMALL_WORDS = frozenset("of and the for in on to a an".split())


def _long_form(words: list[str], acronym: str) -> str | None:
    """The words at the end of `words` whose initials spell `acronym`."""
    letters = acronym.upper()
    picked: list[str] = []
    remaining = letters
    for word in reversed(words):
        parts = [p for p in re.split(r"[-–]", word) if p]
        initials = "".join(p[0].upper() for p in parts)
        if remaining.endswith(initials):
            picked.insert(0, word)
            remaining = remaining[: len(remaining) - len(initials)]
            if not remaining:
                return " ".join(picked)
        elif word.lower() in _SMALL_WORDS and picked:
            picked.insert(0, word)
        else:
            return None
    return None


def find_acronyms(texts: Iterable[str]) -> dict[str, str]:
    """Acronym → long form, for every acronym the texts define."""
    found: dict[str, str] = {}
    for text in texts:
        for pattern in (_BRACKETED, _OR_FORM):
            for match in pattern.finditer(text):
                acronym = match.group(2)
                if not acronym[:2].isupper():
                    continue
                long_form = _long_form(match.group(1).replace(",", " ").split(), acronym)
                if long_form:
                    found.setdefault(acronym.upper(), long_form.lower())
    return found


def expand(question: str, acronyms: dict[str, str]) -> str:
    """`question` with the other form of each acronym it uses appended."""
    extra: list[str] = []
    lowered = question.lower()
    for acronym, long_form in acronyms.items():
        if re.search(rf"\b{re.escape(acronym)}s?\b", question, re.I):
            extra.append(long_form)
        elif _contains_words(lowered, long_form):
            extra.append(acronym)
    return question if not extra else f"{question} {' '.join(extra)}"


def _contains_words(text: str, phrase: str) -> bool:
    """True when every word of `phrase` starts a word of `text`, in order (plurals allowed)."""
    pattern = r"\b" + r"\w*\W+".join(re.escape(w[:-1] if len(w) > 4 else w) for w in phrase.split()) + r"\w*"
    return re.search(pattern, text) is not None
