"""The keyword index: for each term, the passages that hold it and its BM25 score there.

bm25s computes the scores at build time; they are kept as three arrays (a
compressed sparse column matrix: `indptr` per term, passage rows sorted
within each term, scores), opened memory-mapped. A query scores only what it
needs: the rows it asks about (binary search in each term's rows), or,
for a search, the postings of its own terms, never a pass over every term.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from .store import open_array
from .vectors import top_k

__all__ = ["BM25_PARAMS", "Postings", "TermQuery", "write_postings"]

# Less length normalisation than BM25's usual b=0.75: a one-line list item and
# a long paragraph are both whole answers (measured: benchmarks/compare_retrieval.py).
BM25_PARAMS = {"k1": 1.5, "b": 0.6}
_FILES = ("terms.indptr.npy", "terms.rows.npy", "terms.scores.npy")
# A search adds up the postings of a query's terms, rarest first, up to about this
# many: a term held by a large share of many reports adds little to any score and
# much to the cost, so past the budget it stops finding candidates (the rows found
# are still scored with every term). Below it, as for a few reports, search is exact.
SEARCH_POSTINGS = 20_000


@dataclass(frozen=True)
class TermQuery:
    """A query's terms as the index knows them: unique ids, how often each is asked."""

    ids: np.ndarray  # int64, sorted
    counts: np.ndarray  # float32, same order

    def __len__(self) -> int:
        return len(self.ids)


def write_postings(folder: Path, token_lists: Sequence[Sequence[str]]) -> dict[str, int]:
    """Score every passage's tokens with BM25 and write the arrays and the vocabulary."""
    bm25 = bm25s.BM25(**BM25_PARAMS)
    bm25.index([list(tokens) for tokens in token_lists], show_progress=False)
    vocabulary: dict[str, int] = {str(t): int(i) for t, i in bm25.vocab_dict.items()}
    indptr = np.asarray(bm25.scores["indptr"], dtype=np.int64)
    rows = np.asarray(bm25.scores["indices"], dtype=np.int32)
    scores = np.asarray(bm25.scores["data"], dtype=np.float32)
    # rows sorted within each term, for binary search (bm25s gives them so; make sure)
    term = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    order = np.lexsort((rows, term))
    np.save(folder / _FILES[0], indptr, allow_pickle=False)
    np.save(folder / _FILES[1], rows[order], allow_pickle=False)
    np.save(folder / _FILES[2], scores[order], allow_pickle=False)
    (folder / "terms.vocabulary.json").write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
    return vocabulary


class Postings:
    """The loaded keyword index of a build."""

    def __init__(self, folder: Path, documents: int) -> None:
        self.documents = documents
        indptr, rows, scores = (open_array(folder / name) for name in _FILES)
        written: dict[str, int] = json.loads((folder / "terms.vocabulary.json").read_text(encoding="utf-8"))
        # bm25s keeps an empty term that holds no postings, with an id past the
        # matrix's last: a term with no column is no term
        self.vocabulary = {term: i for term, i in written.items() if term and 0 <= i < len(indptr) - 1}
        self._indptr, self._rows, self._scores = indptr, rows, scores

    def query(self, tokens: Sequence[str]) -> TermQuery:
        """The terms of `tokens` the index knows, each with how often it occurs."""
        ids = [self.vocabulary[t] for t in tokens if t in self.vocabulary]
        unique, counts = np.unique(np.asarray(ids, dtype=np.int64), return_counts=True)
        return TermQuery(unique, counts.astype(np.float32))

    def ids(self, tokens: Sequence[str]) -> np.ndarray:
        """Vocabulary ids of `tokens`, -1 for those the index does not know."""
        return np.asarray([self.vocabulary.get(t, -1) for t in tokens], dtype=np.int64)

    def document_frequency(self, ids: np.ndarray) -> np.ndarray:
        """How many passages hold each term (0 for an unknown id, -1)."""
        known = ids >= 0
        safe = np.where(known, ids, 0)
        return np.where(known, self._indptr[safe + 1] - self._indptr[safe], 0)

    def idf(self, ids: np.ndarray) -> np.ndarray:
        """BM25's inverse document frequency of each term."""
        df = self.document_frequency(ids).astype(np.float64)
        return np.log(1 + (self.documents - df + 0.5) / (df + 0.5))

    def scores(self, terms: TermQuery, rows: np.ndarray) -> np.ndarray:
        """BM25 score of each of `rows` for `terms`."""
        out = np.zeros(len(rows), dtype=np.float32)
        for term, count in zip(terms.ids.tolist(), terms.counts.tolist(), strict=True):
            start, end = int(self._indptr[term]), int(self._indptr[term + 1])
            if end == start:
                continue
            holding = self._rows[start:end]
            at = np.minimum(np.searchsorted(holding, rows), end - start - 1)
            found = holding[at] == rows
            out += np.where(found, self._scores[start + at], np.float32(0)) * np.float32(count)
        return out

    def search(self, terms: TermQuery, k: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The `k` best-scoring rows (among `rows` when given) with a score above zero.

        Exact while the query's postings fit `SEARCH_POSTINGS`; beyond, the
        commonest terms only score, they do not find (see there).
        """
        if not len(terms):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        starts, ends = self._indptr[terms.ids], self._indptr[terms.ids + 1]
        if rows is not None and len(rows) * len(terms) < int((ends - starts).sum()):
            scores = self.scores(terms, rows)
            candidates = rows
        else:
            rarest_first = np.argsort(ends - starts, kind="stable")
            within = np.cumsum((ends - starts)[rarest_first]) <= SEARCH_POSTINGS
            within[0] = True
            total = np.zeros(self.documents, dtype=np.float32)
            for i in rarest_first[within].tolist():
                start, end = int(starts[i]), int(ends[i])
                # a term's rows are distinct, so plain fancy-index addition is exact
                total[self._rows[start:end]] += self._scores[start:end] * terms.counts[i]
            # only rows some posting reached can score above zero
            # (a comparison first: numpy finds the non-zero of a bool array four times faster)
            candidates = np.flatnonzero(total > 0) if rows is None else rows[total[rows] > 0]
            scores = total[candidates]
            if not within.all():  # the best found by the rarer terms, scored with every term
                candidates = candidates[top_k(scores, 4 * k)]
                scores = self.scores(terms, candidates)
        best = top_k(scores, k)
        best = best[scores[best] > 0]
        return candidates[best].astype(np.int64), scores[best]
