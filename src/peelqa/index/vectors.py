"""Tables of unit vectors and how they are searched: exactly, or through FAISS IVF.

Every table is a `.npy` file opened memory-mapped and read-only, so several
processes serving one index share its pages. Below `FLAT_LIMIT` rows an
exact search (one matrix-vector product) is as fast as any index; beyond
it the `auto` setting adds an inverted-file index whose lists hold 8-bit
codes of the vectors (FAISS `IndexIVFScalarQuantizer`: a quarter of the
bytes to scan, the scan being bound by memory), mapped read-only too
(IO_FLAG_MMAP). What it finds is scored again exactly from the `.npy`, so
only which rows are found is approximate, never their scores. Measured by
`benchmarks/scale.py`; the README gives the figures.

Filters apply before ranking: a filtered search ranks only the allowed
rows, exactly when they are few, through an ID selector otherwise.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from threadpoolctl import ThreadpoolController

from ..kinds import VectorIndexKind
from .store import open_array

__all__ = ["FLAT_LIMIT", "VectorTable", "resolve_kind", "top_k", "write_table"]

# Exact search costs about 0.07 ms per thousand 384-dimension rows here; past
# this many rows an IVF search costs less (benchmarks/scale.py: the crossover).
FLAT_LIMIT = 8_192
_TRAIN_PER_LIST = 40  # training vectors per inverted list: enough for k-means at this size
_RECALL_PROBES = 0.01  # share of the lists searched, for large tables…
_MIN_PROBES = 32  # …and at least this many: recall@10 ≥ 0.95 at every size measured


@lru_cache(maxsize=1)
def _blas_libraries() -> list[Any]:
    return list(ThreadpoolController().select(user_api="blas").lib_controllers)


@contextlib.contextmanager
def one_faiss_thread() -> Iterator[None]:
    """Search FAISS on one OpenMP thread: one query's IVF scan is short, and waking a
    team of threads for it costs more than it saves on a shared machine."""
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(threads)


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run numpy's BLAS on one thread: a matrix-vector product is bound by memory, and
    two OpenBLAS threads waiting on each other cost several times one (measured
    5-10x on the shared 2-core machine; benchmarks/many_reports.py). Process-wide
    while it lasts, as OpenBLAS's setting is; concurrent uses may leave it at one.
    """
    libraries = _blas_libraries()
    before = [library.get_num_threads() for library in libraries]
    for library in libraries:
        library.set_num_threads(1)
    try:
        yield
    finally:
        for library, threads in zip(libraries, before, strict=True):
            library.set_num_threads(threads)


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
    # FAISS asks for 39 training vectors per list at least
    return max(1, min(65_536, int(4 * math.sqrt(rows)), rows // 39))


def _trained_before(previous: Path | None, name: str, rows: int, dimension: int) -> Any:
    """The previous build's IVF index for this table, emptied, when its training still fits.

    Training the lists is most of an IVF table's build; a table of about the
    same size (half to twice) is routed as well by the lists it had, so a
    build that adds a report to many only adds the vectors again.
    """
    if previous is None:
        return None
    try:
        meta = json.loads((previous / "manifest.json").read_text(encoding="utf-8"))["tables"][name]
        if meta.get("kind") != VectorIndexKind.IVF or not rows / 2 <= int(meta["rows"]) <= rows * 2:
            return None
        trained = faiss.read_index(str(previous / f"{name}.ivf"))
    except (OSError, ValueError, KeyError, RuntimeError):
        return None  # no usable previous table: train afresh
    if trained.d != dimension:
        return None
    trained.reset()
    return trained


def write_table(
    folder: Path, name: str, vectors: np.ndarray, kind: VectorIndexKind, *, previous: Path | None = None
) -> dict[str, Any]:
    """Write `vectors` as `name.npy` (and `name.ivf` for IVF); the table's description.

    `previous` is the build folder this one follows, whose IVF training may be reused.
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    np.save(folder / f"{name}.npy", vectors, allow_pickle=False)
    chosen = resolve_kind(kind, len(vectors))
    meta: dict[str, Any] = {"kind": str(chosen), "rows": len(vectors)}
    if chosen is VectorIndexKind.IVF and len(vectors):
        ivf = _trained_before(previous, name, len(vectors), vectors.shape[1])
        meta["trained"] = "reused" if ivf is not None else "trained"
        if ivf is None:
            quantizer = faiss.IndexFlatIP(vectors.shape[1])
            ivf = faiss.IndexIVFScalarQuantizer(
                quantizer, vectors.shape[1], _lists_for(len(vectors)), faiss.ScalarQuantizer.QT_8bit,
                faiss.METRIC_INNER_PRODUCT,
            )
            ivf.cp.niter = 10  # k-means iterations: the lists only route a search, the scores are exact
            sample = min(len(vectors), ivf.nlist * _TRAIN_PER_LIST)
            # a fixed, spread sample: the same vectors give the same index
            chosen_rows = np.sort(np.random.default_rng(0).choice(len(vectors), size=sample, replace=False))
            ivf.train(vectors[chosen_rows])
        ivf.add(vectors)
        faiss.write_index(ivf, str(folder / f"{name}.ivf"))
        meta.update(lists=int(ivf.nlist), probes=max(_MIN_PROBES, math.ceil(_RECALL_PROBES * ivf.nlist)))
    return meta


@dataclass
class VectorTable:
    """One table of unit vectors, with its approximate index where it has one."""

    vectors: np.ndarray  # (rows, dimension) float32, memory-mapped
    ivf: Any = None  # faiss.IndexIVFFlat over the same rows, or None
    probes: int = 0

    @classmethod
    def open(cls, folder: Path, name: str, meta: dict[str, Any]) -> VectorTable:
        vectors = open_array(folder / f"{name}.npy")
        if meta.get("kind") != VectorIndexKind.IVF or not len(vectors):
            return cls(vectors)
        ivf: Any = faiss.read_index(str(folder / f"{name}.ivf"), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        lists = faiss.downcast_InvertedLists(ivf.invlists)
        if hasattr(lists, "prefetch_nthread"):
            # mapped lists would start 32 threads per search to read ahead what the page cache holds
            lists.prefetch_nthread = 0
        return cls(vectors, ivf, int(meta["probes"]))

    def __len__(self) -> int:
        return len(self.vectors)

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1])

    def scores(self, vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Inner product (cosine: rows are unit length) of `vector` with each of `rows`."""
        with one_blas_thread():
            return self.vectors[rows] @ vector.reshape(-1)

    def search(self, vector: np.ndarray, k: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The `k` rows nearest `vector`, among `rows` when given, with their scores, best first."""
        k = min(k, len(self.vectors) if rows is None else len(rows))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if self.ivf is None or (rows is not None and len(rows) <= FLAT_LIMIT):
            if rows is None:
                with one_blas_thread():
                    scores = self.vectors @ vector.reshape(-1)
            else:
                scores = self.scores(vector, rows)
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
        with one_faiss_thread():
            _, found = self.ivf.search(np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32), k, params=params)
        rows_found = found[0][found[0] >= 0].astype(np.int64)
        exact = self.scores(vector, rows_found)  # the codes' scores are approximate; these are not
        best = np.argsort(-exact, kind="stable")
        return rows_found[best], exact[best]
