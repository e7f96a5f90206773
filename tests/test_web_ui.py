"""The server-rendered pages through the Flask test client, on the real index and model.

What a person without JavaScript gets: the chat page and its answers, the
report reader, the error pages, and escaping everywhere.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient

from conftest import REPORT_ID

from peelqa.records import Passage
from peelqa.web import create_app
from peelqa.web.present import (
    answer_pieces,
    citation_text,
    grade_matrix,
    highlight_pieces,
    in_scope,
    outline,
    picker,
    question_key,
)
from peelqa.web.ui import SUGGESTIONS

AFI = "What are the areas for improvement?"
XSS = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>"


class Page(HTMLParser):
    """Just enough of a DOM for assertions: elements with attributes, and their text.

    As in a browser, what a <template> holds is not part of the page.
    """

    VOID = {"meta", "link", "br", "img", "input", "hr", "source"}

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[dict[str, Any]] = []
        self._open: list[dict[str, Any]] = []
        self._in_template = 0
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "template":
            self._in_template += 1
        if self._in_template:
            return
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self._in_template -= 1
            return
        if self._in_template:
            return
        for position in range(len(self._open) - 1, -1, -1):
            if self._open[position]["tag"] == tag:
                del self._open[position:]
                return

    def handle_data(self, data: str) -> None:
        if self._in_template:
            return
        for element in self._open:
            element["text"] += data

    def find(self, tag: str | None = None, **attrs: str) -> list[dict[str, Any]]:
        """Elements of `tag` whose attributes hold these values (`class_` matches one class)."""
        found = []
        for element in self.elements:
            if tag and element["tag"] != tag:
                continue
            ok = True
            for name, value in attrs.items():
                if name == "class_":
                    ok = ok and value in (element["attrs"].get("class") or "").split()
                else:
                    ok = ok and element["attrs"].get(name) == value
            if ok:
                found.append(element)
        return found


def get_page(client: FlaskClient, url: str, status: int = 200) -> tuple[Page, str]:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    return Page(text), text


# ---------------------------------------------------------------- the chat page


def test_empty_page_offers_suggestions_and_a_labelled_form(client: FlaskClient) -> None:
    page, text = get_page(client, "/")
    suggestions = page.find("a", class_="suggestion")
    assert [s["text"] for s in suggestions] == list(SUGGESTIONS)
    for link in suggestions:
        assert link["attrs"]["href"].startswith("/?q=")
    (form,) = page.find("form", id="ask-form")
    assert form["attrs"]["method"] == "get" and form["attrs"]["action"] == "/"
    (label,) = page.find("label", **{"for": "q"})
    assert label["text"] == "Your question"
    (box,) = page.find("textarea", id="q")
    assert box["attrs"]["name"] == "q" and box["attrs"]["maxlength"] == "1000"
    assert page.find("button", type="submit")
    assert page.find("meta", name="viewport")
    assert page.find(class_="exchange") == []
    assert page.find("a", href=f"/reports/{REPORT_ID}")  # which reports are searched


def test_pages_load_nothing_from_elsewhere(client: FlaskClient) -> None:
    for url in ("/", f"/?q={quote_plus(AFI)}", f"/reports/{REPORT_ID}", "/nowhere"):
        page, _ = get_page(client, url, status=404 if url == "/nowhere" else 200)
        for element in page.elements:
            for name in ("src", "href", "action"):
                value = element["attrs"].get(name)
                if value is not None:
                    assert value.startswith(("/", "#", "data:")), (url, name, value)
    response = client.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<script>" not in response.get_data(as_text=True)  # no inline script: the CSP forbids it


def test_static_files_are_served(client: FlaskClient) -> None:
    for name, mimetype in (("app.js", "text/javascript"), ("app.css", "text/css")):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200
        assert response.mimetype == mimetype
        response.close()


def test_question_in_the_url_is_answered_on_the_server(client: FlaskClient) -> None:
    page, _ = get_page(client, f"/?q={quote_plus(AFI)}")
    (intro,) = page.find(id="intro")
    assert "hidden" in intro["attrs"]
    (exchange,) = page.find("li", class_="exchange")
    assert AFI in exchange["text"]
    (question,) = page.find(class_="bubble-question")
    assert question["text"].strip().endswith(AFI)

    items = page.find("ul", class_="answer-list")
    assert sum(len(re.findall(r"\[\d\]", group["text"])) for group in items) == 8
    assert [g["text"] for g in page.find("h3", class_="answer-group")] == [
        "How effective is the force at preventing crime and anti-social behaviour, and keeping people safe?",
        "How effective is the force at investigating crime and managing offenders?",
        "How effective is the force at tackling serious and organised crime, including its arrangements for "
        "fulfilling its national policing responsibilities?",
    ]
    citations = page.find("a", class_="cite")
    assert [c["attrs"]["href"] for c in citations] == [f"#a1-c{n}" for n in range(1, 9)]
    sources = page.find("li", class_="source")
    assert [s["attrs"]["id"] for s in sources] == [f"a1-c{n}" for n in range(1, 9)]
    for source in sources:
        assert "PEEL: Police effectiveness 2015" in source["text"]
        assert "Areas for improvement" in source["text"]  # the section path
        assert re.search(r"¶ \d+ · p\. \d+", source["text"])
    links = page.find("a", class_="read-link")
    assert len(links) == 8
    assert all(re.fullmatch(rf"/reports/{REPORT_ID}#{REPORT_ID}:p\d{{4}}", a["attrs"]["href"]) for a in links)


def test_copy_citation_carries_a_plain_text_citation(client: FlaskClient) -> None:
    page, _ = get_page(client, "/?q=How+long+were+computers+waiting+to+be+examined%3F")
    button = page.find("button", class_="copy-citation")[0]
    citation = button["attrs"]["data-copy"]
    assert citation.startswith("“") and "20 months" in citation
    assert ", PEEL: Police effectiveness 2015, Wiltshire Police, " in citation
    assert "How well does the force gather digital evidence?" in citation
    assert re.search(r", ¶ \d+, p\. \d+\. http://localhost/reports/", citation)
    assert citation.endswith(f"/reports/{REPORT_ID}#{REPORT_ID}:p0136")


def test_highlights_are_rendered_as_marks(client: FlaskClient, qa) -> None:
    question = "How long were computers waiting to be examined?"
    _, text = get_page(client, f"/?q={quote_plus(question)}")
    result = qa.ask(question)
    top = result.hits[0]
    expected = [top.passage.text[start:end] for start, end in top.highlights]
    marks = [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", text, flags=re.S)]
    assert marks[: len(expected)] == expected
    assert any("20 months" in m for m in marks)


def test_judgment_answers_show_a_coloured_grade_badge(client: FlaskClient) -> None:
    page, _ = get_page(client, "/?q=How+was+the+force+graded+for+protecting+vulnerable+people%3F")
    (lead,) = page.find("p", class_="answer-grade")
    assert "Requires improvement" in lead["text"]
    badges = page.find("span", class_="grade-requires-improvement")
    assert badges and all(b["text"] == "Requires improvement" for b in badges)
    assert page.find("span", class_="grade-good")  # other passages keep their own grade


def test_grades_answer_lists_every_judgment(client: FlaskClient) -> None:
    page, _ = get_page(client, "/?q=What+are+the+grades%3F")
    (items,) = page.find("ul", class_="answer-list")
    assert len(re.findall(r"\[\d\]", items["text"])) == 5
    assert page.find("h3", class_="answer-group") == []  # grades are not grouped


def test_nothing_found_says_so_and_still_lists_scored_passages(client: FlaskClient) -> None:
    page, _ = get_page(client, "/?q=What+is+the+recipe+for+banana+bread%3F")
    (notice,) = page.find("p", class_="not-found")
    assert "Nothing relevant found" in notice["text"]
    assert [h["text"] for h in page.find("h3", class_="sources-title")] == ["Nearest passages"]
    scores = page.find("details", class_="scores")
    assert len(scores) == 5 and all("open" in d["attrs"] for d in scores)
    assert all(re.search(r"Score \d\.\d\d", d["text"]) for d in scores)


def test_scores_are_discreet_when_something_is_found(client: FlaskClient) -> None:
    page, _ = get_page(client, "/?q=What+is+Operation+Holcroft%3F")
    scores = page.find("details", class_="scores")
    assert scores and not any("open" in d["attrs"] for d in scores)
    assert "meaning" in scores[0]["text"] and "keywords" in scores[0]["text"]


def test_question_is_escaped_everywhere(client: FlaskClient) -> None:
    for url in (f"/?q={quote_plus(XSS)}", f"/?q={quote_plus(XSS + ' What is Operation Holcroft?')}"):
        page, text = get_page(client, url)
        assert "<script>alert" not in text and "<img" not in text
        assert html.escape(XSS, quote=False).replace('"', "&#34;") in text
        (question,) = page.find(class_="bubble-question")
        assert XSS in question["text"]
        assert page.find("img") == []


def test_answers_escape_passage_text_and_mark_only_its_spans(app: Flask) -> None:
    text = 'Bold <b>claims</b> & "quotes" <script>x()</script> end'
    start = text.index("<b>")
    passage = {
        "id": "r:p0001", "rank": 1, "score": 0.5, "scores": {"dense": 0.5, "bm25": 1.0, "fused": 0.5},
        "text": text, "kind": "paragraph",
        "report": {"id": "r", "title": "T <i>", "force": "F & G", "year": 2015},
        "section": ["<h1>Section</h1>"], "paragraph": 1, "page": 2,
        "source": {"file": "r.txt", "start": 0, "end": len(text)},
        "highlights": [[start, start + len("<b>claims</b>")]], "url": "/reports/r#r:p0001",
        "grade": "<Good>", "group": None, "note_number": None,
    }  # fmt: skip
    data = {
        "question": "q",
        "answer": {"text": "<em>Claims</em> [1]", "sentences": [], "kind": "passages", "found": True},
        "passages": [passage],
        "took_ms": 1.0,
    }
    with app.test_request_context("/"):
        rendered = render_template_string(
            '{% from "_answer.html" import answer with context %}{{ answer(data, "a1", "http://h/") }}', data=data
        )
    assert "<b>" not in rendered and "<script>" not in rendered and "<em>" not in rendered
    assert "<i>" not in rendered and "<h1>" not in rendered and "<Good>" not in rendered
    assert "<mark>&lt;b&gt;claims&lt;/b&gt;</mark>" in rendered
    assert "&amp; &#34;quotes&#34;" in rendered
    assert '<a class="cite" href="#a1-c1" aria-label="citation 1">[1]</a>' in rendered
    assert "grade-other" in rendered  # an unknown grade gets the neutral badge


def test_validation_errors_show_in_the_conversation(client: FlaskClient) -> None:
    page, _ = get_page(client, "/?q=%20%20", status=400)
    (notice,) = page.find("p", class_="error")
    assert "The question is empty" in notice["text"]
    page, _ = get_page(client, "/?q=" + "x" * 1001, status=400)
    assert "too long" in page.find("p", class_="error")[0]["text"]
    page, _ = get_page(client, "/?q=What&top_k=99", status=400)
    assert "1 to 50" in page.find("p", class_="error")[0]["text"]


def test_empty_question_parameter_is_just_the_page(client: FlaskClient) -> None:
    page, _ = get_page(client, "/?q=")
    assert page.find(class_="exchange") == []


def test_unavailable_index_is_explained_on_every_page(tmp_path: Path) -> None:
    client = create_app({"PEELQA_INDEX_DIR": str(tmp_path / "none"), "TESTING": True}).test_client()
    page, _ = get_page(client, "/")
    (banner,) = page.find(class_="banner")
    assert "cannot be searched right now" in banner["text"] and "peelqa index" in banner["text"]
    page, _ = get_page(client, f"/?q={quote_plus(AFI)}", status=503)
    (notice,) = page.find("p", class_="error")
    assert "no index in" in notice["text"]
    page, _ = get_page(client, f"/fragments/answer?q={quote_plus(AFI)}&n=2", status=503)
    (notice,) = page.find("p", class_="error")
    assert "cannot be searched right now" in notice["text"] and "no index in" in notice["text"]
    assert page.find("li", class_="exchange")[0]["attrs"]["id"] == "a2"
    page, _ = get_page(client, f"/reports/{REPORT_ID}", status=503)
    assert "peelqa index" in page.find("p", class_="error")[0]["text"]


# ---------------------------------------------------------------- the report page


def test_report_page_anchors_every_passage_once(client: FlaskClient, index) -> None:
    page, _ = get_page(client, f"/reports/{REPORT_ID}")
    ids = [e["attrs"]["id"] for e in page.elements if "passage" in (e["attrs"].get("class") or "").split()]
    assert ids == [p.id for p in index.passages]
    (title,) = page.find("h1")
    assert title["text"] == "PEEL: Police effectiveness 2015"
    permalinks = page.find("a", class_="permalink")
    assert permalinks[0]["attrs"]["href"] == f"#{index.passages[0].id}"


def test_report_page_has_headings_from_sections(client: FlaskClient, index) -> None:
    page, _ = get_page(client, f"/reports/{REPORT_ID}")
    top_level = [h["text"] for h in page.find("h2", class_="section-heading")]
    expected = list(dict.fromkeys(p.section[0] for p in index.passages if p.section and p.kind != "footnote"))
    assert set(top_level) == set(expected)
    assert "Areas for improvement" in [h["text"] for h in page.find("h3", class_="section-heading")]
    contents = page.find("nav", class_="contents")[0]
    assert "Force in numbers" in contents["text"]


def test_report_page_marks_footnotes_and_grades(client: FlaskClient, index) -> None:
    page, _ = get_page(client, f"/reports/{REPORT_ID}")
    footnotes = [p for p in index.passages if p.kind == "footnote"]
    asides = page.find("aside", class_="kind-footnote")
    assert [a["attrs"]["id"] for a in asides] == [p.id for p in footnotes]
    first = next(a for a in asides if a["attrs"]["id"] == footnotes[0].id)
    assert f"Footnote {footnotes[0].note_number}" in first["text"]
    # a paragraph's footnote marker links to the footnote
    citing = next(p for p in index.passages if p.note_refs)
    target = next(p for p in footnotes if p.note_number == citing.note_refs[0])
    assert page.find("a", href=f"#{target.id}")
    # the judgments, each a coloured badge
    (judgments,) = page.find("section", class_="judgments")
    assert "Requires improvement" in judgments["text"]
    assert len(page.find("span", class_="grade-requires-improvement")) >= 2


def test_unknown_report_is_a_friendly_404(client: FlaskClient) -> None:
    page, text = get_page(client, "/reports/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", status=404)
    assert page.find("h1")[0]["text"] == "Page not found"
    assert "no report called “<img src=x onerror=alert(1)>”" in page.find("p", class_="error")[0]["text"]
    assert "<img" not in text and page.find("img") == []
    assert page.find("a", href="/")


def test_unknown_page_is_a_friendly_404(client: FlaskClient) -> None:
    page, _ = get_page(client, "/no/such/page", status=404)
    assert page.find("h1")[0]["text"] == "Page not found"
    assert client.post("/").status_code == 405


# ---------------------------------------------------------------- the presentation helpers


def test_highlight_pieces_cover_the_text_once() -> None:
    text = "abcdefghij"
    assert highlight_pieces(text, []) == [(text, False)]
    assert highlight_pieces(text, [[2, 4], [3, 6], [8, 99], [-5, 1], [5, 5]]) == [
        ("a", True), ("b", False), ("cdef", True), ("gh", False), ("ij", True),
    ]  # fmt: skip
    assert highlight_pieces("", [[0, 3]]) == []


def test_answer_pieces_link_only_listed_citations() -> None:
    assert answer_pieces("A [1] b [2][7] c", [1, 2]) == [
        ("A ", None), ("[1]", 1), (" b ", None), ("[2]", 2), ("[7] c", None),
    ]  # fmt: skip


def _passage(number: int, section: tuple[str, ...], kind: str = "paragraph") -> Passage:
    return Passage(
        id=f"r:p{number:04d}", report_id="r", kind=kind, text=f"text {number}", section=section,
        paragraph=number, page=1, start=0, end=1,
    )  # fmt: skip


def test_outline_heads_only_the_levels_that_change() -> None:
    passages = [
        _passage(1, ("A", "A1")),
        _passage(2, ("A", "A1"), "list_item"),
        _passage(3, ("A", "A1"), "list_item"),
        _passage(4, ("A", "Notes"), "footnote"),  # a footnote does not change the heading
        _passage(5, ("A", "A2")),
        _passage(6, ("B",)),
    ]
    shape = [(b.kind, b.level, b.title, [p.paragraph for p in b.passages]) for b in outline(passages)]
    assert shape == [
        ("heading", 2, "A", []),
        ("heading", 3, "A1", []),
        ("passage", 0, "", [1]),
        ("list", 0, "", [2, 3]),
        ("passage", 0, "", [4]),
        ("heading", 3, "A2", []),
        ("passage", 0, "", [5]),
        ("heading", 2, "B", []),
        ("passage", 0, "", [6]),
    ]


def test_citation_text_quotes_the_highlight_or_the_passage() -> None:
    passage = {
        "text": "First sentence. Second sentence.", "highlights": [[16, 32]],
        "report": {"title": "PEEL 2015", "force": "Wiltshire Police"},
        "section": ["Q1", "Areas"], "paragraph": 12, "page": None, "url": "/reports/r#r:p0012",
    }  # fmt: skip
    assert citation_text(passage, "http://host:8000/") == (
        "“Second sentence.”, PEEL 2015, Wiltshire Police, Q1 › Areas, ¶ 12. http://host:8000/reports/r#r:p0012"
    )
    passage.update(highlights=[], page=3, section=[])
    assert citation_text(passage, "http://h") == (
        "“First sentence. Second sentence.”, PEEL 2015, Wiltshire Police, ¶ 12, p. 3. http://h/reports/r#r:p0012"
    )


# ---------------------------------------------------------------- many reports: picker, matrix, originals


def test_the_picker_sets_the_filters_without_javascript(client: FlaskClient) -> None:
    page, _ = get_page(client, "/")
    (form,) = page.find("form", id="ask-form")
    assert form["attrs"]["method"] == "get"
    assert [page.find("select", name=name)[0]["attrs"]["id"] for name in ("report", "force", "year")] == [
        "pick-report", "pick-force", "pick-year",
    ]  # fmt: skip
    labels = page.find("label", class_="pick-label")
    assert [(label["text"], label["attrs"]["for"]) for label in labels] == [
        ("Report", "pick-report"), ("Force", "pick-force"), ("Year", "pick-year"),
    ]  # fmt: skip
    assert [o["text"] for o in page.find("option", value="")] == ["All reports", "All forces", "All years"]
    assert page.find("option", value=REPORT_ID) and page.find("option", value="Wiltshire Police")
    assert page.find("option", value="2015")
    (scope,) = page.find("p", id="scope")
    assert " ".join(scope["text"].split()) == "Searching the one report loaded."


def test_a_picked_force_is_kept_and_searched(client: FlaskClient) -> None:
    page, _ = get_page(client, f"/?q={quote_plus(AFI)}&report=&force=Wiltshire+Police&year=2015")
    assert len(page.find("li", class_="source")) == 8
    assert "selected" in page.find("option", value="Wiltshire Police")[0]["attrs"]
    assert "selected" in page.find("option", value="2015")[0]["attrs"]
    page, _ = get_page(client, f"/?q={quote_plus(AFI)}&force=Kent+Police")
    assert page.find("p", class_="not-found")
    assert "No report matches these choices" in page.find("p", id="scope")[0]["text"]
    page, _ = get_page(client, f"/?q={quote_plus(AFI)}&report=nope", status=400)
    assert "There is no report 'nope'" in page.find("p", class_="error")[0]["text"]


def test_the_picker_fragment_is_the_same_markup(client: FlaskClient) -> None:
    page, _ = get_page(client, "/fragments/picker?year=2015")
    (fieldset,) = page.find("fieldset", id="picker")
    assert "selected" in page.find("option", value="2015")[0]["attrs"]
    assert "Searching the one report loaded." in " ".join(fieldset["text"].split())
    assert page.find("html") == []  # a fragment, not a page


def test_citations_link_to_the_original_file(client: FlaskClient) -> None:
    page, _ = get_page(client, "/?q=What+is+Operation+Holcroft%3F")
    links = page.find("a", class_="source-link")
    assert links and {a["attrs"]["href"] for a in links} == {f"/reports/{REPORT_ID}/source"}
    assert {a["text"] for a in links} == {"Original file"}  # a text report: no page to open at


def test_the_grade_matrix_page_is_an_accessible_table(client: FlaskClient) -> None:
    page, text = get_page(client, "/reports")
    (table,) = page.find("table", class_="matrix")
    (caption,) = page.find("caption")
    assert caption["text"].startswith("Grades by report and inspection question")
    columns = page.find("th", scope="col")
    assert columns[0]["text"] == "Report" and len(columns) == 1 + 5
    # each column is the whole question for a screen reader, the part that differs for the eye
    assert columns[2]["text"] == (
        "How effective is the force at preventing crime and anti-social behaviour, and keeping people safe?"
    )
    assert columns[2]["attrs"]["title"] == columns[2]["text"]
    (row,) = page.find("th", scope="row")
    assert "Wiltshire Police 2015" in row["text"] and "PEEL: Police effectiveness 2015" in row["text"]
    assert page.find("a", href=f"/reports/{REPORT_ID}") and page.find("a", href=f"/reports/{REPORT_ID}/source")
    cells = page.find("td", class_="matrix-cell")
    assert [" ".join(c["text"].split()) for c in cells] == ["Good", "Good", "Good", "Requires improvement", "Good"]
    assert len(page.find("span", class_="grade-requires-improvement")) == 2  # the cell and the legend
    (legend,) = page.find("ul", class_="legend")
    for grade in ("Outstanding", "Good", "Requires improvement", "Inadequate", "not graded"):
        assert grade in legend["text"]
    assert page.find("a", href="/reports")  # the site's navigation leads here


def test_the_add_report_form_is_offered_only_with_a_token(app: Flask, index_dir: Path, corpus_dir: Path) -> None:
    page, _ = get_page(app.test_client(), "/")
    assert page.find(id="add-report") == []
    with_token = create_app(
        {
            "PEELQA_INDEX_DIR": str(index_dir),
            "PEELQA_CORPUS_DIR": str(corpus_dir),
            "PEELQA_ADMIN_TOKEN": "t",
            "PEELQA_MAX_UPLOAD_MB": "20",
        }
    )
    page, text = get_page(with_token.test_client(), "/")
    (details,) = page.find("details", id="add-report")
    assert "hidden" in details["attrs"]  # the script shows it: the token travels in a header
    assert page.find("input", type="password", id="add-token")
    (file,) = page.find("input", type="file", name="file")
    assert "application/pdf" in file["attrs"]["accept"]
    for field in ("add-token", "add-file", "add-title", "add-force", "add-year"):
        assert page.find("label", **{"for": field})
    assert "up to 20 MB" in details["text"]
    assert "secret" not in text and '"t"' not in text  # the token itself is never on the page


def test_grade_matrix_matches_questions_across_reports() -> None:
    wiltshire = {
        "id": "w", "title": "PEEL 2015", "force": "Wiltshire Police", "year": 2015,
        "judgments": {"How effective is the force at keeping people safe?": "Good",
                      "How effective is the force at investigating crime?": "Requires improvement"},
    }  # fmt: skip
    dorset = {
        "id": "d", "title": "PEEL 2016", "force": "Dorset Police", "year": 2016,
        "judgments": {"How  effective is the force at Keeping people safe": "Outstanding",
                      "How effective is the force at tackling serious crime?": "Inadequate"},
    }  # fmt: skip
    older = {**dorset, "id": "d0", "year": 2015, "judgments": {}}
    matrix = grade_matrix([wiltshire, dorset, older])
    assert matrix.lead == "How effective is the force at"
    rests = [c.rest for c in matrix.columns]
    assert rests == ["keeping people safe?", "investigating crime?", "tackling serious crime?"]
    assert [(r["id"], cells) for r, cells in matrix.rows] == [
        ("d", ("Outstanding", None, "Inadequate")),
        ("d0", (None, None, None)),
        ("w", ("Good", "Requires improvement", None)),
    ]
    assert question_key("How effective is the force at ‘keeping’ people safe?") == question_key(
        "how effective is the force at 'keeping' people safe"
    )
    assert grade_matrix([]).columns == () and grade_matrix([wiltshire]).lead == "How effective is the force at"


def test_picker_offers_each_force_once_and_years_newest_first() -> None:
    reports = [
        {"id": "a", "title": "A", "force": "Dorset Police", "year": 2015},
        {"id": "b", "title": "B", "force": "dorset police", "year": 2017},
        {"id": "c", "title": "C", "force": "Avon and Somerset Constabulary", "year": None},
    ]
    choices = picker(reports)
    assert choices.forces == ("Avon and Somerset Constabulary", "Dorset Police")
    assert choices.years == (2017, 2015)
    assert choices.reports[0] == ("c", "Avon and Somerset Constabulary — C")
    assert in_scope(reports[1], report_ids=[], force="DORSET POLICE ", year=None)
    assert not in_scope(reports[1], report_ids=["a"], force=None, year=None)
    assert not in_scope(reports[0], report_ids=[], force=None, year=2017)
