"""A question analysed once: its words, keywords and their weights, the names
it uses, its vector, what it asks for, and the reports it names.

Retrieval and answer composition read these fields; nothing downstream
tokenises the question again, expands its acronyms again or encodes it twice.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .acronyms import Acronyms
from .answer_types import asking_words, expected_type
from .examples import Likely, fitted_examples
from .index import Index
from .index.postings import TermQuery
from .intents import Intent, asks_reason, read_intent, without_set_aside
from .keywords import Token, tokenize, tokens
from .kinds import AnswerType, PassageKind
from .near_terms import NearTerms
from .records import Report

__all__ = ["Analyser", "Query", "QueryEncoder"]

# Words a question names things with: capitalised after its first word, all
# capitals, or holding digits ("Operation Holcroft", "GAIN", "999").
_NAME_LIKE = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w'-]*|\b\w*\d\w*")
# What makes a force's name the name of a force; people leave these words out
# ("Wiltshire" for "Wiltshire Police", "Avon and Somerset" for "… Constabulary").
_FORCE_WORDS = frozenset(tokenize("police constabulary service force"))
_YEAR = re.compile(r"(?:19|20)\d\d")
_POSSESSIVE = re.compile(r"['’]s?$")
# "Greater Manchester Police", "the Metropolitan Police": a force named as people name one.
_FORCE_NAME = re.compile(r"\b((?:[A-Z][\w'’-]*\s+(?:and\s+)?)*[A-Z][\w'’-]*)\s+(?:Police|Constabulary)\b")


class QueryEncoder(Protocol):
    """What analysis needs from an encoder (`peelqa.embedding.Encoder` is one)."""

    def encode_query(self, text: str) -> np.ndarray: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True, kw_only=True)
class Query:
    """Everything the rest of the question's path reads, computed once."""

    text: str
    words: tuple[str, ...]  # keyword stems of the question, in order
    keywords: tuple[str, ...]  # the words and the other form of each acronym used: the BM25 query
    terms: TermQuery  # the keywords as the index's term ids, with how often each occurs
    weights: dict[str, float]  # IDF of each distinct keyword the index holds, in first-use order
    term_weights: np.ndarray  # the same IDF, aligned with terms.ids
    names: frozenset[str]  # stems of the words it names things with
    vector: np.ndarray  # (1, dimension) unit vector
    intent: Intent
    reports: frozenset[str]  # reports of the forces and years it names; empty when it names none
    answer_type: AnswerType | None = None  # the kind of value it asks for ("how many …?": a count)
    asks_reason: bool = False  # "Why …?"
    subject: tuple[str, ...] = ()  # its stems without those naming reports or asking for a value
    strangers: tuple[str, ...] = ()  # names and years it uses, as written, that no report holds ("2019")
    unknown: tuple[str, ...] = ()  # its other stems that no passage holds ("weather")
    years: tuple[str, ...] = ()  # years it names that choose no report and some report holds ("to March 2014")

    def topic_share(self, headings: Sequence[str]) -> float:
        """How much of the intent's topic (IDF-weighted) the headings name."""
        named = set(tokenize(" ".join(headings)))
        return sum(self.weights.get(token, 0.0) for token in self.intent.topic if token in named)


class _ReportNames:
    """The forces and years of an index's reports, as a question may name them."""

    def __init__(self, reports: Iterable[Report]) -> None:
        reports = list(reports)
        self.forces: dict[tuple[str, ...], set[str]] = {}
        for report in reports:
            full = tuple(tokenize(report.force or ""))
            short = tuple(t for t in full if t not in _FORCE_WORDS)
            for name in {full, short}:
                if name and set(name) - _FORCE_WORDS:
                    self.forces.setdefault(name, set()).add(report.id)
        self.longest = max((len(name) for name in self.forces), default=0)
        self.report_years = {str(report.year) for report in reports if report.year is not None}
        years: dict[str, set[str]] = {}
        for report in reports:
            if report.year is not None:
                years.setdefault(str(report.year), set()).add(report.id)
        self.years = years if len(years) > 1 else {}  # a year narrows only where reports differ by year

    def named(self, words: Sequence[str]) -> tuple[frozenset[str], frozenset[str]]:
        """The reports of every force the words name, kept to the years they name; and those words."""
        forces: set[str] = set()
        naming: set[str] = set()
        for size in range(1, self.longest + 1):
            for start in range(len(words) - size + 1):
                name = tuple(words[start : start + size])
                if name in self.forces:
                    forces |= self.forces[name]
                    naming.update(name)
        years: set[str] = set()
        for word in words:
            if _YEAR.fullmatch(word) and word in self.years:
                years |= self.years[word]
                naming.add(word)
        if forces and years:
            return frozenset(forces & years or forces), frozenset(naming)  # a year it has no report of
        return frozenset(forces or years), frozenset(naming)


class Analyser:
    """Analyses questions for one index, with what it knows compiled once."""

    def __init__(self, index: Index, encoder: QueryEncoder, list_headings: Sequence[str]) -> None:
        self.index = index
        self.encoder = encoder
        self.list_headings = tuple(list_headings)
        self._acronyms = Acronyms(index.acronyms)
        self._names = _ReportNames(index.reports.values())
        self._examples = fitted_examples(encoder)
        self.near_terms = NearTerms(index, encoder)
        # a year only covers hold is when reports came out, not one they report on
        covers = [index.passages[row].text for row in index.rows_of_kind(PassageKind.COVER).tolist()]
        cover_years = Counter(year for text in covers for year in set(tokenize(text)) if _YEAR.fullmatch(year))
        self._cover_years = frozenset(year for year, n in cover_years.items() if index.document_frequency(year) == n)
        # the words of the headings the graded judgments sit under: what a grades question may be about
        self._judged = frozenset(
            tokenize(" ".join(heading for row in index.judgment_rows.tolist() for heading in index.passages[row].section))
        )

    def _likely_form(self, vectors: np.ndarray) -> Likely | None:
        """The likeliest list or grades form of any of these readings of one question, or None."""
        forms = [likely for likely in map(self._examples.nearest, vectors) if likely is not None]
        return max(forms, key=lambda likely: likely.probability, default=None)

    def analyse(self, question: str) -> Query:
        found = tokens(question)
        words = tuple(t.stem for t in found)
        extra = self._acronyms.others(question)
        keywords = words + tuple(tokenize(" ".join(extra))) if extra else words
        terms = self.index.terms(keywords)
        spans = [(m.start(), m.end()) for m in _NAME_LIKE.finditer(question)]
        names = frozenset(t.stem for t in found if any(start <= t.start < end for start, end in spans))
        reports, naming = self._names.named(words)
        answer_type = expected_type(question)
        known = self.index.postings.ids(list(words)) >= 0
        unknown = tuple(dict.fromkeys(w for w, held in zip(words, known.tolist(), strict=True) if not held))
        # the words the index lacks, as written, encoded in the question's own pass
        unread = set(unknown) - naming - names
        missing = list(dict.fromkeys(question[t.start : t.end] for t in found if t.stem in unread))
        # "Apart from investigation, where …?": its form is read with and without what it sets aside
        kept = without_set_aside(question)
        asides = [kept] if kept != question and any(c.isalnum() for c in kept) else []
        if missing or asides:
            vectors = self.encoder.encode_queries([question, *asides, *missing])
            vector, forms = vectors[:1], vectors[: 1 + len(asides)]
            terms = self.near_terms.expand(terms, vectors[1 + len(asides) :])
        else:
            vector = forms = self.encoder.encode_query(question)
        strangers = self._strangers(question, found, spans, [w for w in unknown if w not in naming])
        not_subject = naming | _FORCE_WORDS | asking_words(question)
        intent = read_intent(
            question,
            self.list_headings,
            words=words,
            ignore=naming,
            likely=self._likely_form(forms),
            judged=self._judged,
            asks_value=answer_type is not None,
        )
        return Query(
            text=question,
            words=words,
            keywords=keywords,
            terms=terms,
            weights=self.index.idf(list(dict.fromkeys(keywords))),
            term_weights=self.index.postings.idf(terms.ids),
            names=names,
            vector=vector,
            intent=intent,
            reports=reports,
            answer_type=answer_type,
            asks_reason=asks_reason(question),
            subject=tuple(dict.fromkeys(w for w in words if w not in not_subject)),
            strangers=strangers,
            unknown=tuple(w for w in unknown if w not in names),
            years=tuple(w for w in dict.fromkeys(words) if _YEAR.fullmatch(w) and w not in naming and w not in strangers),
        )

    def _strangers(
        self, question: str, found: Sequence[Token], spans: Sequence[tuple[int, int]], unknown: Sequence[str]
    ) -> tuple[str, ...]:
        """Names and years the question uses that no report holds.

        A capitalised name no passage holds ("Manchester"), a year no passage
        or report holds ("2019"), a force named with "Police" that no report
        is of ("the Metropolitan Police"). `unknown` are the stems no passage
        holds, less those naming a report. Acronyms are left out: people use
        ones the report spells out ("CSE").
        """
        missing = set(unknown)
        strangers: list[str] = []
        for token in found:
            word = _POSSESSIVE.sub("", question[token.start : token.end])
            in_name = any(start <= token.start < end for start, end in spans)
            capitalised = word[:1].isupper() and sum(c.isupper() for c in word) == 1  # "Kent", not "AFIs"
            year = _YEAR.fullmatch(token.stem) is not None and token.stem not in self._names.report_years
            # a year only covers hold is a stranger too: it is when a report came out
            if (year and token.stem in self._cover_years) or (token.stem in missing and ((in_name and capitalised) or year)):
                strangers.append(word)
        for match in _FORCE_NAME.finditer(question):
            name = tuple(t for t in tokenize(match.group(1)) if t not in _FORCE_WORDS)
            if name and name not in self._names.forces:
                strangers.append(match.group())
        return tuple(dict.fromkeys(strangers))
