"""The JSON API of DESIGN.md §4: ask, reports, index, health, and its OpenAPI document."""

from __future__ import annotations

import functools
import json
from importlib.resources import files
from typing import Any

from flask import Blueprint, Response, jsonify, request

from .params import from_json, from_query, json_object
from .state import loaded

__all__ = ["bp", "openapi_document"]

bp = Blueprint("api", __name__)


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of this API, read once from the package."""
    text = files(__package__).joinpath("openapi.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


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


@bp.get("/api/index")
def index() -> Response:
    """Describe the index being served: build, model, counts, when it was built."""
    return jsonify(loaded().index_info)


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

