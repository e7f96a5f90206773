"""A follow-up and its conversation's history → a standalone question (DESIGN §4).

A conversation keeps, question by question, what a follow-up may leave out
(a `Turn`):

    frame    the question with a slot where its subject goes: "How was the
             force graded for {}?" (its form, and so its intent: list, grade
             or passages)
    subject  what it is about: "protecting vulnerable people"
    scope    the force or year it named, as written: "Kent Police"

A follow-up is read for what it lacks, and that is filled from the turn of
the question before it (itself resolved against the ones before it, so
chains work):

    elliptical  "And for serious and organised crime?", "What about
                investigation?", "In Dorset?": a connective or a preposition
                opens a fragment. Its subject fills the previous frame's slot;
                a fragment naming only a force or year replaces the scope; a
                fragment asking for a list or grades ("And the areas for
                improvement?") changes the form and keeps the subject.
    referring   "Why is that a concern?", "What did the inspectors recommend
                about it?", "Which of those are about digital evidence?": a
                pronoun stands for the previous subject (a plural one for a
                previous list: "the areas for improvement in …").
    standalone  anything else: returned unchanged, so it is answered exactly
                as without history, and nothing is analysed for it.

The scope carries into every follow-up whose words do not name it. The
resolved question is plain English built from the asker's own words, and it
is what retrieval runs on. Analyses (`Analyser.analyse`, which encodes) are
cached, so a history question is analysed once however often it is resent.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from .keywords import Token, tokenize, tokens
from .kinds import IntentKind
from .query import Query
from .records import Report

__all__ = ["Resolver", "Turn"]

# What opens a fragment: connectives ("and", "what about") and, alone, a preposition.
_CONNECTIVE = re.compile(
    r"^(?:(?:and|but|also|so|then|ok|okay|or)\b[\s,]*)*"
    r"(?:(?:what|how)\s+about\b|what\s+of\b|(?:and\s+)?(?:the\s+)?same\s+for\b)?\s*",
    re.I,
)
_PREPOSITIONS = frozenset(
    "for in on about of at with regarding concerning into around to towards from by within over".split()
)
# A fragment that goes on as a full question ("And how does …?") is read as one.
_QUESTION_START = re.compile(
    r"^(?:what|which|how|why|when|where|who|whom|whose|is|are|was|were|do|does|did|has|have|had|can|could|"
    r"should|would|will|list|give|show|tell|name|compare|summari[sz]e|describe|explain)\b",
    re.I,
)
_WORD = re.compile(r"[\w'’-]+")
_POSSESSIVE = re.compile(r"['’]s?$")
# Pronouns standing for something said before: "it", and a demonstrative
# where a noun phrase goes (after a verb, a preposition or a question word),
# not the "that" of "found that the force …".
_IT = re.compile(
    r"\b(?:of|about|on|for|in|with|to|from|by|regarding|concerning|into|over)\s+(it)\b|\b(it)\s*[?.!]*$", re.I
)
_DEMONSTRATIVE = re.compile(
    r"(?:\b(?:is|was|are|were|do|does|did|of|about|on|for|in|with|to|from|by|regarding|concerning|"
    r"explain|mean|means|cause|caused)\s+)(this|that|these|those|them)\b"
    r"(?!\s+(?:who|whom|whose|which|that|\w+ing)\b)",
    re.I,
)
# What may stand between the words of one phrase ("serious and organised crime").
_JOINING = re.compile(r"(?:[\s,'’-]|\b(?:and|or|of|for|to|the|a|an|its|their|in|on|with|from)\b)*", re.I)
_PLURAL = frozenset({"these", "those", "them"})
# Words that shape a question rather than say what it is about.
_FORM_STEMS = frozenset(
    tokenize(
        "force forces police constabulary report reports inspector inspectors inspection hmic hmicfrs "
        "tell show give list name explain describe say said find found get got many much long often "
        "grade grades graded grading judgment judgement judged rated rating"
    )
)
_GRADE_FRAME = "How was the force graded for {}?"
_LIST_FRAME = "What are the {heading} in {{}}?"
_DEFAULT_PREPOSITION = {IntentKind.LIST: "in", IntentKind.JUDGMENT: "for", IntentKind.GRADES: "for"}
_CACHE_SIZE = 512


@dataclass(frozen=True)
class Turn:
    """What one question of a conversation leaves for the next to use."""

    before: str  # the question up to its subject's slot
    after: str  # from the slot to the end
    subject: str  # what fills the slot ("" for none)
    kind: IntentKind
    scope: str = ""  # the force or year named, as written
    listing: str = ""  # for a list, what precedes the slot from its heading on ("areas for improvement in ")

    @property
    def question(self) -> str:
        return _with_scope(_join(self.before, self.subject, self.after), self.scope)

    @property
    def referent(self) -> str:
        """What "those" stands for: the list itself, else the subject."""
        if self.kind is IntentKind.LIST and self.listing:
            return f"the {self.listing}{self.subject}".strip()
        if self.kind is IntentKind.GRADES:
            return "the grades"
        return self.subject


def _join(before: str, subject: str, after: str) -> str:
    text = f"{before}{subject}{after}" if subject else f"{before.rstrip()}{after}"
    return re.sub(r"\s+([?.,])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()


def _with_scope(question: str, scope: str) -> str:
    """The question naming its scope: as it already does, for "the force", or appended."""
    if not scope or scope.casefold() in question.casefold():
        return question
    if not scope.isdigit():
        named, count = re.subn(r"\bthe force\b", scope, question, count=1, flags=re.I)
        if count:
            return named
    return f"{question.rstrip('?. ')} in {scope}?"


def _is_filler(word: str) -> bool:
    stems = tokenize(word)
    return not stems or stems[0] in _FORM_STEMS


def _slot_start(text: str, start: int) -> tuple[int, str]:
    """Where a subject starting at `start` begins once "in how the force" is taken in, and its preposition.

    Walks back over words that say nothing (stopwords, "force") to a
    preposition; the slot begins after it. Without one, it begins at `start`.
    """
    words = list(_WORD.finditer(text[:start]))
    begin = start
    for word in reversed(words[-6:]):
        lowered = word.group().lower()
        if lowered in _PREPOSITIONS:
            return begin, lowered
        if not _is_filler(lowered):
            break
        begin = word.start()
    return start, ""


def _span(found: Sequence[Token]) -> tuple[int, int] | None:
    return (found[0].start, found[-1].end) if found else None


def _first_phrase(text: str, found: Sequence[Token]) -> list[Token]:
    """The first run of `found` that reads as one phrase: "calls for assistance" of "… were there per 1,000 people"."""
    run = list(found[:1])
    for token in found[1:]:
        if not _JOINING.fullmatch(text[run[-1].end : token.start]):
            break
        run.append(token)
    return run


class Resolver:
    """Resolves follow-ups against their history for one index.

    `analyse` is `Analyser.analyse` (or anything with its contract); `reports`
    are the index's reports, to tell which of a question's words name its scope.
    """

    def __init__(self, analyse: Callable[[str], Query], reports: Mapping[str, Report]) -> None:
        self._analyse = analyse
        self._reports = reports
        self._lock = threading.Lock()
        self._analyses: OrderedDict[str, Query] = OrderedDict()
        self._turns: OrderedDict[tuple[str, ...], Turn | None] = OrderedDict()

    # -- the entry point -------------------------------------------------------

    def resolve(self, question: str, history: Sequence[str] = ()) -> str:
        """The question as understood once the history (oldest first) is applied.

        A question that stands alone comes back unchanged.
        """
        if not history or not self._is_follow_up(question):
            return question
        previous = self._turn(tuple(h.strip() for h in history if h.strip()))
        if previous is None:
            return question
        turn = self._next(previous, question)
        return question if turn is None else turn.question

    def _is_follow_up(self, question: str) -> bool:
        return self._fragment(question) is not None or bool(self._pronouns(question))

    # -- the conversation so far ----------------------------------------------

    def _turn(self, history: tuple[str, ...]) -> Turn | None:
        """The turn the last question of `history` leaves, each resolved against those before it."""
        if not history:
            return None
        with self._lock:
            if history in self._turns:
                self._turns.move_to_end(history)
                return self._turns[history]
        previous = self._turn(history[:-1])
        question = history[-1]
        turn = self._next(previous, question) if previous is not None and self._is_follow_up(question) else None
        if turn is None:
            turn = self._standalone(question)
        with self._lock:
            self._turns[history] = turn
            if len(self._turns) > _CACHE_SIZE:
                self._turns.popitem(last=False)
        return turn

    def _next(self, previous: Turn, question: str) -> Turn | None:
        fragment = self._fragment(question)
        if fragment is not None:
            return self._elliptical(previous, question, fragment)
        return self._referring(previous, question)

    # -- reading one question ---------------------------------------------------

    def analysis(self, question: str) -> Query:
        """The question's analysis, computed once while it is asked about."""
        with self._lock:
            if question in self._analyses:
                self._analyses.move_to_end(question)
                return self._analyses[question]
        query = self._analyse(question)
        with self._lock:
            self._analyses[question] = query
            if len(self._analyses) > _CACHE_SIZE:
                self._analyses.popitem(last=False)
        return query

    @staticmethod
    def _fragment(question: str) -> str | None:
        """What follows a fragment's opening ("serious and organised crime?"), or None if it is no fragment."""
        opener = _CONNECTIVE.match(question)
        rest = question[opener.end() :] if opener else question
        first = _WORD.match(rest)
        if not first:
            return None
        starts_with_preposition = first.group().lower() in _PREPOSITIONS
        if not (opener and opener.end()) and not starts_with_preposition:
            return None
        after = rest[first.end() :].lstrip() if starts_with_preposition else rest
        if _QUESTION_START.match(after):  # "And how does …?", "In what way …?": a question of its own
            return None
        return rest

    @staticmethod
    def _pronouns(question: str) -> list[re.Match[str]]:
        found = [m for m in _IT.finditer(question)]
        found += [m for m in _DEMONSTRATIVE.finditer(question)]
        return sorted(found, key=lambda m: m.start())

    def _scope_span(self, query: Query, found: Sequence[Token]) -> tuple[int, int] | None:
        """Where the question names its force or year, as one run of words."""
        if not query.reports:
            return None
        naming: set[str] = set()
        force_words = set(tokenize("police constabulary service force"))
        for report_id in query.reports:
            report = self._reports.get(report_id)
            if report is None:
                continue
            naming.update(tokenize(report.force or ""))
            if report.year is not None:
                naming.add(str(report.year))
        run: list[Token] = []
        for token in found:
            if token.stem in naming and (run or token.stem not in force_words):
                run.append(token)
            elif run:
                break
        return _span(run)

    def _subject_tokens(self, query: Query, found: Sequence[Token], scope: tuple[int, int] | None) -> list[Token]:
        """The words saying what the question is about: the intent's topic, else its content words."""
        outside = [t for t in found if scope is None or not scope[0] <= t.start < scope[1]]
        if query.intent.kind is IntentKind.PASSAGES:
            return [t for t in outside if t.stem not in _FORM_STEMS]
        topic = set(query.intent.topic)
        return [t for t in outside if t.stem in topic]

    def _standalone(self, question: str) -> Turn:
        """The turn of a question read on its own."""
        query = self.analysis(question)
        found = tokens(question)
        scope_span = self._scope_span(query, found)
        scope = _POSSESSIVE.sub("", question[scope_span[0] : scope_span[1]]) if scope_span else ""
        kind = query.intent.kind
        span = _span(_first_phrase(question, self._subject_tokens(query, found, scope_span)))
        if span is None:
            end = len(question.rstrip("?. "))
            preposition = _DEFAULT_PREPOSITION.get(kind, "about")
            before, after, subject = f"{question[:end]} {preposition} ", question[end:] or "?", ""
        else:
            start, _ = _slot_start(question, span[0])
            before, subject, after = question[:start], question[start : span[1]], question[span[1] :]
        listing = ""
        if kind is IntentKind.LIST and query.intent.heading:
            heading = set(tokenize(query.intent.heading))
            first = next((t for t in found if t.stem in heading), None)
            if first is not None and first.start < len(before):
                listing = before[first.start :]
            else:
                listing = f"{query.intent.heading.lower()} {_DEFAULT_PREPOSITION[kind]} "
        return Turn(before, after, subject, kind, scope, listing)

    # -- follow-ups -------------------------------------------------------------

    def _elliptical(self, previous: Turn, question: str, fragment: str) -> Turn:
        """The previous question with what the fragment says in place of what it changes."""
        # a fragment means "what about …?": read so, its form (a list, grades) is the one
        # the intent reader sees in a question of its own
        asked = f"What about {fragment}"
        query = self.analysis(asked)
        found = tokens(fragment)
        offset = len(asked) - len(fragment)
        scope_span = self._scope_span(query, [Token(t.stem, t.start + offset, t.end + offset) for t in found])
        scope = previous.scope
        if scope_span is not None:
            scope = _POSSESSIVE.sub("", asked[scope_span[0] : scope_span[1]])
        named = [
            t for t in found if scope_span is None or not scope_span[0] <= t.start + offset < scope_span[1]
        ]
        kind = query.intent.kind
        if kind is IntentKind.LIST and query.intent.heading:
            topic = set(query.intent.topic)
            subject_tokens = [t for t in named if t.stem in topic]
            subject = self._phrase(fragment, subject_tokens) or previous.subject
            listing = f"{query.intent.heading.lower()} in "
            before, after = _LIST_FRAME.format(heading=query.intent.heading.lower()).split("{}")
            return Turn(before, after, subject, kind, scope, listing)
        if kind in (IntentKind.GRADES, IntentKind.JUDGMENT):
            topic = set(query.intent.topic)
            subject = self._phrase(fragment, [t for t in named if t.stem in topic]) or previous.subject
            before, after = _GRADE_FRAME.split("{}")
            return Turn(before, after, subject, IntentKind.JUDGMENT, scope)
        content = [t for t in named if t.stem not in _FORM_STEMS]
        if not content:  # only a force or a year: the same question of them
            if scope_span is None:
                return previous
            old = previous.scope
            turn = replace(previous, scope=scope)
            if old:
                turn = replace(
                    turn,
                    before=re.sub(re.escape(old), scope, turn.before, flags=re.I),
                    after=re.sub(re.escape(old), scope, turn.after, flags=re.I),
                )
            return turn
        return replace(previous, subject=self._phrase(fragment, _first_phrase(fragment, content)), scope=scope)

    @staticmethod
    def _phrase(text: str, found: Sequence[Token]) -> str:
        """The words from the first to the last of `found`, with what leads into them ("how the force …")."""
        span = _span(found)
        if span is None:
            return ""
        start, _ = _slot_start(text, span[0])
        return text[start : span[1]]

    def _referring(self, previous: Turn, question: str) -> Turn | None:
        """The question with its pronouns replaced by what they stand for."""
        pronouns = self._pronouns(question)
        if not pronouns or not previous.subject and not previous.referent:
            return None
        first = pronouns[0]
        word = first.group(first.lastindex or 0)
        start = first.start(first.lastindex or 0)
        end = first.end(first.lastindex or 0)
        plural = word.lower() in _PLURAL
        referent = previous.referent if plural else (previous.subject or previous.referent)
        if not referent:
            return None
        before, after = question[:start], question[end:]
        # the follow-up's own subject, where it names one ("… about digital evidence"), leads from here on
        own = [t for t in tokens(after) if t.stem not in _FORM_STEMS]
        if plural and own:
            span = _span(own)
            assert span is not None
            slot, preposition = _slot_start(after, span[0])
            if preposition:
                return Turn(
                    before + referent + after[:slot], after[span[1] :], after[slot : span[1]], IntentKind.PASSAGES, previous.scope
                )
        return Turn(before, after, referent, IntentKind.PASSAGES, previous.scope)
