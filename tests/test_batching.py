"""The micro-batcher: concurrent questions share passes, each caller gets its own answer."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from peelqa.batching import QueryBatcher, shared_batcher
from peelqa.embedding import Encoder

pytestmark = pytest.mark.slow

QUESTIONS = [
    "What is khat?",
    "How many officers does the force have?",
    "What are the areas for improvement?",
    "How well does the force protect vulnerable people from harm?",
    "What did the inspectors find about domestic abuse?",
    "How long were computers waiting to be examined?",
    "Is the force good at preventing crime?",
    "What grade did the force get for investigating crime?",
]
POISON = "a question this encoder cannot take"


class Recording:
    """The real encoder, behind a seam that records each batch, can hold the
    first one back, and refuses one question (as a failing model would)."""

    def __init__(self, encoder: Encoder, *, hold_first: bool = False) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.dimension = encoder.dimension
        self.store = encoder.store
        self.batches: list[list[str]] = []
        self.threads: list[int] = []  # the thread that ran each batch
        self.entered = threading.Event()
        self.release = threading.Event()
        if not hold_first:
            self.release.set()

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return self.encoder.encode(texts, progress=progress)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode_queries([text])

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.batches.append(list(texts))
        self.threads.append(threading.get_ident())
        self.entered.set()
        assert self.release.wait(60)
        if POISON in texts:
            raise ValueError(f"cannot encode {POISON!r}")
        return self.encoder.encode_queries(texts)


@pytest.fixture
def expected(encoder: Encoder) -> dict[str, np.ndarray]:
    return {question: encoder.encode_query(question) for question in QUESTIONS}


def test_many_threads_each_get_their_own_vector(encoder: Encoder, expected: dict[str, np.ndarray]) -> None:
    seam = Recording(encoder)
    batcher = QueryBatcher(seam)
    asked = QUESTIONS * 8
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(batcher.encode_query, asked))
    batcher.close()
    for question, vector in zip(asked, answers, strict=True):
        assert vector.shape == (1, encoder.dimension)
        assert np.abs(vector - expected[question]).max() <= 1e-5
    assert sum(len(batch) for batch in seam.batches) == len(asked)
    assert len({id(vector) for vector in answers}) == len(answers)  # no caller shares another's array


def test_questions_queued_meanwhile_share_one_pass(encoder: Encoder, expected: dict[str, np.ndarray]) -> None:
    seam = Recording(encoder, hold_first=True)
    batcher = QueryBatcher(seam, max_batch=16)
    with ThreadPoolExecutor(max_workers=len(QUESTIONS)) as pool:
        first = pool.submit(batcher.encode_query, QUESTIONS[0])
        assert seam.entered.wait(60)  # the worker is busy with the first question...
        rest = [pool.submit(batcher.encode_query, question) for question in QUESTIONS[1:]]
        while len(batcher._queue) < len(rest):  # ...while the others queue behind it
            threading.Event().wait(0.001)
        seam.release.set()
        answers = [first.result(60)] + [future.result(60) for future in rest]
    batcher.close()
    assert [len(batch) for batch in seam.batches] == [1, len(rest)]
    assert sorted(seam.batches[1]) == sorted(QUESTIONS[1:])
    for question, vector in zip(QUESTIONS, answers, strict=True):
        assert np.abs(vector - expected[question]).max() <= 1e-5


def test_an_exception_reaches_only_the_caller_whose_question_raised(
    encoder: Encoder, expected: dict[str, np.ndarray]
) -> None:
    seam = Recording(encoder, hold_first=True)
    batcher = QueryBatcher(seam)
    asked = [QUESTIONS[0], QUESTIONS[1], POISON, QUESTIONS[2]]
    with ThreadPoolExecutor(max_workers=len(asked)) as pool:
        first = pool.submit(batcher.encode_query, asked[0])
        assert seam.entered.wait(60)
        rest = [pool.submit(batcher.encode_query, question) for question in asked[1:]]
        while len(batcher._queue) < len(rest):
            threading.Event().wait(0.001)
        seam.release.set()
        assert np.abs(first.result(60) - expected[asked[0]]).max() <= 1e-5
        with pytest.raises(ValueError, match="cannot encode"):
            rest[1].result(60)
        for question, future in ((asked[1], rest[0]), (asked[3], rest[2])):
            assert np.abs(future.result(60) - expected[question]).max() <= 1e-5
    batcher.close()
    assert len(seam.batches[1]) == 3  # they were batched, then retried one by one


def test_a_lone_question_is_encoded_at_once_in_its_own_thread(
    encoder: Encoder, expected: dict[str, np.ndarray]
) -> None:
    seam = Recording(encoder)
    batcher = QueryBatcher(seam)
    answers = [batcher.encode_query(question) for question in QUESTIONS[:3]]
    # no waiting for company and no hand-off to another thread
    assert seam.batches == [[question] for question in QUESTIONS[:3]]
    assert set(seam.threads) == {threading.get_ident()}
    for question, vector in zip(QUESTIONS, answers, strict=False):
        assert np.abs(vector - expected[question]).max() <= 1e-5
    batcher.close()


def test_close_answers_what_is_queued_and_stops_batching(
    encoder: Encoder, expected: dict[str, np.ndarray]
) -> None:
    seam = Recording(encoder, hold_first=True)
    batcher = QueryBatcher(seam)
    with ThreadPoolExecutor(max_workers=len(QUESTIONS)) as pool:
        futures = [pool.submit(batcher.encode_query, question) for question in QUESTIONS]
        assert seam.entered.wait(60)
        closing = pool.submit(batcher.close)
        seam.release.set()
        closing.result(60)
        answers = [future.result(60) for future in futures]
    assert not batcher._busy and not batcher._queue
    for question, vector in zip(QUESTIONS, answers, strict=True):
        assert np.abs(vector - expected[question]).max() <= 1e-5
    # after close a question is still answered, directly; closing again is harmless
    assert np.abs(batcher.encode_query(QUESTIONS[0]) - expected[QUESTIONS[0]]).max() <= 1e-5
    batcher.close()


def test_every_build_served_shares_one_batcher(encoder: Encoder) -> None:
    assert shared_batcher(encoder) is shared_batcher(encoder)
    batcher = shared_batcher(encoder)
    assert (batcher.name, batcher.dimension) == (encoder.name, encoder.dimension)
    texts = QUESTIONS[:3]
    assert np.abs(batcher.encode(texts) - encoder.encode(texts)).max() <= 1e-6
    assert np.abs(batcher.encode_queries(texts) - encoder.encode_queries(texts)).max() <= 1e-6
