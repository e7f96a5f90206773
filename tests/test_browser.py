"""The pages in a real browser: headless Debian Chromium driven by Playwright.

A waitress server runs the real app (real index, real model) in a thread on
127.0.0.1. Screenshots land in test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from conftest import ARTIFACTS, REPORT, REPORT_ID
from playwright.sync_api import Browser, Dialog, Page, Request, expect, sync_playwright

from peelqa.serving import create_server
from peelqa.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
AFI = "What are the areas for improvement?"
GRADE_QUESTION = "How was the force graded for protecting vulnerable people?"
CALLS = "How many calls for assistance per 1,000 population?"
WAIT_MS = 60_000  # generous: shared machines are noisy; nothing here asserts a duration

expect.set_options(timeout=WAIT_MS)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (apt-get install chromium)"),
]



@pytest.fixture(scope="module")
def base_url(index_dir: Path, corpus_dir: Path) -> Iterator[str]:
    app = create_app({"PEELQA_INDEX_DIR": str(index_dir), "PEELQA_CORPUS_DIR": str(corpus_dir)})
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.task_dispatcher.shutdown()
    server.close()
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


@pytest.fixture
def console_errors() -> list[str]:
    """Script errors and failed loads the page reports; a test may remove those it expects."""
    return []


@pytest.fixture
def page(browser: Browser, console_errors: list[str]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    errors = console_errors
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield page
    context.close()
    assert errors == [], errors  # no script errors, no CSP violations


def shot(page: Page, name: str, *, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"browser-{name}.png"), full_page=full_page)


def asked(request: Request) -> dict[str, list[str]]:
    """The query of a request for an answer fragment: what the page asked with."""
    return parse_qs(urlsplit(request.url).query, keep_blank_values=True)


def test_ask_by_typing_then_follow_a_citation_to_the_report(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    expect(page.locator(".suggestion")).to_have_count(4)
    shot(page, "1-empty")

    box = page.get_by_label("Your question")
    box.press_sequentially(AFI)
    with page.expect_request(lambda r: "/fragments/answer?" in r.url) as sent:
        box.press("Enter")
    assert asked(sent.value) == {"q": [AFI], "n": ["1"], "report": [""], "force": [""], "year": [""]}
    exchange = page.locator("#a1")
    expect(exchange.locator(".bubble-question")).to_contain_text(AFI)
    items = exchange.locator(".answer-list li")
    expect(items).to_have_count(8)
    for n in range(8):
        expect(items.nth(n).locator("a.cite")).to_have_attribute("href", f"#a1-c{n + 1}")
    expect(exchange.locator(".answer-group")).to_have_count(3)
    expect(exchange.locator("li.source")).to_have_count(8)
    expect(page.locator("#intro")).to_be_hidden()
    expect(page.locator("#status")).to_have_text("Answer ready, citing 8 passages.")  # for screen readers
    expect(box).to_have_value("")  # ready for the next question
    assert page.url == base_url + "/"  # no reload
    shot(page, "2-answer")

    # [3] jumps to the third cited passage on the page
    exchange.locator("a.cite", has_text="[3]").click()
    expect(page).to_have_url(re.compile(r"#a1-c3$"))
    expect(page.locator("#a1-c3")).to_be_in_viewport()

    # the passage's link opens the report at that passage, highlighted
    source = exchange.locator("#a1-c4")
    href = source.locator("a.read-link").get_attribute("href") or ""
    passage_id = href.split("#", 1)[1]
    source.locator("a.read-link").click()
    expect(page).to_have_url(f"{base_url}/reports/{REPORT_ID}#{passage_id}")
    target = page.locator(f'[id="{passage_id}"]')
    expect(target).to_be_in_viewport()
    expect(target).to_have_class(re.compile(r"\bis-target\b"))
    assert page.evaluate("document.querySelector(':target')?.id") == passage_id
    background = target.evaluate("element => getComputedStyle(element).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    expect(target).to_contain_text("digital evidence")
    shot(page, "3-report-passage")


def test_conversation_keeps_every_answer_newest_last(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.locator(".suggestion", has_text="Operation Holcroft").click()
    expect(page.locator("#a1 .answer-text")).to_contain_text("Operation Holcroft")
    box = page.get_by_label("Your question")
    box.fill("How was the force graded for protecting vulnerable people?")
    box.press("Enter")
    expect(page.locator("#a2 .answer-grade .grade")).to_have_text("Requires improvement")
    expect(page.locator("#a2 .grade-requires-improvement").first).to_be_visible()
    box.fill("What is the recipe for banana bread?")
    page.get_by_role("button", name="Ask").click()
    expect(page.locator("#a3 .not-found")).to_contain_text("Nothing relevant found")
    expect(page.locator("#a3 details.scores[open]")).to_have_count(5)
    questions = page.locator(".exchange .bubble-question")
    expect(questions).to_have_count(3)
    expect(questions.last).to_contain_text("banana bread")
    shot(page, "4-conversation", full_page=True)


SHAPE_JS = """
selector => Array.from(document.querySelectorAll(selector + ' *'))
    .filter(e => !e.closest('.took'))
    .map(e => [
        e.tagName,
        e.className,
        (e.getAttribute('href') || '').replace(/^#a\\d+-/, '#'),
        (e.id || '').replace(/^a\\d+-/, ''),
        e.getAttribute('data-copy') || '',
        e.children.length ? '' : e.textContent.replace(/\\s+/g, ' ').trim(),
    ])
"""


@pytest.mark.parametrize(
    "question",
    [AFI, GRADE_QUESTION, "What are the grades?", "What is the recipe for banana bread?", CALLS],
)
def test_the_script_inserts_what_the_server_renders(page: Page, base_url: str, question: str) -> None:
    page.goto(base_url + "/?q=" + quote_plus(question))  # a1, in the page
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")  # a2, fetched as a fragment and inserted by app.js
    expect(page.locator("#a2 .took")).to_be_visible()
    server = page.evaluate(SHAPE_JS, "#a1 .bubble-answer")
    script = page.evaluate(SHAPE_JS, "#a2 .bubble-answer")
    assert len(server) > 10
    assert script == server


def test_shift_enter_makes_a_new_line(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    box = page.get_by_label("Your question")
    box.press_sequentially("What is")
    box.press("Shift+Enter")
    box.press_sequentially("Operation Holcroft?")
    expect(box).to_have_value("What is\nOperation Holcroft?")
    expect(page.locator(".exchange")).to_have_count(0)


def test_a_script_in_the_question_stays_text(page: Page, base_url: str) -> None:
    dialogs: list[str] = []

    def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    page.goto(base_url + "/")
    question = "<script>alert(1)</script><img src=x onerror=alert(2)> What is Operation Holcroft?"
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")
    expect(page.locator("#a1 .took")).to_be_visible()  # answered, whatever the answer
    expect(page.locator("#a1 .bubble-question")).to_contain_text(question)
    expect(page.locator(".exchange img")).to_have_count(0)
    page.goto(base_url + "/?q=" + quote_plus(question))  # and rendered by the server
    expect(page.locator("#a1 .bubble-question")).to_contain_text(question)
    assert dialogs == []


def test_errors_are_explained_in_the_conversation(page: Page, base_url: str, console_errors: list[str]) -> None:
    page.goto(base_url + "/")
    page.evaluate("document.getElementById('q').value = 'y'.repeat(1001)")  # past the box's maxlength
    page.get_by_label("Your question").press("Enter")
    expect(page.locator("#a1 .notice.error")).to_contain_text("too long")
    expect(page.locator("#a1 .notice.error")).to_contain_text("Please check your question.")
    console_errors.remove("Failed to load resource: the server responded with a status of 400 (BAD REQUEST)")


def test_copy_citation_copies_a_plain_text_citation(browser: Browser, base_url: str) -> None:
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = context.new_page()
    page.goto(base_url + "/?q=" + quote_plus("How long were computers waiting to be examined?"))
    button = page.locator("#a1-c1 .copy-citation")
    expect(button).to_be_visible()
    button.click()
    expect(button).to_have_text("Copied ✓")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "20 months" in copied and ", Wiltshire Police, " in copied
    assert copied.endswith(f"{base_url}/reports/{REPORT_ID}#{REPORT_ID}:p0136")
    context.close()


def test_without_javascript_the_form_and_links_still_answer(browser: Browser, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base_url + "/?q=" + quote_plus(AFI))
    expect(page.locator("#a1 .answer-list li")).to_have_count(8)
    expect(page.locator(".copy-citation").first).to_be_hidden()  # needs JavaScript, so not offered
    shot(page, "5-no-js-answer")

    page.goto(base_url + "/")
    page.get_by_label("Your question").fill("What is Operation Holcroft?")
    page.get_by_role("button", name="Ask").click()
    expect(page).to_have_url(re.compile(r"/\?(report=&force=&year=&)?q=What\+is\+Operation\+Holcroft%3F$"))
    expect(page.locator("#a1 .answer-text")).to_contain_text("Operation Holcroft")

    # a follow-up carries the conversation in the form's hidden fields
    page.get_by_label("Your question").fill("What is khat?")
    page.get_by_role("button", name="Ask").click()
    expect(page).to_have_url(re.compile(r"history=What\+is\+Operation\+Holcroft%3F&q=What\+is\+khat%3F$"))
    expect(page.locator("#earlier")).to_contain_text("What is Operation Holcroft?")
    expect(page.locator("#a1 .answer-text")).to_contain_text("khat", ignore_case=True)
    expect(page.locator('#ask-form input[name="history"]')).to_have_count(2)
    shot(page, "5b-no-js-follow-up")
    page.get_by_role("button", name="New conversation").click()
    expect(page).to_have_url(re.compile(r"/\??$"))
    expect(page.locator(".exchange")).to_have_count(0)
    expect(page.locator('#ask-form input[name="history"]')).to_have_count(0)

    page.goto(base_url + "/?q=" + quote_plus("What is Operation Holcroft?"))
    page.locator("#a1 a.read-link").first.click()
    passage_id = page.url.split("#", 1)[1]
    expect(page.locator(f'[id="{passage_id}"]')).to_be_in_viewport()
    context.close()


def test_readable_on_a_phone(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    for url, name in ((f"/?q={quote_plus(AFI)}", "6-phone-answer"), (f"/reports/{REPORT_ID}", "7-phone-report")):
        page.goto(base_url + url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px on a phone"
        shot(page, name)
    context.close()


def test_keyboard_focus_is_visible(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand link
    page.keyboard.press("Tab")  # the first report link or suggestion
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


# ---------------------------------------------------------------- a conversation, charts and exports


def ask_on_the_page(page: Page, question: str) -> Request:
    """Type `question` and send it; the request the page made for its answer."""
    box = page.get_by_label("Your question")
    box.fill(question)
    with page.expect_request(lambda r: "/fragments/answer?" in r.url) as sent:
        box.press("Enter")
    return sent.value


def test_follow_ups_carry_the_conversation_and_new_conversation_clears_it(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    tools = page.locator("#conversation-tools")
    expect(tools).to_be_hidden()
    first = ask_on_the_page(page, GRADE_QUESTION)
    assert asked(first).get("history") is None  # a first question stands alone
    expect(page.locator("#a1 .answer-grade .grade")).to_have_text("Requires improvement")
    expect(tools).to_be_visible()

    second = ask_on_the_page(page, "What is Operation Holcroft?")
    assert asked(second)["history"] == [GRADE_QUESTION]
    expect(page.locator("#a2 .answer-text")).to_contain_text("Operation Holcroft")
    third = ask_on_the_page(page, "How long were computers waiting to be examined?")
    assert asked(third)["history"] == [GRADE_QUESTION, "What is Operation Holcroft?"]  # oldest first
    expect(page.locator("#a3 .took")).to_be_visible()
    expect(page.locator(".exchange .understood")).to_have_count(0)  # each stood alone: nothing to explain
    shot(page, "13-conversation", full_page=True)

    page.get_by_role("button", name="New conversation").click()
    expect(page.locator(".exchange")).to_have_count(0)
    expect(page.locator("#intro")).to_be_visible()
    expect(tools).to_be_hidden()
    expect(page.locator("#status")).to_have_text("New conversation.")
    fresh = ask_on_the_page(page, "What is khat?")
    assert asked(fresh).get("history") is None and asked(fresh)["n"] == ["1"]
    expect(page.locator("#a1 .answer-text")).to_contain_text("khat", ignore_case=True)
    assert page.url == base_url + "/"


def test_a_refused_question_stays_out_of_the_conversation(page: Page, base_url: str, console_errors: list[str]) -> None:
    page.goto(base_url + "/")
    ask_on_the_page(page, "What is khat?")
    expect(page.locator("#a1 .took")).to_be_visible()
    page.evaluate("document.getElementById('q').value = 'y'.repeat(1001)")
    page.get_by_label("Your question").press("Enter")
    expect(page.locator("#a2 .notice.error")).to_contain_text("too long")
    console_errors.remove("Failed to load resource: the server responded with a status of 400 (BAD REQUEST)")
    after = ask_on_the_page(page, "What is Operation Holcroft?")
    assert asked(after)["history"] == ["What is khat?"]


def test_a_conversation_carried_on_from_a_link_keeps_its_history(page: Page, base_url: str) -> None:
    page.goto(base_url + "/?" + "&".join(f"{k}={quote_plus(v)}" for k, v in (("history", AFI), ("q", "What is khat?"))))
    expect(page.locator("#earlier")).to_contain_text(AFI)
    follow = ask_on_the_page(page, "What is Operation Holcroft?")
    assert asked(follow)["history"] == [AFI, "What is khat?"]
    expect(page.locator("#a2 .took")).to_be_visible()
    page.get_by_role("button", name="New conversation").click()
    expect(page.locator("#earlier")).to_have_count(0)
    expect(page).to_have_url(base_url + "/")


def test_a_follow_up_shows_what_it_was_understood_as(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    ask_on_the_page(page, GRADE_QUESTION)
    expect(page.locator("#a1 .answer-grade .grade")).to_have_text("Requires improvement")
    follow = "And for serious and organised crime?"
    request = ask_on_the_page(page, follow)
    assert asked(request)["history"] == [GRADE_QUESTION]
    understood = page.locator("#a2 .understood")
    expect(understood).to_contain_text("Understood as:", timeout=10_000)
    expect(understood).to_contain_text("serious and organised crime")
    expect(page.locator("#a2 .answer-grade .grade")).to_have_text("Good")
    shot(page, "14-understood-as")


def test_a_conversation_of_five_follow_ups_answers_each_from_the_right_passages(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    ask_on_the_page(page, GRADE_QUESTION)
    expect(page.locator("#a1 .answer-grade .grade")).to_have_text("Requires improvement")
    expect(page.locator("#a1 .understood")).to_have_count(0)  # a first question stands alone
    conversation = [GRADE_QUESTION]
    follow_ups = [
        ("And for serious and organised crime?", "How was the force graded for serious and organised crime?"),
        ("What about investigation?", "How was the force graded for investigation?"),
        ("And what were the areas for improvement?", "What were the areas for improvement in investigation?"),
        (
            "Which of those are about digital evidence?",
            "Which of the areas for improvement in investigation are about digital evidence?",
        ),
        ("Why is that a problem?", "Why is digital evidence a problem?"),
    ]
    for n, (question, understood) in enumerate(follow_ups, start=2):
        request = ask_on_the_page(page, question)
        assert asked(request)["history"] == conversation
        conversation.append(question)
        exchange = page.locator(f"#a{n}")
        expect(exchange.locator(".understood-question")).to_have_text(understood)
        expect(exchange.locator(".took")).to_be_visible()
    first_source = "li.source .passage-text >> nth=0"
    expect(page.locator("#a2 .answer-grade .grade")).to_have_text("Good")
    expect(page.locator(f"#a2 {first_source}")).to_contain_text("tackling serious and organised crime")
    expect(page.locator("#a3 .answer-grade .grade")).to_have_text("Good")
    expect(page.locator(f"#a3 {first_source}")).to_contain_text("good at investigating crime and managing offenders")
    items = page.locator("#a4 .answer-list li")
    expect(items).to_have_count(5)  # the investigation chapter's, and no other
    expect(items.nth(2)).to_contain_text("retrieve digital evidence from mobile phones")
    # every area for improvement, the investigation chapter's (which hold the digital one) first
    expect(page.locator("#a5 .answer-list").first).to_contain_text("retrieve digital evidence from mobile phones")
    expect(page.locator(f"#a6 {first_source}")).to_contain_text("digital evidence")
    expect(page.locator("#a6 li.source .passage-text").filter(has_text="delays")).not_to_have_count(0)
    shot(page, "14b-five-follow-ups", full_page=True)


def test_a_cited_figure_is_drawn_as_a_bar_chart(browser: Browser, base_url: str) -> None:
    for name, viewport in (("15-chart-desktop", {"width": 1280, "height": 900}), ("16-chart-phone", {"width": 375, "height": 740})):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(base_url + "/")
        ask_on_the_page(page, "How has recorded crime changed since 2010?")
        charts = page.locator("#a1 figure.chart svg")
        expect(charts).to_have_count(2)
        negative = charts.nth(0)
        expect(negative).to_be_visible()
        expect(negative.locator("text.chart-value")).to_have_text(["-10.7%", "-12.6%"])
        expect(negative.locator("desc")).to_have_text("Wiltshire Police -10.7%; England and Wales -12.6%.")
        expect(negative).to_have_attribute("role", "img")
        expect(page.get_by_role("img", name=re.compile("Bar chart: Changes in recorded crime"))).to_have_count(2)
        # drawn, not just present: the bars have size, coloured by the stylesheet, the force's own apart
        fills = negative.locator("rect.chart-bar").evaluate_all("bars => bars.map(b => getComputedStyle(b).fill)")
        assert len(set(fills)) == 2 and "none" not in fills
        box = negative.bounding_box()
        assert box is not None and box["width"] > 250 and box["height"] > 60
        # the values sit beside their bars, inside the chart
        for value in negative.locator("text.chart-value").all():
            text_box = value.bounding_box()
            assert text_box is not None and text_box["x"] >= box["x"] - 1
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
        page.locator("#a1 .charts").evaluate("charts => charts.scrollIntoView({block: 'start'})")
        shot(page, name)
        assert errors == [], errors  # no CSP refusals
        context.close()


def test_copy_answer_puts_markdown_on_the_clipboard(browser: Browser, base_url: str) -> None:
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = context.new_page()
    page.goto(base_url + "/")
    ask_on_the_page(page, "How long were computers waiting to be examined?")
    button = page.locator("#a1 .copy-answer")
    expect(button).to_be_visible()
    button.click()
    expect(button).to_have_text("Copied ✓")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "20 months" in copied and "[1]" in copied
    assert "\n\nReferences:\n\n- [1] *PEEL: Police effectiveness 2015*, Wiltshire Police — " in copied
    assert re.search(r" — paragraph \d+, page \d+ — <" + re.escape(base_url) + r"/reports/" + REPORT_ID + "#", copied)
    expect(button).to_have_text("Copy answer")
    context.close()


def test_the_conversation_downloads_as_markdown(browser: Browser, base_url: str) -> None:
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(base_url + "/")
    ask_on_the_page(page, AFI)
    expect(page.locator("#a1 .took")).to_be_visible()
    ask_on_the_page(page, CALLS)
    expect(page.locator("#a2 .took")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download conversation").click()
    assert re.fullmatch(r"peelqa-conversation-\d{4}-\d{2}-\d{2}\.md", download.value.suggested_filename)
    path = download.value.path()
    text = Path(path).read_text(encoding="utf-8")
    assert text.startswith("# Questions to the police inspection reports\n\n## What are the areas for improvement?\n")
    first, second = text.split(f"\n## {CALLS}\n")
    assert len(re.findall(r"^- \[\d\] \*PEEL", first, re.M)) == 8
    assert "Wiltshire Police 48; England and Wales 350 [1]" in second
    assert f"<{base_url}/reports/{REPORT_ID}#{REPORT_ID}:p0032>" in second
    context.close()


# ---------------------------------------------------------------- many reports


def test_the_picker_scopes_the_question(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    expect(page.locator("#scope")).to_have_text("Searching the one report loaded.")
    page.get_by_label("Force").select_option("Wiltshire Police")
    page.get_by_label("Year").select_option("2015")
    expect(page.locator("#scope")).to_have_text("Searching the one report loaded.")  # refreshed, the same
    box = page.get_by_label("Your question")
    box.fill(AFI)
    with page.expect_request(lambda r: "/fragments/answer?" in r.url) as sent:
        box.press("Enter")
    assert asked(sent.value) == {"q": [AFI], "n": ["1"], "report": [""], "force": ["Wiltshire Police"], "year": ["2015"]}
    expect(page.locator("#a1 .answer-list li")).to_have_count(8)
    expect(page.get_by_label("Force")).to_have_value("Wiltshire Police")  # the choice stays for the next question
    shot(page, "8-picker")


def test_the_picker_works_without_javascript(browser: Browser, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "/")
    page.get_by_label("Report", exact=True).select_option(REPORT_ID)
    page.get_by_label("Your question").fill("What is Operation Holcroft?")
    page.get_by_role("button", name="Ask").click()
    expect(page).to_have_url(re.compile(rf"report={REPORT_ID}"))
    expect(page.locator("#a1 .answer-text")).to_contain_text("Operation Holcroft")
    expect(page.get_by_label("Report", exact=True)).to_have_value(REPORT_ID)
    context.close()


def test_the_grade_matrix(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_role("link", name="Reports and grades").click()
    expect(page).to_have_url(base_url + "/reports")
    table = page.get_by_role("table", name=re.compile("Grades by report and inspection question"))
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table.get_by_role("columnheader")).to_have_count(6)
    cell = table.locator("td .grade-requires-improvement")
    expect(cell).to_have_text("Requires improvement")
    colour = cell.evaluate("element => getComputedStyle(element).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
    shot(page, "9-grade-matrix", full_page=True)
    original = table.get_by_role("link", name="original file")
    expect(original).to_have_attribute("href", f"/reports/{REPORT_ID}/source")
    response = page.request.get(base_url + f"/reports/{REPORT_ID}/source")
    assert response.ok and response.text() == REPORT.read_text(encoding="utf-8")


# ---------------------------------------------------------------- adding a report from the page

TOKEN = "browser-admin-token"
JOB_WAIT_MS = 600_000  # a real rebuild on a shared machine; nothing here asserts a duration


@pytest.fixture(scope="module")
def admin_url(tmp_path_factory: pytest.TempPathFactory, index_dir: Path, corpus_dir: Path) -> Iterator[str]:
    """A server with the admin token, on copies of the index and corpus that it may change."""
    folder = tmp_path_factory.mktemp("browser-admin")
    shutil.copytree(index_dir, folder / "index")
    shutil.copytree(corpus_dir, folder / "corpus")
    app = create_app(
        {
            "PEELQA_INDEX_DIR": str(folder / "index"),
            "PEELQA_CORPUS_DIR": str(folder / "corpus"),
            "PEELQA_ADMIN_TOKEN": TOKEN,
        }
    )
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="waitress-admin", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.task_dispatcher.shutdown()
    server.close()
    thread.join(timeout=30)


def test_add_a_report_from_the_page(page: Page, admin_url: str, console_errors: list[str]) -> None:
    dorset = REPORT.read_text(encoding="utf-8").replace("Wiltshire", "Dorset").encode("utf-8")
    page.goto(admin_url + "/")
    page.get_by_text("Add a report").click()
    form = page.locator("#add-form")
    expect(form.get_by_label("Admin token")).to_be_visible()
    form.get_by_label("Report file").set_input_files(
        {"name": "peel-effectiveness-2015-dorset.txt", "mimeType": "text/plain", "buffer": dorset}
    )
    form.get_by_label("Force").fill("Dorset Police")

    form.get_by_label("Admin token").fill("not the token")
    form.get_by_role("button", name="Add the report").click()
    expect(page.locator("#add-message")).to_contain_text("missing or wrong")
    console_errors.remove("Failed to load resource: the server responded with a status of 401 (UNAUTHORIZED)")

    form.get_by_label("Admin token").fill(TOKEN)
    form.get_by_role("button", name="Add the report").click()
    expect(page.locator("#add-job")).to_have_attribute("data-state", re.compile("queued|running|sending|done"))
    shot(page, "10-adding-a-report")
    expect(page.locator("#add-message")).to_contain_text("It is in the report picker now", timeout=JOB_WAIT_MS)
    expect(page.locator("#add-job")).to_have_attribute("data-state", "done")
    shot(page, "11-report-added")

    # the new report is offered, and answers
    force = page.get_by_label("Force", exact=True)  # the picker's; the form's is "Force optional"
    expect(force.locator("option")).to_have_text(["All forces", "Dorset Police", "Wiltshire Police"])
    force.select_option("Dorset Police")
    expect(page.locator("#scope")).to_contain_text("Searching 1 of 2 reports")
    box = page.get_by_label("Your question")
    box.fill(AFI)
    box.press("Enter")
    expect(page.locator("#a1 .answer-list li")).to_have_count(8)
    expect(page.locator("#a1 .source-force").first).to_have_text("Dorset Police")

    page.goto(admin_url + "/reports")
    expect(page.locator("table.matrix tbody tr")).to_have_count(2)
    expect(page.locator("table.matrix tbody th").first).to_contain_text("Dorset Police 2015")
    shot(page, "12-grade-matrix-two-reports", full_page=True)
