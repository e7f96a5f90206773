"""Hits → an extractive answer: sentences quoted from the passages, each cited.

Sentences are scored against the question with the vectors stored at build
time, so composing an answer costs no further encoder pass. The chosen
sentences are also the passages' highlights.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from .answer_types import holds_type
from .index import Index
from .kinds import AnswerKind, IntentKind, PassageKind
from .records import Answer, AnswerSentence, Hit
from .retrieval import Retrieval

__all__ = ["AnswerTuning", "compose"]

_NOT_ANSWERED = "Nothing in the reports answers this clearly"
_NEAREST = "The nearest passages are listed below with their scores."
NOT_FOUND = f"{_NOT_ANSWERED}. {_NEAREST}"


@dataclass(frozen=True, kw_only=True)
class AnswerTuning:
    passages_read: int = 3  # the top hits whose sentences may enter the answer
    max_sentences: int = 3
    per_passage: int = 2
    margin: float = 0.15  # sentences this close to the best one join the answer
    keyword_weight: float = 0.2  # weight of the share of the question's keywords (by IDF) a sentence holds
    highlight_margin: float = 0.15  # a hit's best sentence is highlighted this close to the best
    value_weight: float = 0.1  # added to a sentence holding a value of the type asked for ("how many": a count)


@dataclass(frozen=True)
class _Sentence:
    hit: int  # position in the hit list
    start: int
    end: int
    score: float


def _sentences(index: Index, retrieval: Retrieval, tuning: AnswerTuning) -> list[list[_Sentence]]:
    """Every sentence of every hit, scored: cosine with the question plus its share of the keywords,
    plus a little when it holds the kind of value the question asks for."""
    query = retrieval.query
    found = index.sentences_of(retrieval.rows)
    scores = index.sentence_scores(query.vector, found.ids).astype(np.float64)
    scores += tuning.keyword_weight * index.sentence_term_share(found.ids, query.terms.ids, query.term_weights)
    if query.answer_type is not None and tuning.value_weight:
        texts = [
            retrieval.hits[owner].passage.text[start:end]
            for owner, start, end in zip(found.owner.tolist(), found.start.tolist(), found.end.tolist(), strict=True)
        ]
        scores += tuning.value_weight * holds_type(texts, query.answer_type)
    per_hit: list[list[_Sentence]] = [[] for _ in retrieval.hits]
    for owner, start, end, score in zip(
        found.owner.tolist(), found.start.tolist(), found.end.tolist(), scores.tolist(), strict=True
    ):
        per_hit[owner].append(_Sentence(owner, start, end, score))
    return per_hit


# A sentence opening with one of these goes on from the sentence before it
# ("They are not trained to investigate crimes and this creates a risk."):
# quoted alone, it does not say what it is about.
_GOES_ON = re.compile(r"^\W*(?:they|this|these|that|those|it|its|such|he|she|their|there)\b", re.I)


def _with_their_antecedents(
    chosen: list[_Sentence], per_hit: list[list[_Sentence]], hits: tuple[Hit, ...]
) -> list[_Sentence]:
    """The chosen sentences, each with the sentence before it when it goes on from that one,
    and with the sentence after it when that one goes on from it."""

    def goes_on(sentence: _Sentence) -> bool:
        return _GOES_ON.match(hits[sentence.hit].passage.text[sentence.start : sentence.end]) is not None

    whole = list(chosen)
    for sentence in chosen:
        siblings = per_hit[sentence.hit]  # the passage's sentences, in order
        at = siblings.index(sentence)
        if at > 0 and goes_on(sentence):
            whole.append(siblings[at - 1])
        if at + 1 < len(siblings) and goes_on(siblings[at + 1]):
            whole.append(siblings[at + 1])
    return list({(s.hit, s.start): s for s in whole}.values())


def _whole(hit: Hit) -> Hit:
    return replace(hit, highlights=((0, len(hit.passage.text)),))


def _cite_whole(hits: tuple[Hit, ...], heading: str | None) -> tuple[Answer, tuple[Hit, ...]]:
    """Each hit is an answer item in full: list items, judgments.

    The lead line counts the items, and the reports when they come from several.
    """
    lines: list[str] = []
    sentences: list[AnswerSentence] = []
    group: str | None = None
    for hit in hits:
        if hit.group and hit.group != group:
            group = hit.group
            lines.append(f"{group}:" if not lines else f"\n{group}:")
        lines.append(f"- {hit.passage.text} [{hit.rank}]")
        sentences.append(AnswerSentence(text=hit.passage.text, passage_id=hit.passage.id, citation=hit.rank))
    reports = len({hit.passage.report_id for hit in hits})
    count = f"{len(hits)}, from {reports} reports" if reports > 1 else f"{len(hits)}"
    title = f"{heading} ({count}):\n" if heading else ""
    return Answer(text=title + "\n".join(lines), sentences=tuple(sentences)), tuple(_whole(h) for h in hits)


def compose(
    retrieval: Retrieval, index: Index, tuning: AnswerTuning | None = None
) -> tuple[Answer, tuple[Hit, ...]]:
    """The answer to a retrieval, and its hits with highlights filled in."""
    tuning = tuning or AnswerTuning()
    hits = retrieval.hits
    kind = retrieval.intent.kind
    prefix = f"Note: {retrieval.note}. " if retrieval.note else ""
    if kind is IntentKind.LIST and hits:
        answer, hits = _cite_whole(hits, retrieval.intent.heading)
        return replace(answer, text=prefix + answer.text, kind=AnswerKind.LIST), hits
    if kind is IntentKind.GRADES and hits:
        answer, hits = _cite_whole(hits, "Graded judgments")
        return replace(answer, kind=AnswerKind.GRADES), hits
    if not retrieval.found or not hits:
        text = NOT_FOUND
        if retrieval.query.strangers:  # names and years no report holds: say which
            about = ", ".join(f"“{name}”" for name in retrieval.query.strangers)
            text = f"{_NOT_ANSWERED}. None of them is about {about}. {_NEAREST}"
        return Answer(text=prefix + text, sentences=(), kind=AnswerKind.NOT_FOUND, found=False), hits

    if kind is IntentKind.JUDGMENT and hits[0].passage.kind is PassageKind.JUDGMENT:
        lead = hits[0]
        answer = Answer(
            text=f"{prefix}{lead.passage.text} [{lead.rank}]",
            sentences=(AnswerSentence(text=lead.passage.text, passage_id=lead.passage.id, citation=lead.rank),),
            kind=AnswerKind.JUDGMENT,
        )
        return answer, (_whole(lead), *hits[1:])

    per_hit = _sentences(index, retrieval, tuning)
    readable = [s for sentences in per_hit[: tuning.passages_read] for s in sentences]
    best = max((s.score for s in readable), default=0.0)
    chosen: list[_Sentence] = []
    for sentence in sorted(readable, key=lambda s: -s.score):
        if len(chosen) == tuning.max_sentences or sentence.score < best - tuning.margin:
            break
        if sum(1 for c in chosen if c.hit == sentence.hit) < tuning.per_passage:
            chosen.append(sentence)
    chosen = _with_their_antecedents(chosen, per_hit, hits)
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
