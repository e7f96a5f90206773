"""Shape answers and reports for the templates, without building any HTML.

Every function returns plain text pieces with flags ("highlighted",
"citation 3", "heading level 2"); the templates put the tags around them and
autoescaping escapes every piece. Answers are rendered on the server only:
the page's script fetches them as fragments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..kinds import PassageKind
from ..records import Passage

__all__ = [
    "GRADES",
    "Block",
    "Column",
    "Matrix",
    "Picker",
    "grade_matrix",
    "in_scope",
    "picker",
    "question_key",
    "report_label",
    "answer_pieces",
    "answer_status",
    "citation_text",
    "grade_class",
    "highlight_pieces",
    "list_groups",
    "outline",
]

GRADES = ("Outstanding", "Good", "Requires improvement", "Inadequate")
_MARKER = re.compile(r"\[(\d{1,3})\]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


def grade_class(grade: str | None) -> str:
    """The CSS class of a grade badge: 'grade-requires-improvement' etc."""
    if grade not in GRADES:
        return "grade-other"
    return "grade-" + grade.lower().replace(" ", "-")


def highlight_pieces(text: str, spans: Iterable[Sequence[int]]) -> list[tuple[str, bool]]:
    """Split `text` into (piece, highlighted) by [start, end] spans.

    Spans are clipped to the text, sorted and merged, so any input is safe.
    """
    cleaned: list[list[int]] = []
    for span in sorted((max(0, int(s[0])), min(len(text), int(s[1]))) for s in spans if len(s) == 2):
        if span[0] >= span[1]:
            continue
        if cleaned and span[0] <= cleaned[-1][1]:
            cleaned[-1][1] = max(cleaned[-1][1], span[1])
        else:
            cleaned.append(list(span))
    pieces: list[tuple[str, bool]] = []
    at = 0
    for start, end in cleaned:
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def answer_pieces(text: str, citations: Iterable[int]) -> list[tuple[str, int | None]]:
    """Split answer text into (piece, citation number or None) at its [n] markers.

    Only markers naming a listed passage become citations; any other
    bracketed number stays text.
    """
    known = set(citations)
    pieces: list[tuple[str, int | None]] = []
    at = 0
    for match in _MARKER.finditer(text):
        number = int(match.group(1))
        if number not in known:
            continue
        if match.start() > at:
            pieces.append((text[at : match.start()], None))
        pieces.append((match.group(0), number))
        at = match.end()
    if at < len(text):
        pieces.append((text[at:], None))
    return pieces


def list_groups(data: dict[str, Any]) -> tuple[str, list[tuple[str | None, list[dict[str, Any]]]]]:
    """The lead line of a list answer and its items grouped under their section.

    Each item is {"text", "citation", "passage"}; consecutive items under the
    same `group` share one heading (None for ungrouped items, as in "grades").
    """
    by_rank = {p["rank"]: p for p in data["passages"]}
    lead = data["answer"]["text"].split("\n", 1)[0].strip()
    groups: list[tuple[str | None, list[dict[str, Any]]]] = []
    for sentence in data["answer"]["sentences"]:
        passage = by_rank.get(sentence["citation"])
        group = passage["group"] if passage else None
        item = {"text": sentence["text"], "citation": sentence["citation"], "passage": passage}
        if groups and groups[-1][0] == group:
            groups[-1][1].append(item)
        else:
            groups.append((group, [item]))
    return lead, groups


def answer_status(data: dict[str, Any]) -> str:
    """What a screen reader hears when an answer arrives."""
    if not data["answer"]["found"]:
        return "Nothing relevant found."
    count = len(data["passages"])
    return f"Answer ready, citing {count} passage{'s' if count != 1 else ''}."


def citation_text(passage: dict[str, Any], base_url: str) -> str:
    """A plain-text citation of a passage (as in an ask answer) to paste anywhere.

    The quote is the highlighted sentences when there are any, else the
    whole passage.
    """
    quoted = [piece for piece, marked in highlight_pieces(passage["text"], passage["highlights"]) if marked]
    quote = " … ".join(q.strip() for q in quoted) if quoted else passage["text"]
    report = passage["report"]
    parts = [f"“{quote}”", report["title"], report["force"]]
    if passage["section"]:
        parts.append(" › ".join(passage["section"]))
    parts.append(f"¶ {passage['paragraph']}")
    if passage["page"] is not None:
        parts.append(f"p. {passage['page']}")
    return ", ".join(parts) + ". " + base_url.rstrip("/") + str(passage["url"])


@dataclass(frozen=True)
class Block:
    """One thing on a report page: a heading, a passage, or a run of list items."""

    kind: str  # "heading", "passage" or "list"
    level: int = 0  # headings: 2..6
    title: str = ""  # headings
    anchor: str = ""  # headings: an id for the contents list
    passages: tuple[Passage, ...] = field(default_factory=tuple)


def outline(passages: Sequence[Passage]) -> list[Block]:
    """The blocks of a report page, headings derived from changes of `section`.

    Only the levels that change get a heading, so a new subsection does not
    repeat its parents. Footnotes sit where the source put them but never
    change the heading: they belong to the page, not to the argument.
    """
    blocks: list[Block] = []
    shown: tuple[str, ...] = ()
    headings = 0
    for passage in passages:
        if passage.kind is not PassageKind.FOOTNOTE and passage.section != shown:
            common = 0
            while common < min(len(shown), len(passage.section)) and shown[common] == passage.section[common]:
                common += 1
            for depth in range(common, len(passage.section)):
                headings += 1
                blocks.append(
                    Block("heading", level=min(depth + 2, 6), title=passage.section[depth], anchor=f"s{headings}")
                )
            shown = passage.section
        if passage.kind is PassageKind.LIST_ITEM:
            if blocks and blocks[-1].kind == "list":
                blocks[-1] = Block("list", passages=blocks[-1].passages + (passage,))
            else:
                blocks.append(Block("list", passages=(passage,)))
        else:
            blocks.append(Block("passage", passages=(passage,)))
    return blocks


# ---------------------------------------------------------------- many reports


def question_key(question: str) -> str:
    """A graded question's text normalised, so the same question matches across reports.

    Case, curly quotes, dashes, spacing and the closing punctuation do not matter.
    """
    text = " ".join(question.translate(_QUOTES).casefold().split())
    return text.rstrip(" ?.:")


@dataclass(frozen=True)
class Column:
    """One inspection question of the grade matrix."""

    key: str  # question_key of the question
    question: str  # as the first report that grades it words it
    rest: str  # the question without the matrix's `lead`: what tells this column apart


@dataclass(frozen=True)
class Matrix:
    """Reports (rows) by inspection questions (columns); a cell is a grade or None."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[dict[str, Any], tuple[str | None, ...]], ...]  # (report JSON, grade per column)
    lead: str  # the words every column's question starts with ("" when none), shown once


def _common_words(texts: Sequence[str]) -> str:
    """The words all `texts` start with, when there are two texts or more and each goes on after them."""
    if len(texts) < 2:
        return ""
    split = [t.split() for t in texts]
    common: list[str] = []
    for words in zip(*split, strict=False):
        if len(set(words)) != 1:
            break
        common.append(words[0])
    if any(len(words) <= len(common) for words in split):
        return ""
    return " ".join(common)


def grade_matrix(reports: Sequence[dict[str, Any]]) -> Matrix:
    """The grades of `reports` (as GET /api/reports lists them) as a matrix.

    Rows are sorted by force, newest first; columns keep the order in which
    the reports first grade each question.
    """
    questions: dict[str, str] = {}
    for report in reports:
        for question in report["judgments"]:
            questions.setdefault(question_key(question), question)
    lead = _common_words(list(questions.values()))
    columns = tuple(
        Column(key, question, question[len(lead) :].strip() if lead else question)
        for key, question in questions.items()
    )
    ordered = sorted(reports, key=lambda r: (r["force"].casefold(), -(r["year"] or 0), r["title"].casefold()))
    rows = []
    for report in ordered:
        grades = {question_key(q): g for q, g in report["judgments"].items()}
        rows.append((report, tuple(grades.get(c.key) for c in columns)))
    return Matrix(columns, tuple(rows), lead)


def in_scope(report: dict[str, Any], *, report_ids: Sequence[str], force: str | None, year: int | None) -> bool:
    """Whether a question with these filters searches `report` (as `retrieval.Filters` decides)."""
    return (
        (not report_ids or report["id"] in report_ids)
        and (not force or report["force"].casefold() == force.strip().casefold())
        and (year is None or report["year"] == year)
    )


@dataclass(frozen=True)
class Picker:
    """The choices of the chat page's report, force and year selects."""

    reports: tuple[tuple[str, str], ...]  # (id, label)
    forces: tuple[str, ...]
    years: tuple[int, ...]


def picker(reports: Sequence[dict[str, Any]]) -> Picker:
    """The picker's options: every report, each force once (whatever its case), each year, newest first."""
    forces: dict[str, str] = {}
    for report in reports:
        forces.setdefault(report["force"].casefold(), report["force"])
    ordered = sorted(reports, key=lambda r: (r["force"].casefold(), -(r["year"] or 0)))
    return Picker(
        reports=tuple((r["id"], report_label(r)) for r in ordered),
        forces=tuple(sorted(forces.values(), key=str.casefold)),
        years=tuple(sorted({r["year"] for r in reports if r["year"] is not None}, reverse=True)),
    )


def report_label(report: dict[str, Any]) -> str:
    """A report named for a person choosing: force, year and title."""
    year = f" {report['year']}" if report["year"] is not None else ""
    return f"{report['force']}{year} — {report['title']}"
