"""The web pages: the chat-style question page and the report reader.

Both render on the server so they work without JavaScript; static/app.js
then asks through the JSON API without reloading the page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from ..kinds import AnswerKind, PassageKind
from . import present
from .errors import ApiError
from .params import from_query
from .state import Unavailable, current, loaded

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
        "AnswerKind": AnswerKind,
        "PassageKind": PassageKind,
    }


@bp.get("/")
def chat() -> tuple[str, int]:
    """The question page; with ?q=… it also shows that question answered."""
    serving = current()
    exchange: dict[str, Any] | None = None
    status = 200
    question = request.args.get("q")
    if question:  # an empty ?q= is the empty page, not an error
        try:
            exchange = {"question": question, "data": loaded().answer(from_query(request.args))}
        except ApiError as error:  # shown inside the conversation, not as an error page
            exchange = {"question": question, "error": error}
            status = error.status
    return (
        render_template(
            "chat.html",
            exchange=exchange,
            suggestions=SUGGESTIONS,
            unavailable=serving.reason if isinstance(serving, Unavailable) else None,
            reports=[] if isinstance(serving, Unavailable) else serving.reports,
            base_url=request.host_url,
        ),
        status,
    )


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
