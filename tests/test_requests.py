"""The request models: one declaration validates requests and writes the OpenAPI request schemas."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from peelqa.errors import InvalidRequest
from peelqa.qa import MAX_QUESTION_CHARS as QA_MAX_QUESTION_CHARS
from peelqa.requests import MAX_QUESTION_CHARS, MAX_TOP_K, AskBody, AskQuery, UploadForm, validate
from peelqa.web.openapi import document


def refused(model: Any, data: dict[str, Any]) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        validate(model, data)
    return caught.value


def test_the_core_uses_the_limits_of_the_request_models() -> None:
    assert QA_MAX_QUESTION_CHARS is MAX_QUESTION_CHARS


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "question", 'Add the question, e.g. {"question": "What are the areas for improvement?"}.'),
        ({"question": ""}, "question", "The question is empty: type a question."),
        ({"question": " \n"}, "question", "The question is empty: type a question."),
        ({"question": 7}, "question", "The question must be a string."),
        (
            {"question": "x" * (MAX_QUESTION_CHARS + 5)},
            "question",
            f"The question is too long: at most 1,000 characters, this one has {MAX_QUESTION_CHARS + 5:,}.",
        ),
        ({"question": "q", "top_k": 0}, "top_k", f"top_k must be a whole number from 1 to {MAX_TOP_K}."),
        ({"question": "q", "top_k": "3"}, "top_k", f"top_k must be a whole number from 1 to {MAX_TOP_K}."),
        ({"question": "q", "top_k": 3.0}, "top_k", f"top_k must be a whole number from 1 to {MAX_TOP_K}."),
        ({"question": "q", "report": [1]}, "report", "report must be a report id or a list of report ids."),
        ({"question": "q", "force": 1}, "force", 'force must be a string, e.g. "Wiltshire Police".'),
        ({"question": "q", "year": True}, "year", "year must be a whole number, e.g. 2015."),
    ],
)
def test_ask_body_errors_name_the_field_and_say_what_to_do(data: dict[str, Any], field: str, message: str) -> None:
    error = refused(AskBody, data)
    assert (error.field, str(error)) == (field, message)


def test_ask_body_accepts_nulls_as_absent_and_ignores_other_fields() -> None:
    body = validate(AskBody, {"question": "What?", "top_k": None, "report": None, "colour": "blue"})
    assert (body.question, body.top_k, body.report, body.force, body.year) == ("What?", None, None, None, None)


@pytest.mark.parametrize("top_k", ["05x", "+5", "5_0", " 5", "2.5", "²", "٣", "9" * 50])
def test_query_numbers_are_plain_digits(top_k: str) -> None:
    error = refused(AskQuery, {"q": "What?", "top_k": top_k})
    assert error.field == "top_k"


def test_query_reads_digits_and_lists() -> None:
    query = validate(AskQuery, {"q": "What?", "top_k": "7", "year": "2015", "report": ["a", "b"]})
    assert (query.top_k, query.year, query.report) == (7, 2015, ["a", "b"])
    assert str(refused(AskQuery, {})) == "Add the question as ?q=…"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "file"),
        ({"file": b""}, "file"),
        ({"file": b"x", "year": "15"}, "year"),
        ({"file": b"x", "year": "2O15"}, "year"),
        ({"file": b"x", "year": "3000"}, "year"),
        ({"file": b"x", "title": "t" * 201}, "title"),
        ({"file": b"x", "force": "f" * 201}, "force"),
    ],
)
def test_upload_form_errors_name_the_field(data: dict[str, Any], field: str) -> None:
    error = refused(UploadForm, data)
    assert error.field == field and str(error).endswith(".")


def test_upload_form_trims_its_fields() -> None:
    form = validate(UploadForm, {"file": b"x", "title": "  A title ", "force": "Dorset Police", "year": "2016"})
    assert (form.title, form.force, form.year) == ("A title", "Dorset Police", 2016)


# ---------------------------------------------------------------- one schema


def test_the_openapi_request_schemas_are_the_models() -> None:
    built = document()
    schemas = built["components"]["schemas"]
    assert schemas["AskRequest"]["properties"]["question"]["maxLength"] == MAX_QUESTION_CHARS
    assert schemas["AskRequest"]["properties"]["top_k"]["maximum"] == MAX_TOP_K
    assert set(schemas["AskRequest"]["properties"]) == set(AskBody.model_fields)
    assert set(schemas["UploadRequest"]["properties"]) == set(UploadForm.model_fields)
    parameters = built["paths"]["/api/ask"]["get"]["parameters"]
    assert [p["name"] for p in parameters] == list(AskQuery.model_fields)
    assert next(p for p in parameters if p["name"] == "q")["required"] is True
    upload = built["paths"]["/api/reports"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert upload == {"$ref": "#/components/schemas/UploadRequest"}


# Values of every JSON type, including the awkward ones: bools (an int subclass in
# Python), huge numbers, blank and long strings. Floats with no fractional part are
# left out on purpose: JSON Schema calls 5.0 an integer, the API (as before) does not.
_json_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False).filter(lambda f: math.isinf(f) or not f.is_integer()),
    st.text(max_size=20),
    st.sampled_from(["", "   ", "\x1c\x1f", "\u200b", "x" * MAX_QUESTION_CHARS, "x" * (MAX_QUESTION_CHARS + 1)]),
    st.lists(st.one_of(st.text(max_size=5), st.integers()), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
_bodies = st.fixed_dictionaries(
    {},
    optional={name: _json_values for name in ("question", "top_k", "report", "force", "year", "other")},
)


@settings(max_examples=400, deadline=None)
@given(body=_bodies)
@example(body={"question": "\x1c\x1f"})  # blank to Python, text to pydantic's regex engine
@example(body={"question": "What?", "top_k": True})
def test_the_documented_schema_and_the_validator_agree(body: dict[str, Any]) -> None:
    """Whatever a client sends, the OpenAPI document and the service judge it alike."""
    schema = Draft202012Validator(document()["components"]["schemas"]["AskRequest"])
    try:
        validate(AskBody, body)
        accepted = True
    except InvalidRequest:
        accepted = False
    assert schema.is_valid(body) == accepted, body
