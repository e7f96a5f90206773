"""Hits → an extractive answer: sentences quoted from the passages, each cited.

Sentences are scored against the question with the vectors stored at build
time, so composing an answer costs no further encoder pass. The chosen
sentences are also the passages' highlights.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .index import Index
from .keywords import tokenize
from .kinds import AnswerKind, IntentKind, PassageKind
from .records import Answer, AnswerSentence, Hit
from .retrieval import Retrieval

__all__ = ["AnswerTuning", "compose"]

NOT_FOUND = (
    "Nothing in the reports answers this clearly. "
    "The nearest passages are listed below with their scores."
)


@dataclass(frozen=True, kw_only=True)
class AnswerTuning:
    passages_read: int = 3  # the top hits whose sentences may enter the answer
    max_sentences: int = 3
    per_passage: int = 2
    margin: float = 0.15  # sentences this close to the best one join the answer
    keyword_weight: float = 0.2  # weight of the share of the question's keywords (by IDF) a sentence holds
    highlight_margin: float = 0.15  # a hit's best sentence is highlighted this close to the best


@dataclass(frozen=True)
class _Sentence:
    hit: int  # position in the hit list
    start: int
    end: int
    score: float


def _keyword_share(text: str, weights: dict[str, float]) -> float:
    total = sum(weights.values())
    if not total:
        return 0.0
    present = set(tokenize(text))
    return sum(w for token, w in weights.items() if token in present) / total


def _sentences_of(
    index: Index,
    hit_position: int,
    hit: Hit,
    query: np.ndarray,
    weights: dict[str, float],
    keyword_weight: float,
) -> list[_Sentence]:
    row = index.row_of[hit.passage.id]
    rows = index.sentence_rows(row)
    if not len(rows):
        return []
    scores = index.sentence_vectors[rows.start : rows.stop] @ query[0]
    spans = index.sentence_spans[rows.start : rows.stop]
    text = hit.passage.text
    return [
        _Sentence(
            hit_position,
            int(span[1]),
            int(span[2]),
            float(score) + keyword_weight * _keyword_share(text[span[1] : span[2]], weights),
        )
        for span, score in zip(spans, scores, strict=True)
    ]


def _whole(hit: Hit) -> Hit:
    return replace(hit, highlights=((0, len(hit.passage.text)),))


def _cite_whole(hits: tuple[Hit, ...], heading: str | None) -> tuple[Answer, tuple[Hit, ...]]:
    """Each hit is an answer item in full: list items, judgments."""
    lines: list[str] = []
    sentences: list[AnswerSentence] = []
    group: str | None = None
    for hit in hits:
        if hit.group and hit.group != group:
            group = hit.group
            lines.append(f"{group}:" if not lines else f"\n{group}:")
        lines.append(f"- {hit.passage.text} [{hit.rank}]")
        sentences.append(AnswerSentence(text=hit.passage.text, passage_id=hit.passage.id, citation=hit.rank))
    title = f"{heading} ({len(hits)}):\n" if heading else ""
    return Answer(text=title + "\n".join(lines), sentences=tuple(sentences)), tuple(_whole(h) for h in hits)


def compose(
    retrieval: Retrieval, index: Index, tuning: AnswerTuning | None = None
) -> tuple[Answer, tuple[Hit, ...]]:
    """The answer to a retrieval, and its hits with highlights filled in."""
    tuning = tuning or AnswerTuning()
    hits = retrieval.hits
    kind = retrieval.intent.kind
    if kind is IntentKind.LIST and hits:
        answer, hits = _cite_whole(hits, retrieval.intent.heading)
        return replace(answer, kind=AnswerKind.LIST), hits
    if kind is IntentKind.GRADES and hits:
        answer, hits = _cite_whole(hits, "Graded judgments")
        return replace(answer, kind=AnswerKind.GRADES), hits
    prefix = f"Note: {retrieval.note}. " if retrieval.note else ""
    if not retrieval.found or not hits:
        return Answer(text=prefix + NOT_FOUND, sentences=(), kind=AnswerKind.NOT_FOUND, found=False), hits

    if kind is IntentKind.JUDGMENT and hits[0].passage.kind is PassageKind.JUDGMENT:
        lead = hits[0]
        answer = Answer(
            text=f"{prefix}{lead.passage.text} [{lead.rank}]",
            sentences=(AnswerSentence(text=lead.passage.text, passage_id=lead.passage.id, citation=lead.rank),),
            kind=AnswerKind.JUDGMENT,
        )
        return answer, (_whole(lead), *hits[1:])

    per_hit = [
        _sentences_of(index, i, hit, retrieval.query, retrieval.weights, tuning.keyword_weight)
        for i, hit in enumerate(hits)
    ]
    readable = [s for sentences in per_hit[: tuning.passages_read] for s in sentences]
    best = max((s.score for s in readable), default=0.0)
    chosen: list[_Sentence] = []
    for sentence in sorted(readable, key=lambda s: -s.score):
        if len(chosen) == tuning.max_sentences or sentence.score < best - tuning.margin:
            break
        if sum(1 for c in chosen if c.hit == sentence.hit) < tuning.per_passage:
            chosen.append(sentence)
    chosen.sort(key=lambda s: (s.hit, s.start))

    answer_sentences = tuple(
        AnswerSentence(
            text=hits[s.hit].passage.text[s.start : s.end],
            passage_id=hits[s.hit].passage.id,
            citation=hits[s.hit].rank,
        )
        for s in chosen
    )
    text = prefix + " ".join(f"{s.text} [{s.citation}]" for s in answer_sentences)

    highlighted: list[Hit] = []
    for i, hit in enumerate(hits):
        spans = [(s.start, s.end) for s in chosen if s.hit == i]
        if not spans and per_hit[i]:
            top = max(per_hit[i], key=lambda s: s.score)
            if top.score >= best - tuning.highlight_margin:
                spans = [(top.start, top.end)]
        highlighted.append(replace(hit, highlights=tuple(sorted(spans))))
    return Answer(text=text, sentences=answer_sentences, kind=AnswerKind.PASSAGES), tuple(highlighted)
