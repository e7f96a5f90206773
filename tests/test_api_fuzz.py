"""The JSON API fuzzed from its own OpenAPI document (schemathesis).

Every operation is called in-process with generated requests, valid and
invalid: no answer may be a 5xx, and every answer must have a documented
status, content type and shape (the error shape included). Bounded for CI:
a few dozen examples an operation, the same ones every run.
"""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from peelqa.web.openapi import document

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 30
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)
OPERATIONS = [
    f"{method.upper()} {path}"
    for path, item in document()["paths"].items()
    for method in item
    if method in ("get", "post", "put", "delete", "patch")
]


@pytest.fixture(scope="module")
def api_schema(app: Flask) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


@pytest.mark.parametrize("label", OPERATIONS)
def test_no_request_breaks_the_api_or_its_documented_shapes(
    api_schema: schemathesis.schemas.BaseSchema, label: str
) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is documented but schemathesis cannot read it"

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        database=None,
    )
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=CHECKS)

    call()
