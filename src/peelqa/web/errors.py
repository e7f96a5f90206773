"""Every error the web service sends, decided in one place.

The JSON API (`/api/…`, `/healthz`) always answers with

    {"error": {"code": "<machine code>", "message": "<one line for a person>"}}

and the matching status; the HTML pages render `error.html` instead. The
core's exceptions are translated here and nowhere else:

    ApiError            raised by the views (unknown report, 503, uploads)
    InvalidRequest      400 invalid_request, naming the field (the request models)
    InvalidQuestion     400 invalid_request (a backstop: views validate first)
    IndexError_ etc.    503 index_unavailable
    HTTPException       its own status (404, 405, 413, 415…)
    anything else       500 internal_error, logged with its traceback
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import BuildInProgress, IndexError_, InvalidQuestion, InvalidRequest, ModelLoadError, PeelqaError

__all__ = ["CODES", "ApiError", "api_error", "init_app", "invalid_request", "wants_json"]

logger = logging.getLogger(__name__)

# status -> the error code sent when nothing more specific applies
CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    500: "internal_error",
    503: "index_unavailable",
}

# What werkzeug says is written for developers; these are for the person reading.
_MESSAGES: dict[int, str] = {
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
    500: "Something went wrong on our side; the error has been logged.",
}

_TITLES: dict[int, str] = {
    400: "That request could not be answered",
    404: "Page not found",
    405: "Method not allowed",
    413: "Request too large",
    415: "Unsupported request",
    500: "Something went wrong",
    503: "The reports are not available right now",
}


class ApiError(Exception):
    """An error a client caused or can act on, with its status and code.

    `field` names the request parameter at fault, when there is one.
    """

    def __init__(
        self, status: int, code: str, message: str, *, field: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        return {"error": error}


def wants_json() -> bool:
    """True for requests to the JSON API, which must never receive HTML, and for clients asking for JSON."""
    path = request.path
    if path == "/api" or path.startswith("/api/") or path == "/healthz":
        return True
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def _respond(error: ApiError, headers: dict[str, str] | None = None) -> Response:
    if wants_json():
        response = jsonify(error.body())
    else:
        html = render_template(
            "error.html",
            status=error.status,
            title=_TITLES.get(error.status, "That did not work"),
            message=error.message,
        )
        response = Response(html, mimetype="text/html")
    response.status_code = error.status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _from_api_error(error: ApiError) -> Response:
    return _respond(error, error.headers)


def _from_http(error: HTTPException) -> Response:
    status = error.code or 500
    message = _MESSAGES.get(status) or (error.description or error.name)
    if status == 413:
        message = f"The request body is too large (the limit is {request.max_content_length or 0:,} bytes)."
    headers = {}
    allowed = getattr(error, "valid_methods", None)
    if status == 405 and allowed:
        headers["Allow"] = ", ".join(allowed)
        message = f"{request.method} is not allowed here; use {' or '.join(m for m in allowed if m not in ('HEAD', 'OPTIONS'))}."
    code = CODES.get(status) or error.name.lower().replace(" ", "_")
    return _respond(ApiError(status, code, message), headers)


def invalid_request(error: InvalidRequest) -> ApiError:
    """A request that failed its model: 400, naming the field."""
    return ApiError(400, "invalid_request", str(error), field=error.field)


def api_error(error: PeelqaError) -> ApiError | None:
    """The status and code the core's `error` deserves, or None for a bug."""
    if isinstance(error, InvalidRequest):
        return invalid_request(error)
    if isinstance(error, InvalidQuestion):
        return ApiError(400, "invalid_request", str(error))
    if isinstance(error, IndexError_ | ModelLoadError | BuildInProgress):
        return ApiError(503, "index_unavailable", str(error))
    return None


def _from_peelqa(error: PeelqaError) -> Response:
    translated = api_error(error)
    if translated is None:
        return _from_unexpected(error)
    return _respond(translated)


def _from_unexpected(error: Exception) -> Response:
    # A client must never see a traceback; the log keeps it for us.
    logger.exception("unhandled error on %s %s", request.method, request.path)
    return _respond(ApiError(500, CODES[500], _MESSAGES[500]))


def init_app(app: Flask) -> None:
    """Register the error handlers: the only place a status is chosen for an error."""
    app.register_error_handler(ApiError, _from_api_error)
    app.register_error_handler(HTTPException, _from_http)
    app.register_error_handler(PeelqaError, _from_peelqa)
    app.register_error_handler(Exception, _from_unexpected)
