"""The model run by ONNX Runtime from an exported copy: no torch, no transformers.

A cache entry written by `export.py` holds everything needed:

    model.onnx     the transformer: token ids -> token embeddings
    tokenizer.json the model's own tokenizer, as sentence-transformers set it up
    encoder.json   model id, dimension, max_seq_length, input names, pad token,
                   pooling, the versions that exported it, the probe texts
    probes.npy     sentence-transformers' vectors of the probe texts

Pooling is the model's own (mean over the tokens the attention mask keeps),
then the vectors are scaled to unit length, as the Normalize module does.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ENCODER_CONFIG", "OnnxEncoder", "default_threads"]

ENCODER_CONFIG = "encoder.json"


def default_threads() -> int:
    """Intra-op threads for ONNX Runtime: the cores this process may use, at most 4.

    Measured on 2 busy cores (benchmarks/encoder.py): 2 threads encode one
    question in 5.3 ms against 6.2 ms with one.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the token embeddings the mask keeps, scaled to unit length."""
    weights = mask[:, :, None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    vectors = summed / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    # as torch.nn.functional.normalize: never divide by (near) zero
    return np.ascontiguousarray(vectors / np.clip(norms, 1e-12, None), dtype=np.float32)


class OnnxEncoder:
    """Turns text into unit-length vectors with ONNX Runtime; one instance per process."""

    backend = "onnx"

    def __init__(
        self, folder: Path, *, threads: int | None = None, batch_size: int = 16, spinning: bool = False
    ) -> None:
        """Load the cache entry in `folder`.

        Raises:
            OSError, ValueError, KeyError, onnxruntime errors: the entry is
            missing, unreadable or not a model (the cache treats any of these as
            a corrupt entry).
        """
        import onnxruntime
        from tokenizers import Tokenizer

        self.folder = folder
        self.store: Path | None = folder  # what is derived from the model may be kept beside it
        config: dict[str, Any] = json.loads((folder / ENCODER_CONFIG).read_text(encoding="utf-8"))
        self.config = config
        self.name: str = config["model_id"]
        self.dimension: int = int(config["dimension"])
        self.batch_size = batch_size
        self._inputs: tuple[str, ...] = tuple(config["inputs"])
        self._pad_id = int(config["pad_token_id"])

        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # the file may carry a fixed padding or another length; batches are
        # padded here, to their longest text, and truncated as the model was
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=int(config["max_seq_length"]))

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or default_threads()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: its warnings say nothing to a peelqa user
        # Idle intra-op threads sleep instead of spinning: spinning threads
        # take the cores that the request threads need for retrieval and JSON
        # right after each pass (benchmarks/threads.py measures both).
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
        self._session = onnxruntime.InferenceSession(
            str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )

    def _forward(self, rows: Sequence[Sequence[int]]) -> np.ndarray:
        """Vectors of already tokenized texts, padded here to the longest."""
        longest = max(len(ids) for ids in rows)
        ids = np.full((len(rows), longest), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), longest), dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        (hidden,) = self._session.run(None, {name: feeds[name] for name in self._inputs})
        return _mean_pool(hidden, mask)

    def _token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        if len(texts) == 1:  # skips encode_batch's thread pool for the common case
            return [self._tokenizer.encode(texts[0]).ids]
        return [encoding.ids for encoding in self._tokenizer.encode_batch(list(texts))]

    def _length_sorted_batches(self, lengths: Sequence[int]) -> Iterator[np.ndarray]:
        """Row numbers in batches of similar length, so little of each batch is padding."""
        order = np.argsort(np.asarray(lengths), kind="stable")
        for start in range(0, len(order), self.batch_size):
            yield order[start : start + self.batch_size]

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed many texts as float32 rows of unit length, in length-sorted batches."""
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return vectors
        token_ids = self._token_ids(texts)
        batches = list(self._length_sorted_batches([len(ids) for ids in token_ids]))
        if progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc="Encoding", unit="batch")
        for batch in batches:
            vectors[batch] = self._forward([token_ids[row] for row in batch])
        return vectors

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed a few questions at once, as one batch: (n, dimension) float32 rows."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._forward(self._token_ids(texts))

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one question as a (1, dimension) float32 row of unit length."""
        return self._forward(self._token_ids([text]))

    def probe_difference(self) -> float:
        """Largest difference from sentence-transformers on the probe texts kept beside the model.

        The probes are encoded one by one and as one padded batch, so both the
        question path and the build path are checked.
        """
        texts: list[str] = self.config["probes"]
        expected = np.load(self.folder / "probes.npy", allow_pickle=False)
        alone = np.concatenate([self.encode_query(text) for text in texts])
        together = self.encode_queries(texts)
        return float(max(np.abs(alone - expected).max(), np.abs(together - expected).max()))
