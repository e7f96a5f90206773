"""Index builds: manifest, atomic switch, refusals, and search with filters."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from peelqa import index as index_module
from peelqa.index import builder
from peelqa.errors import (
    BuildInProgress,
    CorpusError,
    IndexCorrupt,
    IndexMismatch,
    IndexNotBuilt,
    ReportParseError,
)
from peelqa.context import index_texts
from peelqa.index import Index, build, load, read_manifest
from peelqa.kinds import PassageKind, VectorIndexKind
from peelqa.parsing import parse_file
from peelqa.sentences import split_sentences

from conftest import REPORT
from fakes import BrokenEncoder, FakeEncoder

REPORT_TEXT = REPORT.read_text(encoding="utf-8")


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


def test_passage_kinds_are_read_without_parsing_passages(index: Index) -> None:
    rows = np.arange(index.count())
    for kind in PassageKind:
        expected = [row for row in rows.tolist() if index.passages[row].kind is kind]
        assert index.rows_of_kind(kind).tolist() == expected, kind
        assert np.flatnonzero(index.is_kind(rows, kind)).tolist() == expected, kind
    assert index.rows_of_kind(PassageKind.COVER).tolist() == [0]
    assert len(index.rows_of_kind(PassageKind.JUDGMENT)) == len(index.judgment_rows) > 0


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


# -- what a build depends on -----------------------------------------------------

SRC = Path(index_module.__file__).resolve().parents[2]


def test_the_code_version_covers_every_module_that_shapes_a_build() -> None:
    from peelqa.index.version import modules_shaping

    shaping = set(modules_shaping("peelqa.index.builder"))
    assert {
        "peelqa.keywords",  # the tokenizer
        "peelqa.sentences",  # the sentence splitter
        "peelqa.acronyms",
        "peelqa.context",
        "peelqa.parsing.assemble",
        "peelqa.parsing.shapes",
        "peelqa.index.postings",
        "peelqa.index.builder",
        "peelqa.index.vectors",
    } <= shaping
    assert not shaping & {"peelqa.retrieval", "peelqa.answer", "peelqa.web", "peelqa.cli"}


def _code_version_of(tree: Path) -> str:
    script = "from peelqa.index.builder import _code_version; print(_code_version())"
    run = subprocess.run(
        [sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(tree)}, capture_output=True, text=True, check=True
    )
    return run.stdout.strip()


def test_changing_the_tokenizer_or_splitter_changes_the_code_version(tmp_path: Path) -> None:
    tree = tmp_path / "src"
    shutil.copytree(SRC / "peelqa", tree / "peelqa", ignore=shutil.ignore_patterns("__pycache__"))
    before = _code_version_of(tree)
    with (tree / "peelqa" / "web" / "ui.py").open("a") as ui:
        ui.write("\n# the web page does not shape a build\n")
    assert _code_version_of(tree) == before
    for module in ("keywords.py", "sentences.py", "acronyms.py"):
        with (tree / "peelqa" / module).open("a") as source:
            source.write("\n# changed\n")
        changed = _code_version_of(tree)
        assert changed != before, module
        before = changed


def test_a_code_change_rebuilds_without_embedding_again(
    tmp_path: Path, small_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeEncoder()
    first = build(small_corpus, tmp_path / "index", lambda: fake, model=fake.name)
    monkeypatch.setattr(builder, "_code_version", lambda: "a changed tokenizer")
    second = build(small_corpus, tmp_path / "index", _never, model=fake.name)
    assert second.built and second.build_id != first.build_id
    assert second.manifest["build"]["texts_embedded"] == 0
    done = first.manifest["build"]
    assert second.manifest["build"]["texts_reused"] == done["texts_embedded"] + done["texts_reused"]


# -- the cost of one report --------------------------------------------------------


class RecordingEncoder(FakeEncoder):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def encode(self, texts, *, progress: bool = False):
        self.texts.extend(texts)
        return super().encode(texts)


def test_adding_a_report_embeds_only_that_report(tmp_path: Path, small_corpus: Path) -> None:
    build(small_corpus, tmp_path / "index", FakeEncoder, model="fake-encoder")
    other = small_corpus / "other-force.txt"
    other.write_text(REPORT_TEXT.replace("Wiltshire", "Dorset"), encoding="utf-8")
    recording = RecordingEncoder()
    result = build(small_corpus, tmp_path / "index", lambda: recording, model="fake-encoder")
    assert result.built and recording.texts
    assert all("Wiltshire" not in text for text in recording.texts)
    passages = parse_file(other).passages
    own = set(index_texts(passages)) | {p.text[s:e] for p in passages for s, e in split_sentences(p.text)}
    assert set(recording.texts) <= own  # the new report's passages and sentences, nothing else
    assert len(recording.texts) == len(set(recording.texts)) == result.manifest["build"]["texts_embedded"]


def _build_files(index_dir: Path) -> dict[str, bytes]:
    folder = index_dir / "builds" / (index_dir / "CURRENT").read_text().strip()
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "manifest.json"}


def test_a_report_read_back_from_the_cache_builds_what_deriving_it_afresh_builds(
    tmp_path: Path, small_corpus: Path
) -> None:
    build(small_corpus, tmp_path / "grown", FakeEncoder, model="fake-encoder")
    (small_corpus / "other-force.txt").write_text(REPORT_TEXT.replace("Wiltshire", "Dorset"), encoding="utf-8")
    grown = build(small_corpus, tmp_path / "grown", FakeEncoder, model="fake-encoder")  # two reports' parts kept
    fresh = build(small_corpus, tmp_path / "fresh", FakeEncoder, model="fake-encoder")
    assert grown.manifest["counts"] == fresh.manifest["counts"] and grown.manifest["counts"]["reports"] == 3
    assert _build_files(tmp_path / "grown") == _build_files(tmp_path / "fresh")


def test_vectors_of_kept_reports_outlive_builds_that_do_not_look_them_up(
    tmp_path: Path, small_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report read back whole stamps none of its texts, yet a later code change embeds nothing."""
    build(small_corpus, tmp_path / "index", FakeEncoder, model="fake-encoder")
    for n in range(4):  # more builds than are kept, each reading the shipped report's parts back
        (small_corpus / "second-report.txt").write_text(f"Report {n}\n\nThe force was legitimate in year {n} of the inspection.\n")
        build(small_corpus, tmp_path / "index", FakeEncoder, model="fake-encoder")
    monkeypatch.setattr(builder, "_code_version", lambda: "a changed tokenizer")
    changed = build(small_corpus, tmp_path / "index", _never, model="fake-encoder")
    assert changed.manifest["build"]["texts_embedded"] == 0


def test_the_cache_forgets_what_no_kept_build_uses(tmp_path: Path, small_corpus: Path) -> None:
    from peelqa.index.cache import BuildCache

    build(small_corpus, tmp_path / "index", FakeEncoder, model="fake-encoder")
    for n in range(4):  # the second report changes four times; three builds are kept
        (small_corpus / "second-report.txt").write_text(f"Report {n}\n\nThe force was legitimate in year {n} of the inspection.\n")
        build(small_corpus, tmp_path / "index", FakeEncoder, model="fake-encoder")
    with BuildCache(tmp_path / "index" / "cache.sqlite") as cache:
        kept = cache.count("fake-encoder")
    first_only = "The force was legitimate in year 0 of the inspection."
    from peelqa.index.cache import text_key

    with BuildCache(tmp_path / "index" / "cache.sqlite") as cache:
        assert not cache.vectors("fake-encoder", [text_key(first_only)], used="0")
    assert kept > 0


def test_progress_follows_the_build_report_by_report(tmp_path: Path, small_corpus: Path) -> None:
    seen: list[tuple[float, str]] = []
    build(small_corpus, tmp_path / "index", FakeEncoder, model="fake-encoder", on_progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    per_report = [m for _, m in seen if m.startswith("indexed ")]
    assert [m.split(":")[0] for m in per_report] == ["indexed peel-effectiveness-2015-wiltshire", "indexed second-report"]


def test_a_build_killed_mid_encode_leaves_the_old_index_serving(tmp_path: Path, small_corpus: Path) -> None:
    index_dir = tmp_path / "index"
    first = build(small_corpus, index_dir, FakeEncoder, model="fake-encoder")
    (small_corpus / "third-report.txt").write_text("A third report\n\nIts text was never embedded before now.\n")
    marker = tmp_path / "encoding"
    script = f"""
import sys, time
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).parent)!r})
from fakes import FakeEncoder
from peelqa.index import build

class Slow(FakeEncoder):
    def encode(self, texts, *, progress=False):
        Path({str(marker)!r}).write_text("now")
        time.sleep(120)
        return super().encode(texts)

build(Path({str(small_corpus)!r}), Path({str(index_dir)!r}), Slow, model="fake-encoder")
"""
    child = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(SRC)})
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, "the build ended before it encoded"
            assert time.monotonic() < deadline, "the build never started encoding"
            time.sleep(0.05)
        assert list((index_dir / "builds").glob(".tmp-*")), "a build is under way"
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    assert load(index_dir).build_id == first.build_id
    nxt = build(small_corpus, index_dir, FakeEncoder, model="fake-encoder")
    assert nxt.built and load(index_dir).build_id == nxt.build_id and "third-report" in load(index_dir).reports
    assert not list((index_dir / "builds").glob(".tmp-*"))


# -- how vectors are kept and searched ------------------------------------------------


def test_arrays_are_memory_mapped_read_only(index: Index) -> None:
    for array in (index._passages.vectors, index._sentences.vectors, index._spans, index.postings._rows):
        assert isinstance(array.base, np.memmap) and not array.flags.writeable


def test_an_ivf_index_searches_like_an_exact_one(tmp_path: Path, small_corpus: Path) -> None:
    fake = FakeEncoder()
    build(small_corpus, tmp_path / "flat", lambda: fake, model=fake.name, vector_index=VectorIndexKind.FLAT)
    build(small_corpus, tmp_path / "ivf", lambda: fake, model=fake.name, vector_index=VectorIndexKind.IVF)
    flat, ivf = load(tmp_path / "flat"), load(tmp_path / "ivf")
    assert ivf.manifest["tables"]["passages"]["kind"] == "ivf" and ivf._passages.ivf is not None
    assert flat.manifest["tables"]["passages"]["kind"] == "flat"
    second = ivf.rows_of_report["second-report"]
    big = ivf.rows_of_report["peel-effectiveness-2015-wiltshire"]
    agree = 0
    for text in ("fairness and respect", "organised crime groups", "missing children", "computers examined"):
        query = fake.encode([text])
        exact_rows, _ = flat.search_passages(query, 10)
        found_rows, found_scores = ivf.search_passages(query, 10)
        agree += len(set(exact_rows.tolist()) & set(found_rows.tolist()))
        assert list(found_scores) == sorted(found_scores, reverse=True)
        assert np.allclose(found_scores, flat.passage_scores(query, found_rows))  # exact, not the codes'
        rows, _ = ivf._passages._search_ivf(query, 10, big)  # a filter through the IVF selector
        assert len(rows) == 10 and set(rows.tolist()) <= set(big.tolist())
        rows, _ = ivf.search_passages(query, 5, rows=second)
        assert set(rows.tolist()) == set(second.tolist())
    assert agree >= 0.9 * 40  # recall@10 over four queries


def test_a_later_build_keeps_the_vector_index_setting(tmp_path: Path, small_corpus: Path) -> None:
    build(small_corpus, tmp_path / "index", FakeEncoder, model="fake-encoder", vector_index=VectorIndexKind.IVF)
    (small_corpus / "second-report.txt").write_text("Changed\n\nThe force changed its mind about everything.\n")
    result = build(small_corpus, tmp_path / "index", FakeEncoder, model="fake-encoder")
    assert result.manifest["vector_index"] == "ivf"
    # the lists trained for the build before route this one too: only the vectors are added again
    assert result.manifest["tables"]["passages"]["trained"] == "reused"
    loaded = load(tmp_path / "index")
    query = FakeEncoder().encode(["The force changed its mind about everything."])
    rows, scores = loaded.search_passages(query, 3)
    assert loaded.passages[int(rows[0])].report_id == "second-report" and scores[0] > 0.99
    with pytest.raises(ValueError):
        build(small_corpus, tmp_path / "index", FakeEncoder, model="fake-encoder", vector_index="ivff")  # type: ignore[arg-type]


def test_every_term_the_keyword_index_knows_has_postings(index: Index) -> None:
    """bm25s keeps an empty term with no column; asking for it must not index past the matrix."""
    postings = index.postings
    assert "" not in postings.vocabulary
    ids = postings.ids(["", *sorted(postings.vocabulary)[:50]])
    assert ids[0] == -1
    frequencies = postings.document_frequency(ids)
    assert frequencies[0] == 0 and (frequencies[1:] >= 1).all()
