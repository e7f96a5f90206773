"""Near terms: the index's words closest in meaning to question words it lacks.

People ask in their own words ("burglars", "kids", "happy") where the reports
use others ("burglary", "children", "satisfied"). BM25 cannot match those; the
encoder places them near each other. Every index term is encoded once per
process, on first need, in one batched pass (its commonest written form, since
stems like "burglari" mean little to the encoder); a question's missing words
are encoded in the same pass as the question itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from .index import Index
from .index.postings import TermQuery
from .keywords import tokens

__all__ = ["NearTerms", "WordsEncoder"]

_BATCH = 32  # terms encoded together when the index's vocabulary is read


class WordsEncoder(Protocol):
    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...


class NearTerms:
    """For words the index lacks, the index terms nearest to each in the encoder space."""

    def __init__(self, index: Index, encoder: WordsEncoder, *, similarity: float = 0.5, per_word: int = 3) -> None:
        self.index = index
        self.encoder = encoder
        # below this, a term is not the word's meaning (0.5-0.65 and 2-3 terms a word
        # measured on dev, own and follow-ups: 0.5 and 3 did best)
        self.similarity = similarity
        self.per_word = per_word
        self._ids: np.ndarray | None = None
        self._vectors: np.ndarray | None = None

    def load(self) -> None:
        """Encode the index's terms: ~2.5 s for ~1,200 terms on 2 cores, once per process."""
        if self._vectors is not None:
            return
        written: dict[str, Counter[str]] = {}
        for passage in self.index.passages:
            for token in tokens(passage.text):
                written.setdefault(token.stem, Counter())[passage.text[token.start : token.end].lower()] += 1
        vocabulary = self.index.postings.vocabulary
        stems = sorted(vocabulary, key=vocabulary.__getitem__)
        words = [written[s].most_common(1)[0][0] if s in written else s for s in stems]
        self._ids = np.asarray([vocabulary[s] for s in stems], dtype=np.int64)
        # in small batches: one batch of every term would leave the encoder's memory arena at its size
        batches = [self.encoder.encode_queries(words[i : i + _BATCH]) for i in range(0, len(words), _BATCH)]
        self._vectors = np.concatenate(batches).astype(np.float32) if batches else np.zeros((0, 1), np.float32)

    def expand(self, terms: TermQuery, word_vectors: np.ndarray) -> TermQuery:
        """`terms` with the near terms of each missing word, each asked as often as it is similar."""
        if not len(word_vectors):
            return terms
        self.load()
        assert self._vectors is not None and self._ids is not None
        if not len(self._ids):
            return terms
        similar = np.asarray(word_vectors, dtype=np.float32) @ self._vectors.T
        asked = dict(zip(terms.ids.tolist(), terms.counts.tolist(), strict=True))
        for row in similar:
            best = np.argsort(-row)[: self.per_word]
            for position in best[row[best] >= self.similarity].tolist():
                term = int(self._ids[position])
                asked[term] = max(asked.get(term, 0.0), float(row[position]))
        ids = np.asarray(sorted(asked), dtype=np.int64)
        return TermQuery(ids, np.asarray([asked[i] for i in ids.tolist()], dtype=np.float32))
