"""What a question asks for, read from its form alone (no model)."""

from __future__ import annotations

import pytest

from peelqa.acronyms import expand, find_acronyms
from peelqa.answer_types import expected_type, holds_type
from peelqa.intents import read_intent
from peelqa.keywords import tokenize, tokens
from peelqa.kinds import AnswerType


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


def test_a_list_no_report_has_is_answered_by_the_one_they_have_when_named_as_a_list() -> None:
    held = ["Areas for improvement"]
    named = read_intent("Give me every recommendation HMIC made on digital evidence.", held)
    assert (named.heading, named.instead_of, named.topic) == ("Areas for improvement", "Recommendations", ("digit", "evid"))
    concern = read_intent("Was there any cause for concern?", held)
    assert (concern.heading, concern.instead_of) == ("Areas for improvement", "Causes of concern")
    assert not named.only_if_narrowed and not concern.only_if_narrowed
    # the verb asks what was recommended: the items about its topic, if any are
    verb = read_intent("What did HMIC recommend in 2014?", held)
    assert (verb.heading, verb.instead_of, verb.only_if_narrowed) == ("Areas for improvement", "Recommendations", True)
    assert read_intent("What are the recommendations?").instead_of is None  # nothing held to give instead


@pytest.mark.parametrize(
    ("question", "topic", "leaving_out"),
    [
        ("Leaving investigations aside, what are the areas for improvement?", (), ("investig",)),
        ("What are the areas for improvement other than those on digital evidence?", (), ("digit", "evid")),
        ("Apart from organised crime, what are the areas for improvement in investigation?", ("investig",), ("crime", "organis")),
        ("What are the areas for improvement in preventing crime?", ("crime", "prevent"), ()),
    ],
)
def test_a_list_question_may_set_part_of_its_list_aside(
    question: str, topic: tuple[str, ...], leaving_out: tuple[str, ...]
) -> None:
    intent = read_intent(question)
    assert (intent.kind, intent.topic, intent.leaving_out) == ("list", topic, leaving_out)


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


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many offenders were managed?", "count"),
        ("How often are staff trained?", "count"),
        ("How long were computers waiting?", "duration"),
        ("What is the average response time?", "duration"),
        ("What's the average time for officers to arrive?", "duration"),
        ("How much time do phones wait for examination?", "duration"),
        ("What time is the daily meeting?", None),
        ("What share of victims were satisfied?", "share"),
        ("What percentage of crime is domestic abuse?", "share"),
        ("What is the rate of burglary?", "share"),
        ("When was the report published?", "date"),
        ("What is the force's annual budget?", "money"),
        ("What is khat?", None),
        ("How does the force investigate crime?", None),
    ],
)
def test_the_answer_type_a_question_asks_for(question: str, kind: str | None) -> None:
    assert expected_type(question) == kind


def test_which_texts_hold_a_value_of_a_type() -> None:
    texts = [
        "Figure 5: Percentage of victims satisfied, for the four year period to 31 March 2015",
        "Of those victims, 83.8 percent were satisfied with their whole experience.",
        "Some computers were waiting over 20 months to be examined.",
        "Calls for assistance per 1,000 population 12 months to 31 March 2015",
        "The force arrested 1,320 foreign nationals.",
    ]
    assert holds_type(texts, AnswerType.SHARE).tolist() == [False, True, False, False, False]
    assert holds_type(texts, AnswerType.COUNT).tolist() == [True, True, True, False, True]  # "four": a count
    assert holds_type(texts, AnswerType.DURATION).tolist() == [True, False, True, False, False]
    assert holds_type(texts, AnswerType.MONEY).tolist() == [False] * 5


def test_value_questions_are_never_lists() -> None:
    assert read_intent("How many areas for improvement are there?").kind == "list"  # the heading rule alone
    assert read_intent("How many areas for improvement are there?", asks_value=True).kind == "list"
    assert read_intent("What grades did the force get?", judged={"vulner"}).kind == "grades"
    assert read_intent("Compare the grades", judged={"vulner", "crime"}).kind == "grades"
    assert read_intent("How was the force graded for protecting vulnerable people?", judged={"vulner"}).kind == (
        "judgment"
    )
