"""Many reports side by side: questions naming a force or a year, lists across reports, filters.

The corpus is the shipped report and the same report about another force
(Dorset), which a metadata sidecar dates a year later.
"""

from __future__ import annotations

from conftest import OTHER_REPORT_ID, REPORT_ID

from peelqa.qa import QA
from peelqa.retrieval import Filters


def _reports(result) -> set[str]:
    return {hit.passage.report_id for hit in result.hits}


def test_a_list_question_naming_a_force_keeps_to_its_reports(two_report_qa: QA) -> None:
    for question, report in [
        ("What are Wiltshire's areas for improvement?", REPORT_ID),
        ("What are the areas for improvement for Dorset Police?", OTHER_REPORT_ID),
        ("What are Dorset’s AFIs?", OTHER_REPORT_ID),
    ]:
        result = two_report_qa.ask(question)
        assert result.answer.kind == "list", question
        assert len(result.hits) == 8 and _reports(result) == {report}, question
        assert result.answer.text.startswith("Areas for improvement (8):\n"), question


def test_the_force_named_is_not_a_topic_of_the_list(two_report_qa: QA) -> None:
    named = two_report_qa.ask("What are Wiltshire's areas for improvement?")
    unnamed = two_report_qa.ask("What are the areas for improvement?", filters=Filters(reports=(REPORT_ID,)))
    assert [h.passage.id for h in named.hits] == [h.passage.id for h in unnamed.hits]  # document order, all 8


def test_any_question_naming_a_force_keeps_to_its_reports(two_report_qa: QA) -> None:
    result = two_report_qa.ask("How long were computers waiting to be examined in Dorset?")
    assert result.answer.found and _reports(result) == {OTHER_REPORT_ID}
    assert "20 months" in result.answer.text
    graded = two_report_qa.ask("How was Wiltshire Police graded for protecting vulnerable people?")
    assert graded.answer.kind == "judgment" and _reports(graded) == {REPORT_ID}
    assert graded.hits[0].passage.grade == "Requires improvement"


def test_a_list_over_several_reports_is_grouped_by_report(two_report_qa: QA) -> None:
    result = two_report_qa.ask("What are the areas for improvement?")
    assert result.answer.text.startswith("Areas for improvement (16, from 2 reports):\n")
    assert [h.passage.report_id for h in result.hits] == [OTHER_REPORT_ID] * 8 + [REPORT_ID] * 8
    assert all(h.group and h.group.startswith("Dorset Police, PEEL: Police effectiveness 2015 › ") for h in result.hits[:8])
    assert all(h.group and h.group.startswith("Wiltshire Police, ") for h in result.hits[8:])
    assert [h.rank for h in result.hits] == list(range(1, 17))


def test_grades_over_several_reports_are_grouped_by_report(two_report_qa: QA) -> None:
    result = two_report_qa.ask("What grades did the force get?")
    assert result.answer.kind == "grades"
    assert result.answer.text.startswith("Graded judgments (10, from 2 reports):\n")
    assert {h.group for h in result.hits} == {
        "Dorset Police, PEEL: Police effectiveness 2015",
        "Wiltshire Police, PEEL: Police effectiveness 2015",
    }
    one = two_report_qa.ask("What grades did Dorset get?")
    assert one.answer.kind == "grades" and len(one.hits) == 5 and _reports(one) == {OTHER_REPORT_ID}


def test_a_named_year_keeps_to_that_years_reports(two_report_qa: QA) -> None:
    later = two_report_qa.ask("What were the areas for improvement in 2016?")
    assert len(later.hits) == 8 and _reports(later) == {OTHER_REPORT_ID}
    earlier = two_report_qa.ask("What grades did the force get in 2015?")
    assert earlier.answer.kind == "grades" and _reports(earlier) == {REPORT_ID}


def test_filters_apply_and_win_over_a_named_force(two_report_qa: QA) -> None:
    assert _reports(two_report_qa.ask("What is khat?", filters=Filters(reports=(OTHER_REPORT_ID,)))) == {OTHER_REPORT_ID}
    assert _reports(two_report_qa.ask("What is khat?", filters=Filters(year=2016))) == {OTHER_REPORT_ID}
    assert _reports(two_report_qa.ask("What is khat?", filters=Filters(force="wiltshire police"))) == {REPORT_ID}
    chosen = two_report_qa.ask("What are Dorset's areas for improvement?", filters=Filters(force="Wiltshire Police"))
    assert len(chosen.hits) == 8 and _reports(chosen) == {REPORT_ID}
    nothing = two_report_qa.ask("What is khat?", filters=Filters(force="Kent Police"))
    assert nothing.hits == () and not nothing.answer.found


def test_a_force_no_report_is_about_is_not_answered_from_the_others(two_report_qa: QA) -> None:
    # issue 9: a name no report holds is evidence that nothing answers; the nearest passages stay
    result = two_report_qa.ask("What are Kent's areas for improvement?")
    assert not result.answer.found and result.answer.kind == "not_found"
    assert result.answer.text.startswith("Nothing in the reports answers this clearly. None of them is about “Kent”.")
    assert len(result.hits) == 5
    for question in ("What grades did Greater Manchester Police get?", "How was the force graded in 2019?"):
        assert not two_report_qa.ask(question).answer.found, question
    # the reports' own forces and years are no strangers, however they are written
    assert two_report_qa.ask("What are Dorset’s AFIs?").answer.kind == "list"
    assert two_report_qa.ask("What grades did Wiltshire get in 2015?").answer.kind == "grades"
