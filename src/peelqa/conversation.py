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

    fragment    "And for serious and organised crime?", "What about
                investigation?", "In Dorset?": a connective or a preposition
                opens it. Its subject fills the previous frame's slot; one
                naming only a force or year replaces the scope; another year
                replaces the year; one opened by a preposition that does not
                name a subject ("across England and Wales") is added to the
                previous question; one asking for a list or grades ("And the
                areas for improvement?") changes the form and keeps the subject.
    connected   "And what were the areas for improvement?": a connective opens
                a question of its own, which takes the previous subject and
                scope if it names none.
    referring   "Why is that a concern?", "What did the inspectors recommend
                about it?", "Which of those are about digital evidence?": a
                pronoun stands for the previous subject (a plural one for a
                previous list: "the areas for improvement in …").
    standalone  anything else: returned unchanged, so it is answered exactly
                as without history, and nothing is analysed for it.

The scope carries into every follow-up whose words do not name it. The
resolved question is plain English built from the asker's own words, and it
is what retrieval runs on. Only what a question's form cannot tell is read
from its analysis (`Analyser.analyse`: intent, topic, reports named). Analyses
and turns are cached, and `QA.ask` hands over retrieval's analysis of each
question it answers (`Resolver.remember`), so a history question is analysed
(and encoded) once however often its conversation resends it.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from .keywords import Token, tokenize, tokens
from .kinds import IntentKind
from .query import Query
from .records import Report

__all__ = ["Resolver", "Turn"]

# Connectives that open a follow-up: "and", "what about", "the same for".
_CONNECTIVE = re.compile(
    r"^(?:(?:and|but|also|so|then|ok|okay|or)\b[\s,]*)*"
    r"(?:(?:what|how)\s+about\b|what\s+of\b|(?:the\s+)?same\s+for\b)?\s*",
    re.I,
)
# Prepositions that introduce what a question is about ("graded for …", "improvement in …")…
_TOPIC_PREPOSITIONS = frozenset("for in on about of regarding concerning with at into".split())
# …and those that qualify it ("across England and Wales", "since 2010").
_PREPOSITIONS = _TOPIC_PREPOSITIONS | frozenset(
    "to towards from by within over across since during between compared than after before among outside "
    "throughout versus against".split()
)
_QUESTION_START = re.compile(
    r"^(?:what|which|how|why|when|where|who|whom|whose|is|are|was|were|do|does|did|has|have|had|can|could|"
    r"should|would|will|list|give|show|tell|name|compare|summari[sz]e|describe|explain)\b",
    re.I,
)
_WORD = re.compile(r"[\w'’-]+")
_POSSESSIVE = re.compile(r"['’]s?$")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_NUMBER = re.compile(r"[\d.,%]+")
_ARTICLE = re.compile(r"\b(the|a|an)\s+$", re.I)
# Pronouns standing for something said before: "it" as an object or after an
# auxiliary ("does it manage"), not the "it" of "how long does it take";
# a demonstrative where a noun phrase goes, not the "that" of "found that …"
# nor the "those" of "those who …".
_IT = re.compile(
    r"\b(?:of|about|on|for|in|with|to|from|by|regarding|concerning|into|over|is|was|does|did|has|can|will)\s+"
    r"(it)\b(?!\s+(?:takes?|took|taking|true|possible|likely|the\s+case)\b)"
    r"|\b(it)\s*[?.!]*$",
    re.I,
)
_DEMONSTRATIVE = re.compile(
    r"\b(?:is|was|are|were|do|does|did|of|about|on|for|in|with|to|from|by|regarding|concerning|"
    r"explain|mean|means|cause|caused)\s+(this|that|these|those|them)\b"
    r"(?!\s+(?:who|whom|whose|which|that|\w+ing)\b)",
    re.I,
)
_PLURAL = frozenset({"these", "those", "them"})
# "How does that compare with England and Wales?": the pronoun stands for the previous
# answer, so the comparison is added to the previous question
_COMPARES = re.compile(
    r"^\W*(?:and\s+|so\s+)?(?:how\s+(?:does|do|did|is|was|are|were)\s+(?:that|this|it|these|those)\s+"
    r"(?:compare|stack\s+up|measure\s+up)\s+(?P<to>(?:with|to|against|next\s+to)\b.*?)"
    r"|(?:is|was|are|were)\s+(?:that|this|it|these|those)\s+(?:better|worse|higher|lower|more|less|above|below)"
    r"\s+(?:than\s+)?(?P<than>.*?))\W*$",
    re.I,
)
# An auxiliary and its subject before a question's first content word make that word its verb
# ("How does the force [tackle] anti-social behaviour?").
_AUXILIARY_BEFORE = re.compile(r"\b(?:do|does|did|can|could|will|would|should)\s+((?:[\w'’-]+\s+){0,3})$", re.I)
# Words that shape a question rather than say what it is about.
_FORM_STEMS = frozenset(
    tokenize(
        "force forces police constabulary report reports inspector inspectors inspection hmic hmicfrs "
        "tell show give list name explain describe say said find found get got many much long often "
        "well good effective effectively "
        "grade grades graded grading judgment judgement judged rated rating"
    )
)
# What may stand between the words of one phrase ("serious and organised crime").
_JOINING = re.compile(r"(?:[\s,'’-]|\b(?:and|or|of|for|to|the|a|an|its|their|in|on|with|from)\b)*", re.I)
_GRADE_FRAME = ("How was the force graded for ", "?")
_DEFAULT_PREPOSITION = {IntentKind.LIST: "in", IntentKind.JUDGMENT: "for", IntentKind.GRADES: "for"}
_CACHE_SIZE = 512
_K = TypeVar("_K")
_V = TypeVar("_V")


@dataclass(frozen=True)
class Turn:
    """What one question of a conversation leaves for the next to use."""

    before: str  # the question up to its subject's slot
    after: str  # from the slot to the end
    subject: str  # what fills the slot ("" for none)
    kind: IntentKind
    scope: str = ""  # the force or year named, as written
    listing: str = ""  # for a list: from its heading to the slot ("areas for improvement in ")
    article: str = ""  # "the" of "What is the Switch programme?", for the subject standing alone
    preposition: str = ""  # what leads the subject in ("graded for …"); "" where nothing does ("the overall judgment")

    @property
    def question(self) -> str:
        text = _with_scope(_join(self.before, self.subject, self.after), self.scope)
        return text[:1].upper() + text[1:]

    @property
    def referent(self) -> str:
        """What "it" stands for: the subject, with its article."""
        return f"{self.article} {self.subject}".strip() if self.subject else self.plural_referent

    @property
    def plural_referent(self) -> str:
        """What "those" stands for: a list itself, the grades, else the subject."""
        if self.kind is IntentKind.LIST and self.listing:
            listing = self.listing if self.subject else re.sub(r"\s*\b\w+\s*$", "", self.listing)
            return f"the {listing}{self.subject}".strip()
        if self.kind is IntentKind.GRADES:
            return "the grades"
        return f"{self.article} {self.subject}".strip()


def _join(before: str, subject: str, after: str) -> str:
    if not subject:  # no slot: the preposition that would lead a subject in goes too
        words = before.split()
        before = " ".join(words[:-1] if words and words[-1].lower() in _PREPOSITIONS else words)
    text = f"{before}{subject}{after}"
    return re.sub(r"\s+([?.,])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()


def _with_scope(question: str, scope: str) -> str:
    """The question naming its scope: as it already does, for "the force", or appended."""
    if not scope or scope.casefold() in question.casefold():
        return question
    if not scope.isdigit():
        named, count = re.subn(r"\bthe force\b", lambda _: scope, question, count=1, flags=re.I)
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


def _phrase(text: str, found: Sequence[Token]) -> str:
    """The words from the first to the last of `found`, with what leads into them ("how the force …")."""
    span = _span(found)
    if span is None:
        return ""
    start, _ = _slot_start(text, span[0])
    return text[start : span[1]]


def _opening(question: str) -> tuple[bool, str]:
    """Whether a connective opens the question, and what follows it."""
    opener = _CONNECTIVE.match(question)
    if opener is None or not opener.end():
        return False, question
    return True, question[opener.end() :]


class _Recent(Generic[_K, _V]):
    """Recent values by key, the least recently used dropped first; safe across threads.

    Written here rather than with `functools.lru_cache` because retrieval's
    analysis of each question asked is put in too (`Resolver.remember`), and
    a cache of bound methods would keep an old index alive after a swap.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._known: OrderedDict[_K, _V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: _K, compute: Callable[[_K], _V]) -> _V:
        with self._lock:
            if key in self._known:
                self._known.move_to_end(key)
                return self._known[key]
        value = compute(key)
        self.put(key, value)
        return value

    def put(self, key: _K, value: _V) -> None:
        with self._lock:
            self._known[key] = value
            self._known.move_to_end(key)
            if len(self._known) > self._size:
                self._known.popitem(last=False)


class Resolver:
    """Resolves follow-ups against their history for one index.

    `analyse` is `Analyser.analyse` (or anything with its contract); `reports`
    are the index's reports, to tell which of a question's words name its scope.
    """

    def __init__(self, analyse: Callable[[str], Query], reports: Mapping[str, Report]) -> None:
        self._analyse = analyse
        self._reports = reports
        self._analyses: _Recent[str, Query] = _Recent(_CACHE_SIZE)
        self._turns: _Recent[tuple[str, ...], Turn | None] = _Recent(_CACHE_SIZE)

    def resolve(self, question: str, history: Sequence[str] = ()) -> str:
        """The question as understood once the history (oldest first) is applied.

        A question that stands alone comes back unchanged.
        """
        if not history or not self.is_follow_up(question):
            return question
        turn = self._follow(self._turn(tuple(h.strip() for h in history if h.strip())), question)
        return question if turn is None else turn.question

    def remember(self, question: str, query: Query) -> None:
        """Keep retrieval's analysis of a question asked, for when it comes back as history."""
        self._analyses.put(question, query)

    def analysis(self, question: str) -> Query:
        """The question's analysis, computed once while it is asked about."""
        return self._analyses.get(question, self._analyse)

    @staticmethod
    def is_follow_up(question: str) -> bool:
        """Does the question's form say it goes on from an earlier one (a connective, a fragment, a pronoun)?"""
        connected, rest = _opening(question)
        first = _WORD.match(rest)
        return connected or bool(first and first.group().lower() in _PREPOSITIONS) or bool(_pronouns(question))

    # -- the conversation so far ----------------------------------------------

    def _turn(self, history: tuple[str, ...]) -> Turn | None:
        """The turn the last question of `history` leaves, each resolved against those before it."""
        return self._turns.get(history, self._read_turn) if history else None

    def _read_turn(self, history: tuple[str, ...]) -> Turn | None:
        question = history[-1]
        previous = self._turn(history[:-1]) if self.is_follow_up(question) else None
        return self._follow(previous, question) or self._standalone(question)

    def _follow(self, previous: Turn | None, question: str) -> Turn | None:
        """The turn of a follow-up, or None where it stands alone."""
        if previous is None:
            return None
        connected, rest = _opening(question)
        first = _WORD.match(rest)
        if first is None:
            return None
        preposition = first.group().lower() if first.group().lower() in _PREPOSITIONS else ""
        if _QUESTION_START.match(rest[first.end() :].lstrip() if preposition else rest):
            # a question of its own ("And how …?", "In what way …?")
            return self._connected(previous, rest) if connected else self._referring(previous, question)
        if connected or preposition:
            return self._fragment(previous, rest, preposition)
        return self._referring(previous, question)

    # -- reading one question ---------------------------------------------------

    def _scope_span(self, query: Query, found: Sequence[Token]) -> tuple[int, int] | None:
        """Where the question names its force or year, as one run of words."""
        naming: set[str] = set()
        for report_id in query.reports:
            report = self._reports.get(report_id)
            if report is not None:
                naming.update(tokenize(report.force or ""))
                naming.update([str(report.year)] if report.year is not None else [])
        force_words = set(tokenize("police constabulary service force"))
        run: list[Token] = []
        for token in found:
            if token.stem in naming and (run or token.stem not in force_words):
                run.append(token)
            elif run:
                break
        return _span(run)

    def _subject_tokens(self, query: Query, text: str, found: Sequence[Token]) -> list[Token]:
        """The words saying what the question is about: the intent's topic, else its content words."""
        if query.intent.kind is not IntentKind.PASSAGES:
            topic = set(query.intent.topic)
            return [t for t in found if t.stem in topic]
        content = [t for t in found if t.stem not in _FORM_STEMS]
        if len(content) > 1:
            auxiliary = _AUXILIARY_BEFORE.search(text[: content[0].start])
            if auxiliary and all(_is_filler(word) for word in auxiliary.group(1).split()):
                content = content[1:]  # its verb: the subject is what it acts on
        return content

    def _standalone(self, question: str) -> Turn:
        """The turn of a question read on its own."""
        query = self.analysis(question)
        found = tokens(question)
        scope_span = self._scope_span(query, found)
        scope = _POSSESSIVE.sub("", question[scope_span[0] : scope_span[1]]) if scope_span else ""
        outside = [t for t in found if scope_span is None or not scope_span[0] <= t.start < scope_span[1]]
        kind = query.intent.kind
        span = _span(_first_phrase(question, self._subject_tokens(query, question, outside)))
        article = preposition = ""
        if span is None:
            end = len(question.rstrip("?. "))
            preposition = _DEFAULT_PREPOSITION.get(kind, "about")
            before, after, subject = f"{question[:end]} {preposition} ", question[end:] or "?", ""
        else:
            start, preposition = _slot_start(question, span[0])
            before, subject, after = question[:start], question[start : span[1]], question[span[1] :]
            determiner = _ARTICLE.search(before)
            article = determiner.group(1).lower() if determiner else ""
        listing = ""
        if kind is IntentKind.LIST and query.intent.heading:
            heading = set(tokenize(query.intent.heading))
            first = next((t for t in found if t.stem in heading), None)
            if first is not None and first.start < len(before):
                listing = before[first.start :]
            else:
                listing = f"{query.intent.heading.lower()} {_DEFAULT_PREPOSITION[kind]} "
        return Turn(before, after, subject, kind, scope, listing, article, preposition)

    # -- follow-ups -------------------------------------------------------------

    def _fragment(self, previous: Turn, fragment: str, preposition: str) -> Turn:
        """The previous question with what the fragment says in place of what it changes."""
        # a fragment means "what about …?": read so, its form (a list, grades) is the one
        # the intent reader sees in a question of its own
        asked = f"What about {fragment}"
        query = self.analysis(asked)
        offset = len(asked) - len(fragment)
        found = tokens(fragment)
        scope_span = self._scope_span(query, [Token(t.stem, t.start + offset, t.end + offset) for t in found])
        scope = previous.scope
        if scope_span is not None:
            scope = _POSSESSIVE.sub("", asked[scope_span[0] : scope_span[1]])
            found = [t for t in found if not scope_span[0] <= t.start + offset < scope_span[1]]
        kind = query.intent.kind
        if kind is not IntentKind.PASSAGES:
            topic = set(query.intent.topic)
            subject = _phrase(fragment, [t for t in found if t.stem in topic]) or previous.subject
            if kind is IntentKind.LIST and query.intent.heading:
                listing = f"{query.intent.heading.lower()} in "
                return Turn(f"What are the {listing}", "?", subject, kind, scope, listing)
            return Turn(*_GRADE_FRAME, subject, IntentKind.JUDGMENT, scope, preposition="for")
        content = [t for t in found if t.stem not in _FORM_STEMS]
        if not content:
            return self._rescoped(previous, scope)
        if all(_NUMBER.fullmatch(t.stem) for t in content):
            return self._renumbered(previous, fragment, scope)
        if preposition and preposition not in _TOPIC_PREPOSITIONS:
            return replace(previous, after=f"{previous.after.rstrip(' ?.')} {fragment.strip(' ?.')}?", scope=scope)
        subject = _phrase(fragment, _first_phrase(fragment, content))
        if previous.kind is IntentKind.JUDGMENT and previous.subject and not previous.preposition:
            # "What was the overall judgment?" has no place for "preventing crime": ask it as a grade
            return Turn(*_GRADE_FRAME, subject, IntentKind.JUDGMENT, scope, preposition="for")
        return replace(previous, subject=subject, scope=scope)

    @staticmethod
    def _rescoped(previous: Turn, scope: str) -> Turn:
        """The same question of another force or year ("What about Dorset?")."""
        turn = replace(previous, scope=scope)
        if previous.scope and scope != previous.scope:
            old = re.compile(re.escape(previous.scope), re.I)
            turn = replace(
                turn,
                before=old.sub(lambda _: scope, turn.before),
                after=old.sub(lambda _: scope, turn.after),
                listing=old.sub(lambda _: scope, turn.listing),
            )
        return turn

    @staticmethod
    def _renumbered(previous: Turn, fragment: str, scope: str) -> Turn:
        """The same question of another year ("And in 2014?"): its year replaced, or the fragment added."""
        year = _YEAR.search(fragment)
        if year:
            for part in ("after", "before", "subject"):
                text = getattr(previous, part)
                named = list(_YEAR.finditer(text))
                if named:
                    last = named[-1]
                    changed = text[: last.start()] + year.group() + text[last.end() :]
                    return replace(previous, **{part: changed}, scope=scope)
        return replace(previous, after=f"{previous.after.rstrip(' ?.')} {fragment.strip(' ?.')}?", scope=scope)

    def _connected(self, previous: Turn, question: str) -> Turn | None:
        """A question of its own after a connective, given the subject and scope it leaves out."""
        if _pronouns(question):
            return self._referring(previous, question)
        turn = self._standalone(question)
        if turn.subject or not previous.subject:
            return replace(turn, scope=turn.scope or previous.scope) if previous.scope and not turn.scope else None
        return replace(turn, subject=previous.subject, scope=turn.scope or previous.scope)

    def _referring(self, previous: Turn, question: str) -> Turn | None:
        """The question with its first pronoun replaced by what it stands for."""
        if compares := _COMPARES.match(question):
            against = compares.group("to") or f"with {compares.group('than')}"
            against = re.sub(r"^(?:to|against|next\s+to)\b", "with", against.strip(), flags=re.I)
            return replace(previous, after=f"{previous.after.rstrip(' ?.')}, compared {against}?")
        pronouns = _pronouns(question)
        if not pronouns:
            return None
        start, end = pronouns[0]
        plural = question[start:end].lower() in _PLURAL
        referent = previous.plural_referent if plural else previous.referent
        if not referent:
            return None
        before, after = question[:start], question[end:]
        # where the follow-up names its own subject after a preposition ("… about digital
        # evidence"), that subject leads from here on; else what the pronoun stood for
        own = [t for t in tokens(after) if t.stem not in _FORM_STEMS]
        if plural and own:
            span = _span(_first_phrase(after, own))
            assert span is not None
            slot, preposition = _slot_start(after, span[0])
            if preposition:
                return Turn(
                    before + referent + after[:slot],
                    after[span[1] :],
                    after[slot : span[1]],
                    IntentKind.PASSAGES,
                    previous.scope,
                )
        return Turn(before, after, referent, IntentKind.PASSAGES, previous.scope)


def _pronouns(question: str) -> list[tuple[int, int]]:
    """The spans of the pronouns in `question` that stand for something said before."""
    spans = []
    for match in [*_IT.finditer(question), *_DEMONSTRATIVE.finditer(question)]:
        group = match.lastindex or 0
        spans.append((match.start(group), match.end(group)))
    return sorted(spans)
