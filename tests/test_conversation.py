"""Follow-ups resolved against their conversation (peelqa.conversation), on the real index and model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from conftest import OTHER_REPORT_ID, REPORT_ID

from peelqa.conversation import Resolver
from peelqa.embedding import Encoder
from peelqa.index import Index
from peelqa.qa import QA, Result
from peelqa.query import Query

DATA = Path(__file__).parent / "data"
GRADE = "How was the force graded for protecting vulnerable people?"
INVESTIGATION_AFIS = "What are the areas for improvement in how the force investigates crime?"
DIGITAL = "improve its ability to retrieve digital evidence from mobile phones"


def _ids(result: Result) -> list[str]:
    return [hit.passage.id for hit in result.hits]


def _reports(result: Result) -> set[str]:
    return {hit.passage.report_id for hit in result.hits}


@pytest.mark.parametrize(
    ("history", "follow_up", "understood"),
    [
        ([GRADE], "And for serious and organised crime?", "How was the force graded for serious and organised crime?"),
        ([GRADE], "What about investigation?", "How was the force graded for investigation?"),
        ([GRADE], "Why is that a concern?", "Why is protecting vulnerable people a concern?"),
        (
            [GRADE],
            "What did the inspectors recommend about it?",
            "What did the inspectors recommend about protecting vulnerable people?",
        ),
        (
            [INVESTIGATION_AFIS],
            "Which of those are about digital evidence?",
            "Which of the areas for improvement in how the force investigates crime are about digital evidence?",
        ),
        (
            ["What are the areas for improvement in tackling serious and organised crime?"],
            "And in investigating crime?",
            "What are the areas for improvement in investigating crime?",
        ),
        (["What grades did the force get?"], "What about investigation?", "What grades did the force get for investigation?"),
        (["What was the charge rate?"], "And across England and Wales?", "What was the charge rate across England and Wales?"),
        (
            ["What was the crime rate in the 12 months to June 2015?"],
            "And in 2014?",
            "What was the crime rate in the 12 months to June 2014?",
        ),
        (
            ["How does the force tackle anti-social behaviour?"],
            "What about organised crime groups?",
            "How does the force tackle organised crime groups?",
        ),
        (["What is the Switch programme?"], "How many offenders does it manage?", "How many offenders does the Switch programme manage?"),
        (
            ["How was the force graded for investigating crime?"],
            "And what were the areas for improvement?",
            "What were the areas for improvement in investigating crime?",
        ),
        (["What are the areas for improvement?"], "Which of those are about supervision?", "Which of the areas for improvement are about supervision?"),
        (["What was the overall judgment?"], "And for preventing crime?", "How was the force graded for preventing crime?"),
        (
            ["How satisfied are victims with the service?"],
            "How does that compare with England and Wales?",
            "How satisfied are victims with the service, compared with England and Wales?",
        ),
        (["What is the crime rate?"], "Is that higher than the national average?", "What is the crime rate, compared with the national average?"),
    ],
)
def test_a_follow_up_is_understood_from_the_question_before(
    qa: QA, history: list[str], follow_up: str, understood: str
) -> None:
    assert qa.resolver.resolve(follow_up, history) == understood


def test_chains_resolve_each_question_against_those_before_it(qa: QA) -> None:
    conversation = [
        (GRADE, GRADE),
        ("And for serious and organised crime?", "How was the force graded for serious and organised crime?"),
        ("What about investigation?", "How was the force graded for investigation?"),
        ("Why is that a concern?", "Why is investigation a concern?"),
        ("What did the inspectors recommend about it?", "What did the inspectors recommend about investigation?"),
        ("And for serious and organised crime?", "What did the inspectors recommend about serious and organised crime?"),
    ]
    asked: list[str] = []
    for question, understood in conversation:
        assert qa.resolver.resolve(question, asked) == understood, asked
        asked.append(question)


def test_the_form_carries_over_until_a_follow_up_asks_for_another(qa: QA) -> None:
    history = ["How was the force graded for investigating crime?"]
    listed = qa.ask("And the areas for improvement?", history=history)
    assert listed.resolved_question == "What are the areas for improvement in investigating crime?"
    assert listed.intent == "list" and len(listed.hits) == 5
    history.append("And the areas for improvement?")
    graded = qa.ask("And the grade for serious and organised crime?", history=history)
    assert graded.intent == "judgment" and graded.hits[0].passage.grade == "Good"
    assert "serious and organised crime" in graded.hits[0].passage.text


def _standalone_questions() -> list[str]:
    questions = []
    for name in ("dev_questions.jsonl", "own_questions.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                questions.append(json.loads(line)["question"])
    return questions


def test_a_question_that_stands_alone_is_answered_exactly_as_without_history(qa: QA) -> None:
    history = [GRADE, "And for serious and organised crime?", "Why is that a concern?"]
    questions = _standalone_questions()
    assert len(questions) > 40
    for question in questions:
        alone = qa.ask(question)
        followed = qa.ask(question, history=history)
        assert followed.resolved_question == question
        assert _ids(followed) == _ids(alone), question
        assert [h.score for h in followed.hits] == [h.score for h in alone.hits], question
        assert followed.answer == alone.answer, question


@pytest.mark.parametrize(
    "question",
    [
        "How long does it take to examine a computer?",
        "What are those who are vulnerable offered?",
        "How does the force make sure that victims are kept informed?",
        "In what ways does the force work with partners?",
        "By how much did anti-social behaviour incidents fall?",
        "What is khat?",
    ],
)
def test_pronouns_and_prepositions_that_refer_to_nothing_earlier_change_nothing(qa: QA, question: str) -> None:
    assert qa.resolver.resolve(question, [GRADE]) == question


def test_without_history_nothing_is_resolved(qa: QA) -> None:
    assert qa.resolver.resolve("And for serious and organised crime?") == "And for serious and organised crime?"
    result = qa.ask("Why is that a concern?")
    assert result.resolved_question == "Why is that a concern?"


class _Counting:
    """The real analyser, counting what it is asked to analyse."""

    def __init__(self, qa: QA) -> None:
        self.analyse = qa.retriever.analyser.analyse
        self.seen: list[str] = []

    def __call__(self, question: str) -> Query:
        self.seen.append(question)
        return self.analyse(question)


def test_a_conversation_analyses_each_question_once(qa: QA) -> None:
    counting = _Counting(qa)
    resolver = Resolver(counting, qa.index.reports)
    questions = [GRADE, "And for serious and organised crime?", "What about investigation?", "Why is that a concern?"]
    for n in range(1, len(questions)):
        resolver.resolve(questions[n], questions[:n])  # each request resends the whole history
    assert len(counting.seen) == len(set(counting.seen))
    counting.seen.clear()
    assert resolver.resolve("What is khat?", questions) == "What is khat?"
    assert counting.seen == []  # a question that stands alone costs nothing


def test_a_question_asked_is_not_analysed_again_as_history(index: Index, encoder: Encoder) -> None:
    qa = QA(index, encoder)
    counting = _Counting(qa)
    qa.resolver = Resolver(counting, index.reports)
    qa.ask(GRADE)
    why = qa.ask("Why is that a concern?", history=[GRADE])
    assert why.resolved_question == "Why is protecting vulnerable people a concern?"
    assert counting.seen == []  # retrieval's analysis of the first was kept; a pronoun needs none
    qa.ask("And for investigation?", history=[GRADE, "Why is that a concern?"])
    assert counting.seen == ["What about for investigation?"]  # the fragment alone


# ------------------------------------------------------------ scope, two reports


def test_the_force_named_carries_into_follow_ups(two_report_qa: QA) -> None:
    history = ["How was Dorset Police graded for investigation?"]
    graded = two_report_qa.ask("And for serious and organised crime?", history=history)
    assert graded.resolved_question == "How was Dorset Police graded for serious and organised crime?"
    assert _reports(graded) == {OTHER_REPORT_ID} and graded.intent == "judgment"
    assert "serious and organised crime" in graded.hits[0].passage.text
    history.append("And for serious and organised crime?")
    why = two_report_qa.ask("Why is that a concern?", history=history)
    assert "Dorset Police" in why.resolved_question and _reports(why) == {OTHER_REPORT_ID}
    history.append("Why is that a concern?")
    listed = two_report_qa.ask("And what are the areas for improvement?", history=history)
    assert "Dorset Police" in listed.resolved_question
    assert listed.intent == "list" and _reports(listed) == {OTHER_REPORT_ID}


def test_a_follow_up_naming_another_force_replaces_the_scope(two_report_qa: QA) -> None:
    history = ["How was Dorset Police graded for investigation?", "And for serious and organised crime?"]
    other = two_report_qa.ask("What about Wiltshire?", history=history)
    assert other.resolved_question == "How was Wiltshire graded for serious and organised crime?"
    assert _reports(other) == {REPORT_ID}
    assert "serious and organised crime" in other.hits[0].passage.text


def test_a_year_carries_and_is_replaced_like_a_force(two_report_qa: QA) -> None:
    history = ["What were the areas for improvement in 2016?"]
    earlier = two_report_qa.ask("And in 2015?", history=history)
    assert earlier.resolved_question == "What were the areas for improvement in 2015?"
    assert len(earlier.hits) == 8 and _reports(earlier) == {REPORT_ID}
    followed = two_report_qa.ask("Which of those are about digital evidence?", history=[*history, "And in 2015?"])
    assert "2015" in followed.resolved_question and _reports(followed) == {REPORT_ID}
    assert any(DIGITAL in hit.passage.text for hit in followed.hits)


def test_a_standalone_question_does_not_take_the_scope_of_the_conversation(two_report_qa: QA) -> None:
    history = ["How was Dorset Police graded for investigation?"]
    alone = two_report_qa.ask("What are the areas for improvement?")
    followed = two_report_qa.ask("What are the areas for improvement?", history=history)
    assert _ids(followed) == _ids(alone) and _reports(followed) == {REPORT_ID, OTHER_REPORT_ID}


_WORDS = st.sampled_from(
    "and what about for in across it that those which of why is the force graded areas improvement "
    "investigation Dorset Wiltshire Police 2014 2016 grades crime ? , ' \\1 ( )".split()
)
# what QA.ask passes on: a question with something in it, stripped
_TEXT = st.one_of(st.lists(_WORDS, min_size=1, max_size=9).map(" ".join), st.text(min_size=1, max_size=40)).map(
    str.strip
).filter(bool)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=st.lists(_TEXT, min_size=1, max_size=4), question=_TEXT)
def test_any_conversation_resolves_to_a_question_without_failing(
    two_report_qa: QA, history: list[str], question: str
) -> None:
    resolved = two_report_qa.resolver.resolve(question, history)
    assert isinstance(resolved, str) and resolved.strip()
    if not Resolver.is_follow_up(question):
        assert resolved == question
