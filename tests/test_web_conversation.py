"""The chat page's answers as fragments, its conversation, and answers as Markdown (Flask test client).

The real index and model answer; the page's script is tested in a real
browser by test_browser.py.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from conftest import REPORT_ID
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from test_web_ui import AFI, Page, get_page

from peelqa.contract import understood_as
from peelqa.requests import MAX_HISTORY
from peelqa.web.markdown import answer_markdown, escape, exchange_markdown

GRADE_QUESTION = "How was the force graded for protecting vulnerable people?"
CALLS = "How many calls for assistance per 1,000 population?"
BANANA = "What is the recipe for banana bread?"
_TOOK = re.compile(r"Answered in \d+ ms")


def _same(text: str) -> str:
    """Markup with the answer's timing and the whitespace between tags made alike."""
    return re.sub(r">\s+<", "><", _TOOK.sub("Answered in N ms", text)).strip()


def fragment(client: FlaskClient, status: int = 200, **params: Any) -> tuple[Page, str]:
    return get_page(client, "/fragments/answer?" + urlencode(params, doseq=True), status=status)


# ---------------------------------------------------------------- one renderer


@pytest.mark.parametrize("question", [AFI, GRADE_QUESTION, "What are the grades?", CALLS, BANANA])
def test_the_answer_fragment_is_what_the_page_renders(client: FlaskClient, question: str) -> None:
    _, page = get_page(client, "/?" + urlencode({"q": question}, doseq=True))
    parsed, text = fragment(client, q=question, n=1)
    assert "<html" not in text and "<form" not in text  # one exchange, not a page
    (exchange,) = [e for e in parsed.find("li", class_="exchange")]
    assert exchange["attrs"]["id"] == "a1"
    assert _same(text) in _same(page)


def test_the_fragment_numbers_its_exchange(client: FlaskClient) -> None:
    parsed, _ = fragment(client, q=AFI, n=3)
    assert parsed.find("li", class_="exchange")[0]["attrs"]["id"] == "a3"
    assert [s["attrs"]["id"] for s in parsed.find("li", class_="source")][:2] == ["a3-c1", "a3-c2"]
    assert parsed.find("a", class_="cite")[0]["attrs"]["href"] == "#a3-c1"
    assert fragment(client, q=AFI, n="007")[0].find("li", class_="exchange")[0]["attrs"]["id"] == "a7"
    for bad in ("0", "x", "-1", "1234567", "", "٣"):
        parsed, _ = fragment(client, q=AFI, n=bad)
        assert parsed.find("li", class_="exchange")[0]["attrs"]["id"] == "a1"


def test_the_fragment_takes_the_askers_filters(client: FlaskClient) -> None:
    parsed, _ = fragment(client, q=AFI, report=REPORT_ID, force="Wiltshire Police", year="2015")
    assert len(parsed.find("li", class_="source")) == 8
    parsed, _ = fragment(client, q=AFI, force="Kent Police")
    assert parsed.find("p", class_="not-found")


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"q": "  "}, 400, "The question is empty"),
        ({}, 400, "Add the question"),
        ({"q": "x" * 1001}, 400, "too long"),
        ({"q": AFI, "report": "nope"}, 400, "There is no report 'nope'"),
        ({"q": AFI, "history": [f"question {n}" for n in range(MAX_HISTORY + 1)]}, 400, "history must be a list"),
    ],
)
def test_fragment_errors_are_the_conversations_notices(
    client: FlaskClient, params: dict[str, Any], status: int, message: str
) -> None:
    parsed, _ = fragment(client, status=status, **params)
    (exchange,) = parsed.find("li", class_="exchange")
    (notice,) = parsed.find("p", class_="error")
    assert "Please check your question." in notice["text"] and message in notice["text"]
    assert message in exchange["attrs"]["data-status"]  # what the page announces
    assert "data-history" not in exchange["attrs"]  # a refused question does not join the conversation
    assert "data-markdown" not in exchange["attrs"]


def test_an_answered_exchange_carries_its_question_status_and_markdown(client: FlaskClient) -> None:
    parsed, _ = fragment(client, q=f"  {AFI} ", history=["What is khat?"])
    (exchange,) = parsed.find("li", class_="exchange")
    assert exchange["attrs"]["data-history"] == AFI  # as the service read it: trimmed
    assert exchange["attrs"]["data-status"] == "Answer ready, citing 8 passages."
    assert exchange["attrs"]["data-markdown"].startswith(f"## {AFI}\n\nAreas for improvement (8):\n")
    parsed, _ = fragment(client, q=BANANA)
    assert parsed.find("li", class_="exchange")[0]["attrs"]["data-status"] == "Nothing relevant found."


def test_a_standalone_question_is_answered_the_same_with_history(client: FlaskClient) -> None:
    alone, _ = fragment(client, q="What is khat?")
    followed, _ = fragment(client, q="What is khat?", history=[AFI, GRADE_QUESTION])
    passages = [[a["attrs"]["href"] for a in page.find("a", class_="read-link")] for page in (alone, followed)]
    assert passages[0] == passages[1] and passages[0]
    assert followed.find(class_="understood") == []


# ---------------------------------------------------------------- the conversation without JavaScript


def hidden_history(page: Page) -> list[str]:
    return [i["attrs"]["value"] for i in page.find("input", name="history") if i["attrs"].get("type") == "hidden"]


def test_the_form_carries_the_conversation_in_hidden_fields(client: FlaskClient) -> None:
    page, _ = get_page(client, "/")
    assert hidden_history(page) == []
    assert "hidden" in page.find(id="conversation-tools")[0]["attrs"]  # nothing to start again from

    page, _ = get_page(client, "/?" + urlencode({"q": GRADE_QUESTION}, doseq=True))
    assert hidden_history(page) == [GRADE_QUESTION]
    assert page.find(id="earlier") == []
    assert "hidden" not in page.find(id="conversation-tools")[0]["attrs"]

    follow_up = "And for serious and organised crime?"
    page, text = get_page(client, "/?" + urlencode({"q": follow_up, "history": [GRADE_QUESTION]}, doseq=True))
    assert hidden_history(page) == [GRADE_QUESTION, follow_up]
    (earlier,) = page.find(id="earlier")
    assert " ".join(earlier["text"].split()) == f"Earlier in this conversation {GRADE_QUESTION}"
    (exchange,) = page.find("li", class_="exchange")
    assert follow_up in exchange["text"]
    # the hidden fields are inside the ask form, so the next question sends them
    start = text.index('<form class="ask-form"')
    assert text[start : text.index("</form>", start)].count('name="history"') == 2


def test_a_refused_question_leaves_the_history_as_it_was(client: FlaskClient) -> None:
    page, _ = get_page(client, "/?" + urlencode({"q": "x" * 1001, "history": [AFI]}, doseq=True), status=400)
    assert hidden_history(page) == [AFI]


def test_the_history_keeps_the_latest_questions(client: FlaskClient) -> None:
    earlier = [f"Question {n}?" for n in range(MAX_HISTORY)]
    page, _ = get_page(client, "/?" + urlencode({"q": "What is khat?", "history": earlier}, doseq=True))
    assert hidden_history(page) == earlier[1:] + ["What is khat?"]


def test_new_conversation_is_a_button_that_works_without_javascript(client: FlaskClient) -> None:
    page, _ = get_page(client, "/?" + urlencode({"q": AFI}, doseq=True))
    (button,) = page.find("button", id="new-conversation")
    assert button["text"] == "New conversation"
    (restart,) = page.find("form", id=button["attrs"]["form"])
    assert restart["attrs"]["method"] == "get" and restart["attrs"]["action"] == "/"
    assert page.find("input", form=button["attrs"]["form"]) == []  # it sends nothing: a fresh page
    (download,) = page.find("button", id="download-conversation")
    assert "js-only" in download["attrs"]["class"].split()  # saving needs the script


# ---------------------------------------------------------------- "Understood as"


def _answer_data(question: str, resolved: str) -> dict[str, Any]:
    return {
        "question": question,
        "resolved_question": resolved,
        "answer": {"text": "An answer.", "sentences": [], "kind": "passages", "found": True},
        "passages": [],
        "took_ms": 1.0,
    }


def test_understood_as_only_when_the_question_was_read_differently() -> None:
    assert understood_as(_answer_data("And for investigation?", "How was the force graded for investigation?")) == (
        "How was the force graded for investigation?"
    )
    assert understood_as(_answer_data("What is khat?", "What is khat?")) is None
    assert understood_as(_answer_data("what is  khat?", "What is khat?")) is None  # case and spacing only
    assert understood_as({"question": "What is khat?"}) is None  # an answer from before the contract had it


def test_the_exchange_shows_what_the_follow_up_was_understood_as(app: Flask) -> None:
    resolved = "What grade did the force get for tackling <serious> and organised crime?"
    exchange = {"question": "And for serious and organised crime?", "data": _answer_data("And for serious and organised crime?", resolved)}
    with app.test_request_context("/"):
        rendered = render_template_string(
            '{% from "_answer.html" import exchange_item with context %}{{ exchange_item(e, "a2", "http://h/") }}',
            e=exchange,
        )
    page = Page(rendered)
    (understood,) = page.find("p", class_="understood")
    assert " ".join(understood["text"].split()) == f"Understood as: {resolved}"
    assert "&lt;serious&gt;" in rendered  # escaped like every other text
    markdown = page.find("li", class_="exchange")[0]["attrs"]["data-markdown"]
    assert markdown.startswith("## And for serious and organised crime?\n\n*Understood as:* What grade did the force")
    exchange["data"]["resolved_question"] = exchange["question"]
    with app.test_request_context("/"):
        rendered = render_template_string(
            '{% from "_answer.html" import exchange_item with context %}{{ exchange_item(e, "a2", "http://h/") }}',
            e=exchange,
        )
    assert 'class="understood"' not in rendered


# ---------------------------------------------------------------- Markdown


def test_copy_answer_holds_the_answer_as_markdown_with_numbered_references(client: FlaskClient) -> None:
    page, _ = get_page(client, "/?" + urlencode({"q": "How long were computers waiting to be examined?"}, doseq=True))
    (button,) = page.find("button", class_="copy-answer")
    assert button["text"] == "Copy answer" and "js-only" in button["attrs"]["class"].split()
    markdown = button["attrs"]["data-copy"]
    body, references = markdown.split("\n\nReferences:\n\n")
    assert "20 months" in body and "[1]" in body
    cited = sorted({int(n) for n in re.findall(r"\[(\d+)\]", body)})
    lines = references.strip().split("\n")
    assert [int(re.match(r"- \[(\d+)\] ", line).group(1)) for line in lines] == cited  # type: ignore[union-attr]
    first = lines[0]
    assert first.startswith("- [1] *PEEL: Police effectiveness 2015*, Wiltshire Police — ")
    assert "How well does the force gather digital evidence?" in first  # the section
    assert re.search(r" — paragraph \d+, page \d+ — ", first)
    assert first.endswith(f"<http://localhost/reports/{REPORT_ID}#{REPORT_ID}:p0136>")  # absolute, on this host


def test_markdown_of_a_list_keeps_groups_grades_and_citations(client: FlaskClient) -> None:
    page, _ = get_page(client, "/?" + urlencode({"q": AFI}, doseq=True))
    markdown = page.find("button", class_="copy-answer")[0]["attrs"]["data-copy"]
    assert markdown.startswith("Areas for improvement (8):\n\n**How effective is the force at preventing crime")
    assert len(re.findall(r"^- The force should .* \[\d\]$", markdown, re.M)) == 8
    assert len(re.findall(r"^- \[\d\] \*PEEL", markdown, re.M)) == 8
    page, _ = get_page(client, "/?" + urlencode({"q": "What are the grades?"}, doseq=True))
    markdown = page.find("button", class_="copy-answer")[0]["attrs"]["data-copy"]
    assert "- **Requires improvement**: How effective is the force at protecting" in markdown
    page, _ = get_page(client, "/?" + urlencode({"q": BANANA}, doseq=True))
    markdown = page.find("button", class_="copy-answer")[0]["attrs"]["data-copy"]
    assert markdown.startswith("**Nothing relevant found.**") and "\n\nNearest passages:\n\n- [1] " in markdown


def test_markdown_references_only_what_the_answer_cites() -> None:
    passage = {
        "rank": 1, "kind": "paragraph", "report": {"title": "T", "force": "F"}, "section": ["A", "B"],
        "paragraph": 3, "page": None, "note_number": None, "url": "/reports/r#r:p0003", "group": None, "grade": None,
    }  # fmt: skip
    data = {
        "question": "q",
        "answer": {"text": "Said [2].", "sentences": [{"text": "Said", "passage_id": "x", "citation": 2}],
                   "kind": "passages", "found": True},
        "passages": [passage, {**passage, "rank": 2, "paragraph": 4, "page": 9, "url": "/reports/r#r:p0004"}],
    }  # fmt: skip
    assert answer_markdown(data, "https://peel.example/") == (
        "Said [2].\n\nReferences:\n\n- [2] *T*, F — A › B — paragraph 4, page 9 — <https://peel.example/reports/r#r:p0004>\n"
    )
    assert exchange_markdown("  q\n ", {**data, "resolved_question": "q"}, "http://h").startswith("## q\n\nSaid [2].")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a *b* _c_ [d](e) <f> `g` | h \\ i", "a \\*b\\* \\_c\\_ \\[d\\](e) \\<f\\> \\`g\\` \\| h \\\\ i"),
        ("# not a heading\n- not a list\n12. not a list", "\\# not a heading\n\\- not a list\n12\\. not a list"),
        ("Wiltshire Police -10.7%; 5,054", "Wiltshire Police -10.7%; 5,054"),
    ],
)
def test_markdown_escapes_what_would_become_markup(text: str, shown: str) -> None:
    assert escape(text) == shown
