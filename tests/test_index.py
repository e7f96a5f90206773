"""Index builds: manifest, atomic switch, refusals, and search with filters."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from peelqa import index as index_module
from peelqa.errors import (
    BuildInProgress,
    CorpusError,
    IndexCorrupt,
    IndexMismatch,
    IndexNotBuilt,
    ReportParseError,
)
from peelqa.index import Index, build, load, read_manifest

from fakes import BrokenEncoder, FakeEncoder


def _never() -> FakeEncoder:
    raise AssertionError("the encoder must not be created when nothing changed")


@pytest.fixture
def small_corpus(tmp_path: Path, corpus_dir: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(corpus_dir, folder)
    (folder / "second-report.txt").write_text(
        "PEEL: Police legitimacy 2016\n\nAn inspection of Exampleshire Constabulary\n\nMay 2017\n\n"
        "How legitimate is the force?\n\nGood\n\nThe force treats people with fairness and respect in every contact.\n",
        encoding="utf-8",
    )
    return folder


def test_manifest_records_what_was_built(index_dir: Path, index: Index, corpus_dir: Path) -> None:
    manifest = read_manifest(index_dir)
    assert manifest is not None
    assert manifest["format_version"] == index_module.FORMAT_VERSION
    assert manifest["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert manifest["dimension"] == 384
    assert manifest["counts"]["reports"] == 1
    assert manifest["counts"]["passages"] == index.count() > 200
    assert manifest["counts"]["sentences"] > manifest["counts"]["passages"]
    report_file = next(corpus_dir.iterdir())
    assert manifest["sources"] == [
        {
            "file": report_file.name,
            "report_id": report_file.stem,
            "sha256": hashlib.sha256(report_file.read_bytes()).hexdigest(),
        }
    ]
    assert manifest["built_at"].endswith("+00:00")
    assert set(manifest["files"]) >= {"passages.npy", "sentences.npy", "passages.jsonl", "reports.json", "rows.json"}
    assert manifest["tables"]["passages"]["kind"] == "flat"  # one report is far below the IVF size
    assert set(manifest["build"]) >= {"seconds", "embed_seconds", "texts_embedded", "texts_reused"}


def test_nothing_is_rebuilt_when_nothing_changed(scratch_index: Path, corpus_dir: Path, encoder) -> None:
    before = read_manifest(scratch_index)
    result = build(corpus_dir, scratch_index, _never, model=encoder.name)
    assert not result.built
    assert result.build_id == before["build_id"]


def test_a_changed_corpus_is_rebuilt_and_switched_in(tmp_path: Path, small_corpus: Path) -> None:
    fake = FakeEncoder()
    first = build(small_corpus, tmp_path / "index", lambda: fake, model=fake.name)
    (small_corpus / "second-report.txt").write_text(
        "A short report\n\nHow legitimate is the force?\n\nThe force treats people fairly in every contact it has.\n",
        encoding="utf-8",
    )
    second = build(small_corpus, tmp_path / "index", lambda: fake, model=fake.name)
    assert first.built and second.built and first.build_id != second.build_id
    assert load(tmp_path / "index").build_id == second.build_id


def test_old_builds_are_pruned(tmp_path: Path, small_corpus: Path) -> None:
    fake = FakeEncoder()
    for _ in range(5):
        build(small_corpus, tmp_path / "index", lambda: fake, model=fake.name, force=True)
    assert len(list((tmp_path / "index" / "builds").iterdir())) == 3


def test_bad_input_leaves_the_previous_build_serving(scratch_index: Path, tmp_path: Path, corpus_dir: Path, encoder) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_dir, corpus)
    (corpus / "empty.txt").write_bytes(b"")
    before = (scratch_index / "CURRENT").read_text()
    with pytest.raises(ReportParseError, match="empty.txt: the file is empty"):
        build(corpus, scratch_index, _never, model=encoder.name)
    assert (scratch_index / "CURRENT").read_text() == before
    load(scratch_index)


def test_a_crash_mid_build_leaves_the_previous_build_serving(tmp_path: Path, small_corpus: Path) -> None:
    fake = FakeEncoder()
    first = build(small_corpus, tmp_path / "index", lambda: fake, model=fake.name)
    (small_corpus / "third-report.txt").write_text("A third report\n\nIts text has never been embedded before.\n")
    with pytest.raises(RuntimeError, match="out of memory"):
        build(small_corpus, tmp_path / "index", BrokenEncoder, model=fake.name)
    assert load(tmp_path / "index").build_id == first.build_id
    assert not list((tmp_path / "index" / "builds").glob(".tmp-*"))


def test_missing_corpus_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="corpus folder not found"):
        build(tmp_path / "nowhere", tmp_path / "index", FakeEncoder, model="fake")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no report files"):
        build(tmp_path / "empty", tmp_path / "index", FakeEncoder, model="fake")


def test_two_builders_do_not_run_at_once(tmp_path: Path, small_corpus: Path) -> None:
    with index_module.build_lock(tmp_path / "index"):
        with pytest.raises(BuildInProgress, match="another process is building"):
            build(small_corpus, tmp_path / "index", FakeEncoder, model="fake")


def test_loading_refuses_a_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexNotBuilt, match="run `peelqa index`"):
        load(tmp_path)


def test_loading_refuses_another_model(index_dir: Path) -> None:
    with pytest.raises(IndexMismatch, match="built with model 'sentence-transformers/all-MiniLM-L6-v2', not 'other'"):
        load(index_dir, model="other")


def test_loading_refuses_another_format(scratch_index: Path) -> None:
    manifest_path = next((scratch_index / "builds").iterdir()) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 999
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatch, match="index format 999"):
        load(scratch_index)


@pytest.mark.parametrize("victim", ["passages.jsonl", "passages.npy", "sentences.spans.npy", "terms.rows.npy"])
def test_loading_refuses_a_damaged_file(scratch_index: Path, victim: str) -> None:
    path = next((scratch_index / "builds").iterdir()) / victim
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(IndexCorrupt, match=f"{victim} .* is missing or altered") as caught:
        load(scratch_index)
    assert "\n" not in str(caught.value)


def test_loading_refuses_an_unreadable_manifest(scratch_index: Path) -> None:
    (next((scratch_index / "builds").iterdir()) / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorrupt, match="no readable manifest"):
        load(scratch_index)


def test_search_filters_before_ranking(tmp_path: Path, small_corpus: Path) -> None:
    fake = FakeEncoder()
    build(small_corpus, tmp_path / "index", lambda: fake, model=fake.name)
    loaded = load(tmp_path / "index", model=fake.name)
    second = np.asarray([r for r, p in enumerate(loaded.passages) if p.report_id == "second-report"])
    query = fake.encode(["fairness and respect"])
    rows, scores = loaded.search_passages(query, 5, rows=second)
    assert set(rows.tolist()) <= set(second.tolist()) and len(rows) == len(second)
    assert list(scores) == sorted(scores, reverse=True)
    sentence_rows, _ = loaded.search_sentences(query, 50, rows=second)
    assert set(sentence_rows.tolist()) <= set(second.tolist())
    terms = loaded.terms(["fair", "respect"])
    assert loaded.keyword_scores(terms, second).max() > 0
    keyword_rows, _ = loaded.search_keywords(terms, 5, rows=second)
    assert len(keyword_rows) and set(keyword_rows.tolist()) <= set(second.tolist())
    assert loaded.reports["second-report"].force == "Exampleshire Constabulary"
