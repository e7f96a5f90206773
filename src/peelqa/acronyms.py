"""Acronyms a report defines, so a question may use either form.

Reports define them in the shapes "high tech crime units (HTCU)" and "an
organised crime group or OCG". A keyword query naming one form also searches
for the other: "Why is OCG mapping inconsistent?" finds "organised crime
groups", and "crime management unit" finds "CMU".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["Acronyms", "expand", "find_acronyms"]

# An acronym in brackets, or after "or", and the words just before it (at most ten).
_IN_BRACKETS = re.compile(r"\(([A-Z][A-Za-z]{1,9}?)s?\)")
_AFTER_OR = re.compile(r"(?<=\s)or (?:an? )?([A-Z]{2,10})s?\b")
_WORDS_BEFORE = {
    _IN_BRACKETS: re.compile(r"((?:[A-Za-z][\w'’,-]*\s+){1,10})$"),
    _AFTER_OR: re.compile(r"((?:[A-Za-z][\w'’-]*\s+){1,10})$"),
}
_LOOK_BACK = 400  # characters: ten words and then some
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


def _definitions(text: str, pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    """(words before, acronym) for each place `pattern` finds an acronym, left to right.

    Each acronym is found first and only then the words before it are read,
    not the other way round: reading words at every position backtracks ten
    words deep at each one, which made this the slowest step of a build.
    """
    found: list[tuple[str, str]] = []
    consumed = 0  # a definition's words never reach into the one before
    for match in pattern.finditer(text):
        window = text[max(consumed, match.start() - _LOOK_BACK) : match.start()]
        words = _WORDS_BEFORE[pattern].search(window)
        if words is None:
            continue
        found.append((words.group(1), match.group(1)))
        consumed = match.end()
    return found


def find_acronyms(texts: Iterable[str]) -> dict[str, str]:
    """Acronym → long form, for every acronym the texts define."""
    found: dict[str, str] = {}
    for text in texts:
        for pattern in (_IN_BRACKETS, _AFTER_OR):
            for words, acronym in _definitions(text, pattern):
                if not acronym[:2].isupper():
                    continue
                long_form = _long_form(words.replace(",", " ").split(), acronym)
                if long_form:
                    found.setdefault(acronym.upper(), long_form.lower())
    return found


def _prefix(word: str) -> str:
    return word[:-1] if len(word) > 4 else word  # "groups" still starts with "grou"


class Acronyms:
    """The acronyms of one index, compiled once, for expanding many questions."""

    def __init__(self, acronyms: dict[str, str]) -> None:
        self.acronyms = dict(acronyms)
        self._short = {acronym: re.compile(rf"\b{re.escape(acronym)}s?\b", re.I) for acronym in acronyms}
        # every word of the long form starts a word of the question, in order
        self._long = {
            acronym: (
                _prefix(long_form.split()[0]) if long_form.split() else "",
                re.compile(r"\b" + r"\w*\W+".join(re.escape(_prefix(w)) for w in long_form.split()) + r"\w*"),
            )
            for acronym, long_form in acronyms.items()
        }

    def others(self, question: str) -> list[str]:
        """The other form of each acronym `question` uses, in the index's order."""
        extra: list[str] = []
        lowered = question.lower()
        for acronym, long_form in self.acronyms.items():
            if self._short[acronym].search(question):
                extra.append(long_form)
                continue
            first, pattern = self._long[acronym]
            # a substring test first: most long forms share no word with a question
            if first in lowered and pattern.search(lowered):
                extra.append(acronym)
        return extra


def expand(question: str, acronyms: dict[str, str]) -> str:
    """`question` with the other form of each acronym it uses appended."""
    extra = Acronyms(acronyms).others(question)
    return question if not extra else f"{question} {' '.join(extra)}"
