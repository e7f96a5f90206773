"""The JSON API of DESIGN.md §4: ask, reports, index, health, and its OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from .openapi import document as openapi_document
from .params import from_json, from_query, json_object
from .errors import ApiError
from .state import loaded, state

__all__ = ["bp", "openapi_document"]

bp = Blueprint("api", __name__)


@bp.route("/api/ask", methods=["GET", "POST"])
def ask() -> Response:
    """Answer a question with cited passages (JSON body on POST, ?q=… on GET)."""
    if request.method == "POST":
        params = from_json(json_object(request))
    else:
        params = from_query(request.args)
    return jsonify(loaded().answer(params))


@bp.get("/api/reports")
def reports() -> Response:
    """List the reports in the index, with their graded judgments."""
    serving = loaded()
    return jsonify({"reports": serving.reports, "build_id": serving.build_id})


@bp.get("/api/reports/<report_id>")
def report(report_id: str) -> Response:
    """One report of the index, with its graded judgments."""
    found = loaded().report_json(report_id)
    if found is None:
        raise ApiError(404, "not_found", f"There is no report {report_id!r} in the index.")
    return jsonify(found)


@bp.get("/api/index")
def index() -> Response:
    """Describe the index being served: build, model, counts, when it was built, the last failed change."""
    return jsonify({**loaded().index_info, "last_error": state().last_error})


@bp.get("/api/openapi.json")
def openapi() -> Response:
    """The OpenAPI document describing every endpoint here."""
    return jsonify(openapi_document())


@bp.get("/healthz")
def healthz() -> Response:
    """200 when questions can be answered, 503 with the reason when not."""
    serving = loaded()
    return jsonify(
        {
            "status": "ok",
            "build_id": serving.build_id,
            "model": serving.index_info["model"],
            "reports": len(serving.reports),
            "passages": serving.index_info["passages"],
        }
    )

