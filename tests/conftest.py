"""Shared fixtures: the real report, the real model, a real index built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from peelqa.embedding import MODELS_FOLDER, Encoder, get_encoder, model_cache_dir
from peelqa.index import Index, build, load
from peelqa.parsing import ParsedReport, parse_file
from peelqa.qa import QA

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
REPORT = CORPUS / "peel-effectiveness-2015-wiltshire.txt"
# a copy of ../shared/eval/dev_questions.jsonl, so a clone alone can run the tests
DEV_QUESTIONS = Path(__file__).parent / "data" / "dev_questions.jsonl"
OWN_QUESTIONS = Path(__file__).parent / "data" / "own_questions.jsonl"
ARTIFACTS = REPO / "test-artifacts"
REPORT_ID = "peel-effectiveness-2015-wiltshire"


@pytest.fixture(scope="session")
def parsed_report() -> ParsedReport:
    return parse_file(REPORT)


@pytest.fixture(scope="session")
def index_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session index's folder, before anything is built in it."""
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def encoder(index_root: Path) -> Encoder:
    """The real model, exported to ONNX into the session index's models/ as the app would."""
    return get_encoder(cache_dir=model_cache_dir(index_root))


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped corpus that tests may not change."""
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copy(REPORT, folder / REPORT.name)
    return folder


@pytest.fixture(scope="session")
def index_dir(index_root: Path, corpus_dir: Path, encoder: Encoder) -> Path:
    """The real report indexed with the real model, once per session. Read only."""
    build(corpus_dir, index_root, lambda: encoder, model=encoder.name)
    return index_root


@pytest.fixture(scope="session")
def index(index_dir: Path) -> Index:
    return load(index_dir)


@pytest.fixture(scope="session")
def qa(index: Index, encoder: Encoder) -> QA:
    return QA(index, encoder)


@pytest.fixture
def scratch_index(tmp_path: Path, index_dir: Path) -> Path:
    """A private copy of the session index, for tests that damage or rebuild it."""
    folder = tmp_path / "index"
    shutil.copytree(index_dir, folder, ignore=shutil.ignore_patterns(MODELS_FOLDER))
    # the exported model is shared, not copied: tests that damage one use their own
    (folder / MODELS_FOLDER).symlink_to(index_dir / MODELS_FOLDER, target_is_directory=True)
    return folder


@pytest.fixture(scope="session")
def app(index_dir: Path, corpus_dir: Path) -> Flask:
    """The real app on the session index, created once."""
    from peelqa.web import create_app

    return create_app({"PEELQA_INDEX_DIR": str(index_dir), "PEELQA_CORPUS_DIR": str(corpus_dir), "TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the real model, directly or through an index, as slow."""
    for item in items:
        if "encoder" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


OTHER_FORCE = "Dorset"
OTHER_REPORT_ID = "peel-effectiveness-2015-dorset"


@pytest.fixture(scope="session")
def two_report_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped report and the same report about another force (a later year, by its sidecar)."""
    folder = tmp_path_factory.mktemp("two-report-corpus")
    shutil.copy(REPORT, folder / REPORT.name)
    other = folder / f"{OTHER_REPORT_ID}.txt"
    other.write_text(REPORT.read_text(encoding="utf-8").replace("Wiltshire", OTHER_FORCE), encoding="utf-8")
    (folder / f"{other.name}.json").write_text('{"year": 2016}', encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def two_report_index_dir(
    tmp_path_factory: pytest.TempPathFactory, two_report_corpus: Path, index_dir: Path, encoder: Encoder
) -> Path:
    """The two reports indexed with the real model; the session index's vector cache saves re-embedding."""
    folder = tmp_path_factory.mktemp("two-report-index")
    shutil.copy(index_dir / "cache.sqlite", folder / "cache.sqlite")
    build(two_report_corpus, folder, lambda: encoder, model=encoder.name)
    return folder


@pytest.fixture(scope="session")
def two_report_qa(two_report_index_dir: Path, encoder: Encoder) -> QA:
    return QA(load(two_report_index_dir), encoder)
