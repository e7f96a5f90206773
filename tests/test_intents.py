"""What a question asks for, read from its form alone (no model)."""

from __future__ import annotations

import pytest

from peelqa.acronyms import expand, find_acronyms
from peelqa.intents import read_intent
from peelqa.keywords import tokenize, tokens


@pytest.mark.parametrize(
    ("question", "kind", "heading"),
    [
        ("What are the areas for improvement?", "list", "Areas for improvement"),
        ("what are the AFIs?", "list", "Areas for improvement"),
        ("List the recommendations", "list", "Recommendations"),
        ("Were there any causes of concern?", "list", "Causes of concern"),
        ("What grades did the force get?", "grades", None),
        ("How was the force graded?", "grades", None),
        ("How was the force graded for protecting vulnerable people?", "judgment", None),
        ("How did the force do at preventing crime?", "judgment", None),
        ("Is the force good at investigating crime?", "judgment", None),
        ("How are organised crime groups assessed and scored?", "passages", None),
        ("How well does the force investigate crime?", "passages", None),
        ("What is khat?", "passages", None),
    ],
)
def test_question_forms(question: str, kind: str, heading: str | None) -> None:
    intent = read_intent(question)
    assert (intent.kind, intent.heading) == (kind, heading)


def test_a_list_question_keeps_its_topic() -> None:
    assert read_intent("What are the areas for improvement in how the force investigates crime?").topic == (
        "crime",
        "investig",
    )
    assert read_intent("What are the areas for improvement?").topic == ()


def test_list_headings_found_in_the_index_are_recognised() -> None:
    assert read_intent("What are the priorities for action?", ["Priorities for action"]).heading == "Priorities for action"


def test_acronyms_are_read_from_their_definitions() -> None:
    acronyms = find_acronyms(
        [
            "staff, in what may be known as high tech crime units (HTCU), carry out",
            "an organised crime group or OCG, they go through",
            "police effectiveness, efficiency and legitimacy (PEEL) consider",
            "the tone (BAD) is not an acronym of these words",
        ]
    )
    assert acronyms == {
        "HTCU": "high tech crime units",
        "OCG": "organised crime group",
        "PEEL": "police effectiveness efficiency and legitimacy",
    }
    assert expand("What does the HTCU do?", acronyms).endswith("high tech crime units")
    assert expand("How are organised crime groups mapped?", acronyms).endswith("OCG")
    assert expand("What is khat?", acronyms) == "What is khat?"


def test_a_curly_apostrophe_is_an_apostrophe() -> None:
    assert tokenize("the force’s work") == tokenize("the force's work") == ["forc", "work"]
    assert [(t.stem, t.start, t.end) for t in tokens("Dorset’s AFIs")] == [("dorset", 0, 8), ("afi", 9, 13)]


def test_words_naming_reports_are_not_the_topic() -> None:
    assert read_intent("What grades did Dorset get?", ignore={"dorset"}).kind == "grades"
    assert read_intent("What are Dorset's areas for improvement?", ignore={"dorset"}).topic == ()
