"""Micro-batching: questions asked at the same time share one encoder pass.

A batch of 16 short questions costs a fraction per question of what 16
passes cost, so under load the service encodes what is waiting together.
`QueryBatcher` wraps an `Encoder`; at most one thread runs the encoder at a
time, and questions asked meanwhile queue up and are encoded together as the
next batch (at most `max_batch`), so a batch gathers what arrived during one
pass, a few milliseconds.

Who runs the encoder: the asking thread itself. A question that finds the
encoder idle is encoded at once in its own thread, with no hand-off; when a
pass ends and questions have queued, the first of them is woken to encode the
whole queue, and so on. A dedicated worker thread would cost every lone
question two thread switches: about 2 ms a question on this busy 2-core
machine, for nothing (benchmarks/concurrency.py compares the batcher with
the bare encoder at one thread).

The web service wraps its encoder in one; the CLI and builds encode directly.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Sequence

import numpy as np

from .embedding import Encoder

__all__ = ["QueryBatcher", "shared_batcher"]

logger = logging.getLogger(__name__)


class _Request:
    """One question waiting: for its vector, or for its turn to encode a batch."""

    __slots__ = ("batch", "error", "text", "vector", "woken")

    def __init__(self, text: str) -> None:
        self.text = text
        self.vector: np.ndarray | None = None
        self.error: BaseException | None = None
        self.batch: list[_Request] | None = None  # set when this caller is to encode the next batch
        self.woken = threading.Event()

    def result(self) -> np.ndarray:
        if self.error is not None:
            raise self.error
        assert self.vector is not None
        return self.vector


class QueryBatcher:
    """An `Encoder` whose `encode_query`, called from many threads, shares forward passes.

    `encode` and `encode_queries` go straight to the wrapped encoder. After
    `close`, `encode_query` does too.
    """

    def __init__(self, encoder: Encoder, *, max_batch: int = 32) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.dimension = encoder.dimension
        self.store = encoder.store
        self.max_batch = max_batch
        self.batches = 0  # passes made, for the benchmarks and tests
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._busy = False  # a thread is encoding; invariant: the queue is empty when not busy
        self._queue: deque[_Request] = deque()
        self._closed = False

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed many texts directly with the wrapped encoder."""
        return self.encoder.encode(texts, progress=progress)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed a few questions directly, as one batch."""
        return self.encoder.encode_queries(texts)

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one question, sharing the pass with questions asked meanwhile: (1, dimension).

        Raises whatever the wrapped encoder raised for this question.
        """
        request = _Request(text)
        with self._lock:
            if self._closed:
                batch: list[_Request] | None = None
            elif not self._busy:
                self._busy = True
                batch = [request]  # the encoder is idle: encode now, in this thread
            else:
                self._queue.append(request)
                batch = []
        if batch is None:
            return self.encoder.encode_query(text)
        if not batch:
            request.woken.wait()
            if request.batch is None:
                return request.result()  # encoded by another caller's pass
            batch = request.batch  # this caller's turn to encode the queue
        self._run(batch)
        return request.result()

    def close(self) -> None:
        """Let the passes under way and the questions queued finish; later questions are
        encoded directly. Safe to call twice."""
        with self._lock:
            self._closed = True
            while self._busy:
                self._idle.wait()

    def _run(self, batch: list[_Request]) -> None:
        """Encode `batch`, then hand the queue to its first caller (or mark the encoder idle)."""
        try:
            self._encode(batch)
        finally:
            with self._lock:
                if self._queue:
                    count = min(len(self._queue), self.max_batch)
                    following = [self._queue.popleft() for _ in range(count)]
                    following[0].batch = following
                    following[0].woken.set()
                else:
                    self._busy = False
                    self._idle.notify_all()

    def _encode(self, batch: list[_Request]) -> None:
        self.batches += 1
        try:
            vectors = self.encoder.encode_queries([request.text for request in batch])
        except Exception as error:  # noqa: BLE001 - handed to the caller whose question it was
            if len(batch) == 1:
                self._answer(batch[0], error=error)
                return
            # one question may have spoiled the batch: encode each alone, so
            # the exception reaches only the caller whose question raised it
            logger.debug("a batch of %d questions failed (%s); encoding them one by one", len(batch), error)
            for request in batch:
                self._encode([request])
            return
        for row, request in enumerate(batch):
            self._answer(request, vector=vectors[row : row + 1].copy())

    @staticmethod
    def _answer(request: _Request, *, vector: np.ndarray | None = None, error: BaseException | None = None) -> None:
        request.vector, request.error = vector, error
        if request.batch is None:  # the caller encoding this batch is awake already
            request.woken.set()


_shared: dict[int, QueryBatcher] = {}
_shared_lock = threading.Lock()


def shared_batcher(encoder: Encoder) -> QueryBatcher:
    """The process's one batcher for `encoder`: every index build served in
    this process shares it, so the encoder runs one pass at a time."""
    with _shared_lock:
        batcher = _shared.get(id(encoder))
        if batcher is None or batcher.encoder is not encoder:
            batcher = _shared[id(encoder)] = QueryBatcher(encoder)
        return batcher
