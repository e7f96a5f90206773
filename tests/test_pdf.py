"""PDF reports: the shipped report typeset as a PEEL PDF parses into the seed's passages."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPORT
from fakes import FakeEncoder
from pdfs import BODY_KINDS, BuiltPdf, Document, Heading, Paragraph, build_pdf, scores, tokens_of, wiltshire_document
from PIL import Image
from reportlab.lib import pdfencrypt
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from peelqa.errors import ReportParseError, UnsupportedFile
from peelqa.index import build, load
from peelqa.library import add_report
from peelqa.parsing import ParsedReport, ReportFields, parse_bytes, parse_file, sniff_suffix
from peelqa.parsing.pdf import read_pdf
from peelqa.qa import QA

PDF_NAME = "peel-effectiveness-2015-wiltshire.pdf"
AFI = "Areas for improvement"


@pytest.fixture(scope="module")
def built(parsed_report: ParsedReport) -> BuiltPdf:
    return build_pdf(wiltshire_document(REPORT.read_text(encoding="utf-8"), parsed_report))


@pytest.fixture(scope="module")
def from_pdf(built: BuiltPdf) -> ParsedReport:
    return parse_bytes(built.data, source=PDF_NAME, report_id="wiltshire-pdf")


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_builder_draws_the_whole_report(built: BuiltPdf, parsed_report: ParsedReport) -> None:
    body = [p for p in parsed_report.passages if p.kind in BODY_KINDS]
    assert [t.text for t in built.truths if t.kind in BODY_KINDS] == [p.text for p in body]
    assert built.pages >= 30 and built.data.startswith(b"%PDF-")


def test_pages_and_paragraphs_meet_their_targets(built: BuiltPdf, from_pdf: ParsedReport) -> None:
    right_page, identical = scores(built, from_pdf.passages)
    assert right_page >= 0.97
    assert identical >= 0.90


def test_the_pdf_gives_the_seeds_structure(from_pdf: ParsedReport, parsed_report: ParsedReport) -> None:
    """Every passage, in order, of the same kind and under the same headings as the seed's.

    (Texts are held to the floors above; footnotes sit where their page ends.)
    """

    def shape(parsed: ParsedReport) -> list[tuple[str, tuple[str, ...]]]:
        return [(p.kind, p.section) for p in parsed.passages if p.kind != "footnote"]

    assert shape(from_pdf) == shape(parsed_report)
    assert from_pdf.report.judgments == parsed_report.report.judgments
    figures = [p.text for p in parsed_report.passages if p.kind in ("figure", "table", "judgment")]
    assert [p.text for p in from_pdf.passages if p.kind in ("figure", "table", "judgment")] == figures


def test_no_page_furniture_or_ligature_survives(from_pdf: ParsedReport) -> None:
    header = f"{from_pdf.report.title} – {from_pdf.report.force}"
    for passage in from_pdf.passages:
        assert header not in passage.text, passage.id
        assert not re.search("[\ufb00-\ufb06]", passage.text), passage.id
        assert not re.search(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]|\^\{", passage.text), passage.id
        assert not re.search(r"\b(?:judgment|victims|crime)\d", passage.text), passage.id  # no glued references


def test_every_footnote_is_a_passage_of_its_own(from_pdf: ParsedReport, parsed_report: ParsedReport) -> None:
    notes = {p.note_number: p.text for p in from_pdf.passages if p.kind == "footnote"}
    assert notes == {p.note_number: p.text for p in parsed_report.passages if p.kind == "footnote"}
    khat = next(p for p in from_pdf.passages if p.kind == "footnote" and p.note_number == 11)
    citing = next(p for p in from_pdf.passages if "cannabis/khat warning" in p.text and p.kind == "paragraph")
    assert 11 in citing.note_refs and citing.page == khat.page


def test_the_eight_areas_for_improvement(from_pdf: ParsedReport, parsed_report: ParsedReport) -> None:
    def afis(parsed: ParsedReport) -> list[str]:
        return [p.text for p in parsed.passages if p.kind == "list_item" and p.section[-1] == AFI]

    assert afis(from_pdf) == afis(parsed_report)
    assert len(afis(from_pdf)) == 8


def test_metadata_comes_from_the_document(from_pdf: ParsedReport, built: BuiltPdf) -> None:
    report = from_pdf.report
    assert (report.title, report.force, report.year, report.published) == (
        "PEEL: Police effectiveness 2015",
        "Wiltshire Police",
        2015,
        "2016-02",
    )
    assert report.kind == "effectiveness"
    assert report.pages == built.pages
    assert report.source == PDF_NAME


def test_offsets_point_into_the_extracted_text(built: BuiltPdf, from_pdf: ParsedReport) -> None:
    text = read_pdf(built.data, PDF_NAME).text
    assert text == read_pdf(built.data, PDF_NAME).text  # the same bytes give the same text
    words = re.compile(r"[A-Za-z0-9]+")
    for passage in from_pdf.passages:
        if passage.kind in ("judgment", "table", "cover"):  # these also say what they are
            continue
        span = text[passage.start : passage.end]
        covered = set(words.findall(span))
        line_ends = set(re.findall(r"([A-Za-z]+)-\s", span))  # "inves-" … "tigating"
        for word in set(words.findall(passage.text)) - covered:
            assert any(word.startswith(a) and word[len(a) :] in covered for a in line_ends), (passage.id, word)
    assert text.count("\f") == built.pages - 1


def test_parsing_the_same_bytes_twice_gives_the_same_passages(built: BuiltPdf, from_pdf: ParsedReport) -> None:
    again = parse_bytes(built.data, source=PDF_NAME, report_id="wiltshire-pdf")
    assert again == from_pdf


@pytest.mark.slow
def test_areas_for_improvement_asked_of_the_pdf_alone(
    built: BuiltPdf, parsed_report: ParsedReport, tmp_path: Path, encoder
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / PDF_NAME).write_bytes(built.data)
    build(corpus, tmp_path / "index", lambda: encoder, model=encoder.name)
    result = QA(load(tmp_path / "index"), encoder).ask("What are the areas for improvement?")
    expected = {p.text for p in parsed_report.passages if p.kind == "list_item" and p.section[-1] == AFI}
    assert {hit.passage.text for hit in result.hits} == expected
    assert len(result.hits) == 8
    assert all(hit.passage.page is not None and hit.passage.report_id == "peel-effectiveness-2015-wiltshire" for hit in result.hits)


# -- page labels and metadata overrides -----------------------------------------


def _small_document(label) -> Document:
    question = "How effective is the force at keeping people safe?"
    paragraphs = [
        Paragraph(
            tokens_of(
                f"Paragraph {n} says that the force works with its partners and that the inspection found "
                "evidence of good practice in several places, which this sentence repeats at some length "
                "so that the report runs over more than one page of text."
            ),
            f"Paragraph {n}",
        )
        for n in range(1, 40)
    ]
    return Document(
        title="PEEL: Police legitimacy 2017",
        cover=[("PEEL: Police legitimacy 2017", 26.0), ("An inspection of Exampleshire Constabulary", 15.0), ("December 2017", 10.0)],
        items=[Heading(question, 0), *paragraphs],
        header="PEEL: Police legitimacy 2017 – Exampleshire Constabulary",
        contents=[question],
        label=label,
    )


def test_printed_page_numbers_become_labels_where_they_differ() -> None:
    built = build_pdf(_small_document(lambda n: None if n == 1 else "ii" if n == 2 else str(n - 2)))
    parsed = parse_bytes(built.data, source="small.pdf", report_id="small")
    assert parsed.report.pages == built.pages >= 4
    assert parsed.report.kind == "legitimacy" and parsed.report.force == "Exampleshire Constabulary"
    cover, first, *_ = parsed.passages
    assert (cover.kind, cover.page, cover.page_label) == ("cover", 1, None)
    assert (first.page, first.page_label) == (3, "1")
    assert {(p.page, p.page_label) for p in parsed.passages} >= {(4, "2")}
    body = parsed.passages[1:]  # the running header is gone from the body; the cover names the force
    assert not any("Exampleshire Constabulary" in p.text or p.text.strip().isdigit() for p in body)


def test_labels_equal_to_pages_are_left_out() -> None:
    parsed = parse_bytes(build_pdf(_small_document(str)).data, source="small.pdf", report_id="small")
    assert {p.page for p in parsed.passages} >= {3, 4}
    assert all(p.page_label is None for p in parsed.passages)


def test_a_sidecar_overrides_what_the_pdf_says(tmp_path: Path, built: BuiltPdf) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(built.data)
    (tmp_path / "report.pdf.json").write_text(json.dumps({"force": "Exampleshire Police", "year": 2016}))
    parsed = parse_file(path)
    assert (parsed.report.force, parsed.report.year, parsed.report.title) == (
        "Exampleshire Police",
        2016,
        "PEEL: Police effectiveness 2015",
    )
    overridden = parse_file(path, fields=ReportFields(title="Another title"))
    assert overridden.report.title == "Another title" and overridden.report.year == 2016


def test_the_bytes_decide_not_the_name(tmp_path: Path, built: BuiltPdf) -> None:
    path = tmp_path / "actually-a-pdf.txt"
    path.write_bytes(built.data)
    assert parse_file(path).report.pages == built.pages
    assert sniff_suffix(built.data, "x.txt") == ".pdf"
    assert sniff_suffix(REPORT.read_bytes(), "x.pdf") == ".txt"


# -- refusals ------------------------------------------------------------------


def _pdf(draw, **options) -> bytes:
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, invariant=1, **options)
    draw(c)
    c.showPage()
    c.save()
    return buffer.getvalue()


def _encrypted() -> bytes:
    return _pdf(lambda c: c.drawString(72, 720, "Secret report"), encrypt=pdfencrypt.StandardEncryption("user", "owner"))


def _scanned() -> bytes:
    image = ImageReader(Image.new("RGB", (120, 160), "white"))
    return _pdf(lambda c: c.drawImage(image, 72, 400, width=300, height=400))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_encrypted, "report.pdf: the PDF is encrypted; save a copy without a password and try again"),
        (_scanned, "report.pdf: the PDF has no text layer (a scan?); run OCR on it first"),
        (lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<", "report.pdf: the PDF is truncated (it does not end with %%EOF)"),
        (lambda: b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n", "report.pdf: the PDF is damaged or truncated and cannot be read"),
        (lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "report.pdf: this is a binary file, neither a PDF nor the text of a report"),
        (lambda: b"", "report.pdf: the file is empty"),
    ],
    ids=["encrypted", "image-only", "truncated", "corrupt", "not-a-pdf", "empty"],
)
def test_unreadable_pdfs_are_refused_in_one_line(make, message: str) -> None:
    with pytest.raises(ReportParseError) as caught:
        parse_bytes(make(), source="report.pdf", report_id="report")
    assert str(caught.value) == message


def test_a_pdf_cut_short_is_refused(built: BuiltPdf) -> None:
    for cut in (len(built.data) // 2, len(built.data) - 100, 2000):
        with pytest.raises(ReportParseError, match=r"^report\.pdf: the PDF is (truncated|damaged)"):
            parse_bytes(built.data[:cut], source="report.pdf", report_id="report")


def test_binary_that_is_no_pdf_is_an_unsupported_file() -> None:
    with pytest.raises(UnsupportedFile):
        parse_bytes(b"\x00\x01\x02" * 100, source="report.pdf", report_id="report")


def test_a_refused_pdf_leaves_the_index_untouched(scratch_index: Path, corpus_dir: Path, tmp_path: Path, encoder) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_dir, corpus)
    (corpus / "locked.pdf").write_bytes(_encrypted())
    before = {p.relative_to(scratch_index): p.read_bytes() for p in scratch_index.rglob("*") if p.is_file()}
    with pytest.raises(ReportParseError, match="^locked.pdf: the PDF is encrypted"):
        build(corpus, scratch_index, lambda: encoder, model=encoder.name)
    after = {p.relative_to(scratch_index): p.read_bytes() for p in scratch_index.rglob("*") if p.is_file()}
    assert after == before
    assert load(scratch_index).count() > 0


def test_a_pdf_header_is_sniffed_at_the_start_of_a_line_only() -> None:
    assert sniff_suffix(b"%PDF-1.7\n...", "x") == ".pdf"
    assert sniff_suffix(b"\x00\x01junk\n%PDF-1.4\n...", "x") == ".pdf"
    assert sniff_suffix("A note on the %PDF-1.4 header.\n".encode(), "x") == ".txt"


def test_a_pdf_is_added_to_the_library_as_a_pdf(tmp_path: Path, built: BuiltPdf) -> None:
    """The library's way in (upload, `peelqa add`) stores and indexes a PDF by its bytes."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    fake = FakeEncoder()
    options = {"corpus_dir": corpus, "index_dir": tmp_path / "index", "encoder_factory": lambda: fake, "model": fake.name}
    change = add_report(built.data, "PEEL Wiltshire 2015 (final).bin", **options)
    assert change.changed and change.report_id == "peel-wiltshire-2015-final"
    assert [p.name for p in corpus.iterdir()] == ["peel-wiltshire-2015-final.pdf"]
    index = load(tmp_path / "index")
    assert index.count() == len(parse_bytes(built.data, source="x.pdf", report_id="x").passages)
    with pytest.raises(ReportParseError, match="the PDF is encrypted"):
        add_report(_encrypted(), "locked.pdf", **options)
    assert [p.name for p in corpus.iterdir()] == ["peel-wiltshire-2015-final.pdf"]
