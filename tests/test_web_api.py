"""The JSON API (DESIGN.md §4) through the Flask test client, on the real index and model.

Pins the shape of every endpoint, every error with its status and code, the
OpenAPI document and real responses validated against it, and the factory.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource

from conftest import REPORT_ID

from peelqa.contract import passage_url
from peelqa.qa import MAX_QUESTION_CHARS, MAX_TOP_K
from peelqa.web import MAX_BODY_BYTES, create_app
from peelqa.web.api import openapi_document
from peelqa.web.errors import CODES
from peelqa.web.state import Loaded, Unavailable

AFI = "What are the areas for improvement?"


def ask(client: FlaskClient, question: str, **options: Any) -> dict[str, Any]:
    response = client.post("/api/ask", json={"question": question, **options})
    assert response.status_code == 200, response.get_data(as_text=True)
    data: dict[str, Any] = response.get_json()
    return data


# ---------------------------------------------------------------- OpenAPI


OPENAPI_URI = "urn:peelqa:openapi"


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A JSON Schema 2020-12 validator for `schema`, its $refs resolved in the OpenAPI document."""
    document = {**openapi_document(), "$schema": "https://json-schema.org/draft/2020-12/schema"}
    registry: Registry = Registry().with_resource(OPENAPI_URI, Resource.from_contents(document))
    rebased = json.loads(json.dumps(schema).replace('"#/components/', f'"{OPENAPI_URI}#/components/'))
    return Draft202012Validator(rebased, registry=registry)


def response_schema(path: str, method: str, status: int) -> dict[str, Any]:
    operation = openapi_document()["paths"][path][method]
    schema: dict[str, Any] = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    return schema


def assert_documented(path: str, method: str, status: int, body: Any) -> None:
    """`body` is what the OpenAPI document promises for this path, method and status."""
    validator(response_schema(path, method, status)).validate(body)


def test_openapi_document_is_valid_openapi_3_1(client: FlaskClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate_openapi(document)
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_openapi_documents_every_endpoint(app: Flask) -> None:
    documented = set(openapi_document()["paths"])
    served = {
        re.sub(r"<(\w+)>", r"{\1}", rule.rule)  # Flask's <report_id> is OpenAPI's {report_id}
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") or rule.rule == "/healthz"
    }
    assert served == documented


def test_openapi_limits_match_the_code() -> None:
    schemas = openapi_document()["components"]["schemas"]
    assert schemas["AskRequest"]["properties"]["question"]["maxLength"] == MAX_QUESTION_CHARS
    assert schemas["AskRequest"]["properties"]["top_k"]["maximum"] == MAX_TOP_K
    assert f"{MAX_BODY_BYTES:,}" in openapi_document()["info"]["description"]


@pytest.mark.parametrize(
    "question",
    [
        AFI,
        "How was the force graded for protecting vulnerable people?",
        "How long were computers waiting to be examined?",
        "What are the grades?",
        "What is the recipe for banana bread?",
        "When was this report published?",  # the cover: paragraph 0
    ],
)
def test_ask_responses_match_the_openapi_document(client: FlaskClient, question: str) -> None:
    assert_documented("/api/ask", "post", 200, ask(client, question))
    response = client.get("/api/ask", query_string={"q": question, "top_k": 3})
    assert_documented("/api/ask", "get", 200, response.get_json())


def test_other_responses_match_the_openapi_document(client: FlaskClient) -> None:
    assert_documented("/api/reports", "get", 200, client.get("/api/reports").get_json())
    assert_documented("/api/reports/{report_id}", "get", 200, client.get(f"/api/reports/{REPORT_ID}").get_json())
    assert_documented("/api/reports/{report_id}", "get", 404, client.get("/api/reports/nope").get_json())
    assert_documented("/api/index", "get", 200, client.get("/api/index").get_json())
    assert_documented("/healthz", "get", 200, client.get("/healthz").get_json())


# ---------------------------------------------------------------- shapes


def test_ask_post_has_every_field_of_the_contract(client: FlaskClient) -> None:
    data = ask(client, "How long were computers waiting to be examined?")
    assert list(data)[:4] == ["question", "answer", "passages", "took_ms"]
    assert data["question"] == "How long were computers waiting to be examined?"
    assert isinstance(data["took_ms"], float)
    assert isinstance(data["build_id"], str) and data["build_id"]

    answer = data["answer"]
    assert set(answer) >= {"text", "sentences", "kind", "found"}
    assert answer["found"] is True and answer["kind"] == "passages"
    assert "20 months" in answer["text"] and "[1]" in answer["text"]
    for sentence in answer["sentences"]:
        assert set(sentence) == {"text", "passage_id", "citation"}
        assert data["passages"][sentence["citation"] - 1]["id"] == sentence["passage_id"]

    assert len(data["passages"]) == 5
    assert [p["rank"] for p in data["passages"]] == [1, 2, 3, 4, 5]
    for passage in data["passages"]:
        assert set(passage) >= {
            "id", "rank", "score", "text", "kind", "report", "section", "paragraph", "page",
            "source", "highlights", "url", "scores", "grade", "group", "note_number",
        }  # fmt: skip
        assert passage["id"].startswith(REPORT_ID + ":p")
        assert passage["report"] == {
            "id": REPORT_ID, "title": "PEEL: Police effectiveness 2015", "force": "Wiltshire Police", "year": 2015,
        }  # fmt: skip
        assert isinstance(passage["section"], list) and all(isinstance(s, str) for s in passage["section"])
        assert isinstance(passage["paragraph"], int) and isinstance(passage["page"], int)
        assert passage["source"]["file"] == "peel-effectiveness-2015-wiltshire.txt"
        assert 0 <= passage["source"]["start"] < passage["source"]["end"]
        assert passage["url"] == passage_url(REPORT_ID, passage["id"])
        assert set(passage["scores"]) == {"dense", "bm25", "fused"}
        for start, end in passage["highlights"]:
            assert 0 <= start < end <= len(passage["text"])
    top = data["passages"][0]
    assert any("20 months" in top["text"][s:e] for s, e in top["highlights"])


def test_list_answer_cites_every_item_with_its_group(client: FlaskClient) -> None:
    data = ask(client, AFI)
    assert data["answer"]["kind"] == "list"
    assert len(data["answer"]["sentences"]) == 8
    assert len(data["passages"]) == 8  # list answers may hold more than top_k
    assert {p["kind"] for p in data["passages"]} == {"list_item"}
    assert all(p["group"] for p in data["passages"])
    assert data["answer"]["text"].startswith("Areas for improvement (8)")


def test_get_ask_gives_the_same_body_as_post(client: FlaskClient) -> None:
    posted = ask(client, "What is Operation Holcroft?", top_k=3)
    got = client.get("/api/ask?q=What+is+Operation+Holcroft%3F&top_k=3").get_json()
    posted.pop("took_ms"), got.pop("took_ms")
    assert got == posted
    assert len(got["passages"]) == 3


@pytest.mark.parametrize(
    "filters",
    [
        {"report": REPORT_ID},
        {"report": [REPORT_ID]},
        {"force": "wiltshire police"},
        {"year": 2015},
        {"report": REPORT_ID, "force": "Wiltshire Police", "year": 2015, "top_k": 2},
        {"top_k": None, "report": None, "force": None, "year": None},  # null: as if left out
    ],
)
def test_filters_that_match_keep_the_answer(client: FlaskClient, filters: dict[str, Any]) -> None:
    data = ask(client, "What is Operation Holcroft?", **filters)
    assert data["answer"]["found"] is True
    assert "Operation Holcroft" in data["passages"][0]["text"]


@pytest.mark.parametrize("filters", [{"force": "Kent Police"}, {"year": 2020}])
def test_filters_that_match_nothing_find_nothing(client: FlaskClient, filters: dict[str, Any]) -> None:
    data = ask(client, "What is Operation Holcroft?", **filters)
    assert data["answer"]["found"] is False
    assert data["answer"]["kind"] == "not_found"
    assert data["passages"] == []


def test_get_ask_accepts_filters_in_the_query_string(client: FlaskClient) -> None:
    query = f"/api/ask?q=What+is+Operation+Holcroft%3F&report={REPORT_ID}&force=Wiltshire+Police&year=2015"
    assert client.get(query).get_json()["answer"]["found"] is True
    assert client.get("/api/ask?q=What+is+Operation+Holcroft%3F&year=2014").get_json()["answer"]["found"] is False


def test_not_found_still_lists_the_nearest_passages(client: FlaskClient) -> None:
    data = ask(client, "What is the recipe for banana bread?")
    assert data["answer"] == {"text": data["answer"]["text"], "sentences": [], "kind": "not_found", "found": False}
    assert len(data["passages"]) == 5
    assert all(isinstance(p["score"], float) for p in data["passages"])


def test_question_of_exactly_the_limit_is_answered(client: FlaskClient) -> None:
    question = ("What is Operation Holcroft? " * 40)[:MAX_QUESTION_CHARS]
    assert len(question) == MAX_QUESTION_CHARS
    assert client.post("/api/ask", json={"question": question}).status_code == 200


def test_reports_lists_each_report_with_its_judgments(client: FlaskClient, index) -> None:
    data = client.get("/api/reports").get_json()
    assert data["build_id"] == index.build_id
    (report,) = data["reports"]
    assert report["id"] == REPORT_ID
    assert report["title"] == "PEEL: Police effectiveness 2015"
    assert report["force"] == "Wiltshire Police"
    assert report["year"] == 2015 and report["published"] == "2016-02"
    assert report["passages"] == len(index.passages)
    assert report["judgments"]["How effective is the force at keeping people safe and reducing crime?"] == "Good"
    assert "Requires improvement" in report["judgments"].values()


def test_index_describes_the_build(client: FlaskClient, index) -> None:
    data = client.get("/api/index").get_json()
    assert data["build_id"] == index.build_id
    assert data["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert data["passages"] == data["counts"]["passages"] == len(index.passages)
    assert data["counts"]["reports"] == 1
    assert data["built_at"]


def test_healthz_is_ok_with_an_index(client: FlaskClient, index) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "build_id": index.build_id,
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "reports": 1,
        "passages": len(index.passages),
    }
    assert client.head("/healthz").status_code == 200


def test_json_is_never_sniffed_as_html(client: FlaskClient) -> None:
    response = client.post("/api/ask", json={"question": "<script>alert(1)</script> What is Operation Holcroft?"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_json()["question"].startswith("<script>alert(1)</script>")


# ---------------------------------------------------------------- errors

BIG = b'{"question": "' + b"x" * MAX_BODY_BYTES + b'"}'

ERRORS = [
    # (method, url, request options, status, code)
    ("post", "/api/ask", {"json": {}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": ""}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": " \n\t "}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": "x" * (MAX_QUESTION_CHARS + 1)}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": 42}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": ["What?"]}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": {"text": "What?"}}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": "What?", "top_k": 0}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": "What?", "top_k": 51}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": "What?", "top_k": -1}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": "What?", "top_k": True}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": "What?", "top_k": 5.0}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": "What?", "top_k": "5"}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": "What?", "top_k": 10**30}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": "What?", "report": 7}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": "What?", "report": [REPORT_ID, 7]}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": "What?", "force": ["Wiltshire Police"]}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": "What?", "year": "2015"}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": "What?", "year": 2015.0}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": "What?", "year": False}}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": {"question": "What?", "report": "no-such-report"}}, 400, "unknown_report"),
    ("post", "/api/ask", {"json": {"question": "What?", "report": [REPORT_ID, "nope"]}}, 400, "unknown_report"),
    ("post", "/api/ask", {"json": ["What?"]}, 400, "invalid_request"),
    ("post", "/api/ask", {"json": "What?"}, 400, "invalid_request"),
    ("post", "/api/ask", {"data": "null", "content_type": "application/json"}, 400, "invalid_request"),
    ("post", "/api/ask", {"data": '{"question": "What?"', "content_type": "application/json"}, 400, "invalid_json"),
    ("post", "/api/ask", {"data": "", "content_type": "application/json"}, 400, "invalid_json"),
    ("post", "/api/ask", {"data": b'{"question": "\xff"}', "content_type": "application/json"}, 400, "invalid_json"),
    ("post", "/api/ask", {"data": '{"top_k": 1e999, "question": "x"}', "content_type": "application/json"}, 400, "invalid_request"),
    ("post", "/api/ask", {"data": "[" * 100_000, "content_type": "application/json"}, 400, "invalid_json"),
    ("post", "/api/ask", {"data": BIG, "content_type": "application/json"}, 413, "payload_too_large"),
    ("post", "/api/ask", {"data": '{"question": "What?"}', "content_type": "text/plain"}, 415, "unsupported_media_type"),
    ("post", "/api/ask", {"data": {"question": "What?"}}, 415, "unsupported_media_type"),  # a form post
    ("post", "/api/ask", {}, 415, "unsupported_media_type"),
    ("get", "/api/ask", {}, 400, "invalid_request"),
    ("get", "/api/ask?q=", {}, 400, "invalid_request"),
    ("get", "/api/ask?q=%20%20", {}, 400, "invalid_request"),
    ("get", "/api/ask?q=" + "x" * (MAX_QUESTION_CHARS + 1), {}, 400, "invalid_request"),
    ("get", "/api/ask?q=What&top_k=0", {}, 400, "invalid_request"),
    ("get", "/api/ask?q=What&top_k=51", {}, 400, "invalid_request"),
    ("get", "/api/ask?q=What&top_k=-3", {}, 400, "invalid_request"),
    ("get", "/api/ask?q=What&top_k=2.5", {}, 400, "invalid_request"),
    ("get", "/api/ask?q=What&top_k=five", {}, 400, "invalid_request"),
    ("get", "/api/ask?q=What&top_k=%C2%B2", {}, 400, "invalid_request"),  # '²' passes str.isdigit()
    ("get", "/api/ask?q=What&top_k=" + "9" * 5000, {}, 400, "invalid_request"),
    ("get", "/api/ask?q=What&year=last", {}, 400, "invalid_request"),
    ("get", "/api/ask?q=What&report=nope", {}, 400, "unknown_report"),
    ("get", "/api/nope", {}, 404, "not_found"),
    ("post", "/api/nope", {"json": {}}, 404, "not_found"),
    ("get", "/api/", {}, 404, "not_found"),
    ("get", "/api/reports/nope", {}, 404, "not_found"),
    ("get", "/api/jobs/nope", {}, 404, "not_found"),
    ("put", "/api/reports/" + REPORT_ID, {}, 405, "method_not_allowed"),
    ("delete", "/api/reports", {}, 405, "method_not_allowed"),
    ("post", "/api/jobs/nope", {}, 405, "method_not_allowed"),
    ("delete", "/api/ask", {}, 405, "method_not_allowed"),
    ("put", "/api/ask", {"json": {"question": "What?"}}, 405, "method_not_allowed"),
    ("post", "/api/reports", {"json": {}}, 403, "uploads_disabled"),  # no admin token configured
    ("delete", "/api/reports/" + REPORT_ID, {}, 403, "uploads_disabled"),
    ("post", "/api/index", {}, 405, "method_not_allowed"),
    ("post", "/healthz", {}, 405, "method_not_allowed"),
]


@pytest.mark.parametrize(("method", "url", "options", "status", "code"), ERRORS, ids=lambda v: str(v)[:40])
def test_errors_are_json_with_the_right_status_and_code(
    client: FlaskClient, method: str, url: str, options: dict[str, Any], status: int, code: str
) -> None:
    response = getattr(client, method)(url, **options)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body == {"error": body["error"]}
    assert body["error"]["code"] == code
    message = body["error"]["message"]
    assert message and "\n" not in message and "Traceback" not in message
    validator({"$ref": "#/components/schemas/Error"}).validate(body)


def test_every_error_code_is_documented() -> None:
    code = openapi_document()["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]
    assert set(CODES.values()) | {"invalid_json", "invalid_request", "unknown_report", "uploads_disabled"} == set(
        code["examples"]
    )


def test_unexpected_failures_are_a_logged_500_without_a_traceback(
    index_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app({"PEELQA_INDEX_DIR": str(index_dir), "TESTING": True})

    def boom() -> str:
        raise RuntimeError("secret internals")

    # a seam for the test: a route that fails the way a bug would
    app.add_url_rule("/api/boom", "api_boom", boom)
    app.add_url_rule("/boom", "boom", boom)
    client = app.test_client()
    response = client.get("/api/boom")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert "secret" not in response.get_data(as_text=True)
    page = client.get("/boom")
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "secret" not in page.get_data(as_text=True) and "Traceback" not in page.get_data(as_text=True)
    assert "RuntimeError: secret internals" in caplog.text  # the log keeps what the client must not see


def test_validation_errors_name_the_field(client: FlaskClient) -> None:
    error = client.post("/api/ask", json={"question": "What?", "top_k": "5"}).get_json()["error"]
    assert error["field"] == "top_k"
    assert "1 to 50" in error["message"]
    error = client.get("/api/ask?q=What&report=nope").get_json()["error"]
    assert error["field"] == "report"
    assert "'nope'" in error["message"] and REPORT_ID in error["message"]


def test_method_not_allowed_says_what_is(client: FlaskClient) -> None:
    response = client.delete("/api/ask")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert "GET" in response.get_json()["error"]["message"]


def test_json_content_type_with_charset_is_accepted(client: FlaskClient) -> None:
    response = client.post(
        "/api/ask",
        data=json.dumps({"question": "What is Operation Holcroft?"}),
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 200


def test_documented_error_statuses_validate(client: FlaskClient) -> None:
    assert_documented("/api/ask", "post", 400, client.post("/api/ask", json={"question": ""}).get_json())
    assert_documented("/api/ask", "post", 415, client.post("/api/ask", data="x").get_json())
    assert_documented("/api/ask", "post", 413, client.post("/api/ask", data=BIG, content_type="application/json").get_json())
    assert_documented("/api/ask", "get", 400, client.get("/api/ask?q=x&report=nope").get_json())
    assert_documented("/api/ask", "get", 405, client.delete("/api/ask").get_json())


# ---------------------------------------------------------------- the factory


def test_missing_index_still_starts_and_answers_503(tmp_path: Path) -> None:
    app = create_app({"PEELQA_INDEX_DIR": str(tmp_path / "no-index"), "TESTING": True})
    client = app.test_client()
    assert isinstance(app.extensions["peelqa"].current, Unavailable)
    for method, url, options in [
        ("get", "/healthz", {}),
        ("post", "/api/ask", {"json": {"question": "What?"}}),
        ("get", "/api/ask?q=What", {}),
        ("get", "/api/reports", {}),
        ("get", "/api/index", {}),
    ]:
        response = getattr(client, method)(url, **options)
        assert response.status_code == 503, url
        error = response.get_json()["error"]
        assert error["code"] == "index_unavailable"
        assert "no index in" in error["message"] and "peelqa index" in error["message"]
        assert_documented(url.split("?")[0], method, 503, response.get_json())
    # validation still comes first: a client error is a client error
    assert client.post("/api/ask", data="x").status_code == 415
    assert client.get("/api/openapi.json").status_code == 200


def test_corrupt_index_answers_503_with_the_reason(scratch_index: Path) -> None:
    build = next((scratch_index / "builds").iterdir())
    (build / "passages.jsonl").write_text("garbage\n", encoding="utf-8")
    response = create_app({"PEELQA_INDEX_DIR": str(scratch_index)}).test_client().get("/healthz")
    assert response.status_code == 503
    assert "passages.jsonl" in response.get_json()["error"]["message"]


def test_index_of_another_model_answers_503(index_dir: Path) -> None:
    app = create_app({"PEELQA_INDEX_DIR": str(index_dir), "PEELQA_MODEL": "some-other/model"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert "some-other/model" in response.get_json()["error"]["message"]


def test_settings_come_from_the_environment_then_test_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, index_dir: Path
) -> None:
    monkeypatch.setenv("PEELQA_INDEX_DIR", str(tmp_path / "from-env"))
    monkeypatch.setenv("PEELQA_CORPUS_DIR", str(tmp_path / "corpus-from-env"))
    from_env = create_app()
    assert from_env.config["PEELQA_INDEX_DIR"] == str(tmp_path / "from-env")
    assert from_env.config["PEELQA_CORPUS_DIR"] == str(tmp_path / "corpus-from-env")
    assert from_env.test_client().get("/healthz").status_code == 503

    overridden = create_app({"PEELQA_INDEX_DIR": str(index_dir)})
    assert overridden.config["PEELQA_CORPUS_DIR"] == str(tmp_path / "corpus-from-env")
    assert overridden.test_client().get("/healthz").status_code == 200


def test_state_is_swapped_by_one_assignment(index_dir: Path) -> None:
    app = create_app({"PEELQA_INDEX_DIR": str(index_dir)})
    state = app.extensions["peelqa"]
    loaded = state.current
    assert isinstance(loaded, Loaded)
    client = app.test_client()
    state.current = Unavailable("rebuilding, back in a moment")
    response = client.post("/api/ask", json={"question": "What is Operation Holcroft?"})
    assert response.status_code == 503
    assert response.get_json()["error"]["message"] == "rebuilding, back in a moment"
    state.current = loaded
    assert client.post("/api/ask", json={"question": "What is Operation Holcroft?"}).status_code == 200


def test_nothing_is_read_from_disk_per_request(scratch_index: Path) -> None:
    client = create_app({"PEELQA_INDEX_DIR": str(scratch_index)}).test_client()
    shutil.rmtree(scratch_index)  # everything a request needs was loaded by the factory
    assert client.post("/api/ask", json={"question": AFI}).status_code == 200
    assert client.get("/api/reports").status_code == 200
    assert client.get("/reports/" + REPORT_ID).status_code == 200
    assert client.get("/healthz").status_code == 200


def test_importing_the_package_loads_nothing_heavy() -> None:
    code = (
        "import sys, peelqa.web, peelqa.embedding as e\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers', 'faiss') if m in sys.modules]\n"
        "print(heavy, len(e._shared))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip() == "[] 0"
