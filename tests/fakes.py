"""Stand-ins for pure unit tests of the index and the library (never end to end)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

__all__ = ["BrokenEncoder", "FakeEncoder"]


class FakeEncoder:
    """Deterministic vectors from word hashes: enough to test the index, not retrieval."""

    name = "fake-encoder"
    dimension = 16
    store = None  # nothing derived from this model is kept

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        self.calls += 1
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                rows[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1
        rows += 1e-6
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


class BrokenEncoder(FakeEncoder):
    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        raise RuntimeError("the machine ran out of memory mid-build")
