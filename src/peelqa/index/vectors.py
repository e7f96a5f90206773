"""Tables of unit vectors and how they are searched: exactly, or through FAISS IVF.

Every table is a `.npy` file opened memory-mapped and read-only, so several
processes serving one index share its pages. Below `FLAT_LIMIT` rows an
exact search (one matrix-vector product) is as fast as any index; beyond
it the `auto` setting adds an inverted-file index (FAISS `IndexIVFFlat`),
whose lists FAISS also maps read-only (IO_FLAG_MMAP). Measured by
`benchmarks/scale.py`; the README gives the figures.

Filters apply before ranking: a filtered search ranks only the allowed
rows, exactly when they are few, through an ID selector otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from ..kinds import VectorIndexKind

__all__ = ["FLAT_LIMIT", "VectorTable", "resolve_kind", "top_k", "write_table"]

# Exact search over this many 384-dimension rows takes about a millisecond
# here; an IVF search stays near that at any size (benchmarks/scale.py).
FLAT_LIMIT = 32_768
_TRAIN_PER_LIST = 40  # training vectors per inverted list: enough for k-means at this size
_RECALL_PROBES = 0.03  # share of the lists searched: recall@10 ≥ 0.95 at 100k and 1M rows
_MIN_PROBES = 16


def resolve_kind(kind: VectorIndexKind, rows: int) -> VectorIndexKind:
    """The concrete kind for a table of `rows` vectors: `auto` picks by size."""
    if kind is VectorIndexKind.AUTO:
        return VectorIndexKind.IVF if rows > FLAT_LIMIT else VectorIndexKind.FLAT
    return kind


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the `k` highest scores, best first (ties in position order)."""
    if k <= 0 or not len(scores):
        return np.zeros(0, dtype=np.int64)
    if k < len(scores):
        part = np.argpartition(-scores, k - 1)[:k]
        part.sort()  # position order first, so equal scores stay in it
        return part[np.argsort(-scores[part], kind="stable")]
    return np.argsort(-scores, kind="stable")


def _lists_for(rows: int) -> int:
    return max(1, min(65_536, int(2 * math.sqrt(rows))))


def write_table(folder: Path, name: str, vectors: np.ndarray, kind: VectorIndexKind) -> dict[str, Any]:
    """Write `vectors` as `name.npy` (and `name.ivf` for IVF); the table's description."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    np.save(folder / f"{name}.npy", vectors, allow_pickle=False)
    chosen = resolve_kind(kind, len(vectors))
    meta: dict[str, Any] = {"kind": str(chosen), "rows": len(vectors)}
    if chosen is VectorIndexKind.IVF and len(vectors):
        lists = _lists_for(len(vectors))
        quantizer = faiss.IndexFlatIP(vectors.shape[1])
        ivf = faiss.IndexIVFFlat(quantizer, vectors.shape[1], lists, faiss.METRIC_INNER_PRODUCT)
        sample = min(len(vectors), lists * _TRAIN_PER_LIST)
        # a fixed, spread sample: the same vectors give the same index
        chosen_rows = np.sort(np.random.default_rng(0).choice(len(vectors), size=sample, replace=False))
        ivf.train(vectors[chosen_rows])
        ivf.add(vectors)
        faiss.write_index(ivf, str(folder / f"{name}.ivf"))
        meta.update(lists=lists, probes=max(_MIN_PROBES, math.ceil(_RECALL_PROBES * lists)))
    return meta


@dataclass
class VectorTable:
    """One table of unit vectors, with its approximate index where it has one."""

    vectors: np.ndarray  # (rows, dimension) float32, memory-mapped
    ivf: Any = None  # faiss.IndexIVFFlat over the same rows, or None
    probes: int = 0

    @classmethod
    def open(cls, folder: Path, name: str, meta: dict[str, Any]) -> VectorTable:
        vectors = np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        if meta.get("kind") != VectorIndexKind.IVF or not len(vectors):
            return cls(vectors)
        ivf = faiss.read_index(str(folder / f"{name}.ivf"), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        return cls(vectors, ivf, int(meta["probes"]))

    def __len__(self) -> int:
        return len(self.vectors)

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1])

    def scores(self, vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Inner product (cosine: rows are unit length) of `vector` with each of `rows`."""
        return self.vectors[rows] @ vector.reshape(-1)

    def search(self, vector: np.ndarray, k: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The `k` rows nearest `vector`, among `rows` when given, with their scores, best first."""
        k = min(k, len(self.vectors) if rows is None else len(rows))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if self.ivf is None or (rows is not None and len(rows) <= FLAT_LIMIT):
            scores = self.vectors @ vector.reshape(-1) if rows is None else self.scores(vector, rows)
            best = top_k(scores, k)
            return (best if rows is None else rows[best]).astype(np.int64), scores[best]
        return self._search_ivf(vector, k, rows)

    def _search_ivf(self, vector: np.ndarray, k: int, rows: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        probes, selector, bitmap = self.probes, None, None
        if rows is not None:
            allowed = np.zeros(len(self.vectors), dtype=bool)
            allowed[rows] = True
            bitmap = np.packbits(allowed, bitorder="little")  # kept alive: the selector reads it
            selector = faiss.IDSelectorBitmap(len(self.vectors), faiss.swig_ptr(bitmap))
            # a filter leaves fewer rows per list: search more lists to find k of them
            probes = min(self.ivf.nlist, math.ceil(probes * len(self.vectors) / max(1, len(rows))))
        params = faiss.SearchParametersIVF(sel=selector, nprobe=probes)  # type: ignore[call-arg]
        scores, found = self.ivf.search(np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32), k, params=params)
        keep = found[0] >= 0
        return found[0][keep].astype(np.int64), scores[0][keep]
