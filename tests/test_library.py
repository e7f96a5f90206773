"""Adding and removing reports: checked first, written atomically, undone on failure."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import REPORT, REPORT_ID

from fakes import BrokenEncoder, FakeEncoder
from peelqa.errors import CorpusError, ReportParseError, UnknownReport, UnsupportedFile
from peelqa.index import load, read_manifest
from peelqa.library import add_report, remove_report
from peelqa.parsing import ReportFields


@pytest.fixture
def places(tmp_path: Path) -> dict[str, Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(REPORT, corpus / REPORT.name)
    return {"corpus_dir": corpus, "index_dir": tmp_path / "index"}


def _options(places: dict[str, Path], encoder: FakeEncoder | None = None) -> dict[str, object]:
    chosen = encoder or FakeEncoder()
    return {**places, "encoder_factory": lambda: chosen, "model": chosen.name}


def _other_force() -> bytes:
    return REPORT.read_text(encoding="utf-8").replace("Wiltshire", "Dorset").encode("utf-8")


def test_add_stores_a_sanitised_copy_and_indexes_it(places: dict[str, Path]) -> None:
    change = add_report(_other_force(), "../../etc/PEEL Dorset 2015.txt", **_options(places))
    assert change.changed and change.report_id == "peel-dorset-2015"
    assert (places["corpus_dir"] / "peel-dorset-2015.txt").is_file()
    assert not any(p.name.startswith(".") and p.suffix == ".part" for p in places["corpus_dir"].iterdir())
    index = load(places["index_dir"])
    assert set(index.reports) == {REPORT_ID, "peel-dorset-2015"}
    assert index.reports["peel-dorset-2015"].force == "Dorset Police"


def test_an_identical_file_is_a_no_op_that_says_so(places: dict[str, Path]) -> None:
    change = add_report(REPORT.read_bytes(), "copy.txt", **_options(places))
    assert not change.changed and change.build_id is None
    assert change.report_id == REPORT_ID and "already" in change.message
    assert sorted(p.name for p in places["corpus_dir"].glob("*.txt")) == [REPORT.name]


def test_a_taken_name_is_never_overwritten(places: dict[str, Path]) -> None:
    change = add_report(_other_force(), REPORT.name, **_options(places))
    assert change.report_id == f"{REPORT_ID}-2"
    assert (places["corpus_dir"] / REPORT.name).read_bytes() == REPORT.read_bytes()


def test_fields_override_the_cover_and_are_kept_beside_the_file(places: dict[str, Path]) -> None:
    fields = ReportFields(title="Dorset effectiveness", force="Dorset Police", year=2016)
    change = add_report(_other_force(), "dorset.txt", fields=fields, **_options(places))
    report = load(places["index_dir"]).reports[change.report_id]
    assert (report.title, report.force, report.year) == ("Dorset effectiveness", "Dorset Police", 2016)
    sidecar = json.loads((places["corpus_dir"] / "dorset.txt.json").read_text(encoding="utf-8"))
    assert sidecar == {"title": "Dorset effectiveness", "force": "Dorset Police", "year": 2016}


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", UnsupportedFile),
        (b"\xff\xfe\xfa not utf-8", UnsupportedFile),
        (b"   \n\n  ", ReportParseError),
    ],
)
def test_bad_files_change_nothing(places: dict[str, Path], data: bytes, error: type[Exception]) -> None:
    add_report(_other_force(), "dorset.txt", **_options(places))
    before = read_manifest(places["index_dir"])
    listing = sorted(p.name for p in places["corpus_dir"].iterdir())
    with pytest.raises(error):
        add_report(data, "report.txt", **_options(places))
    assert read_manifest(places["index_dir"]) == before
    assert sorted(p.name for p in places["corpus_dir"].iterdir()) == listing


def test_a_failed_build_takes_the_file_out_again(places: dict[str, Path]) -> None:
    listing = sorted(p.name for p in places["corpus_dir"].iterdir())
    with pytest.raises(RuntimeError, match="out of memory"):
        add_report(_other_force(), "dorset.txt", **_options(places, BrokenEncoder()))
    assert sorted(p.name for p in places["corpus_dir"].iterdir()) == listing


def test_remove_rebuilds_without_the_report(places: dict[str, Path]) -> None:
    added = add_report(_other_force(), "dorset.txt", fields=ReportFields(year=2016), **_options(places))
    change = remove_report(added.report_id, **_options(places))
    assert change.changed
    assert set(load(places["index_dir"]).reports) == {REPORT_ID}
    assert sorted(p.name for p in places["corpus_dir"].iterdir() if not p.name.startswith(".")) == [REPORT.name]


def test_remove_refuses_unknown_and_last_reports(places: dict[str, Path]) -> None:
    with pytest.raises(UnknownReport, match="no-such-report"):
        remove_report("no-such-report", **_options(places))
    with pytest.raises(CorpusError, match="only report"):
        remove_report(REPORT_ID, **_options(places))
    assert (places["corpus_dir"] / REPORT.name).is_file()


def test_progress_follows_the_rebuild(places: dict[str, Path]) -> None:
    seen: list[tuple[float, str]] = []
    add_report(_other_force(), "dorset.txt", progress=lambda f, m: seen.append((f, m)), **_options(places))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    messages = [m for _, m in seen]
    assert any(m.startswith("indexed dorset:") for m in messages)  # from inside the build, report by report
    assert len({f for f in fractions if 0.2 < f < 1.0}) >= 3
