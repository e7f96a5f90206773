"""The encoder: ONNX Runtime gives sentence-transformers' vectors, its cache, and the fallback."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from peelqa.embedding import DEFAULT_MODEL, Encoder, load_encoder
from peelqa.embedding.export import TOLERANCE, ExportRefused, cache_entry, load_onnx_encoder
from peelqa.embedding.model_folder import bundled_folder
from peelqa.embedding.onnx_encoder import OnnxEncoder
from peelqa.embedding.torch_encoder import SentenceTransformerEncoder

from conftest import DEV_QUESTIONS, OWN_QUESTIONS

pytestmark = pytest.mark.slow


def _questions() -> list[str]:
    return [
        json.loads(line)["question"]
        for path in (DEV_QUESTIONS, OWN_QUESTIONS)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


@pytest.fixture(scope="module")
def reference() -> SentenceTransformerEncoder:
    """sentence-transformers itself: the vectors every index was built with."""
    return SentenceTransformerEncoder(DEFAULT_MODEL)


@pytest.fixture(scope="module")
def cached_entry(encoder: Encoder) -> Path:
    assert isinstance(encoder, OnnxEncoder)
    return encoder.folder


def _copy_cache(entry: Path, tmp_path: Path) -> Path:
    """A private copy of the session's exported model, under the same key."""
    cache = tmp_path / "models"
    shutil.copytree(entry, cache / entry.name)
    return cache


def test_the_service_encodes_with_onnx_runtime(encoder: Encoder) -> None:
    assert isinstance(encoder, OnnxEncoder)
    assert encoder.name == "sentence-transformers/all-MiniLM-L6-v2"
    assert encoder.dimension == 384


def test_onnx_vectors_equal_sentence_transformers(encoder: Encoder, reference: SentenceTransformerEncoder) -> None:
    questions = _questions()
    expected = reference.encode(questions)
    one_by_one = np.concatenate([encoder.encode_query(question) for question in questions])
    together = encoder.encode_queries(questions)
    assert one_by_one.dtype == together.dtype == np.float32
    assert np.abs(one_by_one - expected).max() <= TOLERANCE
    assert np.abs(together - expected).max() <= TOLERANCE
    # what a build encodes: long texts (truncated at max_seq_length) beside short ones
    passages = [" ".join([question] * 30) for question in questions[:10]] + questions[:10]
    assert np.abs(encoder.encode(passages) - reference.encode(passages)).max() <= TOLERANCE


@pytest.mark.parametrize("backend", ["onnx", "sentence-transformers"])
def test_encode_query_equals_encode(backend: str, encoder: Encoder, reference: SentenceTransformerEncoder) -> None:
    chosen = encoder if backend == "onnx" else reference
    for question in _questions()[:12]:
        single = chosen.encode_query(question)
        assert single.shape == (1, chosen.dimension)
        assert np.abs(single - chosen.encode([question])).max() <= 1e-5
    rows = chosen.encode_queries(["What is khat?", "How many officers?"])
    assert rows.shape == (2, chosen.dimension)
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert chosen.encode([]).shape == (0, chosen.dimension)


def test_a_cached_export_is_loaded_without_torch(cached_entry: Path, tmp_path: Path) -> None:
    cache = _copy_cache(cached_entry, tmp_path)
    before = (cache / cached_entry.name / "model.onnx").stat()
    script = (
        "import sys; from pathlib import Path; from peelqa.embedding import get_encoder\n"
        f"encoder = get_encoder(cache_dir=Path({str(cache)!r}))\n"
        "print(type(encoder).__name__, 'torch' in sys.modules, encoder.encode_query('khat').shape)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # no export (it needs torch), the same file, and nothing new beside it
    assert done.stdout.split() == ["OnnxEncoder", "False", "(1,", "384)"]
    after = (cache / cached_entry.name / "model.onnx").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert [p.name for p in cache.iterdir()] == [cached_entry.name]


def test_the_cache_key_follows_the_model_and_the_exporter(tmp_path: Path) -> None:
    folder = bundled_folder()
    assert folder is not None
    entry = cache_entry(tmp_path, DEFAULT_MODEL, folder)
    assert entry.name.startswith("all-MiniLM-L6-v2-")
    assert cache_entry(tmp_path, DEFAULT_MODEL, folder) == entry
    # another model folder (here: the same files, one of them changed) is another entry
    other = tmp_path / "other-model"
    shutil.copytree(folder, other, ignore=shutil.ignore_patterns("*.safetensors"))
    assert cache_entry(tmp_path, str(other), other) != entry


def test_a_damaged_cached_model_is_exported_again(
    cached_entry: Path, tmp_path: Path, reference: SentenceTransformerEncoder, caplog: pytest.LogCaptureFixture
) -> None:
    cache = _copy_cache(cached_entry, tmp_path)
    damaged = cache / cached_entry.name / "model.onnx"
    damaged.write_bytes(damaged.read_bytes()[:1000])  # a half-written or truncated file
    with caplog.at_level(logging.WARNING):
        encoder = load_onnx_encoder(DEFAULT_MODEL, cache_dir=cache)
    assert "is unusable" in caplog.text and "exporting it again" in caplog.text
    assert damaged.stat().st_size > 1_000_000
    question = "How does the force protect vulnerable people?"
    assert np.abs(encoder.encode_query(question) - reference.encode([question])).max() <= TOLERANCE
    assert not [p for p in cache.iterdir() if p.name.startswith(".tmp-")]


def test_a_cached_model_giving_other_vectors_is_not_used(cached_entry: Path, tmp_path: Path) -> None:
    cache = _copy_cache(cached_entry, tmp_path)
    probes = cache / cached_entry.name / "probes.npy"
    np.save(probes, np.load(probes) + 0.01, allow_pickle=False)  # as if the weights had changed
    encoder = load_onnx_encoder(DEFAULT_MODEL, cache_dir=cache)
    assert encoder.probe_difference() <= TOLERANCE  # exported afresh, with its own probes


def test_vectors_that_disagree_at_export_are_refused_and_remembered(tmp_path: Path) -> None:
    cache = tmp_path / "models"
    # a tolerance no float arithmetic meets: the export's check must refuse it
    with pytest.raises(ExportRefused, match="differ from sentence-transformers'") as refused:
        load_onnx_encoder(DEFAULT_MODEL, cache_dir=cache, tolerance=0.0)
    assert refused.value.model is not None  # the fallback need not load it again
    (entry,) = cache.iterdir()
    assert not (entry / "model.onnx").exists()
    # the refusal is recorded: the next start falls back without exporting
    with pytest.raises(ExportRefused, match="recorded in"):
        load_onnx_encoder(DEFAULT_MODEL, cache_dir=cache)


def _model_with_cls_pooling(tmp_path: Path) -> Path:
    """The bundled model, but pooling its [CLS] token: a shape the ONNX path does not reproduce."""
    source = bundled_folder()
    assert source is not None
    folder = tmp_path / "cls-model"
    folder.mkdir()
    for item in source.iterdir():
        (folder / item.name).symlink_to(item, target_is_directory=item.is_dir())
    (folder / "1_Pooling").unlink()
    (folder / "1_Pooling").mkdir()
    config = json.loads((source / "1_Pooling" / "config.json").read_text())
    config.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(config))
    return folder


def test_an_unsupported_model_falls_back_to_sentence_transformers(
    tmp_path: Path, encoder: Encoder, caplog: pytest.LogCaptureFixture
) -> None:
    folder = _model_with_cls_pooling(tmp_path)
    with caplog.at_level(logging.WARNING):
        fallback = load_encoder(str(folder), cache_dir=tmp_path / "models")
    assert isinstance(fallback, SentenceTransformerEncoder)
    assert "encoding with sentence-transformers, not ONNX Runtime: its pooling is cls, not mean" in caplog.text
    question = "What is khat?"
    cls_vector = fallback.encode([question])
    assert np.abs(fallback.encode_query(question) - cls_vector).max() <= 1e-5
    # it really pools [CLS]: its vector is far from the mean-pooled model's
    assert float((cls_vector @ encoder.encode_query(question).T)[0, 0]) < 0.99
    refused = next((tmp_path / "models").iterdir()) / "refused.json"
    assert json.loads(refused.read_text())["reason"] == "its pooling is cls, not mean"


def test_an_unwritable_model_cache_falls_back_to_sentence_transformers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "index"
    blocker.write_text("a file where the index folder should be")
    with caplog.at_level(logging.WARNING):
        fallback = load_encoder(DEFAULT_MODEL, cache_dir=blocker / "models")
    assert isinstance(fallback, SentenceTransformerEncoder)
    assert f"cannot write the exported model to {blocker / 'models'}" in caplog.text
    assert blocker.read_text() == "a file where the index folder should be"
