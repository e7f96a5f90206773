"""Micro-batching: questions asked at the same time share one encoder pass.

A batch of 16 short questions costs about a third per question of what 16
passes cost, so under load the service should encode what is waiting together.
`QueryBatcher` wraps an `Encoder`; its `encode_query` hands the question to one
inference worker thread, which takes it together with everything queued
behind it and encodes them as one batch. A lone question is encoded at once,
never held back in the hope of company; only when others are already waiting
does the worker linger (at most `max_wait_ms`) for more.

The web service wraps its encoder in one; the CLI and builds encode directly.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future

import numpy as np

from .embedding import Encoder

__all__ = ["QueryBatcher", "shared_batcher"]

logger = logging.getLogger(__name__)

_STOP = object()  # put on the queue by close(): the worker finishes what is before it, then exits


class _Request:
    __slots__ = ("future", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.future: Future[np.ndarray] = Future()


class QueryBatcher:
    """An `Encoder` whose `encode_query`, called from many threads, shares forward passes.

    `encode` and `encode_queries` go straight to the wrapped encoder. After
    `close`, `encode_query` does too, so a request in flight during shutdown
    is still answered.
    """

    def __init__(self, encoder: Encoder, *, max_batch: int = 16, max_wait_ms: float = 1.0) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.dimension = encoder.dimension
        self.max_batch = max_batch
        self.max_wait = max_wait_ms / 1000
        self.batches = 0  # forward passes made by the worker, for the benchmarks
        self._queue: queue.SimpleQueue[_Request | object] = queue.SimpleQueue()
        # the worker starts on the first question, not here: a process that
        # forks after loading (a pre-forking server) must not inherit a dead thread
        self._worker: threading.Thread | None = None
        self._closed = False
        self._lock = threading.Lock()  # orders enqueueing against close()

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
                return self.encoder.encode_query(text)
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="peelqa-encoder", daemon=True)
                self._worker.start()
            self._queue.put(request)
        return request.future.result()

    def close(self) -> None:
        """Encode what is queued, then stop the worker. Safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            worker = self._worker
            if worker is not None:
                self._queue.put(_STOP)
        if worker is not None:
            worker.join()

    def _gather(self, batch: list[_Request]) -> bool:
        """Add what is queued behind `batch[0]` (lingering only if others were waiting);
        True when the stop sign was met."""
        deadline = time.perf_counter() + self.max_wait
        while len(batch) < self.max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                remaining = deadline - time.perf_counter()
                if len(batch) == 1 or remaining <= 0:
                    return False  # a lone question never waits
                try:
                    item = self._queue.get(timeout=remaining)
                except queue.Empty:
                    return False
            if item is _STOP:
                return True
            assert isinstance(item, _Request)
            batch.append(item)
        return False

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            assert isinstance(first, _Request)
            batch = [first]
            stop = self._gather(batch)
            self._encode(batch)
            if stop:
                # the stop sign was taken mid-gather; close() enqueues nothing after it
                return

    def _encode(self, batch: list[_Request]) -> None:
        self.batches += 1
        try:
            vectors = self.encoder.encode_queries([request.text for request in batch])
        except Exception as error:  # noqa: BLE001 - handed to the caller whose question it was
            if len(batch) == 1:
                batch[0].future.set_exception(error)
                return
            # one question may have spoiled the batch: encode each alone, so
            # the exception reaches only the caller whose question raised it
            logger.debug("a batch of %d questions failed (%s); encoding them one by one", len(batch), error)
            for request in batch:
                self._encode([request])
            return
        for row, request in enumerate(batch):
            request.future.set_result(vectors[row : row + 1].copy())


_shared: dict[int, QueryBatcher] = {}
_shared_lock = threading.Lock()


def shared_batcher(encoder: Encoder) -> QueryBatcher:
    """The process's one batcher for `encoder`: every index build served in
    this process shares it, so a reload starts no new worker."""
    with _shared_lock:
        batcher = _shared.get(id(encoder))
        if batcher is None or batcher.encoder is not encoder:
            batcher = _shared[id(encoder)] = QueryBatcher(encoder)
        return batcher
