"""The parameters of a question, read from a JSON body or a query string.

Both readers check types strictly and raise `ApiError` (400) naming the
parameter, so a client learns what to fix; `QA.ask` validates again as a
backstop. Blank filters mean "no filter", because HTML forms send empty
fields for options a person left alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from flask import Request
from werkzeug.datastructures import MultiDict

from ..qa import MAX_QUESTION_CHARS, MAX_TOP_K
from ..retrieval import Filters
from .errors import ApiError

__all__ = ["DEFAULT_TOP_K", "AskParams", "from_json", "from_query", "json_object"]

DEFAULT_TOP_K = 5
_DIGITS = re.compile(r"[0-9]{1,9}")  # ASCII only: str.isdigit() accepts '²'


@dataclass(frozen=True)
class AskParams:
    """A validated question and its options."""

    question: str
    top_k: int = DEFAULT_TOP_K
    filters: Filters = Filters()


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(400, "invalid_request", message, field=field)


def _question(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise _invalid(field, "The question must be a string.")
    if not value.strip():
        raise _invalid(field, "The question is empty: type a question.")
    if len(value) > MAX_QUESTION_CHARS:
        raise _invalid(field, f"The question is too long: at most {MAX_QUESTION_CHARS:,} characters, this one has {len(value):,}.")
    return value


def _top_k(value: int) -> int:
    if not 1 <= value <= MAX_TOP_K:
        raise _invalid("top_k", f"top_k must be a whole number from 1 to {MAX_TOP_K}.")
    return value


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
    """Validate a POST /api/ask body. `null` means the same as leaving a field out."""
    question = _question(data.get("question"), "question")

    top_k = data.get("top_k")
    if top_k is None:
        top_k = DEFAULT_TOP_K
    elif isinstance(top_k, bool) or not isinstance(top_k, int):  # bool is an int subclass
        raise _invalid("top_k", f"top_k must be a whole number from 1 to {MAX_TOP_K}.")

    report = data.get("report")
    if report is None:
        reports: tuple[str, ...] = ()
    elif isinstance(report, str):
        reports = (report,)
    elif isinstance(report, list) and all(isinstance(item, str) for item in report):
        reports = tuple(report)
    else:
        raise _invalid("report", "report must be a report id or a list of report ids.")

    force = data.get("force")
    if force is not None and not isinstance(force, str):
        raise _invalid("force", "force must be a string, e.g. \"Wiltshire Police\".")

    year = data.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise _invalid("year", "year must be a whole number, e.g. 2015.")

    return AskParams(question, _top_k(top_k), _filters(reports, force, year))


def from_query(args: MultiDict[str, str], *, field: str = "q") -> AskParams:
    """Validate the query string of GET /api/ask (or of the chat page's form)."""
    if field not in args:
        raise _invalid(field, f"Add the question as ?{field}=…")
    question = _question(args.get(field), field)

    top_k = DEFAULT_TOP_K
    if raw := args.get("top_k", ""):
        if not _DIGITS.fullmatch(raw):
            raise _invalid("top_k", f"top_k must be a whole number from 1 to {MAX_TOP_K}.")
        top_k = _top_k(int(raw))

    year = None
    if raw := args.get("year", ""):
        if not _DIGITS.fullmatch(raw):
            raise _invalid("year", "year must be a whole number, e.g. 2015.")
        year = int(raw)

    reports = tuple(args.getlist("report"))
    return AskParams(question, top_k, _filters(reports, args.get("force"), year))


def _filters(reports: tuple[str, ...], force: str | None, year: int | None) -> Filters:
    return Filters(
        reports=tuple(r.strip() for r in reports if r.strip()),
        force=force.strip() if force and force.strip() else None,
        year=year,
    )
