"""Export a sentence-transformers model to ONNX once, check it, and cache it.

The cache lives in the index folder (`<index_dir>/models`), one entry per
model and exporter versions:

    models/<name>-<key>/     an entry `onnx_encoder.py` loads (model.onnx, ...)
    models/<name>-<key>/refused.json
                             the model was refused, and why: it runs in
                             sentence-transformers without trying again
    models/.tmp-*            an export in progress (or left by a crash)

An export is written under a temporary name and renamed into place only once
its vectors match sentence-transformers' within `TOLERANCE` on the probe
texts, so a reader never sees half a file. Loading an entry checks the probes
again (a few milliseconds), so a damaged file is exported afresh rather than
answering with wrong vectors. Only the export imports torch; loading a cached
entry does not.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import warnings
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .model_folder import folder_fingerprint, model_id, resolve_folder
from .onnx_encoder import ENCODER_CONFIG, OnnxEncoder
from .torch_encoder import load_sentence_transformer

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["EXPORT_FORMAT", "PROBES", "TOLERANCE", "ExportRefused", "cache_entry", "load_onnx_encoder"]

logger = logging.getLogger(__name__)

EXPORT_FORMAT = 1  # bump when what an entry holds, or how it is made, changes
TOLERANCE = 1e-4  # largest difference allowed from sentence-transformers, per vector component
OPSET = 17
_INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
_EXPORTER_PACKAGES = ("torch", "onnx", "transformers", "sentence-transformers")

# Texts of different shapes: short and long (past max_seq_length, so
# truncation is checked), odd characters, and one batch of them all (padding).
PROBES = (
    "What is it?",
    "How well does the organisation understand the demand it faces, and is it ready for what comes next?",
    "The inspectors’ report — published in autumn — found café-style drop-in sessions were “well received”.",
    "Figures: 1,234 cases (56.7%) in 2015/16; ref. A-12/B.",
    " ".join(
        ["Each sentence of this long paragraph adds a little more detail to what came before it."] * 40
    ),
)


class ExportRefused(Exception):
    """The model will not be run through ONNX; `reason` says why.

    `model` is the sentence-transformers model when the export had loaded it
    already, so falling back does not load it twice.
    """

    def __init__(self, reason: str, *, model: SentenceTransformer | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.model = model


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def exporter_versions() -> dict[str, str]:
    """Versions of the packages an export depends on (read without importing them)."""
    return {package: _version(package) for package in _EXPORTER_PACKAGES}


def cache_entry(cache_dir: Path, spec: str, folder: Path) -> Path:
    """The cache folder for `spec` loaded from `folder`: named by the model,
    keyed by its files and the exporter versions."""
    identity = {
        "format": EXPORT_FORMAT,
        "model": model_id(spec),
        "files": folder_fingerprint(folder),
        "versions": exporter_versions(),
        "opset": OPSET,
    }
    key = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", model_id(spec).rstrip("/").rsplit("/", 1)[-1]) or "model"
    return cache_dir / f"{name}-{key}"


def _unsupported(model: SentenceTransformer) -> str | None:
    """Why the ONNX path would not reproduce `model`'s vectors, or None when it would."""
    modules: list[Any] = list(model)  # torch types them as bare Modules
    kinds = [type(module).__name__ for module in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return f"its modules are {' -> '.join(kinds)}, not Transformer -> mean Pooling [-> Normalize]"
    transformer, pooling = modules[0], modules[1]
    mode: Any = getattr(pooling, "pooling_mode", None)
    if mode is None and hasattr(pooling, "get_pooling_mode_str"):  # sentence-transformers < 6
        mode = pooling.get_pooling_mode_str()
    modes = (mode,) if isinstance(mode, str) else tuple(mode or ())
    if modes != ("mean",):
        return f"its pooling is {'+'.join(map(str, modes)) or 'unknown'}, not mean"
    task = getattr(transformer, "transformer_task", "feature-extraction")
    if task != "feature-extraction":
        return f"its transformer task is {task!r}, not feature-extraction"
    prompt_name = getattr(model, "default_prompt_name", None)
    if prompt_name and getattr(model, "prompts", {}).get(prompt_name):
        return f"it prepends the prompt {prompt_name!r} to every text"
    tokenizer = getattr(transformer, "tokenizer", None)
    if not getattr(tokenizer, "is_fast", False):
        return "it has no fast (tokenizers) tokenizer"
    if not model.max_seq_length:
        return "it sets no max_seq_length"
    return None


def _export_graph(model: SentenceTransformer, path: Path) -> list[str]:
    """Write the transformer of `model` to `path` as ONNX; the input names it takes."""
    import torch

    transformer: Any = model[0]
    network = getattr(transformer, "model", None) or transformer.auto_model
    tokenizer = transformer.tokenizer
    sample = tokenizer(list(PROBES[:2]), padding=True, truncation="longest_first", return_tensors="pt")
    inputs = [name for name in _INPUT_NAMES if name in sample]
    if inputs[:2] != ["input_ids", "attention_mask"]:
        raise ValueError(f"its tokenizer gives {sorted(sample)}, not input_ids and attention_mask")

    class TokenEmbeddings(torch.nn.Module):
        """Keyword arguments in, last hidden state out: what the exporter traces."""

        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor | None = None,
        ) -> torch.Tensor:
            # named parameters, not **kwargs: the tracer binds inputs by signature
            features = {"input_ids": input_ids, "attention_mask": attention_mask}
            if token_type_ids is not None:
                features["token_type_ids"] = token_type_ids
            return self.network(**features).last_hidden_state

    axes = {name: {0: "batch", 1: "sequence"} for name in [*inputs, "token_embeddings"]}
    with warnings.catch_warnings(), torch.no_grad():
        # the TorchScript exporter's deprecation and tracer notes are expected here
        warnings.simplefilter("ignore")
        torch.onnx.export(
            TokenEmbeddings().eval(),
            (),
            str(path),
            kwargs={name: sample[name] for name in inputs},
            input_names=inputs,
            output_names=["token_embeddings"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
    return inputs


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def _publish(staging: Path, entry: Path) -> None:
    """Rename a finished `staging` folder to `entry`, durably; another process's
    finished entry of the same key wins and ours is dropped."""
    for path in [*staging.iterdir(), staging]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    try:
        os.rename(staging, entry)
    except OSError:
        if not entry.is_dir():
            raise
        shutil.rmtree(staging, ignore_errors=True)


def _refuse(cache_dir: Path, entry: Path, reason: str, model: SentenceTransformer) -> ExportRefused:
    """Record that `entry`'s model is refused, so later starts skip the export."""
    staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=cache_dir))
    _write_json(staging / "refused.json", {"reason": reason, "versions": exporter_versions()})
    _publish(staging, entry)
    return ExportRefused(reason, model=model)


def _export(spec: str, entry: Path, *, tolerance: float, threads: int | None) -> OnnxEncoder:
    """Export `spec` into `entry` and check it.

    Raises:
        ExportRefused: the model's shape is not one this path reproduces, or
            its ONNX vectors differ from sentence-transformers' (both recorded),
            or the export failed (not recorded: it may not fail next time).
        ModelLoadError: the model cannot be loaded at all.
    """
    cache_dir = entry.parent
    model = load_sentence_transformer(spec)
    reason = _unsupported(model)
    if reason:
        raise _refuse(cache_dir, entry, reason, model)

    staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=cache_dir))
    try:
        try:
            inputs = _export_graph(model, staging / "model.onnx")
        except Exception as error:  # noqa: BLE001 - any exporter failure means: not this model
            raise ExportRefused(f"torch.onnx.export failed: {type(error).__name__}: {error}", model=model) from None
        tokenizer: Any = model[0].tokenizer
        tokenizer.backend_tokenizer.save(str(staging / "tokenizer.json"))
        reference = model.encode(
            list(PROBES), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        np.save(staging / "probes.npy", np.asarray(reference, dtype=np.float32), allow_pickle=False)
        _write_json(
            staging / ENCODER_CONFIG,
            {
                "format": EXPORT_FORMAT,
                "model_id": model_id(spec),
                "dimension": int(reference.shape[1]),
                "max_seq_length": int(model.max_seq_length or 0),
                "inputs": inputs,
                "pad_token_id": int(tokenizer.pad_token_id or 0),
                "pooling": "mean",
                "normalize": True,
                "opset": OPSET,
                "versions": exporter_versions(),
                "probes": list(PROBES),
            },
        )
        difference = OnnxEncoder(staging, threads=threads).probe_difference()
        if not difference <= tolerance:
            shutil.rmtree(staging, ignore_errors=True)
            raise _refuse(
                cache_dir, entry, f"its ONNX vectors differ from sentence-transformers' by {difference:.2g}", model
            )
        logger.info("exported %s to ONNX in %s (largest difference %.2g)", model_id(spec), entry, difference)
        _publish(staging, entry)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return OnnxEncoder(entry, threads=threads)


def load_onnx_encoder(
    spec: str, *, cache_dir: Path, tolerance: float = TOLERANCE, threads: int | None = None
) -> OnnxEncoder:
    """The ONNX encoder for `spec` from `cache_dir`, exported first when it is not there.

    Raises:
        ExportRefused: this model runs in sentence-transformers instead; why.
        ModelLoadError: an export was needed and the model cannot be loaded.
    """
    folder = resolve_folder(spec)
    if folder is None:
        raise ExportRefused(f"no local folder holds model {spec!r}")
    entry = cache_entry(cache_dir, spec, folder)
    refused = entry / "refused.json"
    if refused.is_file():
        try:
            reason = json.loads(refused.read_text(encoding="utf-8"))["reason"]
        except (OSError, ValueError, KeyError, TypeError):
            reason = "an earlier export was refused"
        raise ExportRefused(f"{reason} (recorded in {refused})")
    if entry.is_dir():
        try:
            encoder = OnnxEncoder(entry, threads=threads)
            difference = encoder.probe_difference()
        except Exception as error:  # noqa: BLE001 - a damaged entry can fail in any of ORT's ways
            problem = f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
        else:
            if difference <= tolerance:
                return encoder
            problem = f"its vectors differ from the recorded ones by {difference:.2g}"
        logger.warning("the cached ONNX model in %s is unusable (%s); exporting it again", entry, problem)
        shutil.rmtree(entry, ignore_errors=True)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        return _export(spec, entry, tolerance=tolerance, threads=threads)
    except OSError as error:  # a read-only or full index folder: run the model as it is
        raise ExportRefused(f"cannot write the exported model to {cache_dir}: {error.strerror or error}") from None
