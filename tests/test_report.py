"""The shipped Wiltshire report parses into clean, citable passages."""

from __future__ import annotations

import hashlib
import re

import pytest
from conftest import REPORT
from wrapped import WrappedText, wrap_text_edition

from peelqa.parsing import ParsedReport, parse_file, parse_text

INVESTIGATING = "How effective is the force at investigating crime and managing offenders?"
SOC = (
    "How effective is the force at tackling serious and organised crime, including its "
    "arrangements for fulfilling its national policing responsibilities?"
)


def only(parsed: ParsedReport, fragment: str, kind: str = "paragraph"):
    matches = [p for p in parsed.passages if fragment in p.text and p.kind == kind]
    assert len(matches) == 1, f"{fragment!r} is in {len(matches)} {kind} passages"
    return matches[0]


def test_report_metadata(parsed_report: ParsedReport) -> None:
    report = parsed_report.report
    assert report.id == "peel-effectiveness-2015-wiltshire"
    assert report.title == "PEEL: Police effectiveness 2015"
    assert report.force == "Wiltshire Police"
    assert report.year == 2015
    assert report.published == "2016-02"
    assert report.source == REPORT.name
    assert report.sha256 == hashlib.sha256(REPORT.read_bytes()).hexdigest()


def test_cover_and_contents_give_no_passages(parsed_report: ParsedReport) -> None:
    source = REPORT.read_text(encoding="utf-8")
    body_start = source.index("Overview – How effective", source.index("Annex A – HMIC judgments"))
    cover, *body = parsed_report.passages
    assert all(p.start >= body_start for p in body)
    assert not any(re.search(r"\.{4,}|\t|ISBN|©", p.text) for p in parsed_report.passages)
    # the cover is passage 0: what it says, so "When was the report published?" is answered
    assert cover.kind == "cover" and cover.end <= body_start
    assert cover.text == (
        "This report, “PEEL: Police effectiveness 2015 – An inspection of Wiltshire Police”, was published in February 2016."
    )


def test_judgments_attach_to_their_questions(parsed_report: ParsedReport) -> None:
    assert parsed_report.report.judgments == {
        "How effective is the force at keeping people safe and reducing crime?": "Good",
        "How effective is the force at preventing crime and anti-social behaviour, and keeping people safe?": "Good",
        INVESTIGATING: "Good",
        "How effective is the force at protecting from harm those who are vulnerable, and supporting victims?": "Requires improvement",
        SOC: "Good",
    }
    judgments = [p for p in parsed_report.passages if p.kind == "judgment"]
    assert len(judgments) == 9  # overall, four in the overview, four in the chapters
    for passage in judgments:
        question, grade = passage.text.split(" Judgment: ")
        assert parsed_report.report.judgments[question] == grade.split(".")[0]
    stated = [p for p in judgments if p.text.startswith(SOC + " Judgment: Good. Wiltshire Police is good at")]
    assert len(stated) == 2  # the report's own sentence stating the grade is quoted


def test_no_stray_grades_or_tiny_paragraphs(parsed_report: ParsedReport) -> None:
    paragraphs = [p for p in parsed_report.passages if p.kind == "paragraph"]
    assert all(len(p.text.split()) >= 4 for p in paragraphs)
    grades = {"good", "outstanding", "requires improvement", "inadequate"}
    assert not any(p.text.strip(". ").lower() in grades for p in paragraphs)


def test_section_paths_run_from_the_top(parsed_report: ParsedReport) -> None:
    digital = only(parsed_report, "HTCU does operate a prioritisation process")
    assert digital.section == (
        INVESTIGATING,
        "How well does the force investigate crime and keep victims safe and informed?",
        "How well does the force gather digital evidence?",
    )
    summary = only(parsed_report, "Management of offenders under the MAPPA is good")
    assert summary.section == (INVESTIGATING, "Summary of findings")
    overview = only(parsed_report, "Vulnerable callers to police buildings are also readily identified")
    assert overview.section[0].startswith("Overview – ")


def test_paragraphs_cut_by_pages_columns_and_footnotes_are_rejoined(parsed_report: ParsedReport) -> None:
    joined = [
        "good arrangements with partner services to support vulnerable victims. However the accurate",
        "neighbourhood teams work effectively with partner agencies",
        "identifying and responding to vulnerable victims. Vulnerable callers",
        "identify and prioritise those groups posing the greatest threat",
        "domestic abuse; and integrated offender management (IOM) units",
        "effective at reviewing areas of greatest threat",
        "if after speaking to the attending officer it is obvious that",
        "In addition specialist equipment has been introduced",
        "managed by specialist staff. We were reassured",
        "A centre was set up to receive these victims to provide immediate support",
        "Prior to these presentations the force only had one SCPO in place.",
        "the force working with the prison and probation services",
        "whose service may be called upon at times of emergency",
        "The force is developing its intelligence gathering arrangements",
    ]
    texts = [p.text for p in parsed_report.passages if p.kind == "paragraph"]
    for fragment in joined:
        assert any(fragment in text for text in texts), fragment
    assert not any(text[0].islower() for text in texts)


def test_footnotes_stand_alone_with_their_numbers(parsed_report: ParsedReport) -> None:
    notes = [p for p in parsed_report.passages if p.kind == "footnote"]
    assert sorted(p.note_number for p in notes) == list(range(1, 31))
    khat = only(parsed_report, "A plant native to Africa and the Arabian Peninsula", "footnote")
    assert khat.note_number == 11
    assert not any(
        "A plant native to Africa" in p.text for p in parsed_report.passages if p.kind != "footnote"
    )
    marker = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]|\^\{")
    assert not any(marker.search(p.text) for p in parsed_report.passages)
    assert only(parsed_report, "support vulnerable victims. However").note_refs == (2,)


def test_the_eight_areas_for_improvement_are_eight_list_items(parsed_report: ParsedReport) -> None:
    items = [
        p for p in parsed_report.passages if p.kind == "list_item" and p.section[-1] == "Areas for improvement"
    ]
    assert len(items) == 8
    assert [len([p for p in items if p.section[0] == q]) for q in (INVESTIGATING, SOC)] == [5, 2]
    assert all(p.text.startswith("The force should") for p in items)


def test_figures_keep_labels_with_values(parsed_report: ParsedReport) -> None:
    assert only(parsed_report, "Charge rate as a percentage", "figure").text == (
        "Charge rate as a percentage of all crimes recorded (excluding fraud) 12 months to "
        "30 June 2015: Wiltshire Police 15.1%; England and Wales 16.0%"
    )
    # labels listed before their values still pair up
    assert only(parsed_report, "Organised crime groups per million population", "figure").text.endswith(
        "Wiltshire Police 17.2; England and Wales 74.7"
    )
    row = only(parsed_report, "Victim-based crime:", "table")
    assert row.text.startswith("Figure 2: Police recorded crime rates (per 1,000 population)")
    assert row.text.endswith("Victim-based crime: Wiltshire Police 43.3; England and Wales 56.0")
    assert len([p for p in parsed_report.passages if p.kind == "table"]) == 6 + 9


def test_figures_and_table_rows_carry_their_values(parsed_report: ParsedReport) -> None:
    calls = only(parsed_report, "Calls for assistance per 1,000", "figure")
    assert [(v.series, v.number) for v in calls.values] == [("Wiltshire Police", 48.0), ("England and Wales", 350.0)]
    change = only(parsed_report, "12 months to 30 June 2010 against", "figure")
    assert [(v.text, v.number, v.unit) for v in change.values] == [("-10.7%", -10.7, "%"), ("-12.6%", -12.6, "%")]
    charged = only(parsed_report, "— Charged/Summoned:", "table")
    assert {(v.series, v.measure): v.number for v in charged.values} == {
        ("Wiltshire Police", "Number of outcomes"): 5054.0,
        ("Wiltshire Police", "Rate"): 15.1,
        ("England and Wales", "Number of outcomes"): 577678.0,
        ("England and Wales", "Rate"): 16.0,
    }
    with_values = [p for p in parsed_report.passages if p.values]
    assert len(with_values) == 12 + 6 + 9  # the "Force in numbers" figures and both tables' rows
    assert all(p.kind in ("figure", "table") for p in with_values)


def test_every_passage_is_checkable_against_the_source(parsed_report: ParsedReport) -> None:
    source = REPORT.read_text(encoding="utf-8")
    words = re.compile(r"[A-Za-z0-9]+")
    framing = {"cover": {"This", "report", "was", "published", "in"}}  # words a kind adds to what the source says
    for order, passage in enumerate(parsed_report.passages):  # the cover is 0
        assert passage.id == f"peel-effectiveness-2015-wiltshire:p{order:04d}"
        assert passage.paragraph == order
        covered = words.findall(source[passage.start : passage.end])
        for word in words.findall(passage.text):
            if passage.kind != "judgment" and word not in framing.get(passage.kind, {"Judgment", "Source"}):
                assert word in covered, (passage.id, word)


def test_parsing_is_stable(parsed_report: ParsedReport) -> None:
    again = parse_file(REPORT)
    assert again.passages == parsed_report.passages
    assert again.report == parsed_report.report


def test_pages_are_plausible(parsed_report: ParsedReport) -> None:
    pages = [p.page for p in parsed_report.passages]
    assert all(isinstance(page, int) for page in pages)
    assert pages == sorted(pages) and pages[:2] == [1, 3] and pages[-1] == 43  # the cover, then the body
    assert only(parsed_report, "A plant native to Africa", "footnote").page == 21
    assert only(parsed_report, "The force should ensure that checks are routinely conducted", "list_item").page in (29, 30)


# -- the same report hard-wrapped, with pages ----------------------------------


@pytest.fixture(scope="module")
def wrapped_edition(parsed_report: ParsedReport) -> tuple[WrappedText, ParsedReport]:
    header = f"{parsed_report.report.title} – {parsed_report.report.force}"
    edition = wrap_text_edition(REPORT.read_text(encoding="utf-8"), header=header)
    parsed = parse_text(edition.text, source=REPORT.name, sha256="-", report_id=parsed_report.report.id)
    return edition, parsed


def test_hard_wrapped_text_gives_the_same_passages(wrapped_edition, parsed_report: ParsedReport) -> None:
    edition, parsed = wrapped_edition
    assert max(len(line) for line in edition.text.splitlines() if "\t" not in line and "www" not in line) <= 80
    assert re.search(r"[a-z]-\n[a-z]", edition.text)  # hyphenated at line ends

    def shape(report: ParsedReport) -> list[tuple[str, str, tuple[str, ...]]]:
        return [(p.kind, p.text, p.section) for p in report.passages]

    assert shape(parsed) == shape(parsed_report)
    assert parsed.report.judgments == parsed_report.report.judgments
    items = [p for p in parsed.passages if p.kind == "list_item" and p.section[-1] == "Areas for improvement"]
    assert len(items) == 8


def test_hard_wrapped_text_has_exact_pages(wrapped_edition, parsed_report: ParsedReport) -> None:
    edition, parsed = wrapped_edition
    expected = [edition.pages[p.start] for p in parsed_report.passages]
    assert [p.page for p in parsed.passages] == expected
    assert parsed.report.pages == edition.text.count("\f") + 1
    assert all(p.page_label is None for p in parsed.passages)  # the printed numbers are the pages
    assert not any(p.text.startswith(parsed_report.report.title + " –") for p in parsed.passages)
