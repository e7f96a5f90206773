"""Expected answer types: what kind of value a question asks for, and which texts hold one.

"How many …?" wants a count, "How long …?" a duration, "What share …?" a
percentage or rate, "When …?" a date, "What is the budget …?" a sum, "Who is the chief constable?" a name. A passage or sentence that holds a
value of that kind, next to the question's subject, answers better than one
that only talks about the subject.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from .keywords import tokenize
from .kinds import AnswerType

__all__ = ["asking_words", "expected_type", "holds_type"]

# Checked in order: "how many percent" is a share, "how many months" a duration,
# "how much does it cost" a sum.
_ASKS = (
    (
        AnswerType.MONEY,
        re.compile(
            r"\bbudgets?\b|\bcosts?\b|\bspend(?:s|ing)?\b|\bspent\b|\bfunding\b|\bsalar(?:y|ies)\b"
            r"|\bhow much money\b|\bpaid\b|£",
            re.I,
        ),
    ),
    (
        AnswerType.SHARE,
        re.compile(
            r"\b(?:what|which|by what|how big a|how large a)\s+(?:share|percentage|proportion|per ?cent|fraction|rate)\b"
            r"|\bhow many per ?cent\b|\bwhat per ?cent\b|\bpercentage\b|\bproportion\b"
            r"|\bwhat (?:is|was|are|were) the (?:\w+ )?(?:rate|share)\b"
            r"|\bby how much\b",  # a change, which reports give in percent
            re.I,
        ),
    ),
    (
        AnswerType.DURATION,
        re.compile(
            r"\bhow long\b|\b(?:response|waiting|wait|average|typical|usual) times?\b|\bhow (?:quickly|soon)\b"
            r"|\bhow much time\b|\bwhat (?:is|was) the time\b"
            r"|\bhow many (?:hours|days|weeks|months|years)\b|\bfor how much time\b",
            re.I,
        ),
    ),
    (
        AnswerType.DATE,
        re.compile(r"^\s*(?:and\s+)?when\b|\b(?:what|which) (?:date|year|month|day)\b|\bsince when\b", re.I),
    ),
    (
        AnswerType.PERSON,  # who holds a post, not who does a thing ("Who chairs …?" may be answered with a role)
        re.compile(
            r"^\s*(?:and\s+)?who\s+(?:is|was)\s+(?:the|its|their|\w+['’]s)\b"
            r"|\b(?:what|which)\s+(?:is|was|are|were)\s+the\s+names?\s+of\b|\bwhat\s+is\s+\w+['’]s\s+name\b",
            re.I,
        ),
    ),
    (
        AnswerType.COUNT,
        re.compile(
            r"\bhow many (?:times|occasions)\b|\bhow (?:many|much)\b|\bwhat (?:number|amount|total)\b"
            r"|\bnumber of\b|\bhow often\b",
            re.I,
        ),
    ),
)

_NUMBER_WORDS = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|hundred|thousand|million|several|few)"
_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
# What names a value rather than being one: a figure's number, a date, a period
# ("12 months to 30 June 2015"), a base ("per 1,000"). Taken out before counting.
_NOT_A_VALUE = re.compile(
    rf"\b(?:Figure|Table|Annex|paragraph|page)\s+\w+"
    rf"|\b\d{{1,2}}\s+{_MONTHS}(?:\s+\d{{4}})?|\b{_MONTHS}\s+\d{{4}}|\b(?:19|20)\d\d(?:/\d\d)?\b"
    rf"|\b\d+\s+months?\s+(?:to|ending)\s+(?:the\s+end\s+of\s+)?(?:\d{{1,2}}\s+)?{_MONTHS}|\bper\s+(?:one\s+)?[\d,]+\b|\bper\s+(?:thousand|million)\b",
    re.I,
)
_HOLDS = {
    AnswerType.COUNT: re.compile(rf"\d|\b{_NUMBER_WORDS}\b|\bonce\b|\btwice\b", re.I),
    AnswerType.DURATION: re.compile(
        rf"\b(?:\d[\d,.]*|{_NUMBER_WORDS}|a|an|every|each)\s+(?:\w+\s+)?(?:hours?|days?|weeks?|months?|years?)\b"
        r"|\b(?:daily|weekly|monthly|annually)\b",
        re.I,
    ),
    AnswerType.SHARE: re.compile(r"\d\s*(?:%|per ?cent\b)|\bhalf\b|\bthirds?\b|\bquarters?\b", re.I),
    AnswerType.DATE: re.compile(rf"\b{_MONTHS}\b|\b(?:19|20)\d\d\b", re.I),
    # an honorific or a rank before a capitalised name ("Mr Smith", "Chief Constable Jane Doe"); case matters
    AnswerType.PERSON: re.compile(
        r"\b(?:Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Lord|Lady|Baroness|Professor)\.?\s+[A-Z][a-z]+"
        r"|\b(?:Constable|Commissioner|Superintendent|Inspector|Sergeant|Detective|Chief)\s+[A-Z][a-z]+\s+[A-Z][a-z]+"
    ),
    AnswerType.MONEY: re.compile(r"[£$€]\s*\d|\b\d[\d,.]*\s*(?:pounds|euros|dollars)\b", re.I),
}
# A period a figure is for ("12 months to 30 June 2015") is no duration asked for.
_PERIOD = re.compile(
    rf"\b(?:\d+|twelve)\s+months?\s+(?:to|ending)\s+(?:the\s+end\s+of\s+)?(?:\d{{1,2}}\s+)?{_MONTHS}|\byear ending\b", re.I
)


def expected_type(question: str) -> AnswerType | None:
    """The kind of value `question` asks for, or None when it asks for no value."""
    for kind, asks in _ASKS:
        if asks.search(question):
            return kind
    return None


def asking_words(question: str) -> frozenset[str]:
    """The keyword stems of the words that ask for the value ("many", "long"): not its subject."""
    for _, asks in _ASKS:
        match = asks.search(question)
        if match:
            return frozenset(tokenize(match.group()))
    return frozenset()


def holds_type(texts: Sequence[str], kind: AnswerType) -> np.ndarray:
    """For each text, whether it holds a value of `kind` (a boolean array).

    Dates, periods and figure numbers are no counts or shares: "Figure 5:
    Percentage of victims satisfied … to 31 March 2015" holds neither.
    """
    holds = _HOLDS[kind]
    not_values = {AnswerType.DATE: None, AnswerType.PERSON: None, AnswerType.DURATION: _PERIOD}.get(kind, _NOT_A_VALUE)
    return np.fromiter(
        (holds.search(text if not_values is None else not_values.sub(" ", text)) is not None for text in texts),
        dtype=bool,
        count=len(texts),
    )
