"""A PDF report about another force, added to a live `peelqa serve` and through `peelqa add`.

The PDF is the shipped report made about Dorset and typeset by tests/pdfs.py,
which knows the page every paragraph and list item was drawn on. Uploaded
to a running server while a thread keeps asking, it must go live with no
failed question, and its answers must cite the pages it was drawn on.
"""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import REPORT, REPORT_ID
from pdfs import BuiltPdf, build_pdf, wiltshire_document
from test_live_reports import TOKEN, Asker, finished, upload
from test_server_process import Server, request, start, stop

from peelqa.cli import main
from peelqa.index import load
from peelqa.parsing import parse_bytes

PDF_NAME = "peel-effectiveness-2015-dorset.pdf"
DORSET = "peel-effectiveness-2015-dorset"
AFI = "What are Dorset's areas for improvement?"
COMPUTERS = "How long were computers waiting to be examined in Dorset?"


@pytest.fixture(scope="module")
def dorset_pdf() -> BuiltPdf:
    text = REPORT.read_text(encoding="utf-8").replace("Wiltshire", "Dorset")
    return build_pdf(wiltshire_document(text, parse_bytes(text.encode(), source="x.txt", report_id="x")))


def _normal(text: str) -> str:
    return " ".join(text.split())


def _drawn_on(built: BuiltPdf) -> dict[str, int]:
    """The page each paragraph, list item and figure of the PDF was drawn on, by its text."""
    return {_normal(truth.text): truth.page for truth in built.truths}


def _ask(server: Server, question: str) -> dict[str, Any]:
    status, _, data = request(
        server.url + "api/ask", json.dumps({"question": question}).encode(), {"Content-Type": "application/json"}
    )
    assert status == 200, data
    return data  # type: ignore[no-any-return]


def _cited(data: dict[str, Any]) -> list[dict[str, Any]]:
    cited = {sentence["passage_id"] for sentence in data["answer"]["sentences"]}
    return [p for p in data["passages"] if p["id"] in cited]


def _assert_cites_the_pdf_pages(passages: list[dict[str, Any]], built: BuiltPdf) -> None:
    drawn_on = _drawn_on(built)
    assert passages
    for passage in passages:
        assert passage["report"]["id"] == DORSET and passage["report"]["force"] == "Dorset Police", passage
        assert passage["page"] == drawn_on[_normal(passage["text"])], passage
        assert passage["source"]["url"] == f"/reports/{DORSET}/source#page={passage['page']}", passage


def _raw_get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.status, response.headers["Content-Type"], response.read()


@pytest.fixture
def server(scratch_index: Path, tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(REPORT, corpus / REPORT.name)
    running = start(scratch_index, corpus, PEELQA_ADMIN_TOKEN=TOKEN)
    yield running
    assert stop(running) == 0
    assert "Traceback" not in running.output(), running.output()


def test_a_pdf_uploaded_to_a_live_server_is_answered_from_its_pages(server: Server, dorset_pdf: BuiltPdf) -> None:
    asker = Asker(server.url).start()
    try:
        status, accepted = upload(server, dorset_pdf.data, PDF_NAME)
        assert status == 202, accepted
        job = finished(server, accepted["job"]["id"])
        assert job["state"] == "done" and job["report_id"] == DORSET, job
        asker.sees(job["build_id"])  # the job is done once the new build serves; a request in flight may predate it
        answered_meanwhile = asker.answers
    finally:
        asker.stop()
    assert asker.failures == [], asker.failures
    assert answered_meanwhile > 0 and len(asker.builds) == 2  # old build, then the new one

    listed = _ask(server, AFI)
    assert listed["answer"]["kind"] == "list" and len(listed["passages"]) == 8
    assert {p["kind"] for p in listed["passages"]} == {"list_item"}
    _assert_cites_the_pdf_pages(listed["passages"], dorset_pdf)

    computers = _ask(server, COMPUTERS)
    assert "20 months" in computers["answer"]["text"]
    _assert_cites_the_pdf_pages(_cited(computers), dorset_pdf)

    status, content_type, body = _raw_get(server.url + f"reports/{DORSET}/source")
    assert status == 200 and content_type.startswith("application/pdf")
    assert body == dorset_pdf.data
    status, _, reports = request(server.url + "api/reports")
    assert sorted(r["id"] for r in reports["reports"]) == sorted([REPORT_ID, DORSET])


def test_peelqa_add_indexes_a_pdf(tmp_path: Path, corpus_dir: Path, scratch_index: Path, dorset_pdf: BuiltPdf) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_dir, corpus)
    pdf = tmp_path / PDF_NAME
    pdf.write_bytes(dorset_pdf.data)
    added = CliRunner().invoke(main, ["add", str(pdf), "--corpus", str(corpus), "--index", str(scratch_index)])
    assert added.exit_code == 0, added.output
    assert added.stdout.startswith(f"added {PDF_NAME} as {DORSET} (build ")
    assert (corpus / PDF_NAME).read_bytes() == dorset_pdf.data

    index = load(scratch_index)
    report = index.reports[DORSET]
    assert (report.force, report.pages, report.source) == ("Dorset Police", dorset_pdf.pages, PDF_NAME)
    drawn_on = _drawn_on(dorset_pdf)
    pdf_passages = [p for p in index.passages if p.report_id == DORSET]
    assert pdf_passages and all(p.page is not None for p in pdf_passages)
    afis = [p for p in pdf_passages if p.kind == "list_item" and p.section[-1] == "Areas for improvement"]
    assert len(afis) == 8 and all(p.page == drawn_on[_normal(p.text)] for p in afis)
