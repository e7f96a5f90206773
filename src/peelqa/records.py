"""The records that flow through peelqa: reports, passages and search hits.

Their dictionary forms are the contract in DESIGN.md §3 and §4: fields may be
added, never renamed or removed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .kinds import AnswerKind, PassageKind

__all__ = ["Answer", "AnswerSentence", "Hit", "Passage", "Report", "Value"]


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
class Value:
    """One number that a figure or a table row gives for one series, as the source prints it.

    Values with the same `label` and `measure` measure the same thing, so they
    may be compared (charted side by side); others may not.
    """

    label: str  # what is measured: the figure's label, or the table's caption and the row's label
    series: str  # whose value: a name of the figure or a column of the table ("England and Wales")
    measure: str = ""  # which of several columns a table gives each series ("Rate"); "" when one
    text: str  # as printed: "47.8", "+2.4%", "5,054"
    number: float | None  # `text` read as a number; None when it is not one ("n/a")
    unit: str = ""  # "%" or a currency sign, when the text carries one

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Value:
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
    values: tuple[Value, ...] = ()  # figures and table rows: their numbers, recorded by the parser
    list_heading: str | None = None  # list items: the heading that names their list ("Areas for improvement")

    def __post_init__(self) -> None:
        # accept the plain string too ("list_item"), as JSON and callers give it
        object.__setattr__(self, "kind", PassageKind(self.kind))

    def to_dict(self) -> dict[str, Any]:
        # vars, not dataclasses.asdict: no deep copies, a tenth of the time for a build
        data = dict(vars(self))
        data["section"] = list(self.section)
        data["note_refs"] = list(self.note_refs)
        data["values"] = [dict(vars(value)) for value in self.values]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        fields = dict(data)
        fields["section"] = tuple(fields["section"])
        fields["note_refs"] = tuple(fields.get("note_refs", ()))
        fields["values"] = tuple(Value.from_dict(v) for v in fields.get("values", ()))
        return cls(**fields)


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
