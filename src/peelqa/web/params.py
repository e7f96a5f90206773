"""Read a request's parameters into the models of `peelqa.requests`.

The models decide what is valid; this module only gets the raw values out
of Flask's request (JSON body, query string, multipart form) and turns a
validated question into `AskParams`. Blank filters mean "no filter",
because HTML forms send empty fields for options a person left alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Request
from werkzeug.datastructures import MultiDict

from ..requests import DEFAULT_TOP_K, AskBody, AskQuery, UploadForm, validate
from ..retrieval import Filters
from .errors import ApiError

__all__ = ["DEFAULT_TOP_K", "AskParams", "Upload", "from_json", "from_query", "json_object", "upload_from"]


@dataclass(frozen=True)
class AskParams:
    """A validated question and its options."""

    question: str
    top_k: int = DEFAULT_TOP_K
    filters: Filters = Filters()
    history: tuple[str, ...] = ()  # earlier questions of the conversation, oldest first


@dataclass(frozen=True)
class Upload:
    """A validated upload: the file's bytes, the name it was sent under, and its fields."""

    form: UploadForm
    filename: str


def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object.

    Raises:
        ApiError: 415 when the body is not declared JSON, 400 when it is not
            a JSON object. Werkzeug raises 413 itself for an oversized body.
    """
    if not request.is_json:
        raise ApiError(
            415, "unsupported_media_type", "Send the question as JSON, with Content-Type: application/json."
        )
    raw = request.get_data(cache=False)
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: absurdly nested arrays
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_request", "The request body must be a JSON object, e.g. {\"question\": \"…\"}.")
    return data


def from_json(data: dict[str, Any]) -> AskParams:
    """Validate a POST /api/ask body. `null` means the same as leaving a field out.

    Raises:
        InvalidRequest: a field is missing or wrong.
    """
    body = validate(AskBody, data)
    reports = (body.report,) if isinstance(body.report, str) else tuple(body.report or ())
    filters = _filters(reports, body.force, body.year)
    return AskParams(body.question, body.top_k or DEFAULT_TOP_K, filters, tuple(body.history or ()))


def _given(args: MultiDict[str, str], model: type[AskQuery] | type[UploadForm], keep_blank: str = "") -> dict[str, Any]:
    """The model's fields present in `args`, lists for list fields; blanks left out but `keep_blank`."""
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if getattr(info.annotation, "__origin__", None) is list:
            values[name] = [v for v in args.getlist(name) if v.strip()]
        elif name in args and (name == keep_blank or args[name].strip()):
            values[name] = args[name]
    return values


def from_query(args: MultiDict[str, str]) -> AskParams:
    """Validate the query string of GET /api/ask (or of the chat page's form).

    Raises:
        InvalidRequest: a parameter is missing or wrong.
    """
    query = validate(AskQuery, _given(args, AskQuery, keep_blank="q"))
    filters = _filters(tuple(query.report), query.force, query.year)
    return AskParams(query.q, query.top_k, filters, tuple(query.history))


def upload_from(request: Request) -> Upload:
    """Validate the multipart form of POST /api/reports (reading the file into memory).

    Raises:
        InvalidRequest: the file is missing or empty, or a field is wrong.
    """
    values = _given(request.form, UploadForm)
    values.pop("file", None)  # only a file part is a file
    part = request.files.get("file")
    if part is not None:
        with part.stream:  # a large upload is spooled to a temporary file: let it go now
            values["file"] = part.read()
    form = validate(UploadForm, values)
    return Upload(form, (part.filename if part is not None else None) or "report")


def _filters(reports: tuple[str, ...], force: str | None, year: int | None) -> Filters:
    return Filters(
        reports=tuple(r.strip() for r in reports if r.strip()),
        force=force.strip() if force and force.strip() else None,
        year=year,
    )
