"""Predicates about the shape of a block: what kind of thing it looks like.

These rules describe how inspection reports are laid out once a PDF has been
turned into text; none of them names a sentence of any particular report.
"""

from __future__ import annotations

import re

__all__ = [
    "GRADES",
    "caption_match",
    "ends_open",
    "grade_of",
    "is_generic_part_heading",
    "is_heading_candidate",
    "is_list_line",
    "is_note_tail",
    "is_page_furniture",
    "is_question",
    "is_source_line",
    "is_table_block",
    "is_toc_line",
    "is_value",
    "judged_question",
    "judgment_question",
    "judgment_text",
    "list_item_body",
    "normalise_heading",
    "starts_lowercase",
    "toc_entry",
    "word_count",
]

GRADES = ("Outstanding", "Good", "Requires improvement", "Inadequate")
_GRADE_BY_KEY = {grade.lower(): grade for grade in GRADES}

_TOC_LINE = re.compile(r"^(?P<title>.*?\S)[\s.]*(?:\t|\.{3,}|\s{3,})\s*(?P<page>\d{1,3})\s*$")
_DOT_LEADERS = re.compile(r"\.{4,}")
_VALUE = re.compile(r"^[+\-–−]?[£$€]?\d[\d,]*(?:\.\d+)?\s*%?$")
_LIST_LINE = re.compile(r"^(?:[-•▪●◦‣–]|\d{1,2}[.)]|[a-z][.)])\s+(?=\S)")
_CAPTION = re.compile(r"^(?:Figure|Table|Chart|Graph)\s+\d+[a-z]?\s*[:.–-]\s*", re.I)
_SOURCE = re.compile(r"^Sources?\s*:", re.I)
_NOTE_TAIL = re.compile(r"^(?:Available (?:from|at)\b|https?://|www\.)", re.I)
_GENERIC_PART = re.compile(
    r"^(?:overall judge?ments?|summary(?: of findings)?|areas? for improvement|"
    r"causes? of concern|recommendations?|key findings|findings)$",
    re.I,
)
_SENTENCE_BREAK = re.compile(r"[.!?][\"'”’)]?\s+[A-Z]")
_TITLE_WITH_QUESTION = re.compile(r"^[^?]*?\s[–—-]\s(?P<question>[^?]+\?)$")
# A line ending in one of these words stopped mid-sentence: it is not a heading.
_TRAILING_FUNCTION_WORDS = frozenset(
    "a an the and or but nor of to in on at by for with from as that which who whom "
    "whose is are was were be been being has have had its their his her our this these "
    "those we it not than into onto per such very so if when where while".split()
)
# Headings that are not questions are short; a longer line without a full stop
# is a paragraph cut at a page or column end.
_MAX_HEADING_WORDS = 8
_CLOSED_ENDING = re.compile(r"[.!?:][\"'”’)\]]*$")
_TAIL = 16  # how much of a paragraph's end decides whether it is closed


def word_count(text: str) -> int:
    return len(text.split())


def normalise_heading(text: str) -> str:
    """A comparison key for headings: lower case, one kind of dash, no dot leaders."""
    text = _DOT_LEADERS.sub(" ", text)
    text = re.sub(r"[–—−]", "-", text)
    text = re.sub(r"\s+", " ", text).strip(" .\t").lower()
    return text


def toc_entry(line: str) -> tuple[str, int] | None:
    """Read a contents line ("Summary of findings\t19", "Overall judgment.....3")."""
    match = _TOC_LINE.match(line)
    if not match:
        return None
    return match.group("title").rstrip(" ."), int(match.group("page"))


def is_toc_line(line: str) -> bool:
    return toc_entry(line) is not None or bool(_DOT_LEADERS.search(line))


def is_value(text: str) -> bool:
    return bool(_VALUE.match(text.strip()))


def is_page_furniture(text: str) -> bool:
    """A lone page number or a line of dot leaders: nothing a reader needs."""
    stripped = text.strip()
    return stripped.isdigit() or bool(_DOT_LEADERS.fullmatch(stripped))


def grade_of(text: str) -> str | None:
    """The graded judgment a block states on its own ("Good"), if it does."""
    return _GRADE_BY_KEY.get(text.strip().rstrip(".").lower())


def is_list_line(line: str) -> bool:
    return bool(_LIST_LINE.match(line))


def list_item_body(line: str) -> str:
    return _LIST_LINE.sub("", line, count=1)


def caption_match(text: str) -> bool:
    return bool(_CAPTION.match(text))


def is_source_line(text: str) -> bool:
    return bool(_SOURCE.match(text))


def is_note_tail(text: str) -> bool:
    """A reference's trailing "Available from: …" or a bare address."""
    return bool(_NOTE_TAIL.match(text))


def is_table_block(lines: list[str]) -> bool:
    """Two or more lines, each with tab-separated cells."""
    return len(lines) >= 2 and all("\t" in line for line in lines)


def is_generic_part_heading(text: str) -> bool:
    """Headings that name a part of any section ("Summary of findings")."""
    return bool(_GENERIC_PART.match(normalise_heading(text)))


def is_question(text: str) -> bool:
    return text.rstrip().endswith("?")


def judged_question(heading: str) -> str:
    """The question a heading asks: "Overview – How …?" asks "How …?"."""
    match = _TITLE_WITH_QUESTION.match(heading)
    return match.group("question").strip() if match else heading


_JUDGMENT = " Judgment: "


def judgment_text(question: str, grade: str) -> str:
    """The text of a judgment passage: "How effective …? Judgment: Good."."""
    return f"{question}{_JUDGMENT}{grade}."


def judgment_question(text: str) -> str:
    """The question a judgment passage's text grades."""
    return text.split(_JUDGMENT, 1)[0]


def starts_lowercase(text: str) -> bool:
    first = text.lstrip("\"'“‘(")[:1]
    return first.islower()


def ends_open(text: str) -> bool:
    """True when a paragraph stops mid-sentence (cut by a page or column)."""
    return not _CLOSED_ENDING.search(text.rstrip()[-_TAIL:])


def is_heading_candidate(text: str) -> bool:
    """A single line that reads as a heading rather than as prose.

    Questions ("How well does the force …?") may be long; other headings are
    short, start with a capital, carry no sentence punctuation at the end and
    do not stop on a word that needs a continuation ("… work with the").
    """
    if "\n" in text or not text or grade_of(text):
        return False
    if caption_match(text) or is_source_line(text) or is_list_line(text) or is_value(text):
        return False
    if _SENTENCE_BREAK.search(text) or text.endswith((":", ";", ",")):
        return False
    if is_question(text):
        return word_count(text) <= 40 and ":" not in text
    if _CLOSED_ENDING.search(text) or word_count(text) > _MAX_HEADING_WORDS or len(text) > 100:
        return False
    first = text[0]
    if not (first.isupper() or first.isdigit()):
        return False
    last_word = re.sub(r"\W+$", "", text.split()[-1]).lower()
    return last_word not in _TRAILING_FUNCTION_WORDS
