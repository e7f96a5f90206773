"""Ask a question of a loaded index: validate, retrieve, compose, time."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from .answer import AnswerTuning, compose
from .conversation import Resolver
from .errors import InvalidQuestion
from .index import Index
from .kinds import IntentKind
from .query import QueryEncoder
from .records import Answer, Hit
from .requests import MAX_QUESTION_CHARS, MAX_TOP_K  # the limits are the request models'
from .retrieval import Filters, Retriever, Tuning

__all__ = ["MAX_QUESTION_CHARS", "MAX_TOP_K", "QA", "Result"]


@dataclass(frozen=True)
class Result:
    question: str
    answer: Answer
    hits: tuple[Hit, ...]
    intent: IntentKind
    took_ms: float
    resolved_question: str  # the question as understood once its conversation's history is applied


class QA:
    """Answers questions from one index with one encoder, both loaded once."""

    def __init__(
        self,
        index: Index,
        encoder: QueryEncoder,
        tuning: Tuning | None = None,
        answer_tuning: AnswerTuning | None = None,
    ) -> None:
        self.index = index
        self.encoder = encoder
        self.retriever = Retriever(index, encoder, tuning)
        self.answer_tuning = answer_tuning or AnswerTuning()
        self.resolver = Resolver(self.retriever.analyser.analyse, index.reports)

    def warm_up(self) -> None:
        """Answer one throwaway question, filling the lazy caches on the way.

        A long-running service calls this once, so its first real question is
        as fast as the hundredth; a one-shot `peelqa ask` need not pay twice.
        """
        self.ask("How effective is the force?")
        self.retriever.analyser.near_terms.load()  # the index's term vectors, for words it lacks
        self.retriever.read_values()  # which passages hold counts, durations, dates…
        self.retriever.read_chapters()  # the chapter headings a list question keeps to

    def ask(
        self,
        question: str,
        *,
        top_k: int = 5,
        filters: Filters | None = None,
        history: Sequence[str] = (),
    ) -> Result:
        """Answer `question` with up to `top_k` passages (list and grades answers hold every item).

        `history` holds the earlier questions of the same conversation, oldest
        first; a follow-up ("And for investigation?", "Why is that a concern?")
        is answered as it is understood against them (`peelqa.conversation`),
        and a question that stands alone exactly as without history.

        Raises:
            InvalidQuestion: the question is empty or too long, or top_k is out of range.
        """
        started = time.perf_counter()
        if not isinstance(question, str) or not question.strip():
            raise InvalidQuestion("question must be a non-empty string")
        if len(question) > MAX_QUESTION_CHARS:
            raise InvalidQuestion(f"question must be at most {MAX_QUESTION_CHARS} characters")
        if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
            raise InvalidQuestion(f"top_k must be an integer from 1 to {MAX_TOP_K}")
        question = question.strip()
        resolved = self.resolver.resolve(question, history)
        retrieval = self.retriever.search(resolved, top_k=top_k, filters=filters)
        self.resolver.remember(resolved, retrieval.query)  # the conversation's next request resends it
        answer, hits = compose(retrieval, self.index, self.answer_tuning)
        took_ms = (time.perf_counter() - started) * 1000
        return Result(question, answer, hits, retrieval.intent.kind, round(took_ms, 2), resolved_question=resolved)
