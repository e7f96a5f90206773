"""Keyword tokens for the BM25 index: lower case, English stems, no stopwords.

Index and query go through the same function, so a stem such as "analyst"
matches "analysts" on both sides; numbers and acronyms ("999", "SCPO") stay.
A possessive ("force's", "force’s") is its word alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

__all__ = ["Token", "tokenize", "tokens"]

# Case-insensitive on the text as given, so each token keeps its place in it;
# the group is the word without a possessive ("force" of "force's").
_WORD = re.compile(r"([a-z0-9]+)(?:['’][a-z]+)?", re.I)
_STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself""".split()
)


@dataclass(frozen=True, slots=True)
class Token:
    """A keyword stem and the span of the word it came from."""

    stem: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokens(text: str) -> list[Token]:
    """The keyword tokens of `text` with their spans, in order."""
    words: list[tuple[str, int, int]] = []
    lowered = text.lower()
    # as `tokenize` reads it, unless lower case moves characters (a rare "İ")
    source = lowered if len(lowered) == len(text) else text
    for match in _WORD.finditer(source):
        word = match.group(1).lower()
        if word not in _STOPWORDS:
            words.append((word, match.start(), match.end()))
    stems = _stemmer().stemWords([w for w, _, _ in words])
    return [Token(stem, start, end) for stem, (_, start, end) in zip(stems, words, strict=True)]


def tokenize(text: str) -> list[str]:
    """Stemmed keyword tokens of `text`, in order."""
    words = _WORD.findall(text.lower())
    return list(_stemmer().stemWords([w for w in words if w not in _STOPWORDS]))
