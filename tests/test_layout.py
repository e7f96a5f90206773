"""Lines into paragraphs, for text and PDF alike: unwrapping, hyphens, running lines, pages."""

from __future__ import annotations

import hashlib

import pytest

from peelqa.parsing import parse_text
from peelqa.parsing.blocks import Block, Line, split_blocks
from peelqa.parsing.front_matter import inspection_kind
from peelqa.parsing.furniture import strip_running_lines
from peelqa.parsing.layout import Lexicon, unwrap
from peelqa.parsing.source import read_text
from peelqa.records import Passage

DOCUMENT = """Our investigation found that investigators and the investigation team work well.
Anti-social behaviour and more anti-social behaviour were co-ordinated by co-ordinators.
Staff were re-trained after re-offending rose, and named officers took part for two-year terms
while two officers and two-thirds of staff helped; some were re-named in the process.
"""


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.of_lines(DOCUMENT.splitlines())


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        ("the cases under inves-", "tigating officers", "the cases under investigating officers"),
        ("tackling anti-", "social behaviour", "tackling anti-social behaviour"),
        ("needs to co-", "ordinate its work", "needs to co-ordinate its work"),
        ("teams were re-", "named twice", "teams were re-named twice"),
        ("an early pre-", "paration stage", "an early preparation stage"),
        ("over two-", "thirds of them", "over two-thirds of them"),
        ("a wholly unknown mar-", "malade", "a wholly unknown marmalade"),
        ("the plan for 2013-", "17 was", "the plan for 2013-17 was"),
        ("staff from non-", "UK forces", "staff from non-UK forces"),
        ("see www.example.org/reports/", "annual.pdf for more", "see www.example.org/reports/annual.pdf for more"),
        ("a line that ends", "and one that goes on", "a line that ends and one that goes on"),
        ("a dash at the end -", "with a space", "a dash at the end - with a space"),
    ],
)
def test_joining_mends_line_end_hyphens_from_the_documents_own_spelling(
    lexicon: Lexicon, left: str, right: str, joined: str
) -> None:
    assert lexicon.join(left, right) == joined


def test_the_lexicon_ignores_the_pieces_of_broken_words() -> None:
    """"inves-" / "tigating" at the ends of lines are fragments, not words; "Overview" heading a line is one."""
    lexicon = Lexicon.of_lines(["words inves-", "tigating more words", "Overview of more words"])
    assert not lexicon.words["inves"] and not lexicon.words["tigating"]
    assert lexicon.words["more"] == 2 and lexicon.words["overview"] == 1


def _block(*texts: str, start: int = 0) -> Block:
    lines = []
    for text in texts:
        lines.append(Line(text, start, start + len(text)))
        start += len(text) + 1
    return Block(tuple(lines))


def test_unwrapping_joins_a_paragraphs_lines(lexicon: Lexicon) -> None:
    [block] = unwrap(_block("The force works with", "partners to reduce inves-", "tigating delays."), lexicon)
    assert [line.text for line in block.lines] == ["The force works with partners to reduce investigating delays."]
    assert (block.lines[0].start, block.lines[0].end) == (0, 20 + 1 + 25 + 1 + 16)


def test_unwrapping_keeps_list_items_table_rows_and_contents_entries(lexicon: Lexicon) -> None:
    [items] = unwrap(_block("- The force should train", "all its staff.", "- The force should share", "good practice."), lexicon)
    assert [line.text for line in items.lines] == [
        "- The force should train all its staff.",
        "- The force should share good practice.",
    ]
    [rows] = unwrap(_block("Rates\tWiltshire\tEngland", "Crime\t47.8\t63.0"), lexicon)
    assert len(rows.lines) == 2
    [contents] = unwrap(
        _block("Summary of findings\t19", "How effective is the force at tackling serious and", "organised crime?\t33", "Annex A\t43"),
        lexicon,
    )
    assert [line.text for line in contents.lines] == [
        "Summary of findings\t19",
        "How effective is the force at tackling serious and organised crime?\t33",
        "Annex A\t43",
    ]


def test_unwrapping_cuts_a_block_before_each_footnote(lexicon: Lexicon) -> None:
    blocks = unwrap(_block("¹ The first note, which runs", "onto a second line.", "² The second note."), lexicon)
    assert [b.text for b in blocks] == ["¹ The first note, which runs onto a second line.", "² The second note."]


def test_form_feeds_are_pages() -> None:
    text = "Page one text.\n\nMore on one.\fPage two.\n\f\nPage three.\n\f"
    source = read_text(text)
    assert source.pages == 3
    assert [b.page for b in source.blocks] == [1, 1, 2, 3]
    assert source.page_at(0) == 1 and source.page_at(text.index("Page two")) == 2
    assert source.page_at(text.index("Page three")) == 3
    assert [b.text for b in split_blocks(text)] == ["Page one text.", "More on one.", "Page two.", "Page three."]
    assert read_text("No pages at all.\n").pages is None


def _paged(*pages: list[str]) -> list[Block]:
    """Blocks of one line each, on the pages given."""
    blocks, offset = [], 0
    for number, lines in enumerate(pages, start=1):
        for text in lines:
            blocks.append(Block((Line(text, offset, offset + len(text), number, number),)))
            offset += len(text) + 2
    return blocks


def test_running_headers_and_page_numbers_are_dropped_and_give_labels() -> None:
    header = "PEEL: Police effectiveness 2015 – Exampleshire Police"
    bodies = ["Crime fell.", "Calls rose.", "Staff left.", "Costs fell.", "Wiltshire Police"]
    pages = [[header, body, str(n + 10)] for n, body in enumerate(bodies, start=1)]
    pages[-1].insert(2, "350")  # a figure's value just above the page number stays
    kept, labels = strip_running_lines(_paged(*pages))
    assert [b.text for b in kept] == [*bodies, "350"]
    assert labels == {n: str(n + 10) for n in range(1, 6)}


def test_two_pages_are_too_few_to_tell_a_running_line() -> None:
    blocks = _paged(["Header", "One."], ["Header", "Two."])
    assert strip_running_lines(blocks) == (blocks, {})


def _parse(text: str) -> list[Passage]:
    sha = hashlib.sha256(text.encode()).hexdigest()
    return list(parse_text(text, source="t.txt", sha256=sha, report_id="t").passages)


COVER = "PEEL: Police efficiency 2016\n\nAn inspection of Exampleshire Police\n\nContents\n\nA question?\t2\n\f"


def _wrapped_report(first_page_end: str, second_page_start: str) -> str:
    filler = "word " * 12
    page = [f"Exampleshire Police – efficiency\n\nA question?\n\n{filler.strip()} and more words to fill it.\n\n{first_page_end}\n\n2"]
    page.append(f"Exampleshire Police – efficiency\n\n{second_page_start}\n\nThe last paragraph stands on its own.\n\n3")
    page.append("Exampleshire Police – efficiency\n\nAnother page with a paragraph of its own.\n\n4")
    return COVER + "\f".join(page) + "\n"


def test_a_sentence_cut_by_a_page_break_is_rejoined() -> None:
    passages = _parse(_wrapped_report("The force works well with the local", "council and other partners."))
    joined = next(p for p in passages if p.text.startswith("The force works"))
    assert joined.text == "The force works well with the local council and other partners."
    assert joined.page == 2
    assert not any("Exampleshire Police – efficiency" in p.text for p in passages)


def test_a_word_hyphenated_across_a_page_break_is_mended() -> None:
    text = _wrapped_report("The force works well with its inves-", "tigators and partners.")
    text = text.replace("word word", "investigators word", 1)
    passages = _parse(text)
    assert any(p.text == "The force works well with its investigators and partners." for p in passages)


def test_a_paragraph_that_ends_at_a_page_end_stays_whole() -> None:
    passages = _parse(_wrapped_report("The force works well.", "Neighbourhood teams know their areas."))
    texts = [p.text for p in passages]
    assert "The force works well." in texts
    assert "Neighbourhood teams know their areas." in texts


FULL = "word " * 11 + "word"  # 59 characters: the width this text is wrapped at


def _hard_wrapped(last_line: str) -> str:
    filler = "\n\n".join("\n".join([FULL, FULL, "the end of a paragraph."]) for _ in range(12))
    first = f"Exampleshire Police – efficiency\n\nA question?\n\n{filler}\n\n{FULL}\n{last_line}\n\n2"
    second = "Exampleshire Police – efficiency\n\nIt says so in its plans.\n\nA paragraph of its own follows here.\n\n3"
    third = "Exampleshire Police – efficiency\n\nAnother page with a paragraph of its own.\n\n4"
    return COVER + "\f".join([first, second, third]) + "\n"


def test_a_full_line_at_a_page_end_runs_on_to_the_next_page() -> None:
    full = "The force told us that its partners work well with it too."
    assert len(full) == len(FULL) - 1
    passages = _parse(_hard_wrapped(full))
    assert any(p.text.endswith("work well with it too. It says so in its plans.") for p in passages)


def test_a_short_last_line_at_a_page_end_ends_its_paragraph() -> None:
    passages = _parse(_hard_wrapped("The force told us that it works well."))
    assert any(p.text.endswith("The force told us that it works well.") for p in passages)
    assert any(p.text == "It says so in its plans." for p in passages)


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("PEEL: Police effectiveness 2015", "effectiveness"),
        ("PEEL: Police effectiveness 2015 (Vulnerability)", "vulnerability"),
        ("PEEL: Police efficiency 2016", "efficiency"),
        ("PEEL: Police legitimacy 2017", "legitimacy"),
        ("PEEL: Police leadership 2016", "leadership"),
        ("PEEL: Police efficiency, effectiveness and legitimacy 2017", None),
        ("Crime inspection 2014", None),
    ],
)
def test_the_title_names_the_kind_of_inspection(title: str, kind: str | None) -> None:
    assert inspection_kind(title) == kind


def test_printed_page_numbers_of_a_paged_text_become_labels() -> None:
    pages = [COVER.rstrip("\f")]
    bodies = ("A question?\n\nCrime fell in the year to June.", "Calls for help rose by a tenth.", "Staff knew their areas well.")
    for printed, body in zip(("1", "2", "3"), bodies, strict=True):
        pages.append(f"Exampleshire Police – efficiency\n\n{body}\n\n{printed}")
    passages = _parse("\f".join(pages) + "\n")
    assert [(p.page, p.page_label) for p in passages if p.kind != "cover"] == [(2, "1"), (3, "2"), (4, "3")]
