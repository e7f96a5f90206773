"""The web pages: the chat-style question page, the reports and their grades, the report reader.

All render on the server so they work without JavaScript. static/app.js
then asks without reloading the page: it fetches each exchange from
/fragments/answer, rendered by the same macro as the page, and inserts it.
The original file of each report is served too, from the corpus folder it
was indexed from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request

from ..contract import understood_as
from ..errors import InvalidRequest, PeelqaError
from ..kinds import AnswerKind, PassageKind
from ..requests import MAX_HISTORY
from . import charts, markdown, present, sources
from .errors import ApiError, api_error, invalid_request
from .params import AskParams, from_query
from .state import Loaded, Unavailable, current, loaded

__all__ = ["SUGGESTIONS", "bp"]

bp = Blueprint("ui", __name__)

SUGGESTIONS = (
    "What are the areas for improvement?",
    "How was the force graded for protecting vulnerable people?",
    "How long were computers waiting to be examined?",
    "What is Operation Holcroft?",
)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    # shared by every template, so the answer macros work on any page
    return {
        "grade_class": present.grade_class,
        "highlight_pieces": present.highlight_pieces,
        "answer_pieces": present.answer_pieces,
        "list_groups": present.list_groups,
        "citation_text": present.citation_text,
        "understood_as": understood_as,
        "answer_status": present.answer_status,
        "answer_charts": charts.answer_charts,
        "answer_markdown": markdown.answer_markdown,
        "exchange_markdown": markdown.exchange_markdown,
        "AnswerKind": AnswerKind,
        "PassageKind": PassageKind,
    }


def _chosen() -> dict[str, Any]:
    """The picker's choices in the query string, as the form sent them (blank: any)."""
    year = request.args.get("year", "").strip()
    return {
        "report": request.args.get("report", "").strip(),
        "force": request.args.get("force", "").strip(),
        "year": int(year) if year.isascii() and year.isdigit() and len(year) <= 9 else None,
    }


def _answer(serving: Loaded | Unavailable, question: str) -> tuple[dict[str, Any], int]:
    """One exchange for the page: the answer, or the error shown inside the conversation."""
    try:
        params: AskParams = from_query(request.args)
        if isinstance(serving, Unavailable):
            raise ApiError(503, "index_unavailable", serving.reason)
        return {"question": question, "data": serving.answer(params)}, 200
    except InvalidRequest as invalid:
        error = invalid_request(invalid)
    except ApiError as refused:
        error = refused
    except PeelqaError as failed:
        translated = api_error(failed)
        if translated is None:
            raise  # a bug: the error page, and the log, say so
        error = translated
    return {"question": question, "error": error}, error.status


def _history(exchange: dict[str, Any] | None) -> tuple[list[str], list[str]]:
    """The conversation's questions before this one, and with it: what the form sends next time.

    A question that could not be answered does not join the conversation.
    """
    if exchange is None:
        return [], []
    earlier = [h for h in request.args.getlist("history") if h.strip()][-MAX_HISTORY:]
    if "data" not in exchange:
        return earlier, earlier
    return earlier, (earlier + [exchange["data"]["question"]])[-MAX_HISTORY:]


def _prefix() -> str:
    """The id of the exchange the script asks for ("a3"), from ?n=3."""
    number = request.args.get("n", "")
    if number.isascii() and number.isdigit() and len(number) <= 6 and int(number) > 0:
        return f"a{int(number)}"
    return "a1"


def _picking(serving: Loaded | Unavailable) -> dict[str, Any]:
    """What the picker templates need: the reports, the choices, and which reports those choices search."""
    reports = [] if isinstance(serving, Unavailable) else serving.reports
    chosen = _chosen()
    ids = [chosen["report"]] if chosen["report"] else []
    return {
        "reports": reports,
        "picker": present.picker(reports),
        "chosen": chosen,
        "scope": [
            r["id"] for r in reports if present.in_scope(r, report_ids=ids, force=chosen["force"], year=chosen["year"])
        ],
    }


@bp.get("/")
def chat() -> tuple[str, int]:
    """The question page; with ?q=… it also shows that question answered."""
    serving = current()  # once: a swap mid-request must not mix two builds
    exchange: dict[str, Any] | None = None
    status = 200
    question = request.args.get("q")
    if question:  # an empty ?q= is the empty page, not an error
        exchange, status = _answer(serving, question)
    earlier, history = _history(exchange)
    return (
        render_template(
            "chat.html",
            exchange=exchange,
            suggestions=SUGGESTIONS,
            unavailable=serving.reason if isinstance(serving, Unavailable) else None,
            uploads_enabled=bool(current_app.config.get("PEELQA_ADMIN_TOKEN")),
            upload_limit_mb=f"{current_app.config['PEELQA_MAX_UPLOAD_BYTES'] / 1_000_000:g}",
            base_url=request.host_url,
            earlier=earlier,
            history=history,
            max_history=MAX_HISTORY,
            **_picking(serving),
        ),
        status,
    )


@bp.get("/fragments/answer")
def answer_fragment() -> tuple[str, int]:
    """One exchange of the chat page, as the page itself renders it, for the script to insert.

    Takes the query of GET /api/ask (q, top_k, report, force, year, history)
    and `n`, the exchange's number on the page. Errors are the conversation's
    error notices, with their status.
    """
    exchange, status = _answer(current(), request.args.get("q", ""))
    return render_template("_exchange.html", exchange=exchange, prefix=_prefix(), base_url=request.host_url), status


@bp.get("/fragments/picker")
def picker_fragment() -> str:
    """The chat page's report picker alone, for the script to refresh it after a change."""
    return render_template("_picker.html", **_picking(current()))


@bp.get("/reports")
def reports() -> str:
    """Every report, with its graded judgments as a matrix: reports by inspection questions."""
    serving = loaded()
    return render_template("reports.html", matrix=present.grade_matrix(serving.reports), grades=present.GRADES)


@bp.get("/reports/<report_id>/source")
def source(report_id: str) -> Response:
    """The report's original file: a PDF inline (so #page=N opens at the page), text as text."""
    serving = loaded()
    found = serving.qa.index.reports.get(report_id)
    if found is None:
        raise ApiError(404, "not_found", f"There is no report called “{report_id}” in the index.")
    return sources.send(Path(current_app.config["PEELQA_CORPUS_DIR"]), found)


@bp.get("/reports/<report_id>")
def report(report_id: str) -> str:
    """A whole report as clean passages under their headings, each anchored by its id."""
    serving = loaded()
    found = serving.qa.index.reports.get(report_id)
    if found is None:
        raise ApiError(404, "unknown_report", f"There is no report called “{report_id}” in the index.")
    passages = serving.passages_of[report_id]
    footnotes = {p.note_number: p.id for p in passages if p.kind is PassageKind.FOOTNOTE and p.note_number is not None}
    blocks = present.outline(passages)
    return render_template(
        "report.html",
        report=found,
        blocks=blocks,
        contents=[b for b in blocks if b.kind == "heading" and b.level == 2],
        footnotes=footnotes,
        passage_count=len(passages),
    )
