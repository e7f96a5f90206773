"""Each parsing rule on a small text of the shape it handles (no model needed)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from peelqa.errors import ReportParseError
from peelqa.parsing import parse_file, parse_text, report_id_for
from peelqa.parsing.blocks import split_blocks
from peelqa.parsing.markers import clean_inline, footnote_head, strip_note_marks
from peelqa.parsing.values import read_number, table_columns
from peelqa.records import Passage


def parse(text: str) -> tuple[object, list[Passage]]:
    parsed = parse_text(text, source="t.txt", sha256=hashlib.sha256(text.encode()).hexdigest(), report_id="t")
    return parsed.report, list(parsed.passages)


def by_text(passages: list[Passage], fragment: str, kind: str | None = None) -> Passage:
    matches = [p for p in passages if fragment in p.text and kind in (None, p.kind)]
    assert len(matches) == 1, f"{fragment!r} is in {len(matches)} passages"
    return matches[0]


COVER = """PEEL: Police effectiveness 2015

An inspection of Exampleshire Constabulary

March 2016

© HMIC 2016

Contents

Overview – How effective is the force at keeping people safe?\t3
How effective is the force at preventing crime?\t5
How well does the force work with partners?.....\t6
Summary of findings\t7
Annex A – HMIC judgments\t9
"""

BODY = """
Overview – How effective is the force at keeping people safe?

Overall judgment¹

Good

Overall Exampleshire Constabulary is judged to be good at keeping people safe. It works well.

How effective is the force at preventing crime?

Good

Exampleshire Constabulary is good at preventing crime. Neighbourhood teams know their areas.

How effective is the force at preventing crime?

The police's ability to prevent crime is a principal measure of its effectiveness overall.

How well does the force work with partners?

The force shares information with partners through a hub that several agencies staff together and

¹ Outstanding, Good, Requires improvement or Inadequate.

which meets every day to review risks.² The hub is well regarded.

² A hub is a shared office.

Available from: www.example.org/hub

Summary of findings

Good

Exampleshire Constabulary is good at preventing crime and keeping people safe.

Areas for improvement

- The force should evaluate what works.
- The force should share good practice.

Annex A – HMIC judgments

The judgment categories are:

- outstanding;
- good.
"""


@pytest.fixture(scope="module")
def report_and_passages() -> tuple[object, list[Passage]]:
    return parse(COVER + BODY)


def test_blocks_keep_exact_offsets() -> None:
    text = "  first line\nsecond\n\n \t\nthird  \n"
    blocks = split_blocks(text)
    assert [b.text for b in blocks] == ["first line\nsecond", "third"]
    for block in blocks:
        for line in block.lines:
            assert text[line.start : line.end] == line.text


def test_footnote_markers_are_stripped_and_counted() -> None:
    assert strip_note_marks("victims.² However")[1] == (2,)
    assert strip_note_marks("(GAIN)²⁷ or")[1] == (27,)
    assert strip_note_marks("crime (excluding fraud)^{8 9 10}")[1] == (8, 9, 10)
    assert clean_inline(strip_note_marks("victims.² However")[0]) == "victims. However"
    assert footnote_head("¹¹ A plant native to Africa") == (11, "A plant native to Africa")
    assert footnote_head("^{12} See the report") == (12, "See the report")
    assert footnote_head("The force has ¹ one") is None


def test_italics_and_spacing_are_cleaned() -> None:
    assert clean_inline("*Crime Inspection 2014*, HMIC ,  2014") == "Crime Inspection 2014, HMIC, 2014"
    assert clean_inline("*Anti-social behaviour data is from") == "*Anti-social behaviour data is from"


def test_front_matter_gives_metadata_and_no_passages(report_and_passages) -> None:
    report, passages = report_and_passages
    assert report.title == "PEEL: Police effectiveness 2015"
    assert report.force == "Exampleshire Constabulary"
    assert report.year == 2015
    assert report.published == "2016-03"
    assert not any("ISBN" in p.text or "©" in p.text or "\t" in p.text for p in passages)
    assert not any("...." in p.text for p in passages)
    first_body = (COVER + BODY).index("Overview –")
    cover, *body = passages
    assert min(p.start for p in body) > first_body
    # what the cover says is passage 0, in one sentence
    assert (cover.kind, cover.id, cover.paragraph, cover.page, cover.section) == ("cover", "t:p0000", 0, 1, ("Cover",))
    assert cover.text == (
        "This report, “PEEL: Police effectiveness 2015 – An inspection of Exampleshire Constabulary”, "
        "was published in March 2016."
    )
    assert cover.start < cover.end <= first_body


def test_grades_attach_to_the_question_they_grade(report_and_passages) -> None:
    report, passages = report_and_passages
    assert report.judgments == {
        "How effective is the force at keeping people safe?": "Good",
        "How effective is the force at preventing crime?": "Good",
    }
    judgments = [p for p in passages if p.kind == "judgment"]
    assert [p.text.split(" Judgment: ")[1] for p in judgments][:1] == [
        "Good. Overall Exampleshire Constabulary is judged to be good at keeping people safe."
    ]
    assert all(p.text.startswith("How effective is the force at") for p in judgments)
    assert not any(p.text.strip(". ") == "Good" for p in passages)


def test_no_paragraph_is_under_four_words(report_and_passages) -> None:
    _, passages = report_and_passages
    assert all(len(p.text.split()) >= 4 for p in passages if p.kind == "paragraph")


def test_section_paths_follow_the_contents(report_and_passages) -> None:
    _, passages = report_and_passages
    overview = "Overview – How effective is the force at keeping people safe?"
    preventing = "How effective is the force at preventing crime?"
    # the overview restates a top-level question: it sits one level down there
    assert by_text(passages, "Neighbourhood teams know").section == (overview, preventing)
    assert by_text(passages, "principal measure").section == (preventing,)
    assert by_text(passages, "shares information").section == (
        preventing,
        "How well does the force work with partners?",
    )
    assert by_text(passages, "evaluate what works").section == (preventing, "Areas for improvement")
    assert by_text(passages, "preventing crime and keeping", "paragraph").section[-1] == "Summary of findings"


def test_paragraph_cut_by_a_page_and_a_footnote_is_rejoined(report_and_passages) -> None:
    _, passages = report_and_passages
    joined = by_text(passages, "shares information")
    assert joined.text.endswith("several agencies staff together and which meets every day to review risks. The hub is well regarded.")
    assert joined.note_refs == (2,)
    source = COVER + BODY
    assert source[joined.start : joined.end].startswith("The force shares")
    assert source[joined.start : joined.end].endswith("well regarded.")


def test_footnotes_are_their_own_passages_with_numbers(report_and_passages) -> None:
    _, passages = report_and_passages
    notes = {p.note_number: p for p in passages if p.kind == "footnote"}
    assert set(notes) == {1, 2}
    assert notes[2].text == "A hub is a shared office. Available from: www.example.org/hub"
    # a footnote belongs where it is referenced, not where the page ended
    assert notes[2].section == by_text(passages, "shares information").section


def test_bullets_are_one_list_item_each(report_and_passages) -> None:
    _, passages = report_and_passages
    items = [p for p in passages if p.kind == "list_item" and p.section[-1] == "Areas for improvement"]
    assert [p.text for p in items] == [
        "The force should evaluate what works.",
        "The force should share good practice.",
    ]


def test_ids_order_and_offsets(report_and_passages) -> None:
    _, passages = report_and_passages
    assert [p.paragraph for p in passages] == list(range(len(passages)))  # the cover is 0
    assert [p.id for p in passages] == [f"t:p{n:04d}" for n in range(len(passages))]
    assert [p.start for p in passages] == sorted(p.start for p in passages)
    source = COVER + BODY
    for passage in passages:
        assert 0 <= passage.start < passage.end <= len(source)


def test_pages_come_from_the_contents(report_and_passages) -> None:
    _, passages = report_and_passages
    assert by_text(passages, "principal measure").page == 5
    assert by_text(passages, "preventing crime and keeping", "paragraph").page == 7
    assert 7 <= by_text(passages, "evaluate what works").page <= 9
    pages = [p.page for p in passages]
    assert pages == sorted(pages) and pages[:2] == [1, 3] and pages[-1] == 9  # the cover, then the body


COLUMNS = """Contents

First question?\t1
Second question?\t2

First question?

Good

The first column starts here and runs until the page ends in the middle of

Second question?

Good

The second column says something complete. Then it too stops short of the

³ A note at the foot of the page.

page: this continues the first column.

end of its sentence, and this continues the second.
"""


def test_two_columns_cut_at_a_page_resume_in_order() -> None:
    _, passages = parse(COLUMNS)
    first = by_text(passages, "first column starts")
    second = by_text(passages, "stops short")
    assert first.text.endswith("in the middle of page: this continues the first column.")
    assert second.text.endswith("stops short of the end of its sentence, and this continues the second.")
    assert first.section == ("First question?",)
    assert second.section == ("Second question?",)


def test_a_capitalised_continuation_after_footnotes_is_rejoined() -> None:
    text = """Contents

A question?\t1

A question?

Prior to these presentations the force only had one

²⁷ The Government Agency Intelligence Network is a network.

²⁸ A serious crime prevention order is a court order.
www.gov.uk/sheet.pdf

SCPO in place. Since then two more have been granted.

The next paragraph starts afresh and is complete.
"""
    _, passages = parse(text)
    assert by_text(passages, "only had one").text.endswith("only had one SCPO in place. Since then two more have been granted.")
    assert by_text(passages, "serious crime prevention order").text.endswith("www.gov.uk/sheet.pdf")
    assert by_text(passages, "next paragraph").kind == "paragraph"


def test_tables_and_numbers_keep_labels_with_values() -> None:
    text = """Contents

Force in numbers\t1
A question?\t2

Force in numbers

Charge rate

Charge rate as a percentage of all crimes 12 months to 30 June 2015

Wiltshire Police

15.1%

England and Wales

16.0%

Anti-social behaviour incidents per 1,000 population

Wiltshire Police

England and Wales

30.4

32.9

A question?

Figure 2: Police recorded crime rates^{8}

Rates per 1,000 population\tWiltshire Police\tEngland and Wales
Recorded crime (excluding fraud)\t47.8\t63.0
Burglary in a dwelling*\t4.3\t8.4

Source: Home Office data

Figure 3: A chart with no values in the text

Source: HMIC data collection
"""
    _, passages = parse(text)
    assert by_text(passages, "Charge rate as").text == (
        "Charge rate as a percentage of all crimes 12 months to 30 June 2015: "
        "Wiltshire Police 15.1%; England and Wales 16.0%"
    )
    assert by_text(passages, "Anti-social").text.endswith("Wiltshire Police 30.4; England and Wales 32.9")
    assert by_text(passages, "Charge rate as").section == ("Force in numbers", "Charge rate")
    rows = [p for p in passages if p.kind == "table"]
    assert [p.text for p in rows] == [
        "Figure 2: Police recorded crime rates — Recorded crime (excluding fraud): Wiltshire Police 47.8; England and Wales 63.0",
        "Figure 2: Police recorded crime rates — Burglary in a dwelling: Wiltshire Police 4.3; England and Wales 8.4",
    ]
    assert by_text(passages, "Figure 3").text == "Figure 3: A chart with no values in the text (Source: HMIC data collection)"
    assert by_text(passages, "Figure 3").kind == "figure"


def test_figures_and_table_rows_record_their_values() -> None:
    text = """Contents

Force in numbers\t1
A question?\t2

Force in numbers

Changes in recorded crime 12 months to 30 June 2015

Wiltshire Police

−10.7%

England and Wales

+4.5%

A question?

Figure 2: Rates

Rates per 1,000 population\tWiltshire Police\tEngland and Wales
Burglary in a dwelling*\t4.3\tn/a

Figure 4: Outcomes

Outcome type\tWiltshire Police Number of outcomes\tRate\tEngland and Wales Number of outcomes\tRate
Charged/Summoned\t5,054\t15.1\t577,678\t16.0
"""
    _, passages = parse(text)
    figure = by_text(passages, "Changes in recorded crime", "figure")
    assert [(v.series, v.text, v.number, v.unit) for v in figure.values] == [
        ("Wiltshire Police", "−10.7%", -10.7, "%"),
        ("England and Wales", "+4.5%", 4.5, "%"),
    ]
    assert {v.label for v in figure.values} == {"Changes in recorded crime 12 months to 30 June 2015"}
    burglary = by_text(passages, "Burglary", "table")
    assert [(v.label, v.series, v.measure, v.number) for v in burglary.values] == [
        ("Figure 2: Rates — Burglary in a dwelling", "Wiltshire Police", "", 4.3),
        ("Figure 2: Rates — Burglary in a dwelling", "England and Wales", "", None),  # "n/a" is no number
    ]
    # two columns a force: each value knows its force and its measure, so like meets like
    charged = by_text(passages, "Charged", "table")
    assert [(v.series, v.measure, v.text, v.number) for v in charged.values] == [
        ("Wiltshire Police", "Number of outcomes", "5,054", 5054.0),
        ("Wiltshire Police", "Rate", "15.1", 15.1),
        ("England and Wales", "Number of outcomes", "577,678", 577678.0),
        ("England and Wales", "Rate", "16.0", 16.0),
    ]
    assert all(p.values == () for p in passages if p.kind not in ("figure", "table"))
    # the record survives the index's JSON
    assert Passage.from_dict(json.loads(json.dumps(charged.to_dict()))) == charged


@pytest.mark.parametrize(
    ("header", "columns"),
    [
        (["Wiltshire Police", "England and Wales"], [("Wiltshire Police", ""), ("England and Wales", "")]),
        (["2014", "2015", "2016", "2017"], [("2014", ""), ("2015", ""), ("2016", ""), ("2017", "")]),
        # the same last word is not a measure unless the rest names one series a group
        (
            ["Wiltshire Police", "Dorset Police", "Devon Police", "Kent Police"],
            [("Wiltshire Police", ""), ("Dorset Police", ""), ("Devon Police", ""), ("Kent Police", "")],
        ),
        (
            ["A count", "A rate", "B count", "B rate"],
            [("A", "count"), ("A", "rate"), ("B", "count"), ("B", "rate")],
        ),
        (
            ["North Total", "Share", "Change", "South Total", "Share", "Change"],
            [("North", "Total"), ("North", "Share"), ("North", "Change"),
             ("South", "Total"), ("South", "Share"), ("South", "Change")],
        ),
    ],
)
def test_table_columns_name_series_and_measures(header: list[str], columns: list[tuple[str, str]]) -> None:
    assert table_columns(header) == columns


@pytest.mark.parametrize(
    ("text", "number", "unit"),
    [("48", 48.0, ""), ("5,054", 5054.0, ""), ("+2.4%", 2.4, "%"), ("-10.7%", -10.7, "%"), ("– 3", None, ""),
     ("£1,200", 1200.0, "£"), ("−0.5 %", -0.5, "%"), ("n/a", None, ""), ("", None, "")],
)
def test_read_number(text: str, number: float | None, unit: str) -> None:
    assert read_number(text) == (number, unit)


def test_report_id_is_a_slug_of_the_file_name() -> None:
    assert report_id_for(Path("PEEL Wiltshire 2015.txt")) == "peel-wiltshire-2015"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"   \n\n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (b"caf\xe9 au lait " * 20, "not UTF-8"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(content)
    with pytest.raises(ReportParseError, match=message) as caught:
        parse_file(path)
    assert "report.txt" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_other_file_types_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    path.write_text("hello")
    with pytest.raises(ReportParseError, match="unsupported file type"):
        parse_file(path)
