"""Text to unit-length vectors with the configured sentence-transformers model.

    encoder = get_encoder("all-MiniLM-L6-v2", cache_dir=index_dir / "models")
    encoder.encode(passages)            # (n, d) float32 rows of unit length
    encoder.encode_query(question)      # (1, d)
    encoder.encode_queries(questions)   # (n, d), one batch

The model is exported once to ONNX, checked against sentence-transformers and
cached in the index folder (`export.py`); questions and builds then run in
ONNX Runtime without importing torch (`onnx_encoder.py`: 2.8 ms a question
against 7 ms). A model whose shape that path does not reproduce, or whose
export fails or disagrees, runs in sentence-transformers (`torch_encoder.py`),
with the reason logged. Both give the same vectors within 1e-4, so an index
built by one is searched by the other.

    embedding/
      model_folder.py   a model setting -> its stable name and local folder
      onnx_encoder.py   tokenizers + onnxruntime + the model's pooling
      export.py         the export, its check, and the cache in the index folder
      torch_encoder.py  sentence-transformers itself: the reference and the fallback
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from .export import ExportRefused, load_onnx_encoder
from .model_folder import DEFAULT_MODEL, model_id
from .torch_encoder import SentenceTransformerEncoder

__all__ = ["DEFAULT_MODEL", "MODELS_FOLDER", "Encoder", "get_encoder", "load_encoder", "model_cache_dir", "model_id"]

logger = logging.getLogger(__name__)

MODELS_FOLDER = "models"  # inside the index folder: the exported models


class Encoder(Protocol):
    """What the rest of peelqa needs from an encoder."""

    name: str  # the model id an index records
    dimension: int
    store: Path | None  # a folder where what is derived from the model may be kept, or None

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed many texts as (n, dimension) float32 rows of unit length."""
        ...

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one question as a (1, dimension) float32 row of unit length."""
        ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed a few questions as one batch: (n, dimension) float32 rows of unit length."""
        ...


def model_cache_dir(index_dir: Path | str | None = None) -> Path:
    """Where exported models are kept: `models/` inside the index folder.

    Without `index_dir`, the index folder the settings name (PEELQA_INDEX_DIR).
    """
    if index_dir is None:
        from ..settings import setting  # here: settings imports DEFAULT_MODEL from this package

        index = setting("index")
        index_dir = os.environ.get(index.env, index.default)
    return Path(index_dir) / MODELS_FOLDER


def load_encoder(spec: str = DEFAULT_MODEL, *, cache_dir: Path) -> Encoder:
    """A new encoder for `spec`: ONNX Runtime when the model allows, else sentence-transformers.

    Raises:
        ModelLoadError: the model cannot be loaded offline.
    """
    try:
        encoder = load_onnx_encoder(spec, cache_dir=cache_dir)
    except ExportRefused as refusal:
        logger.warning("encoding with sentence-transformers, not ONNX Runtime: %s", refusal.reason)
        return SentenceTransformerEncoder(spec, model=refusal.model)
    logger.info("encoding with ONNX Runtime from %s", encoder.folder)
    return encoder


_shared: dict[tuple[str, Path], Encoder] = {}
_shared_lock = threading.Lock()


def get_encoder(spec: str = DEFAULT_MODEL, *, cache_dir: Path | None = None) -> Encoder:
    """The process's one encoder for `spec`, loaded on first use.

    `cache_dir` is where the exported model is kept; by default `models/` in
    the configured index folder (`model_cache_dir`).

    Raises:
        ModelLoadError: the model cannot be loaded offline.
    """
    folder = (cache_dir or model_cache_dir()).resolve()
    with _shared_lock:
        if (spec, folder) not in _shared:
            _shared[spec, folder] = load_encoder(spec, cache_dir=folder)
        return _shared[spec, folder]
