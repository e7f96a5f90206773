"""Adding and removing reports through the API, in-process: every refusal, the jobs, the originals.

The real app on a private copy of the session's index and corpus, with an
admin token. Adds that rebuild for real run against a live `peelqa serve`
in test_server_process.py; the jobs here need no new build, or fail before one.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from conftest import REPORT, REPORT_ID
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart
from flask import Flask
from flask.testing import FlaskClient
from test_web_api import assert_documented

from peelqa.records import Report
from peelqa.web import create_app, watch
from peelqa.web.jobs import Jobs, Outcome
from peelqa.web.sources import send

TOKEN = "correct horse battery staple"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LIMIT_MB = 2
JOB_DEADLINE_S = 300  # generous: the machine is shared; nothing here asserts a duration


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(REPORT, folder / REPORT.name)
    return folder


@pytest.fixture
def admin_app(scratch_index: Path, corpus: Path) -> Flask:
    return create_app(
        {
            "PEELQA_INDEX_DIR": str(scratch_index),
            "PEELQA_CORPUS_DIR": str(corpus),
            "PEELQA_ADMIN_TOKEN": TOKEN,
            "PEELQA_MAX_UPLOAD_MB": LIMIT_MB,
            "TESTING": True,
        }
    )


@pytest.fixture
def admin(admin_app: Flask) -> FlaskClient:
    """A client of an app of its own: for tests that change what it serves or its files."""
    return admin_app.test_client()


@pytest.fixture(scope="module")
def shared_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("shared-corpus")
    shutil.copy(REPORT, folder / REPORT.name)
    return folder


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory, index_dir: Path, shared_corpus: Path) -> Flask:
    """One app for the tests that only knock: each checks that nothing changed."""
    index = tmp_path_factory.mktemp("shared") / "index"
    shutil.copytree(index_dir, index)
    return create_app(
        {
            "PEELQA_INDEX_DIR": str(index),
            "PEELQA_CORPUS_DIR": str(shared_corpus),
            "PEELQA_ADMIN_TOKEN": TOKEN,
            "PEELQA_MAX_UPLOAD_MB": LIMIT_MB,
            "TESTING": True,
        }
    )


@pytest.fixture
def shared(shared_app: Flask) -> FlaskClient:
    return shared_app.test_client()


def dorset() -> bytes:
    """The shipped report about another force."""
    return REPORT.read_text(encoding="utf-8").replace("Wiltshire", "Dorset").encode("utf-8")


def upload(client: FlaskClient, data: bytes, name: str, headers: dict[str, str] | None = None, **fields: str) -> Any:
    """POST a multipart upload, encoded in memory (the test client would spool a big one to a file it never closes)."""
    boundary, body = encode_multipart({"file": FileStorage(BytesIO(data), filename=name), **fields})
    return client.post(
        "/api/reports",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=AUTH if headers is None else headers,
    )


def finished(client: FlaskClient, job_id: str) -> dict[str, Any]:
    """The job once it is done or failed."""
    deadline = time.monotonic() + JOB_DEADLINE_S
    while time.monotonic() < deadline:
        response = client.get(f"/api/jobs/{job_id}")
        assert response.status_code == 200
        assert_documented("/api/jobs/{job_id}", "get", 200, response.get_json())
        job: dict[str, Any] = response.get_json()["job"]
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    pytest.fail(f"job {job_id} never finished")


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    error: dict[str, Any] = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"] and "\n" not in error["message"]
    return error


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
        {"Authorization": "Bearer naïve-ünïcode"},
    ],
    ids=["none", "empty", "wrong", "prefix", "longer", "basic", "bare", "unicode"],
)
def test_a_missing_or_wrong_token_is_401(shared: FlaskClient, shared_corpus: Path, headers: dict[str, str]) -> None:
    attempts = (upload(shared, dorset(), "dorset.txt", headers), shared.delete(f"/api/reports/{REPORT_ID}", headers=headers))
    for response in attempts:
        error_of(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert sorted(p.name for p in shared_corpus.iterdir()) == [REPORT.name]


def test_without_a_configured_token_uploads_are_off(index_dir: Path, corpus: Path) -> None:
    settings = {"PEELQA_INDEX_DIR": str(index_dir), "PEELQA_CORPUS_DIR": str(corpus), "PEELQA_ADMIN_TOKEN": ""}
    client = create_app(settings).test_client()
    for response in (upload(client, dorset(), "dorset.txt"), client.delete(f"/api/reports/{REPORT_ID}", headers=AUTH)):
        error = error_of(response, 403, "uploads_disabled")
        assert "PEELQA_ADMIN_TOKEN" in error["message"]
        assert_documented("/api/reports", "post", 403, response.get_json())


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "report.pdf"),  # an image, called a PDF
        (b"\x00\x01\x02binary" * 10, "report.txt"),
        ("Police effectiveness in Gwent £".encode("latin-1"), "report.txt"),  # not UTF-8
        (b"PK\x03\x04" + b"\x00" * 40, "report.docx"),
    ],
    ids=["png-named-pdf", "binary", "latin-1", "zip"],
)
def test_bytes_that_are_neither_pdf_nor_utf8_text_are_415(
    shared: FlaskClient, shared_corpus: Path, data: bytes, name: str
) -> None:
    response = upload(shared, data, name)
    error = error_of(response, 415, "unsupported_media_type")
    assert error["field"] == "file" and "neither a PDF nor UTF-8 text" in error["message"]
    assert_documented("/api/reports", "post", 415, response.get_json())
    assert sorted(p.name for p in shared_corpus.iterdir()) == [REPORT.name]


def test_a_body_that_is_not_multipart_is_415(shared: FlaskClient) -> None:
    error_of(shared.post("/api/reports", json={"file": "x"}, headers=AUTH), 415, "unsupported_media_type")
    as_text = shared.post("/api/reports", data=dorset(), content_type="text/plain", headers=AUTH)
    error_of(as_text, 415, "unsupported_media_type")


def test_an_upload_over_the_limit_is_413(shared: FlaskClient, shared_corpus: Path) -> None:
    response = upload(shared, b"x" * (LIMIT_MB * 1_000_000 + 1), "big.txt")
    error = error_of(response, 413, "payload_too_large")
    assert f"{LIMIT_MB * 1_000_000:,}" in error["message"]
    assert_documented("/api/reports", "post", 413, response.get_json())
    assert sorted(p.name for p in shared_corpus.iterdir()) == [REPORT.name]


def test_uploads_have_their_own_limit_and_questions_keep_theirs(admin: FlaskClient) -> None:
    # 1.5 MB: over the 1 MB limit of other requests, under this upload limit; it is
    # accepted, then fails as a job (blank text is no report) without a build
    response = upload(admin, b"\n" * 1_500_000, "blank.txt")
    assert response.status_code == 202, response.get_data(as_text=True)
    job = finished(admin, response.get_json()["job"]["id"])
    assert job["state"] == "failed" and "empty" in job["error"]
    big_question = b'{"question": "' + b"x" * 1_500_000 + b'"}'
    error_of(admin.post("/api/ask", data=big_question, content_type="application/json"), 413, "payload_too_large")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"year": "20l5"}, "year"),
        ({"year": "1850"}, "year"),
        ({"year": "2015.0"}, "year"),
        ({"title": "t" * 201}, "title"),
        ({"force": "f" * 201}, "force"),
    ],
)
def test_bad_fields_are_400_naming_the_field(
    shared: FlaskClient, shared_corpus: Path, fields: dict[str, str], field: str
) -> None:
    response = upload(shared, dorset(), "dorset.txt", **fields)
    error = error_of(response, 400, "invalid_request")
    assert error["field"] == field
    assert_documented("/api/reports", "post", 400, response.get_json())
    assert sorted(p.name for p in shared_corpus.iterdir()) == [REPORT.name]


def test_a_missing_or_empty_file_is_400(shared: FlaskClient) -> None:
    response = shared.post("/api/reports", data={"title": "No file"}, content_type="multipart/form-data", headers=AUTH)
    assert error_of(response, 400, "invalid_request")["field"] == "file"
    assert error_of(upload(shared, b"", "empty.txt"), 400, "invalid_request")["field"] == "file"
    text_not_file = shared.post(
        "/api/reports", data={"file": "just text"}, content_type="multipart/form-data", headers=AUTH
    )
    assert error_of(text_not_file, 400, "invalid_request")["field"] == "file"


def test_removing_an_unknown_report_is_404(shared: FlaskClient) -> None:
    response = shared.delete("/api/reports/no-such-report", headers=AUTH)
    error_of(response, 404, "not_found")
    assert_documented("/api/reports/{report_id}", "delete", 404, response.get_json())


def test_an_unknown_job_is_404(shared: FlaskClient) -> None:
    response = shared.get("/api/jobs/0123456789abcdef")
    error_of(response, 404, "not_found")
    assert_documented("/api/jobs/{job_id}", "get", 404, response.get_json())


def test_a_bad_upload_limit_setting_is_one_clear_error(index_dir: Path) -> None:
    from peelqa.errors import PeelqaError

    for value in ("fifty", "0", "-3", "nan", "inf"):
        with pytest.raises(PeelqaError, match="PEELQA_MAX_UPLOAD_MB must be a positive number of megabytes"):
            create_app({"PEELQA_INDEX_DIR": str(index_dir), "PEELQA_MAX_UPLOAD_MB": value})


# ---------------------------------------------------------------- jobs


def test_an_identical_file_is_a_job_done_at_once_that_says_so(shared: FlaskClient, shared_corpus: Path) -> None:
    before = shared.get("/api/index").get_json()["build_id"]
    response = upload(shared, REPORT.read_bytes(), "the same report again.txt")
    assert response.status_code == 202
    assert_documented("/api/reports", "post", 202, response.get_json())
    accepted = response.get_json()["job"]
    assert accepted["state"] == "queued" and accepted["action"] == "add" and accepted["progress"] == 0
    assert response.headers["Location"] == f"/api/jobs/{accepted['id']}"
    job = finished(shared, accepted["id"])
    assert job["state"] == "done", job
    assert job["report_id"] == REPORT_ID and "already in the corpus" in job["message"]
    assert job["progress"] == 1 and job["error"] is None and job["build_id"] == before
    assert sorted(p.name for p in shared_corpus.iterdir()) == [REPORT.name]


def test_a_failed_build_leaves_the_old_index_serving_and_says_why(
    admin: FlaskClient, scratch_index: Path, corpus: Path
) -> None:
    before = admin.get("/api/index").get_json()
    assert before["last_error"] is None
    # another process building: the real lock the builder takes, held here
    with (scratch_index / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        response = upload(admin, dorset(), "peel-effectiveness-2015-dorset.txt", force="Dorset Police")
        assert response.status_code == 202
        job = finished(admin, response.get_json()["job"]["id"])
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert job["state"] == "failed" and job["finished_at"]
    assert "another process is building the index" in job["error"] and job["message"] == job["error"]
    info = admin.get("/api/index").get_json()
    assert_documented("/api/index", "get", 200, info)
    assert info["build_id"] == before["build_id"]
    assert job["id"] in info["last_error"] and "another process is building the index" in info["last_error"]
    # the old index answers, and nothing of the new report was kept
    ask = admin.post("/api/ask", json={"question": "What are the areas for improvement?"})
    assert ask.status_code == 200 and ask.get_json()["build_id"] == before["build_id"]
    assert [r["id"] for r in admin.get("/api/reports").get_json()["reports"]] == [REPORT_ID]
    assert sorted(p.name for p in corpus.iterdir()) == [REPORT.name]


def test_the_only_report_cannot_be_removed(shared: FlaskClient) -> None:
    response = shared.delete(f"/api/reports/{REPORT_ID}", headers=AUTH)
    assert response.status_code == 202
    assert_documented("/api/reports/{report_id}", "delete", 202, response.get_json())
    assert response.get_json()["job"]["report_id"] == REPORT_ID
    job = finished(shared, response.get_json()["job"]["id"])
    assert job["state"] == "failed" and "only report" in job["error"]
    assert shared.get(f"/api/reports/{REPORT_ID}").status_code == 200


def test_jobs_run_one_at_a_time_in_order_and_survive_a_bug() -> None:
    jobs = Jobs()
    running: list[str] = []
    overlaps: list[str] = []

    def work(name: str, fail: bool = False) -> Any:
        def run(step: Any) -> Outcome:
            if running:
                overlaps.append(name)
            running.append(name)
            step(0.5, f"half of {name}")
            time.sleep(0.05)
            running.remove(name)
            if fail:
                raise RuntimeError("a bug")
            return Outcome(name, None, f"{name} done")

        return run

    ids = [jobs.submit("add", work("a"), report_id=None, message="a")["id"]]
    ids.append(jobs.submit("add", work("b", fail=True), report_id=None, message="b")["id"])
    ids.append(jobs.submit("remove", work("c"), report_id="c", message="c")["id"])
    deadline = time.monotonic() + JOB_DEADLINE_S
    while time.monotonic() < deadline and any(jobs.get(i)["state"] in ("queued", "running") for i in ids):  # type: ignore[index]
        time.sleep(0.01)
    states = [jobs.get(i) for i in ids]
    assert [s["state"] for s in states] == ["done", "failed", "done"]  # type: ignore[index]
    assert states[1]["error"] == "unexpected error: RuntimeError: a bug"  # type: ignore[index]
    assert overlaps == []


# ---------------------------------------------------------------- the original files


def test_the_original_text_is_served_inline(client: FlaskClient) -> None:
    response = client.get(f"/reports/{REPORT_ID}/source")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"] == f"inline; filename={REPORT.name}"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_data() == REPORT.read_bytes()
    response.close()


def test_reports_and_passages_link_to_the_original(client: FlaskClient) -> None:
    (report,) = client.get("/api/reports").get_json()["reports"]
    assert report["source_url"] == f"/reports/{REPORT_ID}/source" and report["url"] == f"/reports/{REPORT_ID}"
    assert client.get(f"/api/reports/{REPORT_ID}").get_json() == report
    passages = client.post("/api/ask", json={"question": "What is Operation Holcroft?"}).get_json()["passages"]
    assert {p["source"]["url"] for p in passages} == {f"/reports/{REPORT_ID}/source"}  # text: no #page


def test_an_unknown_report_has_no_original(client: FlaskClient) -> None:
    page = client.get("/reports/nope/source")
    assert page.status_code == 404 and page.mimetype == "text/html"
    as_json = client.get("/reports/nope/source", headers={"Accept": "application/json"})
    error_of(as_json, 404, "not_found")


def test_an_original_changed_since_indexing_is_not_served(admin: FlaskClient, corpus: Path) -> None:
    (corpus / REPORT.name).write_text("something else entirely\n", encoding="utf-8")
    response = admin.get(f"/reports/{REPORT_ID}/source", headers={"Accept": "application/json"})
    assert "no longer in the corpus as it was indexed" in error_of(response, 404, "not_found")["message"]
    (corpus / REPORT.name).unlink()
    error_of(admin.get(f"/reports/{REPORT_ID}/source", headers={"Accept": "application/json"}), 404, "not_found")


def test_a_pdf_original_is_served_inline_as_a_pdf(shared_app: Flask, tmp_path: Path) -> None:
    import hashlib

    data = b"%PDF-1.4\n% a stand-in body: only the headers are under test\n%%EOF\n"
    (tmp_path / "report.pdf").write_bytes(data)
    report = Report(
        id="report", title="T", force="F", year=2015, published=None, source="report.pdf",
        sha256=hashlib.sha256(data).hexdigest(),
    )  # fmt: skip
    with shared_app.test_request_context("/reports/report/source"):
        response = send(tmp_path, report)
        response.direct_passthrough = False
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"] == "inline; filename=report.pdf"
        assert "object-src" not in response.headers["Content-Security-Policy"]  # the PDF viewer may run
        assert response.get_data() == data
        response.close()


def test_a_source_name_cannot_leave_the_corpus(shared_app: Flask, tmp_path: Path) -> None:
    from werkzeug.exceptions import HTTPException

    from peelqa.web.errors import ApiError

    corpus = tmp_path / "reports"
    corpus.mkdir()
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    import hashlib

    report = Report(
        id="x", title="T", force="F", year=None, published=None, source="../secret.txt",
        sha256=hashlib.sha256(b"secret").hexdigest(),
    )  # fmt: skip
    with shared_app.test_request_context("/"), pytest.raises((ApiError, HTTPException)):
        send(corpus, report)


def test_source_urls_open_a_pdf_at_the_page() -> None:
    from peelqa.contract import source_url

    pdf = Report(id="r", title="T", force="F", year=None, published=None, source="r.pdf", sha256="0" * 64)
    text = Report(id="t", title="T", force="F", year=None, published=None, source="t.txt", sha256="0" * 64)
    assert source_url(pdf, 7) == "/reports/r/source#page=7"
    assert source_url(pdf, None) == "/reports/r/source"
    assert source_url(text, 7) == "/reports/t/source"


# ---------------------------------------------------------------- the watcher


def copy_build(index: Path, new_id: str) -> Path:
    """Another complete build beside the current one, as another process would leave it."""
    current = (index / "CURRENT").read_text(encoding="utf-8").strip()
    folder = index / "builds" / new_id
    shutil.copytree(index / "builds" / current, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").write_text(json.dumps({**manifest, "build_id": new_id}), encoding="utf-8")
    return folder


def switch(index: Path, build_id: str) -> None:
    (index / "CURRENT.tmp").write_text(build_id + "\n", encoding="utf-8")
    os.replace(index / "CURRENT.tmp", index / "CURRENT")


def until(check: Any) -> None:
    deadline = time.monotonic() + JOB_DEADLINE_S
    while not check():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.05)


def test_the_watcher_switches_to_a_new_build_and_keeps_a_broken_one_out(
    admin_app: Flask, admin: FlaskClient, scratch_index: Path
) -> None:
    watcher = watch(admin_app, interval=0.05)
    try:
        served = admin_app.extensions["peelqa"]
        copy_build(scratch_index, "20990101T000000000000Z-newer")
        switch(scratch_index, "20990101T000000000000Z-newer")
        until(lambda: served.current.build_id == "20990101T000000000000Z-newer")
        info = admin.get("/api/index").get_json()
        assert info["build_id"] == "20990101T000000000000Z-newer" and info["last_error"] is None
        assert admin.post("/api/ask", json={"question": "What is Operation Holcroft?"}).get_json()["build_id"] == (
            "20990101T000000000000Z-newer"
        )

        broken = copy_build(scratch_index, "20990102T000000000000Z-broken")
        (broken / "passages.jsonl").write_text("garbage\n", encoding="utf-8")
        switch(scratch_index, "20990102T000000000000Z-broken")
        until(lambda: served.last_error is not None)
        info = admin.get("/api/index").get_json()
        assert info["build_id"] == "20990101T000000000000Z-newer"  # the good one still serves
        assert "20990102T000000000000Z-broken could not be loaded" in info["last_error"]
        assert "passages.jsonl" in info["last_error"]
        assert admin.post("/api/ask", json={"question": "What is Operation Holcroft?"}).status_code == 200
    finally:
        watcher.stop()
