"""The records that flow through peelqa: reports, passages and search hits.

Their dictionary forms are the contract in DESIGN.md §3 and §4: fields may be
added, never renamed or removed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .kinds import AnswerKind, PassageKind

__all__ = ["Answer", "AnswerSentence", "Hit", "Passage", "Report"]


@dataclass(frozen=True, kw_only=True)
class Report:
    """One inspection report and what its front matter says about it."""

    id: str
    title: str
    force: str
    year: int | None
    published: str | None  # "YYYY-MM" where the cover gives a month
    source: str  # file name inside the corpus
    sha256: str
    judgments: dict[str, str] = field(default_factory=dict)  # question -> grade
    kind: str | None = None  # the inspection's type, e.g. "effectiveness", where known
    pages: int | None = None  # page count, where the source has pages

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        return cls(**data)


@dataclass(frozen=True, kw_only=True)
class Passage:
    """A clean, citable piece of a report.

    `start`/`end` are character offsets into the decoded source text; the
    range covers every piece the passage was rejoined from.
    """

    id: str  # "<report_id>:p<NNNN>", stable for the same source and parser
    report_id: str
    kind: PassageKind
    text: str
    section: tuple[str, ...]
    paragraph: int  # 1-based order in the report
    page: int | None  # the page it starts on: exact from a PDF or form feeds, else estimated
    start: int
    end: int
    note_number: int | None = None  # the footnote's own number (footnotes only)
    note_refs: tuple[int, ...] = ()  # footnote markers the source text carried
    grade: str | None = None  # the graded judgment of the question this is about
    judged_question: str | None = None  # judgments only: the inspection question graded
    page_label: str | None = None  # the printed page number, where it differs from `page`
    list_heading: str | None = None  # list items: the heading that names their list ("Areas for improvement")

    def __post_init__(self) -> None:
        # accept the plain string too ("list_item"), as JSON and callers give it
        object.__setattr__(self, "kind", PassageKind(self.kind))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["section"] = list(self.section)
        data["note_refs"] = list(self.note_refs)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        values = dict(data)
        values["section"] = tuple(values["section"])
        values["note_refs"] = tuple(values.get("note_refs", ()))
        return cls(**values)


@dataclass(frozen=True, kw_only=True)
class Hit:
    """A passage found for a question, with why it ranked where it did."""

    passage: Passage
    rank: int
    score: float
    scores: dict[str, float]  # dense, bm25, fused
    highlights: tuple[tuple[int, int], ...] = ()  # spans of passage.text
    group: str | None = None  # the section a list item was gathered under


@dataclass(frozen=True, kw_only=True)
class AnswerSentence:
    """One sentence of an extractive answer and the passage it cites."""

    text: str
    passage_id: str
    citation: int  # the 1-based rank of that passage in the results


@dataclass(frozen=True, kw_only=True)
class Answer:
    """An extractive answer: sentences quoted from passages, each cited."""

    text: str
    sentences: tuple[AnswerSentence, ...]
    kind: AnswerKind = AnswerKind.PASSAGES
    found: bool = True
