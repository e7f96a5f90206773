"""Questions in people's own words (issue 9): paraphrased lists and grades, answer types, not found.

Through the real QA on the shipped report: what a paraphrase is read as, and
what comes back for it.
"""

from __future__ import annotations

import re

import pytest

from peelqa.answer_types import holds_type
from peelqa.kinds import AnswerType
from peelqa.qa import QA
from peelqa.retrieval import Tuning

INVESTIGATING = "How effective is the force at investigating crime and managing offenders?"
ORGANISED = (
    "How effective is the force at tackling serious and organised crime, including its arrangements "
    "for fulfilling its national policing responsibilities?"
)


@pytest.mark.parametrize(
    "question",
    [
        "What does the force need to improve?",
        "Where does it fall short?",
        "Where does Wiltshire Police fall short?",
        "What must it get better at?",
        "What should Wiltshire do better?",
        "Which weaknesses did the inspectors find?",
    ],
)
def test_a_paraphrased_list_question_gets_the_whole_list_and_nothing_else(qa: QA, question: str) -> None:
    result = qa.ask(question, top_k=3)
    assert result.answer.kind == "list"
    assert len(result.hits) == 8
    assert {h.passage.list_heading for h in result.hits} == {"Areas for improvement"}
    assert {h.passage.kind for h in result.hits} == {"list_item"}
    assert result.answer.text.startswith("Areas for improvement (8):\n")
    assert [s.citation for s in result.answer.sentences] == list(range(1, 9))


@pytest.mark.parametrize(
    ("question", "group", "count"),
    [
        ("What improvements did HMIC ask for in investigating crime?", INVESTIGATING, 5),
        ("What does Wiltshire Police need to improve in tackling serious and organised crime?", ORGANISED, 2),
    ],
)
def test_a_paraphrased_list_question_keeps_to_the_section_it_names(
    qa: QA, question: str, group: str, count: int
) -> None:
    result = qa.ask(question)
    assert result.answer.kind == "list"
    assert {h.group for h in result.hits} == {group}
    assert len(result.hits) == count


@pytest.mark.parametrize(
    "question",
    ["Compare the grades", "How did the force do in each area?", "Show me the ratings for every part of the inspection"],
)
def test_a_paraphrased_grades_question_gets_every_grade(qa: QA, question: str) -> None:
    result = qa.ask(question, top_k=1)
    assert result.answer.kind == "grades"
    assert [h.passage.grade for h in result.hits] == ["Good", "Good", "Good", "Requires improvement", "Good"]
    assert result.answer.found


def test_a_paraphrased_judgment_question_gets_its_judgment(qa: QA) -> None:
    result = qa.ask("Was the force rated well on serious and organised crime?")
    assert result.answer.kind == "judgment"
    assert result.hits[0].passage.judged_question == ORGANISED
    assert result.hits[0].passage.grade == "Good"


def test_an_ordinary_question_is_not_read_as_a_list(qa: QA) -> None:
    for question in ("How does the force use forensic evidence in investigations?", "What does the force do about DDNs?"):
        assert qa.ask(question).answer.kind == "passages", question


def test_the_analyser_reads_a_paraphrase_once_for_every_caller(qa: QA) -> None:
    query = qa.retriever.analyser.analyse("What improvements did HMIC ask for in investigating crime?")
    assert (query.intent.kind, query.intent.heading) == ("list", "Areas for improvement")
    assert query.intent.topic == ("crime", "investig")
    assert query.reports == frozenset()


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("What share of victims were satisfied with the police?", re.compile(r"83\.8 ?(%|percent)")),
        ("How long were computers waiting to be examined?", re.compile(r"20 months")),
        ("How many foreign nationals did the force arrest?", re.compile(r"\b1,320\b")),
        ("How many cannabis or khat warnings were given?", re.compile(r"\b253\b")),
    ],
)
def test_a_question_asking_for_a_value_is_answered_with_one(qa: QA, question: str, value: re.Pattern[str]) -> None:
    result = qa.ask(question)
    assert result.answer.found
    assert value.search(result.hits[0].passage.text), result.hits[0].passage.text[:200]
    assert value.search(result.answer.text), result.answer.text


def test_a_change_asked_for_is_found_in_percent(qa: QA) -> None:
    result = qa.ask("By how much did anti-social behaviour incidents fall?")
    assert "5 percent fewer incidents" in result.hits[0].passage.text
    # known limit: the answer quotes the sentence naming the subject, not "This is 5 percent fewer …" after it


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("What grade did Greater Manchester Police get?", "“Greater Manchester Police”"),
        ("How did the Metropolitan Police do on serious and organised crime?", "“Metropolitan Police”"),
        ("What did the 2019 inspection say about Wiltshire?", "“2019”"),
        ("What did HMIC find in Dorset Police's effectiveness inspection?", "“Dorset”"),
    ],
)
def test_names_and_years_no_report_holds_are_not_answered(qa: QA, question: str, named: str) -> None:
    result = qa.ask(question)
    assert not result.answer.found and result.answer.kind == "not_found"
    assert result.answer.text.startswith("Nothing in the reports answers this clearly. None of them is about")
    assert named in result.answer.text
    assert len(result.hits) == 5  # the nearest passages are still shown


@pytest.mark.parametrize(
    "question",
    [
        "What is the weather in London?",
        "How many officers does Wiltshire Police employ?",
        "How many murders were there in Wiltshire?",
        "What is the force's annual budget?",
        "What is the average response time to 999 calls?",
    ],
)
def test_a_value_or_subject_the_report_does_not_give_is_not_answered(qa: QA, question: str) -> None:
    result = qa.ask(question)
    assert not result.answer.found, result.answer.text
    assert result.answer.text.startswith("Nothing in the reports answers this clearly.")
    assert len(result.hits) == 5


def test_a_year_the_report_holds_is_no_stranger(qa: QA) -> None:
    result = qa.ask("What did HMIC recommend in its 2014 crime inspection?")
    assert result.answer.found
    assert "we recommended that the force" in result.hits[0].passage.text


@pytest.mark.parametrize(
    ("question", "reports_word"),
    [
        ("How are persistent burglars steered away from crime?", "burglary"),
        ("What worried the inspectors about kids who go missing?", "children"),
    ],
)
def test_a_word_the_reports_lack_also_searches_their_word_for_it(qa: QA, question: str, reports_word: str) -> None:
    from peelqa.keywords import tokenize

    analysed = qa.retriever.analyser.analyse(question)
    (stem,) = tokenize(reports_word)
    assert stem not in analysed.words
    assert qa.index.postings.ids([stem])[0] in analysed.terms.ids.tolist()
    top = qa.retriever.search(question, top_k=3)
    assert any(stem in tokenize(hit.passage.text) for hit in top.hits)


def test_a_post_holder_the_report_never_names_is_not_answered(qa: QA) -> None:
    # the report names the post ("the chief constable chairs …") but never who holds it
    analysed = qa.retriever.analyser.analyse("Who is the chief constable of Wiltshire Police?")
    assert analysed.answer_type is AnswerType.PERSON
    result = qa.ask("Who is the chief constable of Wiltshire Police?")
    assert not result.answer.found, result.answer.text
    # who does a thing may be answered with a post, so it asks for no name
    chairs = qa.ask("Who chairs the local resilience forum?")
    assert qa.retriever.analyser.analyse("Who chairs the local resilience forum?").answer_type is None
    assert chairs.answer.found and "chief constable" in chairs.answer.text.lower()


def test_a_name_is_read_only_after_an_honorific_or_a_rank() -> None:
    texts = ["Chief Constable Jane Doe opened it.", "The chief constable chairs the board.", "Mr Smith said so."]
    assert holds_type(texts, AnswerType.PERSON).tolist() == [True, False, True]


def test_grades_of_something_no_judgment_is_about_are_not_given(qa: QA) -> None:
    result = qa.ask("What efficiency grade did Wiltshire get in 2015?")
    assert not result.answer.found
    assert "grade nothing about “efficiency”" in result.answer.text
    assert len(result.hits) == 5  # the nearest passages, not the grades
    framed = qa.ask("Compare the grades across every part of the inspection")
    assert framed.answer.found and framed.answer.kind == "grades"


def test_a_value_in_other_words_than_the_question_is_still_found(qa: QA) -> None:
    # "pleased" for the report's "satisfied": no passage holds the word, but the
    # sentence with the percentage is very near the question in meaning
    question = "What percentage of victims were pleased with the police?"
    result = qa.ask(question)
    assert result.answer.found
    assert "83.8 percent" in result.answer.text or any("83.8" in h.passage.text for h in result.hits[:2])
    # it is that sentence that answers: with no sentence near enough, the subject's words alone do not
    strict = QA(qa.index, qa.encoder, Tuning(value_sentence_similarity=1.1))
    assert not strict.ask(question).answer.found


def test_a_year_no_best_passage_mentions_is_not_answered(qa: QA) -> None:
    # the report gives the rate for the year to March 2015; other passages mention 2014
    result = qa.ask("What was the victim satisfaction rate in the year to March 2014?")
    assert not result.answer.found
    assert result.answer.text.startswith("Note: no passage that answers best mentions 2014.")
    assert qa.ask("What was the victim satisfaction rate in the year to March 2015?").answer.found


def test_a_why_question_is_answered_by_the_paragraph_that_explains(qa: QA) -> None:
    # the area for improvement shares the question's words; the paragraph gives the reason
    question = "Why does it matter that so few arrested foreign nationals are checked abroad?"
    top = qa.ask(question).hits[0].passage
    assert top.kind == "paragraph" and "cannot understand fully the threat" in top.text
    unweighted = QA(qa.index, qa.encoder, Tuning(reason_penalty=0.0))
    assert unweighted.ask(question).hits[0].passage.kind == "list_item"
    # a question that asks no reason still finds the list item first
    assert qa.ask("Are arrested foreign nationals checked abroad?").hits[0].passage.kind == "list_item"


def test_the_publication_date_is_answered_from_the_cover(qa: QA) -> None:
    result = qa.ask("When did this report come out?")
    assert result.answer.found and result.hits[0].passage.kind == "cover"
    assert "was published in February 2016" in result.answer.text
    # a year only the cover holds is when the report came out, not a year it reports on
    elsewhere = qa.ask("How many crimes were recorded in 2016?")
    assert not elsewhere.answer.found and "“2016”" in elsewhere.answer.text
