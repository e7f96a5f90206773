"""What a question asks for, read from its form.

    list      "What are the areas for improvement …?": every item under a
              list heading, however many there are
    grades    "What grades did the force get?": every graded judgment
    judgment  "How was the force graded for …?": one graded judgment
    passages  anything else: the best passages

Rules read the exact words (a list heading, "graded"); a classifier fitted on
example questions (`peelqa.examples`), when the caller has it, reads paraphrases
("Where does the force fall short?"). A question that asks for a value
("how many …?") or a reason ("why …?") is never a list or grades question
by its examples alone.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache

from .examples import Likely
from .keywords import tokenize
from .kinds import IntentKind

__all__ = ["Intent", "asks_reason", "read_intent", "without_set_aside"]

# Headings under which inspection reports list items; the index adds any
# other list heading it finds.
STANDARD_LIST_HEADINGS = (
    "Areas for improvement",
    "Recommendations",
    "Causes of concern",
    "Cause of concern",
)
_ASKS_FOR_LIST = re.compile(
    r"\b(what|which|list|give|show|tell|name|summari[sz]e|all|any|were|are|there)\b", re.I
)
_GRADE_WORDS = re.compile(
    r"\b(grades?|graded|grading|judge?ments?|judged|rated|ratings?|verdicts?)\b"
    r"|\bhow (?:well |good )?(?:did|does|has) (?:the |\w+ )?(?:force|police|constabulary) (?:do|perform|fare|done)\b"
    r"|\b(?:is|was) (?:the |\w+ )?(?:force|police|constabulary) (?:good|outstanding|inadequate)\b",
    re.I,
)
# "Why …?" asks for a reason: near a list's examples by its topic ("a
# problem", "a concern"), it still wants the passages that explain.
_ASKS_REASON = re.compile(r"^\W*(?:and\s+|so\s+|but\s+)?why\b", re.I)
# "Apart from investigation, …", "… other than those on training": what a list question sets aside.
_SETS_ASIDE = re.compile(
    r"\b(?:apart from|aside from|other than|except(?: for)?|besides|excluding|not counting|leaving(?: aside)?|setting aside)"
    r"\s+([^,;:?.!]+?)(?:\s+aside)?\s*(?=[,;:?.!]|$)",
    re.I,
)
# Short names people use for list headings.
_HEADING_ALIASES = {re.compile(r"\bAFIs?\b"): "Areas for improvement"}
_TOPIC_NOISE = frozenset(
    tokenize(
        "what which list give show tell name summarise summarize all any were are there "
        "report reports force police inspection hmic hmicfrs did does get got identified "
        "found made make say says listed main key set gave given raised ask asked relate "
        "related relating regarding about need needs mention mentioned every each other else"
    )
)

_GRADE_NOISE = frozenset(
    tokenize(
        "grade graded grading judgment judgement judged rated rating verdict well good do perform fare "
        "outstanding inadequate"
    )
)


@dataclass(frozen=True)
class Intent:
    kind: IntentKind
    heading: str | None = None  # the list heading asked for
    instead_of: str | None = None  # the list heading the question named, which no report has
    leaving_out: tuple[str, ...] = ()  # keyword stems of what a list question sets aside ("apart from investigation")
    only_if_narrowed: bool = False  # a list only when its topic picks some of the items out, else passages
    topic: tuple[str, ...] = ()  # keyword stems left once the form is taken away


@lru_cache(maxsize=64)
def _heading_noun(heading: str) -> re.Pattern[str]:
    """The heading as a question writes it, of one item or many, its small words free ("a cause for concern")."""
    words = [re.escape(word.rstrip("s")) + "s?" if len(word) > 3 else r"\w+" for word in heading.lower().split()]
    return re.compile(r"\b" + r"\s+".join(words) + r"\b", re.I)


def _names_list(heading: str, question: str) -> bool:
    """Does the question name the heading's list itself, not only share its stems ("What did HMIC recommend …?")?"""
    return bool(_heading_noun(heading).search(question))


def asks_reason(question: str) -> bool:
    """Does the question ask why?"""
    return bool(_ASKS_REASON.match(question))


def without_set_aside(question: str) -> str:
    """The question without the clauses that set something aside."""
    kept = re.sub(r"\s+", " ", _SETS_ASIDE.sub("", question))
    return re.sub(r"\s+(?=[,;:?.!])", "", kept).strip(" ,;:")


def _set_aside(question: str) -> tuple[frozenset[str], frozenset[str]]:
    """The keyword stems of the clauses setting something aside, and of what they set aside.

    "Leaving investigations aside, …": {leav, investig, asid} and {investig}.
    """
    matches = list(_SETS_ASIDE.finditer(question))
    clauses = frozenset(stem for match in matches for stem in _stems(match.group(0)))
    return clauses, frozenset(stem for match in matches for stem in _stems(match.group(1)))


@lru_cache(maxsize=1024)  # headings recur in every question
def _stems(text: str) -> frozenset[str]:
    return frozenset(tokenize(text))


def read_intent(
    question: str,
    list_headings: Iterable[str] = (),
    *,
    words: Collection[str] | None = None,
    ignore: Collection[str] = (),
    likely: Likely | None = None,
    judged: Collection[str] | None = None,
    asks_value: bool = False,
) -> Intent:
    """Read what `question` asks for; `list_headings` are those the index holds.

    `words` are the question's keyword stems when the caller has them already;
    `ignore` are stems that say which reports to read (a force, a year), not
    what to find in them. `likely` is the form the example classifier
    gives it; `judged` the stems of the headings of the graded judgments, so a
    grades question whose topic names none of them ("Compare the grades")
    asks for every grade; `asks_value` says it wants a number or date.
    """
    aliased = question
    for alias, heading in _HEADING_ALIASES.items():
        aliased = alias.sub(heading.lower(), aliased)
    if words is None or aliased != question:
        words = _stems(aliased)
    words = set(words) - set(ignore)
    question = aliased
    headings = dict.fromkeys([*list_headings, *STANDARD_LIST_HEADINGS])
    held = [heading for heading in STANDARD_LIST_HEADINGS if heading in list_headings]
    aside_clause, aside = _set_aside(question)
    aside -= set(ignore)
    for heading in headings:
        stems = _stems(heading)
        if stems and stems <= words and _ASKS_FOR_LIST.search(question):
            topic = tuple(sorted(words - stems - _TOPIC_NOISE - aside_clause))
            leaving_out = tuple(sorted(aside - stems))
            if heading not in list_headings and held:
                # "every recommendation for improvement" of a report that sets areas for
                # improvement: the things it asks the force to change, under their own name.
                # "What did HMIC recommend about digital evidence?" uses only the verb: those of
                # the items about it, if any are ("… in its 2014 inspection": passages)
                topic = tuple(word for word in topic if word not in _stems(held[0]))
                return Intent(
                    IntentKind.LIST,
                    heading=held[0],
                    topic=topic,
                    instead_of=heading,
                    leaving_out=leaving_out,
                    only_if_narrowed=not _names_list(heading, question),
                )
            return Intent(IntentKind.LIST, heading=heading, topic=topic, leaving_out=leaving_out)
    if asks_value or asks_reason(question):
        likely = None
    form = likely.form_stems if likely is not None else frozenset()
    graded = likely is not None and likely.kind in (IntentKind.GRADES, IntentKind.JUDGMENT)
    if _GRADE_WORDS.search(question) or graded:
        # the form's words are no topic, but for those a judgment is about ("overall")
        framing = form - frozenset(judged or ()) if graded else frozenset()
        topic = tuple(sorted(words - _TOPIC_NOISE - _GRADE_NOISE - framing))
        names_one = bool(topic) if judged is None else not set(topic).isdisjoint(judged)
        # no subject left, or none a judgment is about ("What grades did the force get?"): every judgment,
        # with the words left, which retrieval weighs ("efficiency grade": a grade the reports do not give)
        return Intent(IntentKind.JUDGMENT, topic=topic) if names_one else Intent(IntentKind.GRADES, topic=topic)
    if likely is not None and likely.kind is IntentKind.LIST and likely.heading in headings:
        topic = tuple(sorted(words - _stems(likely.heading) - _TOPIC_NOISE - form - aside_clause))
        leaving_out = tuple(sorted(aside - _stems(likely.heading) - _TOPIC_NOISE))
        return Intent(IntentKind.LIST, heading=likely.heading, topic=topic, leaving_out=leaving_out)
    return Intent(IntentKind.PASSAGES)
