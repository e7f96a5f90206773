"""A report's text or PDF → a `Report` and its citable `Passage`s.

Pure functions: no model, no I/O beyond reading the one file.

    source        the text edition read into blocks of lines, pages at form feeds
    pdf           a PDF read into blocks of lines from the page geometry:
      pdf_words     glyphs into words (pypdfium2), refusals of unreadable PDFs
      pdf_columns   words into lines in reading order, references, columns
    furniture     running headers and page-number footers: dropped, read for labels
    layout        wrapped lines joined into logical lines, hyphens mended
    front_matter  cover and contents: metadata, where the body starts
    classify      a kind for every body block, from its shape
    outline       heading levels and page estimates
    values        the numbers of figures and table rows, as series and measures
    assemble      the walk that rejoins cut paragraphs and emits passages
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import ReportParseError, UnsupportedFile
from ..kinds import PassageKind
from ..records import Passage, Report
from . import shapes
from .assemble import Draft, assemble
from .classify import classify
from .front_matter import FrontMatter, inspection_kind, read_front_matter
from .furniture import strip_running_lines
from .layout import Lexicon, unwrap
from .outline import build_outline
from .pdf import read_pdf
from .source import Source, read_text

__all__ = [
    "PARSER_VERSION",
    "SUPPORTED_SUFFIXES",
    "ParsedReport",
    "ReportFields",
    "parse_bytes",
    "parse_file",
    "parse_text",
    "report_id_for",
    "sidecar_path",
    "sniff_suffix",
]

# Bump when a change alters passages, so existing indexes are rebuilt.
PARSER_VERSION = 4  # 4: Passage.values

SUPPORTED_SUFFIXES = (".txt", ".pdf")
# Readers accept a little junk before the header; it starts a line all the same.
_PDF_HEADER = re.compile(rb"(?:\A|[\r\n])%PDF-")
_PDF_HEADER_WITHIN = 1024


@dataclass(frozen=True)
class ParsedReport:
    report: Report
    passages: tuple[Passage, ...]


@dataclass(frozen=True, kw_only=True)
class ReportFields:
    """Metadata a person gives for a report, overriding what its cover says."""

    title: str | None = None
    force: str | None = None
    year: int | None = None

    def apply(self, report: Report) -> Report:
        """`report` with every given field replaced."""
        given = {name: value for name, value in vars(self).items() if value is not None}
        return replace(report, **given)


def report_id_for(path: Path) -> str:
    """A URL-safe id from the file name: "PEEL Wiltshire 2015.txt" → "peel-wiltshire-2015"."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    return slug or "report"


def sniff_suffix(data: bytes, name: str) -> str:
    """The suffix the bytes deserve, read from the bytes, never from the name.

    Raises:
        UnsupportedFile: the bytes are neither a PDF nor UTF-8 text.
    """
    if _is_pdf(data):
        return ".pdf"
    if b"\x00" not in data[:8192]:
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
        else:
            return ".txt"
    raise UnsupportedFile(f"{name}: neither a PDF nor UTF-8 text")


def _is_pdf(data: bytes) -> bool:
    return _PDF_HEADER.search(data[:_PDF_HEADER_WITHIN]) is not None


def sidecar_path(path: Path) -> Path:
    """Where a report's metadata overrides live: "x.pdf" → "x.pdf.json"."""
    return path.with_name(path.name + ".json")


def _read_sidecar(path: Path) -> ReportFields | None:
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        return None
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or set(data) - {"title", "force", "year"}:
            raise ValueError("expected an object with title, force and year only")
        title, force, year = data.get("title"), data.get("force"), data.get("year")
        if not all(v is None or isinstance(v, str) for v in (title, force)):
            raise ValueError("title and force must be strings")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
            raise ValueError("year must be a whole number")
    except (OSError, ValueError) as error:
        raise ReportParseError(f"{sidecar.name}: not a readable metadata file ({error})") from None
    return ReportFields(title=title, force=force, year=year)


def _decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise ReportParseError(f"{name}: the file is empty")
    if b"\x00" in data[:8192]:
        raise UnsupportedFile(f"{name}: this is a binary file, neither a PDF nor the text of a report")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReportParseError(
            f"{name}: not UTF-8 text (undecodable byte at offset {error.start})"
        ) from None


def _grade_for(section: tuple[str, ...], judgments: dict[str, str]) -> str | None:
    """The grade of the deepest graded question in a section path."""
    for heading in reversed(section):
        grade = judgments.get(shapes.judged_question(heading))
        if grade:
            return grade
    return None


def _cover_passage(front: FrontMatter, report_id: str, read: Source) -> Passage | None:
    """What the cover says, as passage 0: "When was the report published?" is asked of it.

    Only a cover that names the force or a publication month is a passage:
    a title alone says nothing that the citation does not.
    """
    if front.cover_span is None or not (front.inspection_of or front.published_as):
        return None
    # one sentence, as a reader would say what the cover shows: an answer quoting
    # the month then also says what was published
    named = " – ".join(part.rstrip(". ") for part in (front.title, front.inspection_of) if part)
    if not front.published_as:
        text = f"This report is “{named}”"
    elif named:
        text = f"This report, “{named}”, was published in {front.published_as}"
    else:
        text = f"This report was published in {front.published_as}"
    start, end = front.cover_span
    return Passage(
        id=f"{report_id}:p0000",
        report_id=report_id,
        kind=PassageKind.COVER,
        text=text + ".",
        section=("Cover",),  # where a citation says it is
        paragraph=0,
        page=read.page_at(start) if read.page_starts else 1,
        start=start,
        end=end,
    )


def parse_text(text: str, *, source: str, sha256: str, report_id: str) -> ParsedReport:
    """Parse the text edition of one report.

    Raises:
        ReportParseError: the text holds no passages.
    """
    return _parse_source(read_text(text), source=source, sha256=sha256, report_id=report_id)


def _parse_source(read: Source, *, source: str, sha256: str, report_id: str) -> ParsedReport:
    blocks, labels = strip_running_lines(read.blocks)
    lexicon = Lexicon.of_lines(line.text for block in blocks for line in block.lines)
    blocks = [logical for block in blocks for logical in unwrap(block, lexicon)]
    front = read_front_matter(blocks)
    typed = classify(blocks[front.body_start :])
    outline = build_outline(typed, front.toc)
    drafts, judgments = assemble(typed, outline, lexicon)
    if not drafts:
        raise ReportParseError(f"{source}: no passages found; is this the text of a report?")

    title = front.title or (read.title or "")
    report = Report(
        id=report_id,
        title=title,
        force=front.force,
        year=front.year,
        published=front.published,
        source=source,
        sha256=sha256,
        judgments=judgments,
        kind=inspection_kind(title),
        pages=read.pages,
    )
    ordered: list[Draft] = sorted(drafts, key=lambda d: (d.start, d.end))
    passages = [cover] if (cover := _cover_passage(front, report_id, read)) else []
    for order, draft in enumerate(ordered, start=1):
        page = read.page_at(draft.start) if read.page_starts else outline.page_at(draft.start)
        label = labels.get(page) if page is not None else None
        passages.append(
            Passage(
                id=f"{report_id}:p{order:04d}",
                report_id=report_id,
                kind=draft.kind,
                text=draft.text,
                section=draft.section,
                paragraph=order,
                page=page,
                start=draft.start,
                end=draft.end,
                note_number=draft.note_number,
                note_refs=tuple(dict.fromkeys(draft.refs)),
                grade=_grade_for(draft.section, judgments),
                judged_question=draft.judged_question,
                page_label=label if label != str(page) else None,
                values=draft.values,
                list_heading=draft.list_heading,
            )
        )
    return ParsedReport(report, tuple(passages))


def parse_bytes(
    data: bytes, *, source: str, report_id: str, fields: ReportFields | None = None
) -> ParsedReport:
    """Parse the bytes of one report file called `source`: a PDF or the text edition.

    What the bytes are decides how they are read, never the name.

    Raises:
        ReportParseError: the bytes are empty, binary, not UTF-8, a PDF that
            cannot be read (encrypted, damaged, no text layer), or hold no
            passages.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    if _is_pdf(data):
        parsed = _parse_source(read_pdf(data, source), source=source, sha256=sha256, report_id=report_id)
    else:
        parsed = parse_text(_decode(data, source), source=source, sha256=sha256, report_id=report_id)
    if fields is None:
        return parsed
    return ParsedReport(fields.apply(parsed.report), parsed.passages)


def parse_file(path: Path, *, fields: ReportFields | None = None) -> ParsedReport:
    """Read and parse one report file.

    Metadata comes from the document, then from a sidecar JSON beside the file
    (`sidecar_path`), then from `fields`: each later one wins.

    Raises:
        ReportParseError: the file is unreadable, empty, binary, not UTF-8,
            of an unsupported type, or holds no passages.
    """
    name = path.name
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise ReportParseError(f"{name}: unsupported file type (expected {', '.join(SUPPORTED_SUFFIXES)})")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ReportParseError(f"{name}: cannot read ({error.strerror})") from None
    parsed = parse_bytes(data, source=name, report_id=report_id_for(path), fields=_read_sidecar(path))
    if fields is None:
        return parsed
    return ParsedReport(fields.apply(parsed.report), parsed.passages)
