"""The JSON shapes of DESIGN.md §4, shared by the CLI and the web service.

Fields may be added here, never renamed or removed.
"""

from __future__ import annotations

from typing import Any

from .index import Index
from .qa import Result
from .records import Hit, Report, Value

__all__ = ["ask_json", "hit_json", "index_json", "passage_url", "report_json", "source_url", "understood_as", "value_json"]


def passage_url(report_id: str, passage_id: str) -> str:
    return f"/reports/{report_id}#{passage_id}"


def source_url(report: Report, page: int | None = None) -> str:
    """Where the original file is served; a PDF opens at `page` when it is known."""
    url = f"/reports/{report.id}/source"
    if page is not None and report.source.lower().endswith(".pdf"):
        url += f"#page={page}"
    return url


def value_json(value: Value) -> dict[str, Any]:
    return {
        "label": value.label,
        "series": value.series,
        "measure": value.measure,
        "text": value.text,
        "number": value.number,
        "unit": value.unit,
    }


def hit_json(hit: Hit, report: Report) -> dict[str, Any]:
    passage = hit.passage
    return {
        "id": passage.id,
        "rank": hit.rank,
        "score": round(hit.score, 6),
        "scores": hit.scores,
        "text": passage.text,
        "kind": passage.kind,
        "report": {"id": report.id, "title": report.title, "force": report.force, "year": report.year},
        "section": list(passage.section),
        "paragraph": passage.paragraph,
        "page": passage.page,
        "source": {
            "file": report.source,
            "start": passage.start,
            "end": passage.end,
            "url": source_url(report, passage.page),
        },
        "highlights": [list(span) for span in hit.highlights],
        "url": passage_url(report.id, passage.id),
        "grade": passage.grade,
        "group": hit.group,
        "note_number": passage.note_number,
        "values": [value_json(value) for value in passage.values],
    }


def ask_json(result: Result, index: Index) -> dict[str, Any]:
    answer = result.answer
    return {
        "question": result.question,
        "answer": {
            "text": answer.text,
            "sentences": [
                {"text": s.text, "passage_id": s.passage_id, "citation": s.citation}
                for s in answer.sentences
            ],
            "kind": answer.kind,
            "found": answer.found,
        },
        "passages": [hit_json(hit, index.reports[hit.passage.report_id]) for hit in result.hits],
        "took_ms": result.took_ms,
        "build_id": index.build_id,
        "resolved_question": result.resolved_question,
    }


def report_json(report: Report, index: Index) -> dict[str, Any]:
    return {
        "id": report.id,
        "title": report.title,
        "force": report.force,
        "year": report.year,
        "published": report.published,
        "source": report.source,
        "sha256": report.sha256,
        "passages": len(index.rows_of_report[report.id]),
        "judgments": report.judgments,
        "kind": report.kind,
        "pages": report.pages,
        "url": f"/reports/{report.id}",
        "source_url": source_url(report),
    }


def index_json(index: Index) -> dict[str, Any]:
    manifest = index.manifest
    return {
        "build_id": manifest["build_id"],
        "model": manifest["model"],
        "dimension": manifest["dimension"],
        "counts": manifest["counts"],
        "passages": manifest["counts"]["passages"],
        "built_at": manifest["built_at"],
        "format_version": manifest["format_version"],
    }


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold()


def understood_as(data: dict[str, Any]) -> str | None:
    """An ask answer's `resolved_question` when it differs from the question as typed; else None.

    What the chat page and `peelqa ask` show as "Understood as: …"; a change
    of case or spacing alone is not worth showing.
    """
    resolved = data.get("resolved_question")
    if not resolved or _plain(resolved) == _plain(data["question"]):
        return None
    return str(resolved)
