"""Question → ranked hits: dense and keyword search fused, filters, list questions.

Dense relevance of a passage mixes the similarity of the whole passage (with
its headings) and of its best sentence, so a long paragraph is found by the
one sentence that answers. Keyword (BM25) scores catch names, acronyms and
numbers. Fusion adds the dense score to the BM25 score relative to the best
one; near-duplicates (an overview restating a summary) keep only their
best-ranked copy. Filters, and the forces and years a question names, apply
before ranking. The index does the vector and keyword maths (`Index`
methods); this module decides what to ask it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .answer_types import holds_type
from .index import Index
from .intents import Intent
from .keywords import tokenize, tokens
from .kinds import AnswerType, IntentKind, PassageKind
from .query import Analyser, Query, QueryEncoder
from .records import Hit, Report

__all__ = ["Filters", "Retrieval", "Retriever", "Tuning", "report_label"]


@dataclass(frozen=True, kw_only=True)
class Filters:
    """Restrictions applied before ranking."""

    reports: tuple[str, ...] = ()
    force: str | None = None
    year: int | None = None

    def report_ids(self, index: Index) -> frozenset[str] | None:
        """The reports that pass, or None when nothing is filtered."""
        if not (self.reports or self.force or self.year is not None):
            return None
        return index.report_ids_where(reports=self.reports or None, force=self.force or None, year=self.year)

    def rows(self, index: Index) -> np.ndarray | None:
        """Passage rows that pass, or None when nothing is filtered."""
        allowed = self.report_ids(index)
        return None if allowed is None else index.rows_of(allowed)


@dataclass(frozen=True, kw_only=True)
class Tuning:
    """Retrieval settings, chosen by measurement on the dev questions."""

    pool: int = 50  # candidates taken from each of dense, sentence and keyword search
    dense_weight: float = 1.0
    keyword_weight: float = 0.4  # of the BM25 score relative to the pool's best
    sentence_mix: float = 0.25  # dense = (1 - mix) * passage + mix * best sentence
    question_penalty: float = 0.1  # taken off the dense score of a passage that is a question
    duplicate_overlap: float = 0.75  # Jaccard overlap of tokens at which two passages are one
    min_relevance: float = 0.3  # below this best dense score, nothing matches well…
    min_name_relevance: float = 0.2  # …unless it is above this and the top hit holds
    rare_term_share: float = 0.02  # a name from the question that this share of passages hold at most
    list_item_share: float = 0.5  # a list narrowed by a topic keeps the items holding this much of what it adds to the headings
    chapter_share: float = 0.5  # a list narrowed to chapters keeps those naming this much of the topic the best one names
    value_subject_share: float = 0.3  # a value found must sit in a passage naming this much of the subject (IDF)
    value_passages: int = 3  # the top hits searched for a value of the type asked for
    value_weight: float = 0.2  # added to the fused score of a passage holding a value of the type asked for
    value_sentence_similarity: float = 0.68  # …or a sentence holding one this near the question (own and probe sets)
    reason_penalty: float = 0.1  # taken off the fused score of a passage that is no paragraph, for a "why" question


@dataclass(frozen=True)
class Retrieval:
    question: str
    intent: Intent  # what was answered: a list asked for that no report has becomes passages
    query: Query
    hits: tuple[Hit, ...]
    rows: np.ndarray  # the index row of each hit
    found: bool
    note: str | None = None  # e.g. a list heading the reports do not have


@dataclass(frozen=True)
class _Scope:
    """The reports a question may draw from (None: all) and their passage rows."""

    reports: frozenset[str] | None
    rows: np.ndarray | None

    def keep(self, index: Index, rows: np.ndarray) -> np.ndarray:
        return rows if self.reports is None else rows[index.rows_in(rows, self.reports)]


@dataclass
class _Scored:
    rows: np.ndarray
    dense: np.ndarray
    keyword: np.ndarray
    fused: np.ndarray

    def order(self) -> np.ndarray:
        return np.argsort(-self.fused, kind="stable")


def _heading_key(heading: str) -> str:
    return " ".join(heading.casefold().split())


def report_label(report: Report) -> str:
    """How a report is named beside others: its force and title."""
    return f"{report.force}, {report.title}" if report.force else report.title


class Retriever:
    """Ranks passages of one loaded index for questions; one per process."""

    def __init__(self, index: Index, encoder: QueryEncoder, tuning: Tuning | None = None) -> None:
        self.index = index
        self.encoder = encoder
        self.tuning = tuning or Tuning()
        self._list_rows: dict[str, np.ndarray] = {}  # list heading key -> item rows
        for heading, rows in index.list_rows.items():
            known = self._list_rows.get(_heading_key(heading))
            self._list_rows[_heading_key(heading)] = rows if known is None else np.union1d(known, rows)
        self.list_headings = sorted(index.list_rows)
        self._judged_keys: dict[int, tuple[str, str]] = {}
        for row in index.judgment_rows.tolist():
            passage = index.passages[row]
            if passage.judged_question is not None:
                self._judged_keys[row] = (passage.report_id, passage.judged_question)
        self._judgments = self._one_judgment_per_question()
        # which judgments' headings hold each keyword: a question's topic is matched without a loop
        self._judgment_headings: dict[str, list[int]] = {}
        for row in self._judgments.tolist():
            for token in set(tokenize(" ".join(index.passages[row].section))):
                self._judgment_headings.setdefault(token, []).append(row)
        self._chapters: dict[str, dict[str, frozenset[str]]] = {}  # report -> chapter heading -> its words
        self.analyser = Analyser(index, encoder, self.list_headings)
        self._holding: dict[AnswerType, np.ndarray] = {}  # answer type -> which passages hold such a value

    # -- scoring ---------------------------------------------------------------

    def _dense_of(self, q: Query, rows: np.ndarray) -> np.ndarray:
        """Dense relevance of passage rows: whole passage mixed with its best sentence.

        A passage that is itself a question (a list of the questions inspected)
        echoes a question without answering it, so it starts a little lower.
        """
        index, mix = self.index, self.tuning.sentence_mix
        passage = index.passage_scores(q.vector, rows)
        best = index.best_sentence_scores(q.vector, rows)
        best = np.where(np.isnan(best), passage, best)
        return (1 - mix) * passage + mix * best - self.tuning.question_penalty * index.is_question(rows)

    def _score(self, q: Query, scope: _Scope) -> _Scored:
        """The candidate pool from dense, sentence and keyword search, fused."""
        index, pool = self.index, self.tuning.pool
        dense_rows, _ = index.search_passages(q.vector, pool, rows=scope.rows)
        sentence_rows, _ = index.search_sentences(q.vector, pool, rows=scope.rows)
        keyword_rows, _ = index.search_keywords(q.terms, pool, rows=scope.rows)
        return self._score_rows(q, np.unique(np.concatenate([dense_rows, sentence_rows, keyword_rows])))

    def _score_rows(self, q: Query, rows: np.ndarray | Sequence[int]) -> _Scored:
        """Dense, keyword and fused scores of the given passage rows."""
        chosen = np.asarray(rows, dtype=np.int64)
        dense = self._dense_of(q, chosen)
        keyword = self.index.keyword_scores(q.terms, chosen)
        top = float(keyword.max()) if len(keyword) and keyword.max() > 0 else 1.0
        fused = self.tuning.dense_weight * dense + self.tuning.keyword_weight * keyword / top
        if q.answer_type is not None and self.tuning.value_weight:
            fused = fused + self.tuning.value_weight * self._holds(q.answer_type)[chosen]
        if q.asks_reason and self.tuning.reason_penalty:
            # "Why …?" wants the paragraph that explains: footnotes, list items, tables,
            # figures and judgments state, cite or ask
            fused = fused - self.tuning.reason_penalty * ~self.index.is_kind(chosen, PassageKind.PARAGRAPH)
        return _Scored(chosen, dense, keyword, fused)

    def read_values(self) -> None:
        """Find which passages hold each kind of value now, not on the first question asking for one."""
        for kind in AnswerType:
            self._holds(kind)

    def _holds(self, kind: AnswerType) -> np.ndarray:
        """Which passages hold a value of `kind`, read once per process."""
        if kind not in self._holding:
            passages = self.index.passages
            holding = holds_type([passage.text for passage in passages], kind)
            if kind in (AnswerType.COUNT, AnswerType.SHARE):  # figures and tables: the numbers the parser read
                holding |= np.fromiter((any(v.number is not None for v in p.values) for p in passages), bool, len(passages))
            self._holding[kind] = holding
        return self._holding[kind]

    def _hit(self, scored: _Scored, position: int, rank: int, *, group: str | None = None) -> Hit:
        passage = self.index.passages[int(scored.rows[position])]
        return Hit(
            passage=passage,
            rank=rank,
            score=float(scored.fused[position]),
            scores={
                "dense": round(float(scored.dense[position]), 4),
                "bm25": round(float(scored.keyword[position]), 4),
                "fused": round(float(scored.fused[position]), 6),
            },
            group=group,
        )

    # -- near-duplicates -------------------------------------------------------

    def _judged(self, row: int) -> tuple[str, str] | None:
        """The report and question a judgment passage grades (None for any other passage)."""
        return self._judged_keys.get(row)

    def _ranked_positions(self, scored: _Scored, limit: int, skip: Sequence[int] = ()) -> list[int]:
        """Positions of the best `limit` candidates, near-duplicates and `skip` left out.

        Near-duplicates: near-identical text (token overlap), or a second
        judgment of the same question.
        """
        if limit <= 0:
            return []
        terms: dict[int, frozenset[int]] = {}

        def terms_of(row: int) -> frozenset[int]:
            if row not in terms:
                terms[row] = frozenset(self.index.passage_terms(row).tolist())
            return terms[row]

        kept: list[int] = [*skip]
        positions: list[int] = []
        for position in scored.order().tolist():
            row = int(scored.rows[position])
            if row in skip or self._duplicate(row, kept, terms_of):
                continue
            kept.append(row)
            positions.append(position)
            if len(positions) == limit:
                break
        return positions

    def _duplicate(self, row: int, kept: Sequence[int], terms_of: Callable[[int], frozenset[int]]) -> bool:
        mine = terms_of(row)
        judged = self._judged(row)
        for other in kept:
            if judged is not None and judged == self._judged(other):
                return True
            theirs = terms_of(other)
            shared = len(mine & theirs)
            if shared / ((len(mine) + len(theirs) - shared) or 1) >= self.tuning.duplicate_overlap:
                return True
        return False

    # -- the question forms ----------------------------------------------------

    def _list_hits(self, q: Query, scope: _Scope) -> tuple[list[Hit], list[int]]:
        """Every item under the list heading asked for, grouped by report and section."""
        rows = scope.keep(self.index, self._list_rows.get(_heading_key(q.intent.heading or ""), np.zeros(0, np.int64)))
        rows = self._not_set_aside(q, rows)
        if not len(rows):
            return [], []
        scored = self._score_rows(q, rows)
        about = self._items_about(q, rows)
        if about:
            return self._ranked_items(scored, about)
        narrowed = False
        by_report: dict[str, dict[tuple[str, ...], list[int]]] = {}
        for i, row in enumerate(rows.tolist()):
            passage = self.index.passages[row]
            by_report.setdefault(passage.report_id, {}).setdefault(passage.section[:-1], []).append(i)
        several = len(by_report) > 1
        hits: list[Hit] = []
        hit_rows: list[int] = []
        for report_id, groups in by_report.items():  # index order
            report = self.index.reports[report_id]
            relevance = {key: float(np.max(scored.dense[members])) for key, members in groups.items()}
            ordered = list(groups)  # document order
            if q.intent.topic:
                ordered = self._scope_groups(q, ordered, relevance, self._chapters_of(report_id))
                narrowed |= len(ordered) < len(groups)
            for key in ordered:
                label = key[-1] if key else report.title
                if several:
                    label = f"{report_label(report)} › {label}" if key else report_label(report)
                for i in groups[key]:
                    hits.append(self._hit(scored, i, len(hits) + 1, group=label))
                    hit_rows.append(int(rows[i]))
        if q.intent.only_if_narrowed and q.intent.topic and not narrowed:
            return [], []  # "What did HMIC recommend in its 2014 inspection?": no item is about that
        return hits, hit_rows

    def _not_set_aside(self, q: Query, rows: np.ndarray) -> np.ndarray:
        """The list items but those the question sets aside, by their chapter or their own words.

        "Leaving investigations aside, …": an item whose chapter heading and
        text together hold most of what is set aside (IDF-weighted) goes. When
        that would leave nothing, the words did not name a part of the list.
        """
        ids = self.index.postings.ids(list(q.intent.leaving_out))
        ids = ids[ids >= 0]
        if not len(ids) or not len(rows):
            return rows
        weights = self.index.postings.idf(ids)
        kept = []
        for row in rows.tolist():
            passage = self.index.passages[row]
            chapter = frozenset(tokenize(passage.section[0])) if passage.section else frozenset()
            held = np.isin(ids, self.index.passage_terms(row)) | np.isin(ids, self.index.postings.ids(sorted(chapter)))
            if float(weights[held].sum()) < self.tuning.list_item_share * float(weights.sum()):
                kept.append(row)
        return np.asarray(kept, dtype=np.int64) if kept else rows

    def _items_about(self, q: Query, rows: np.ndarray) -> list[int]:
        """The positions of the list items about what the topic adds to the list's headings, or none.

        "Which of those are about digital evidence?": the words of the topic
        that no heading of the list's sections holds, and the items holding
        most of them (IDF-weighted). A topic those headings hold ("… in how the
        force investigates crime") keeps the list whole for its section; so
        does a topic with words no passage holds, which cannot be read
        ("the things HMIC wants it to fix").
        """
        headings = {heading for row in rows.tolist() for heading in self.index.passages[row].section[:-1]}
        named = frozenset(tokenize(" ".join(headings)))
        extra = [word for word in q.intent.topic if word not in named]
        if not extra or not all(q.weights.get(word) for word in extra):
            return []
        ids = self.index.postings.ids(extra)
        weights = self.index.postings.idf(ids)
        whole = float(weights.sum())
        about = []
        for i, row in enumerate(rows.tolist()):
            held = np.isin(ids, self.index.passage_terms(row))
            if float(weights[held].sum()) >= self.tuning.list_item_share * whole:
                about.append(i)
        return about if len(about) < len(rows) else []

    def _ranked_items(self, scored: _Scored, positions: list[int]) -> tuple[list[Hit], list[int]]:
        """List items, the best match first, each labelled with its section."""
        ordered = sorted(positions, key=lambda i: -float(scored.fused[i]))
        hits: list[Hit] = []
        for i in ordered:
            passage = self.index.passages[int(scored.rows[i])]
            label = passage.section[-2] if len(passage.section) > 1 else self.index.reports[passage.report_id].title
            if len(self.index.reports) > 1:
                label = f"{report_label(self.index.reports[passage.report_id])} › {label}"
            hits.append(self._hit(scored, i, len(hits) + 1, group=label))
        return hits, [int(scored.rows[i]) for i in ordered]

    def read_chapters(self) -> None:
        """Read every report's chapter headings now, not on the first list question about it."""
        for report_id in self.index.reports:
            self._chapters_of(report_id)

    def _chapters_of(self, report_id: str) -> dict[str, frozenset[str]]:
        """The words of each chapter heading of a report, read once (`read_chapters`, or on first need)."""
        if report_id not in self._chapters:
            sections = (self.index.passages[row].section for row in self.index.rows_of([report_id]).tolist())
            chapters = sorted({section[0] for section in sections if section})
            self._chapters[report_id] = {chapter: frozenset(tokenize(chapter)) for chapter in chapters}
        return self._chapters[report_id]

    def _scope_groups(
        self,
        q: Query,
        groups: list[tuple[str, ...]],
        relevance: dict[tuple[str, ...], float],
        chapters: dict[str, frozenset[str]],
    ) -> list[tuple[str, ...]]:
        """The list groups of one report a question's topic asks for, most relevant first.

        The groups whose chapter heading alone names a word of the topic
        ("… in how the force investigates crime": investigating, not crime),
        most of the topic first, when their items also match the question
        best; otherwise every group, the best-matching first. A word no
        chapter heading holds says how the question is put ("flag", "deals
        with"), not where; one a chapter without a list also holds ("keeping
        people safe", "vulnerable") may mean that chapter, so it narrows
        nothing.
        """
        listed = {key[0] for key in groups if key}
        named = {key: chapters.get(key[0], frozenset()) if key else frozenset() for key in groups}
        elsewhere = frozenset().union(*(words for chapter, words in chapters.items() if chapter not in listed))
        everywhere = frozenset.intersection(*named.values())
        telling = [w for w in q.intent.topic if w not in everywhere and w not in elsewhere]
        rarest = max(q.weights.values(), default=1.0)  # a heading word no passage holds weighs the most
        naming = {key: sum(q.weights.get(word, rarest) for word in telling if word in named[key]) for key in groups}
        most = max(naming.values(), default=0.0)
        # a heading naming far less of the topic than another shares a word by chance
        # ("tackling" anti-social behaviour, "tackling" organised crime)
        asked = [key for key in groups if naming[key] and naming[key] >= self.tuning.chapter_share * most]
        others = [key for key in groups if key not in asked]
        # the words and the items' meaning must agree: a section named by a word
        # whose items the question is not nearest to may be named by chance
        if asked and others and max(relevance[key] for key in asked) >= max(relevance[key] for key in others):
            return sorted(asked, key=q.topic_share, reverse=True)
        return sorted(groups, key=lambda key: -relevance[key])

    def _one_judgment_per_question(self) -> np.ndarray:
        """One judgment passage per graded question, preferring the question's own chapter.

        A chapter is the question's own when its heading ends with the question
        ("How effective …?", or "Overview – How effective …?" for the overall one).
        """
        chosen: dict[tuple[str, str], int] = {}
        for row, key in self._judged_keys.items():
            section = self.index.passages[row].section
            in_own_chapter = bool(section) and section[0].endswith(key[1])
            if key not in chosen or in_own_chapter:
                chosen[key] = row
        return np.asarray(sorted(chosen.values()), dtype=np.int64)

    def _judgments_naming(self, q: Query, judgments: np.ndarray) -> np.ndarray:
        """How much of the question's topic each judgment's headings name (`Query.topic_share`)."""
        naming = np.zeros(len(judgments), dtype=np.float64)
        for token in q.intent.topic:
            holding = self._judgment_headings.get(token)
            if holding:
                naming[np.isin(judgments, holding)] += q.weights.get(token, 0.0)
        return naming

    def _grade_hits(self, q: Query, judgments: np.ndarray) -> list[Hit]:
        """Every graded judgment, in report order, grouped by report when there are several."""
        judged = self._score_rows(q, judgments)
        reports = self.index.report_ids_of(judgments)
        several = len(set(reports)) > 1
        return [
            self._hit(judged, i, i + 1, group=report_label(self.index.reports[reports[i]]) if several else None)
            for i in range(len(judgments))
        ]

    # -- the entry point -------------------------------------------------------

    def _scope(self, q: Query, filters: Filters) -> _Scope:
        """Filters first; within them, the reports the question names, if any of them pass."""
        allowed = filters.report_ids(self.index)
        if q.reports:
            named = q.reports if allowed is None else q.reports & allowed
            allowed = named or allowed
        if allowed is None or len(allowed) == len(self.index.reports):
            return _Scope(None, None)
        return _Scope(allowed, self.index.rows_of(allowed))

    def search(self, question: str, *, top_k: int = 5, filters: Filters | None = None) -> Retrieval:
        """Rank passages for `question`; list and grades questions return every item.

        `top_k` bounds every other answer: the passages, and a judgment with
        the passages after it.
        """
        q = self.analyser.analyse(question)
        scope = self._scope(q, filters or Filters())
        intent = q.intent

        def done(hits: list[Hit], rows: Sequence[int], found: bool, note: str | None = None) -> Retrieval:
            return Retrieval(question, intent, q, tuple(hits), np.asarray(rows, dtype=np.int64), found, note)

        if scope.rows is not None and not len(scope.rows):
            return done([], [], False, "no report matches the filters")

        note = None
        if q.strangers:
            # about a force, place or year no report holds: the nearest passages, not found
            intent = Intent(IntentKind.PASSAGES)
        if intent.kind is IntentKind.LIST:
            items, item_rows = self._list_hits(q, scope)
            if items:
                if intent.instead_of and not intent.only_if_narrowed:
                    note = f"the reports searched list no “{intent.instead_of}”; these are their “{intent.heading}”"
                return done(items, item_rows, True, note)
            if not intent.only_if_narrowed:
                note = f"the reports searched list no “{intent.heading}”"
            intent = Intent(IntentKind.PASSAGES)

        judgments = scope.keep(self.index, self._judgments)
        ungraded = self._ungraded_topic(q) if intent.kind is IntentKind.GRADES else ()
        if ungraded:  # grades of something no judgment is about: the nearest passages, not found
            written = {t.stem: q.text[t.start : t.end] for t in tokens(q.text)}
            about = ", ".join(f"“{written.get(word, word)}”" for word in ungraded)
            note = f"the reports searched grade nothing about {about}"
            intent = Intent(IntentKind.PASSAGES)
        if intent.kind is IntentKind.GRADES:
            if len(judgments):
                return done(self._grade_hits(q, judgments), judgments.tolist(), True)
            intent = Intent(IntentKind.PASSAGES)

        hits: list[Hit] = []
        skip: list[int] = []
        if intent.kind is IntentKind.JUDGMENT and len(judgments):
            judged = self._score_rows(q, judgments)
            # a judgment whose headings name the topic ("overall", "vulnerable")
            # beats one whose statement merely shares a word with the question
            naming = self._judgments_naming(q, judgments)
            best = int(np.lexsort((-judged.fused, -naming))[0])
            hits.append(self._hit(judged, best, 1))
            skip.append(int(judgments[best]))
        scored = self._score(q, scope)
        positions = self._ranked_positions(scored, top_k - len(hits), skip=skip)
        hits += [self._hit(scored, p, rank) for rank, p in enumerate(positions, start=len(hits) + 1)]
        rows = [*skip, *(int(scored.rows[p]) for p in positions)]
        best_dense = float(np.max(scored.dense)) if len(scored.dense) else 0.0
        relevant = best_dense >= self.tuning.min_relevance or (
            best_dense >= self.tuning.min_name_relevance and not q.unknown and self._names_rare_term(q, rows[0])
        )
        unmet = self._years_unmet(q, rows)
        if unmet and note is None:
            note = "no passage that answers best mentions " + ", ".join(unmet)
        found = bool(hits) and not q.strangers and not ungraded and relevant and not unmet and self._holds_value(q, rows)
        return done(hits, rows, found, note)

    def _years_unmet(self, q: Query, rows: Sequence[int]) -> tuple[str, ...]:
        """The years the question names that none of the best passages mentions.

        "What was the satisfaction rate in the year to March 2014?" is not
        answered by the 2015 figure, though other passages mention 2014.
        Years naming a report ("in the 2015 inspection") choose reports
        instead; a passage's report's own year counts as mentioned.
        """
        years = list(q.years)
        if not years:
            return ()
        top = [int(row) for row in rows[: self.tuning.value_passages]]
        ids = self.index.postings.ids(years)
        held = np.zeros(len(years), dtype=bool)
        for row in top:
            held |= np.isin(ids, self.index.passage_terms(row)) & (ids >= 0)
            report = self.index.reports[self.index.passages[row].report_id]
            held |= np.asarray([year == str(report.year) for year in years], dtype=bool)
        return tuple(year for year, is_held in zip(years, held.tolist(), strict=True) if not is_held)

    def _holds_value(self, q: Query, rows: Sequence[int]) -> bool:
        """Does a top passage hold the kind of value asked for, next to the question's subject?

        True when no value is asked for. "How many murders …?" is not answered
        by a passage that counts something else: the passage must also name
        most of the subject, weighted by IDF (a word no passage holds weighs
        the most); words no passage holds are left out, unless they are most
        of the subject. Or, in other words than the question's ("gangs" for
        "groups", "happy" for "satisfied"): one of their sentences holds such
        a value and is very near the question in meaning.
        """
        if q.answer_type is None:
            return True
        top = [int(row) for row in rows[: self.tuning.value_passages]]
        subject = self.index.postings.ids(list(q.subject))
        known = subject >= 0
        if not top or 2 * int(known.sum()) < len(subject):
            return False
        is_name = np.asarray([word in q.names for word in q.subject], dtype=bool)[known]
        subject = subject[known]
        weights = self.index.postings.idf(subject)
        total = float(weights.sum())
        holding = self._holds(q.answer_type)[top]
        for row, holds in zip(top, holding.tolist(), strict=True):
            if not holds:
                continue
            named = np.isin(subject, self.index.passage_terms(row))
            if named[is_name].all() and (not total or float(weights[named].sum()) >= self.tuning.value_subject_share * total):
                return True
        return self._value_sentence_near(q, top)

    def _value_sentence_near(self, q: Query, rows: Sequence[int]) -> bool:
        """Does a sentence of `rows` hold a value of the type asked for, and lie this near the question in meaning?"""
        assert q.answer_type is not None
        sentences = self.index.sentences_of(np.asarray(rows, dtype=np.int64))
        if not len(sentences.ids):
            return False
        similarity = self.index.sentence_scores(q.vector, sentences.ids)
        near = np.flatnonzero(similarity >= self.tuning.value_sentence_similarity)
        texts = [
            self.index.passages[int(rows[sentences.owner[i]])].text[sentences.start[i] : sentences.end[i]] for i in near.tolist()
        ]
        return bool(holds_type(texts, q.answer_type).any())

    def _ungraded_topic(self, q: Query) -> tuple[str, ...]:
        """The words of a grades question asking for grades of something no judgment is about.

        "What efficiency grade …?" of an effectiveness report: its topic holds a
        word that no judgment's headings name and few passages hold. Common words
        ("compare", "each area", "every part") only frame the question.
        """
        postings = self.index.postings
        words = [w for w in q.intent.topic if not any(c.isdigit() for c in w) and not self._judgment_headings.get(w)]
        if not words:
            return ()
        frequency = postings.document_frequency(postings.ids(words))
        rare_below = max(2.0, self.tuning.rare_term_share * self.index.count())
        rare = (frequency > 0) & (frequency <= rare_below)
        return tuple(w for w, is_rare in zip(words, rare.tolist(), strict=True) if is_rare)

    def _names_rare_term(self, q: Query, row: int) -> bool:
        """Does passage `row` hold a name from the question that few passages hold?

        Names and acronyms ("Operation Holcroft", "GAIN") mean little to the
        encoder, so a weak dense score alone must not call them unanswered.
        """
        if not q.names:
            return False
        postings = self.index.postings
        ids = postings.ids(sorted(q.names))
        frequency = postings.document_frequency(ids)
        rare_below = max(2.0, self.tuning.rare_term_share * self.index.count())
        rare = ids[(frequency > 0) & (frequency <= rare_below)]
        return bool(np.isin(rare, self.index.passage_terms(row)).any())

