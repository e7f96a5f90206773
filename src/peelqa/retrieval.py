"""Question → ranked hits: dense and keyword search fused, filters, list questions.

Dense relevance of a passage mixes the similarity of the whole passage (with
its headings) and of its best sentence, so a long paragraph is found by the
one sentence that answers. Keyword (BM25) scores catch names, acronyms and
numbers. Fusion adds the dense score to the BM25 score relative to the best
one (reciprocal-rank fusion is the measured alternative); near-duplicates (an
overview restating a summary) keep only their best-ranked copy.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from .embedding import Encoder
from .index import Index
from .intents import Intent, read_intent
from .keywords import tokenize
from .kinds import IntentKind, PassageKind
from .parsing.shapes import (
    is_generic_part_heading,
    judged_question,
    normalise_heading,
)
from .records import Hit

__all__ = ["Filters", "Retrieval", "Retriever", "Tuning"]

# Words a question names things with: capitalised after its first word, all
# capitals, or holding digits ("Operation Holcroft", "GAIN", "999").
_NAME_LIKE = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w'-]*|\b\w*\d\w*")


@dataclass(frozen=True, kw_only=True)
class Filters:
    """Restrictions applied before ranking."""

    reports: tuple[str, ...] = ()
    force: str | None = None
    year: int | None = None

    def rows(self, index: Index) -> np.ndarray | None:
        """Passage rows that pass, or None when nothing is filtered."""
        if not (self.reports or self.force or self.year is not None):
            return None
        force = self.force.casefold().strip() if self.force else None
        allowed = {
            report.id
            for report in index.reports.values()
            if (not self.reports or report.id in self.reports)
            and (force is None or report.force.casefold() == force)
            and (self.year is None or report.year == self.year)
        }
        parts = [index.rows_of_report[report_id] for report_id in sorted(allowed)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, kw_only=True)
class Tuning:
    """Retrieval settings, chosen by measurement on the dev questions."""

    pool: int = 50  # candidates taken from each of dense, sentence and keyword search
    fusion: str = "score"  # "score" (dense + weighted relative BM25) or "rrf" (reciprocal rank)
    rrf_k: float = 60.0
    dense_weight: float = 1.0
    keyword_weight: float = 0.4  # for "rrf" fusion about 3 does best
    sentence_mix: float = 0.25  # dense = (1 - mix) * passage + mix * best sentence
    question_penalty: float = 0.1  # taken off the dense score of a passage that is a question
    duplicate_overlap: float = 0.75  # Jaccard overlap of tokens at which two passages are one
    min_relevance: float = 0.35  # below this best dense score, nothing matches well…
    min_name_relevance: float = 0.2  # …unless it is above this and the top hit holds
    rare_term_share: float = 0.02  # a name from the question that this share of passages hold at most
    list_scope_share: float = 0.5  # a list keeps to a section whose headings name this much of its topic


@dataclass(frozen=True)
class Retrieval:
    question: str
    intent: Intent
    query: np.ndarray
    hits: tuple[Hit, ...]
    found: bool
    weights: dict[str, float]  # IDF of the question's keywords
    note: str | None = None  # e.g. a list heading the reports do not have


@dataclass(frozen=True)
class _Question:
    """One question's per-search facts, each computed once."""

    text: str
    intent: Intent
    query: np.ndarray  # its unit vector
    allowed: np.ndarray | None  # passage rows the filters let through
    keyword: np.ndarray  # BM25 score of every passage, zero where filtered out
    weights: dict[str, float]  # IDF of its keywords (acronyms in both forms)

    def topic_share(self, headings: Sequence[str]) -> float:
        """How much of the topic (IDF-weighted) the headings name."""
        named = set(tokenize(" ".join(headings)))
        return sum(self.weights.get(token, 0.0) for token in self.intent.topic if token in named)


@dataclass
class _Scored:
    rows: np.ndarray
    dense: np.ndarray
    keyword: np.ndarray
    fused: np.ndarray

    def order(self) -> np.ndarray:
        return np.argsort(-self.fused, kind="stable")


class Retriever:
    """Ranks passages of one loaded index for questions; one per process."""

    def __init__(self, index: Index, encoder: Encoder, tuning: Tuning | None = None) -> None:
        self.index = index
        self.encoder = encoder
        self.tuning = tuning or Tuning()
        self._tokens: dict[int, frozenset[str]] = {}
        self._list_rows: dict[str, list[int]] = {}  # normalised list heading -> item rows
        headings: set[str] = set()
        for row, passage in enumerate(index.passages):
            if passage.kind is PassageKind.LIST_ITEM and passage.section:
                self._list_rows.setdefault(normalise_heading(passage.section[-1]), []).append(row)
                if is_generic_part_heading(passage.section[-1]):
                    headings.add(passage.section[-1])
        self.list_headings = sorted(headings)
        self._judgments = self._one_judgment_per_question()

    # -- scoring ---------------------------------------------------------------

    def _dense_of(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Dense relevance of passage rows: whole passage mixed with its best sentence.

        A passage that is itself a question (a list of the questions inspected)
        echoes a question without answering it, so it starts a little lower.
        """
        index, mix = self.index, self.tuning.sentence_mix
        passage = index.passage_vectors[rows] @ query[0]
        spans = [index.sentence_rows(int(r)) for r in rows]
        best_sentence = np.array(
            [
                float(np.max(index.sentence_vectors[span.start : span.stop] @ query[0])) if len(span) else whole
                for span, whole in zip(spans, passage.tolist(), strict=True)
            ],
            dtype=np.float32,
        )
        asks = np.array([index.passages[int(r)].text.endswith("?") for r in rows], dtype=bool)
        return (1 - mix) * passage + mix * best_sentence - self.tuning.question_penalty * asks

    def _read(self, question: str, filters: Filters) -> _Question:
        index = self.index
        allowed = filters.rows(index)
        keyword = index.keyword_scores(question)
        if allowed is not None:
            mask = np.zeros(len(keyword), dtype=bool)
            mask[allowed] = True
            keyword = np.where(mask, keyword, 0.0)
        return _Question(
            text=question,
            intent=read_intent(question, self.list_headings),
            query=self.encoder.encode_query(question),
            allowed=allowed,
            keyword=keyword,
            weights=index.term_weights(question),
        )

    def _score(self, q: _Question) -> _Scored:
        """The candidate pool from dense, sentence and keyword search, fused."""
        index, pool = self.index, self.tuning.pool
        dense_rows, _ = index.search_passages(q.query, pool, rows=q.allowed)
        sentence_rows, _ = index.search_sentences(q.query, pool, rows=q.allowed)
        keyword_rows = np.argsort(-q.keyword)[:pool]
        keyword_rows = keyword_rows[q.keyword[keyword_rows] > 0]
        rows = np.unique(np.concatenate([dense_rows, sentence_rows, keyword_rows])).astype(np.int64)
        return self._score_rows(q, rows)

    def _fuse(self, dense: np.ndarray, keyword: np.ndarray) -> np.ndarray:
        tuning = self.tuning
        if tuning.fusion == "score":
            top = float(keyword.max()) if len(keyword) and keyword.max() > 0 else 1.0
            return tuning.dense_weight * dense + tuning.keyword_weight * keyword / top
        fused = tuning.dense_weight / (tuning.rrf_k + _ranks(dense))
        return fused + np.where(keyword > 0, tuning.keyword_weight / (tuning.rrf_k + _ranks(keyword)), 0.0)

    def _score_rows(self, q: _Question, rows: Sequence[int] | np.ndarray) -> _Scored:
        """Dense, keyword and fused scores of the given passage rows."""
        chosen = np.asarray(rows, dtype=np.int64)
        dense = self._dense_of(q.query, chosen)
        keyword = q.keyword[chosen]
        return _Scored(chosen, dense, keyword, self._fuse(dense, keyword))

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

    def _token_set(self, row: int) -> frozenset[str]:
        if row not in self._tokens:
            self._tokens[row] = frozenset(tokenize(self.index.passages[row].text))
        return self._tokens[row]

    def _judged(self, row: int) -> tuple[str, str] | None:
        passage = self.index.passages[row]
        if passage.judged_question is None:
            return None
        return passage.report_id, passage.judged_question

    def _duplicate(self, row: int, kept: Sequence[int]) -> bool:
        """Near-identical text, or a second judgment of the same question."""
        mine = self._token_set(row)
        judged = self._judged(row)
        for other in kept:
            if judged is not None and judged == self._judged(other):
                return True
            theirs = self._token_set(other)
            union = len(mine | theirs) or 1
            if len(mine & theirs) / union >= self.tuning.duplicate_overlap:
                return True
        return False

    def _ranked_positions(self, scored: _Scored, limit: int, skip: Collection[int] = ()) -> list[int]:
        """Positions of the best `limit` candidates, near-duplicates and `skip` left out."""
        kept_rows: list[int] = [*skip]
        positions: list[int] = []
        for position in scored.order():
            row = int(scored.rows[position])
            if row in skip or self._duplicate(row, kept_rows):
                continue
            kept_rows.append(row)
            positions.append(int(position))
            if len(positions) == limit:
                break
        return positions

    # -- the question forms ----------------------------------------------------

    def _allowed(self, rows: Sequence[int], q: _Question) -> list[int]:
        if q.allowed is None:
            return list(rows)
        allowed = set(q.allowed.tolist())
        return [r for r in rows if r in allowed]

    def _list_hits(self, q: _Question) -> list[Hit]:
        """Every item under the list heading asked for, grouped by section."""
        rows = self._allowed(self._list_rows.get(normalise_heading(q.intent.heading or ""), []), q)
        if not rows:
            return []
        scored = self._score_rows(q, rows)
        groups: dict[tuple[str, tuple[str, ...]], list[int]] = {}
        for i, row in enumerate(rows):
            passage = self.index.passages[row]
            groups.setdefault((passage.report_id, passage.section[:-1]), []).append(i)
        relevance = {key: float(np.max(scored.dense[members])) for key, members in groups.items()}
        ordered = list(groups)  # document order
        if q.intent.topic:
            ordered = self._scope(q, ordered, relevance)
        hits: list[Hit] = []
        for key in ordered:
            label = key[1][-1] if key[1] else self.index.reports[key[0]].title
            for i in groups[key]:
                hits.append(self._hit(scored, i, len(hits) + 1, group=label))
        return hits

    def _scope(
        self,
        q: _Question,
        groups: list[tuple[str, tuple[str, ...]]],
        relevance: dict[tuple[str, tuple[str, ...]], float],
    ) -> list[tuple[str, tuple[str, ...]]]:
        """The list groups a question's topic asks for, most relevant first.

        When one group's section names most of the topic, and better than any
        other ("… in how the force investigates crime"), that group alone;
        otherwise every group, the one whose items best match the question first.
        """
        whole = sum(q.weights.get(token, 0.0) for token in q.intent.topic)
        by_name = sorted(groups, key=lambda key: q.topic_share(key[1]), reverse=True)
        best = q.topic_share(by_name[0][1])
        if best >= self.tuning.list_scope_share * whole and (
            len(by_name) == 1 or best > q.topic_share(by_name[1][1])
        ):
            return by_name[:1]
        return sorted(groups, key=lambda key: -relevance[key])

    def _one_judgment_per_question(self) -> list[int]:
        """One judgment passage per graded question, preferring the question's own chapter."""
        chosen: dict[tuple[str, str], int] = {}
        for row in range(self.index.count()):
            key = self._judged(row)
            if key is None:
                continue
            section = self.index.passages[row].section
            in_own_chapter = bool(section) and judged_question(section[0]) == key[1]
            if key not in chosen or in_own_chapter:
                chosen[key] = row
        return sorted(chosen.values())

    # -- the entry point -------------------------------------------------------

    def search(self, question: str, *, top_k: int = 5, filters: Filters | None = None) -> Retrieval:
        """Rank passages for `question`; list questions return every item."""
        q = self._read(question, filters or Filters())
        intent = q.intent

        def done(hits: list[Hit], found: bool, note: str | None = None) -> Retrieval:
            return Retrieval(question, intent, q.query, tuple(hits), found, q.weights, note)

        if q.allowed is not None and not len(q.allowed):
            return done([], False, "no report matches the filters")

        note = None
        if intent.kind is IntentKind.LIST:
            items = self._list_hits(q)
            if items:
                return done(items, True)
            note = f"the reports searched list no “{intent.heading}”"
            intent = Intent(IntentKind.PASSAGES)

        judgments = self._allowed(self._judgments, q)
        if intent.kind is IntentKind.GRADES:
            if judgments:
                judged = self._score_rows(q, judgments)
                return done([self._hit(judged, i, i + 1) for i in range(len(judgments))], True)  # report order
            intent = Intent(IntentKind.PASSAGES)

        hits: list[Hit] = []
        skip: set[int] = set()
        if intent.kind is IntentKind.JUDGMENT and judgments:
            judged = self._score_rows(q, judgments)
            # a judgment whose headings name the topic ("overall", "vulnerable")
            # beats one whose statement merely shares a word with the question
            naming = [q.topic_share(self.index.passages[r].section) for r in judgments]
            best = max(range(len(judgments)), key=lambda i: (naming[i], judged.fused[i]))
            hits.append(self._hit(judged, best, 1))
            skip.add(judgments[best])
        scored = self._score(q)
        positions = self._ranked_positions(scored, top_k - len(hits), skip=skip)
        hits += [self._hit(scored, p, rank) for rank, p in enumerate(positions, start=len(hits) + 1)]
        best_dense = float(np.max(scored.dense)) if len(scored.dense) else 0.0
        found = bool(hits) and (
            best_dense >= self.tuning.min_relevance
            or (
                best_dense >= self.tuning.min_name_relevance
                and self._names_rare_term(question, self.index.row_of[hits[0].passage.id])
            )
        )
        return done(hits, found, note)

    def _names_rare_term(self, question: str, row: int) -> bool:
        """Does passage `row` hold a name from the question that few passages hold?

        Names and acronyms ("Operation Holcroft", "GAIN") mean little to the
        encoder, so a weak dense score alone must not call them unanswered.
        """
        names = set(tokenize(" ".join(_NAME_LIKE.findall(question))))
        rare_below = max(2.0, self.tuning.rare_term_share * self.index.count())
        rare = {t for t in names if 0 < self.index.document_frequency(t) <= rare_below}
        return bool(rare & self._token_set(row))


def _ranks(values: np.ndarray) -> np.ndarray:
    """1-based rank of each value, highest first."""
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(1, len(values) + 1)
    return ranks

