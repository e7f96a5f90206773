"""Fuzzing the parsers: random, truncated and garbled text and PDFs.

Whatever the bytes, parsing either refuses them with a `ReportParseError` or
gives a sane report, and never hangs: every example runs under an alarm. The
example counts keep the whole module to some seconds, for CI.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from conftest import REPORT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pdfs import BuiltPdf, build_pdf, wiltshire_document

from peelqa.errors import ReportParseError
from peelqa.parsing import ParsedReport, parse_bytes, parse_text

SEED = REPORT.read_text(encoding="utf-8")
SEED_LINES = [line for line in SEED.splitlines() if line.strip()]
HANG_SECONDS = 20  # far beyond any real parse: only a hang trips it

FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class Hang(Exception):
    pass


@contextmanager
def _no_hang() -> Iterator[None]:
    def ring(signum: int, frame: object) -> None:
        raise Hang(f"parsing took over {HANG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _assert_sane(parsed: ParsedReport, *, length: int | None = None) -> None:
    report, passages = parsed.report, parsed.passages
    assert passages, "a report without passages must be refused"
    assert isinstance(report.title, str) and isinstance(report.force, str)
    assert report.year is None or 1900 <= report.year <= 2099
    assert report.pages is None or report.pages >= 1
    json.dumps([report.to_dict(), *(p.to_dict() for p in passages)])
    first = 0 if passages[0].kind == "cover" else 1  # the cover, where it says something, is passage 0
    for order, passage in enumerate(passages, start=first):
        assert passage.id == f"{report.id}:p{order:04d}" and passage.paragraph == order
        assert passage.text.strip() and "\f" not in passage.text
        assert 0 <= passage.start < passage.end
        assert length is None or passage.end <= length
        if passage.page is not None:
            assert passage.page >= 1
            assert report.pages is None or passage.page <= report.pages
    assert [p.start for p in passages] == sorted(p.start for p in passages)


def _parse_text(text: str) -> None:
    with _no_hang():
        try:
            parsed = parse_text(text, source="fuzz.txt", sha256="-", report_id="fuzz")
        except ReportParseError as error:
            assert "\n" not in str(error) and str(error).startswith("fuzz.txt: ")
            return
    _assert_sane(parsed, length=len(text))


def _parse_bytes(data: bytes, name: str = "fuzz.pdf") -> None:
    with _no_hang():
        try:
            parsed = parse_bytes(data, source=name, report_id="fuzz")
        except ReportParseError as error:
            assert "\n" not in str(error) and str(error).startswith(f"{name}: ")
            return
    _assert_sane(parsed)


# -- text ----------------------------------------------------------------------

SHAPES = [
    "Contents",
    "Good",
    "Requires improvement",
    "Areas for improvement",
    "Summary of findings",
    "How effective is the force at keeping people safe?",
    "Overview – How effective is the force?\t3",
    "Overall judgment.....\t3",
    "- The force should train its staff.",
    "1. A numbered item",
    "¹ A footnote about something.",
    "²⁷ Another note.",
    "Available from: www.example.org/x",
    "Figure 1: A chart^{8 9}",
    "Source: Home Office data",
    "Rates\tWiltshire Police\tEngland and Wales",
    "Crime\t47.8\t63.0",
    "Wiltshire Police",
    "48",
    "+2.4%",
    "12",
    "PEEL: Police effectiveness 2015 – Wiltshire Police",
    "the paragraph goes on in lower case and",
    "inves-",
    "tigating the matter.",
    "www.example.org/reports/",
    "",
]

report_lines = st.lists(st.sampled_from(SHAPES) | st.sampled_from(SEED_LINES) | st.text(max_size=40), max_size=60)
separators = st.sampled_from(["\n", "\n\n", "\f", "\n\f\n", "\r\n", "\t", " "])


@settings(FUZZ, max_examples=150)
@given(st.text(max_size=2000))
def test_random_text(text: str) -> None:
    _parse_text(text)
    _parse_bytes(text.encode("utf-8"), "fuzz.txt")


@settings(FUZZ, max_examples=150)
@given(report_lines, st.lists(separators, min_size=1, max_size=60))
def test_text_shaped_like_a_report(lines: list[str], seps: list[str]) -> None:
    text = "".join(line + seps[i % len(seps)] for i, line in enumerate(lines))
    _parse_text(text)


@st.composite
def garbled_seed(draw: st.DrawFn) -> str:
    text = SEED
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["cut", "delete", "insert", "duplicate", "page"]))
        if action == "cut":
            text = text[:at]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 5000)) :]
        elif action == "insert":
            text = text[:at] + draw(st.text(max_size=200)) + text[at:]
        elif action == "duplicate":
            text = text[:at] + text[at : at + draw(st.integers(1, 3000))] + text[at:]
        else:
            text = text[:at] + "\f" + text[at:]
    return text


@settings(FUZZ, max_examples=25)
@given(garbled_seed())
def test_truncated_and_garbled_report_text(text: str) -> None:
    _parse_text(text)


@settings(FUZZ, max_examples=150)
@given(st.binary(max_size=4000))
def test_random_bytes(data: bytes) -> None:
    _parse_bytes(data)
    _parse_bytes(b"%PDF-1.7\n" + data)


# -- PDFs ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_pdfs(parsed_report: ParsedReport) -> list[BuiltPdf]:
    """The start of the shipped report (cover, contents, overview) as PDFs, compressed or not."""
    document = wiltshire_document(SEED, parsed_report)
    document.items = document.items[:24]
    return [build_pdf(document), build_pdf(document, compress=False)]


Mutation = Callable[[bytes], bytes]


@st.composite
def mutations(draw: st.DrawFn) -> Mutation:
    steps: list[Mutation] = []
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["truncate", "flip", "delete", "duplicate", "insert", "digits"]))
        at = draw(st.floats(0, 1))
        size = draw(st.integers(1, 400))
        junk = draw(st.binary(min_size=1, max_size=64))

        def step(data: bytes, action: str = action, at: float = at, size: int = size, junk: bytes = junk) -> bytes:
            i = int(at * len(data))
            if action == "truncate":
                return data[:i]
            if action == "flip":
                return data[:i] + bytes(b ^ 0xFF for b in data[i : i + size]) + data[i + size :]
            if action == "delete":
                return data[:i] + data[i + size :]
            if action == "duplicate":
                return data[:i] + data[i : i + size] + data[i:]
            if action == "insert":
                return data[:i] + junk + data[i:]
            # numbers in page streams: positions, sizes, matrices
            return data[:i] + data[i : i + size].translate(bytes.maketrans(b"0123456789", b"9876543210")) + data[i + size :]

        steps.append(step)

    def mutate(data: bytes) -> bytes:
        for step in steps:
            data = step(data)
        return data

    return mutate


@settings(FUZZ, max_examples=50)
@given(st.integers(0, 1), mutations())
def test_mutated_pdfs(small_pdfs: list[BuiltPdf], which: int, mutate: Mutation) -> None:
    _parse_bytes(mutate(small_pdfs[which].data))


def test_the_unmutated_small_pdfs_parse(small_pdfs: list[BuiltPdf]) -> None:
    for built in small_pdfs:
        parsed = parse_bytes(built.data, source="small.pdf", report_id="small")
        _assert_sane(parsed)
        assert parsed.report.pages == built.pages


def test_a_large_garbage_text_is_parsed_in_bounded_time() -> None:
    """Shapes that once cost quadratic time: thousands of names, grades, open paragraphs, headings."""
    text = "\n\n".join(
        ["Wiltshire Police"] * 2000
        + ["Good", "A Heading Here"] * 1000
        + ["the force works with the", "¹ A note."] * 1000
        + [f"Heading number {i}?\t{i % 900}" for i in range(1000)]
    )
    _parse_text(text)
    _parse_text("\f".join(["Header line\n\n" + "\n".join(["word " * 14 + "the"] * 40) + "\n\n12"] * 100))


def test_the_fuzzers_own_report_still_parses(parsed_report: ParsedReport) -> None:
    """The alarm is no stand-in: the real report parses under it."""
    with _no_hang():
        parsed = parse_text(SEED, source=REPORT.name, sha256="-", report_id=parsed_report.report.id)
    assert parsed.passages == parsed_report.passages
    _assert_sane(parsed, length=len(SEED))


def test_the_alarm_rings_on_a_hang() -> None:
    with pytest.raises(Hang), _no_hang():
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        while True:
            pass
