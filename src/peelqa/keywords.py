"""Keyword tokens for the BM25 index: lower case, English stems, no stopwords.

Index and query go through the same function, so a stem such as "analyst"
matches "analysts" on both sides; numbers and acronyms ("999", "SCPO") stay.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

__all__ = ["tokenize"]

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself""".split()
)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Stemmed keyword tokens of `text`, in order."""
    words = [w.split("'")[0] for w in _TOKEN.findall(text.lower())]
    words = [w for w in words if w and w not in _STOPWORDS]
    return list(_stemmer().stemWords(words))
