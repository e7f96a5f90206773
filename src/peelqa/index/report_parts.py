"""What a build derives from one parsed report, kept whole so that the next build reuses it.

A build is the concatenation of its reports' parts: their passage and
sentence vectors, sentence spans, keyword tokens and acronyms. Deriving them
(tokenizing, splitting sentences, finding acronyms, looking up hundreds of
vectors) costs about as much for an unchanged report as for a new one, so a
build that derived it all afresh for every report made adding one report to
N cost O(N). The parts of a report are kept in the build cache by the
report's parse key, the model and the builder's code version, and read back
as one blob.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..acronyms import find_acronyms
from ..context import index_texts
from ..keywords import tokenize
from ..parsing import ParsedReport
from ..sentences import split_sentences
from .cache import text_key

__all__ = ["ReportParts", "derive_parts"]

Tokens = list[list[str]]


@dataclass(frozen=True)
class ReportParts:
    """One report's share of a build; rows count from the report's first passage."""

    passage_vectors: np.ndarray  # (passages, d) float32: each passage with its headings
    sentence_vectors: np.ndarray  # (sentences, d) float32
    spans: np.ndarray  # (sentences, 3) int64: passage row within the report, start, end
    context_tokens: Tokens  # keywords of what is indexed for each passage (BM25)
    passage_tokens: Tokens  # keywords of each passage's own text
    sentence_tokens: Tokens
    acronyms: list[tuple[str, str]]  # in the order the report defines them
    text_keys: bytes  # the cache keys of the texts embedded, KEY_BYTES each

    def to_blob(self) -> tuple[bytes, str]:
        arrays = io.BytesIO()
        np.savez(arrays, passages=self.passage_vectors, sentences=self.sentence_vectors, spans=self.spans)
        words = [self.context_tokens, self.passage_tokens, self.sentence_tokens, self.acronyms]
        return arrays.getvalue(), json.dumps(words, ensure_ascii=False)

    @classmethod
    def from_blob(cls, arrays: bytes, words: str, text_keys: bytes) -> ReportParts:
        with np.load(io.BytesIO(arrays), allow_pickle=False) as loaded:
            passages, sentences, spans = loaded["passages"], loaded["sentences"], loaded["spans"]
        contexts, own, sentence_tokens, acronyms = json.loads(words)
        return cls(passages, sentences, spans, contexts, own, sentence_tokens, [tuple(a) for a in acronyms], text_keys)


def derive_parts(item: ParsedReport, vectors: Callable[[Sequence[str]], np.ndarray]) -> ReportParts:
    """Derive a report's parts, its texts' vectors from `vectors` (the cache, else the encoder)."""
    contexts = index_texts(item.passages)  # a list's lead-in never crosses reports
    sentences: list[str] = []
    spans: list[tuple[int, int, int]] = []
    for row, passage in enumerate(item.passages):
        for start, end in split_sentences(passage.text):
            sentences.append(passage.text[start:end])
            spans.append((row, start, end))
    texts = [*contexts, *sentences]
    found = vectors(texts)
    dimension = found.shape[1] if found.ndim == 2 else 0
    return ReportParts(
        passage_vectors=found[: len(contexts)].reshape(-1, dimension),
        sentence_vectors=found[len(contexts) :].reshape(-1, dimension),
        spans=np.asarray(spans, dtype=np.int64).reshape(-1, 3),
        context_tokens=[tokenize(text) for text in contexts],
        passage_tokens=[tokenize(p.text) for p in item.passages],
        sentence_tokens=[tokenize(text) for text in sentences],
        acronyms=list(find_acronyms(p.text for p in item.passages).items()),
        text_keys=b"".join(dict.fromkeys(text_key(t) for t in texts)),
    )
