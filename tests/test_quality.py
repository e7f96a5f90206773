"""Answers that are right: targets on the dev questions, regressions on our own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import DEV_QUESTIONS, OWN_QUESTIONS

from peelqa.embedding import Encoder
from peelqa.evaluation import evaluate, load_questions
from peelqa.index import Index
from peelqa.qa import QA
from peelqa.retrieval import Filters, Tuning

INVESTIGATING = "How effective is the force at investigating crime and managing offenders?"


def test_dev_questions_meet_the_targets(qa: QA) -> None:
    report = evaluate(qa, load_questions(DEV_QUESTIONS))
    assert report["hit@1"] >= 0.92, report["misses"]
    assert report["hit@5"] >= 0.96, report["misses"]
    assert report["mrr@10"] >= 0.90, report["misses"]
    assert report["list_coverage"] == 1.0
    assert report["wrongly_refused"] == 0.0, report["misses"]


def test_own_questions_do_not_regress(qa: QA) -> None:
    # o01-o32; written before any tuning for issue 9, o33-o85; written before the second round, o86-o115
    # (paraphrases, unusual list wordings, 25 unanswerable in all). Before that round: hit@1 0.822, hit@5 0.944,
    # MRR 0.869, list coverage 0.861, list precision 0.812, answer hit 0.847, unanswerable refused 20/25.
    # Measured after it, 2026-11-27: hit@1 0.867, hit@5 0.956, MRR 0.903, list coverage 0.861,
    # list precision 0.812, answer hit 0.903, unanswerable refused 23/25, answerable refused 0/90
    report = evaluate(qa, load_questions(OWN_QUESTIONS))
    assert report["hit@1"] >= 0.85, report["misses"]
    assert report["hit@5"] >= 0.95, report["misses"]
    assert report["mrr@10"] >= 0.89, report["misses"]
    assert report["list_coverage"] >= 0.85, report["misses"]
    assert report["list_precision"] >= 0.8, report["misses"]
    assert report["answer_hit"] >= 0.89, report["misses"]
    assert report["refused"] >= 22 / 25, report["misses"]
    assert report["wrongly_refused"] <= 1 / 90, report["misses"]


def test_every_area_for_improvement_beyond_top_k(qa: QA) -> None:
    result = qa.ask("What are the areas for improvement?", top_k=3)
    assert result.answer.kind == "list"
    assert len(result.hits) == 8
    assert [h.rank for h in result.hits] == list(range(1, 9))
    groups = [h.group for h in result.hits]
    assert groups.count(INVESTIGATING) == 5
    assert all(f"[{n}]" in result.answer.text for n in range(1, 9))
    assert [s.citation for s in result.answer.sentences] == list(range(1, 9))
    assert all(h.highlights == ((0, len(h.passage.text)),) for h in result.hits)


def test_a_scoped_list_keeps_to_its_section(qa: QA) -> None:
    result = qa.ask("What are the areas for improvement in how the force investigates crime?")
    assert {h.group for h in result.hits} == {INVESTIGATING}
    assert len(result.hits) == 5


def test_a_scoped_list_keeps_to_the_section_naming_most_of_its_topic(qa: QA) -> None:
    # "tackling" names the organised crime chapter too; preventing and anti-social behaviour only the first
    result = qa.ask("Which areas for improvement are about preventing crime and tackling anti-social behaviour?")
    assert len(result.hits) == 1 and result.hits[0].group.startswith("How effective is the force at preventing crime")


def test_a_list_topic_no_section_names_keeps_every_group(qa: QA) -> None:
    result = qa.ask("Were there any areas for improvement on protecting vulnerable people?")
    assert len(result.hits) == 8  # no section both names it and has a list: show them all
    scoped = qa.ask("Which areas for improvement did HMIC set for serious and organised crime?")
    assert len(scoped.hits) == 2 and all("organised crime" in h.group for h in scoped.hits)


def test_a_list_the_report_does_not_have_says_so_and_gives_the_one_it_has(qa: QA) -> None:
    result = qa.ask("What are the recommendations?")
    assert result.answer.text.startswith(
        "Note: the reports searched list no “Recommendations”; these are their “Areas for improvement”. "
        "Areas for improvement (8):"
    )
    assert result.answer.kind == "list" and len(result.hits) == 8
    concerns = qa.ask("Were there any causes for concern about investigating crime?")
    assert concerns.answer.text.startswith("Note: the reports searched list no “Causes of concern”;")
    assert {h.group for h in concerns.hits} == {INVESTIGATING}


def test_what_was_recommended_about_a_topic_is_the_list_items_about_it_if_any(qa: QA) -> None:
    digital = qa.ask("What did the inspectors recommend about digital evidence?")
    assert digital.answer.kind == "list" and len(digital.hits) == 1
    assert "retrieve digital evidence" in digital.hits[0].passage.text
    assert not digital.answer.text.startswith("Note:")
    chapter = qa.ask("What did the inspectors recommend about investigating crime?")
    assert chapter.answer.kind == "list" and {h.group for h in chapter.hits} == {INVESTIGATING}
    # no item is about the 2014 inspection: the passages that say what was recommended then
    earlier = qa.ask("What did HMIC recommend in its 2014 crime inspection?")
    assert earlier.answer.kind == "passages" and not earlier.answer.text.startswith("Note:")
    assert "we recommended that the force" in earlier.hits[0].passage.text


def test_a_list_question_may_set_part_of_the_list_aside(qa: QA) -> None:
    for question in (
        "Leaving investigations aside, what other improvement points were raised by the inspectors?",
        "Apart from investigating crime, where does the force fall short?",
    ):
        result = qa.ask(question)
        assert result.answer.kind == "list", question
        assert len(result.hits) == 3 and INVESTIGATING not in {h.group for h in result.hits}, question


def test_grades_are_answered_from_the_judgments(qa: QA) -> None:
    result = qa.ask("How was the force graded for protecting vulnerable people?")
    assert result.answer.kind == "judgment"
    top = result.hits[0].passage
    assert top.kind == "judgment" and top.grade == "Requires improvement"
    assert "Judgment: Requires improvement." in result.answer.text
    judged = [h.passage.text.split(" Judgment: ")[0] for h in result.hits if h.passage.kind == "judgment"]
    assert len(judged) == len(set(judged)), "one judgment per graded question"
    assert not any(h.passage.text.endswith("?") for h in result.hits[:4]), "a question is not an answer"
    overall = qa.ask("How was the force graded overall?").hits[0].passage
    assert overall.text.startswith("How effective is the force at keeping people safe and reducing crime? Judgment: Good.")
    everything = qa.ask("What grades did the force get?")
    assert everything.answer.kind == "grades"
    assert [h.passage.grade for h in everything.hits] == ["Good", "Good", "Good", "Requires improvement", "Good"]


@pytest.mark.parametrize(
    "question",
    ["What is the capital of France?", "How do I bake sourdough bread?", "Who won the 2018 World Cup?"],
)
def test_questions_the_report_does_not_cover_say_so(qa: QA, question: str) -> None:
    result = qa.ask(question)
    assert not result.answer.found
    assert result.answer.kind == "not_found"
    assert result.answer.text.startswith("Nothing in the reports answers this clearly.")
    assert len(result.hits) == 5 and all("dense" in h.scores for h in result.hits)


def test_names_the_encoder_does_not_know_are_still_found(qa: QA) -> None:
    result = qa.ask("What is Operation Holcroft?")
    assert result.answer.found
    assert "Operation Holcroft" in result.hits[0].passage.text


def test_acronyms_match_their_long_forms(qa: QA) -> None:
    result = qa.ask("Why do forces map OCGs inconsistently?")
    assert "forces carry out OCG mapping inconsistently" in result.hits[0].passage.text
    result = qa.ask("What does the crime management unit do?")
    assert any("CMU" in h.passage.text for h in result.hits[:2])


def test_every_answer_sentence_is_quoted_and_cited(qa: QA) -> None:
    result = qa.ask("How often do crime management unit staff receive further training?")
    by_id = {h.passage.id: h for h in result.hits}
    for sentence in result.answer.sentences:
        hit = by_id[sentence.passage_id]
        assert sentence.text in hit.passage.text
        assert hit.rank == sentence.citation
        assert f"{sentence.text} [{sentence.citation}]" in result.answer.text
        start = hit.passage.text.index(sentence.text)
        assert (start, start + len(sentence.text)) in hit.highlights
    assert "every five weeks" in result.answer.text


def test_a_sentence_that_goes_on_from_a_quoted_one_is_quoted_with_it(qa: QA) -> None:
    # the reason follows the sentence that matches the question, and opens with "They"
    result = qa.ask("Why does HMIC see a risk in community support officers gathering evidence?")
    texts = [s.text for s in result.answer.sentences]
    found = next(i for i, t in enumerate(texts) if t.startswith("HMIC also found some examples of community support"))
    assert texts[found + 1].startswith("They are not trained to investigate crimes")
    assert result.answer.sentences[found + 1].passage_id == result.answer.sentences[found].passage_id
    hit = next(h for h in result.hits if h.passage.id == result.answer.sentences[found].passage_id)
    assert len(hit.highlights) >= 2


def test_each_hit_explains_its_rank(qa: QA) -> None:
    result = qa.ask("How many suspicious activity reports did the force receive?")
    for hit in result.hits:
        assert set(hit.scores) == {"dense", "bm25", "fused"}
        assert hit.score == pytest.approx(hit.scores["fused"], abs=1e-5)
    assert [h.score for h in result.hits] == sorted((h.score for h in result.hits), reverse=True)


def test_near_duplicate_passages_are_shown_once(qa: QA) -> None:
    result = qa.ask("How does the force use forensic evidence in investigations?", top_k=10)
    texts = [h.passage.text for h in result.hits]
    assert sum(t.startswith("The force uses forensic evidence well") for t in texts) == 1


def test_filters_apply_before_ranking(qa: QA) -> None:
    wiltshire = Filters(force="wiltshire police", year=2015)
    assert len(qa.ask("What is khat?", filters=wiltshire).hits) == 5
    nothing = qa.ask("What is khat?", filters=Filters(year=1999))
    assert nothing.hits == () and not nothing.answer.found
    assert qa.ask("What is khat?", filters=Filters(reports=("other",))).hits == ()


def test_top_k_bounds_every_answer_but_lists(qa: QA) -> None:
    judged = qa.ask("How was the force graded for protecting vulnerable people?", top_k=1)
    assert judged.answer.kind == "judgment" and len(judged.hits) == 1
    assert judged.hits[0].passage.grade == "Requires improvement"
    for question in ("How was the force graded overall?", "What is khat?", "What is the capital of France?"):
        for top_k in (1, 2, 5):
            assert len(qa.ask(question, top_k=top_k).hits) == top_k, (question, top_k)
    assert len(qa.ask("What are the areas for improvement?", top_k=1).hits) == 8
    assert len(qa.ask("What grades did the force get?", top_k=1).hits) == 5


def test_there_is_one_fusion_and_no_setting_to_mistype() -> None:
    with pytest.raises(TypeError):
        Tuning(fusion="rrf")  # type: ignore[call-arg]


HELDOUT_QUESTIONS = DEV_QUESTIONS.parent / "heldout_questions.jsonl"
HELDOUT_FIGURES = ("hit@1", "hit@5", "mrr@10", "list_coverage", "list_precision", "refused", "wrongly_refused")


def _figures_only(qa: QA, questions: Path) -> dict[str, Any]:
    """The summary figures of a set that must stay unread: nothing that names a question."""
    report = evaluate(qa, load_questions(questions))
    return {name: report[name] for name in HELDOUT_FIGURES}


def test_the_untouched_questions_do_not_regress(qa: QA) -> None:
    """The held-out set, never read or tuned on: floors a little under its latest measurement.

    Measured 2026-11-27 (issue 9) as each part landed: question reading alone
    hit@1 0.531, hit@5 0.844; with follow-ups resolved 0.641, 0.953; with near
    terms, named persons and narrowed lists: hit@1 0.672, hit@5 0.969, MRR@10
    0.792, list coverage 0.911, list precision 0.556, unanswerable refused
    13/18, answerable refused 0/64. With the question-form classifier in place
    of the nearest examples (2026-11-27, second session): hit@1 0.625, hit@5
    0.938, MRR@10 0.750, list coverage 0.689, list precision 0.333, refused
    13/18, answerable refused 0/64: its list questions are read as lists less
    often, while the independent sets gained (README, "Quality"); with years
    and durations read, refused 14/18. Third session (list headings named but
    not held, clauses setting part of a list aside, why-questions, the cover):
    unchanged but answer hit 0.709 -> 0.727. Only the
    summary figures are kept here, never which questions miss: a failure
    must not show them.
    """
    figures = _figures_only(qa, HELDOUT_QUESTIONS)
    assert figures["hit@1"] >= 0.6, figures
    assert figures["hit@5"] >= 0.92, figures
    assert figures["mrr@10"] >= 0.73, figures
    assert figures["list_coverage"] >= 0.66, figures
    assert figures["list_precision"] >= 0.3, figures
    assert figures["refused"] >= 13 / 18, figures
    assert figures["wrongly_refused"] <= 2 / 64, figures


def test_a_list_narrowed_by_a_topic_no_heading_names_gives_its_items_best_first(qa: QA) -> None:
    supervision = qa.ask("Which of the areas for improvement are about supervision?")
    assert supervision.answer.kind == "list"
    assert "supervision" in supervision.hits[0].passage.text
    assert all("supervis" in h.passage.text.lower() for h in supervision.hits)
    assert len(supervision.hits) < 8
    digital = qa.ask("Which of the areas for improvement in how the force investigates crime are about digital evidence?")
    assert "digital evidence" in digital.hits[0].passage.text
    assert [h.rank for h in digital.hits] == list(range(1, len(digital.hits) + 1))
    # a topic worded in words no passage holds cannot narrow: the whole list
    assert len(qa.ask("Name the things HMIC wants Wiltshire to fix.").hits) == 8


PROBE_QUESTIONS = DEV_QUESTIONS.parent / "probe_questions.jsonl"
FRESH_QUESTIONS = DEV_QUESTIONS.parent / "fresh_questions.jsonl"


def test_the_probe_questions_do_not_regress(qa: QA) -> None:
    """80 questions a writer who never saw the ranker wrote from the report (2026-11-27), then tuned on.

    Before tuning: hit@1 0.672, hit@5 0.906, MRR@10 0.761, list coverage 0.833,
    list precision 0.240, unanswerable refused 10/16, answerable refused 2/64.
    After (question-form classifier, list sections, years, value sentences,
    durations): 0.719, 0.969, 0.814, 1.000, 0.333, 12/16, 0/64; with why-questions
    and the cover (third session): 0.750, 0.984, 0.840. Its precision counts lists
    the report runs into one sentence, answered as a passage, as 0.
    """
    report = evaluate(qa, load_questions(PROBE_QUESTIONS))
    assert report["hit@1"] >= 0.72, report["misses"]
    assert report["hit@5"] >= 0.96, report["misses"]
    assert report["mrr@10"] >= 0.81, report["misses"]
    assert report["list_coverage"] >= 0.95, report["misses"]
    assert report["refused"] >= 11 / 16, report["misses"]
    assert report["wrongly_refused"] <= 1 / 64, report["misses"]


def test_the_fresh_questions_do_not_regress(qa: QA) -> None:
    """64 questions a second writer wrote from the report alone (2026-11-27), tuned on since the third session.

    Untouched for two sessions: hit@1 0.640, hit@5 0.840, MRR@10 0.718, list
    coverage 0.875, list precision 0.281, unanswerable refused 7/14, answerable
    refused 1/50; then 0.700, 0.900, 0.775, 0.750, 0.292, 6/14, 1/50. Read and
    tuned on from the third session (its list misses: a named list no report
    has, a clause setting part of the list aside, a chapter named by chance):
    0.780, 0.960, 0.848, 1.000, 0.625, 6/14, 1/50.
    """
    report = evaluate(qa, load_questions(FRESH_QUESTIONS))
    assert report["hit@1"] >= 0.75, report["misses"]
    assert report["hit@5"] >= 0.94, report["misses"]
    assert report["mrr@10"] >= 0.82, report["misses"]
    assert report["list_coverage"] >= 0.95, report["misses"]
    assert report["refused"] >= 6 / 14, report["misses"]
    assert report["wrongly_refused"] <= 1 / 50, report["misses"]


BLIND_QUESTIONS = DEV_QUESTIONS.parent / "blind_questions.jsonl"


def test_the_blind_questions_do_not_regress(qa: QA) -> None:
    """80 questions a third writer wrote from the report alone (2026-11-27, third session): never read, never tuned on.

    Measured before that session's changes: hit@1 0.742, hit@5 0.887, MRR@10
    0.805, list coverage 0.700, list precision 0.438, unanswerable refused
    11/18, answerable refused 2/62; after them: 0.758, 0.903, 0.821, 0.767,
    0.529, 11/18, 2/62. Only the figures are kept: a failure must not show
    which questions miss.
    """
    figures = _figures_only(qa, BLIND_QUESTIONS)
    assert figures["hit@1"] >= 0.73, figures
    assert figures["hit@5"] >= 0.88, figures
    assert figures["mrr@10"] >= 0.79, figures
    assert figures["list_coverage"] >= 0.72, figures
    assert figures["refused"] >= 10 / 18, figures
    assert figures["wrongly_refused"] <= 3 / 62, figures


BLIND2_QUESTIONS = DEV_QUESTIONS.parent / "blind2_questions.jsonl"


def test_the_second_blind_questions_do_not_regress(qa: QA) -> None:
    """80 questions a fourth writer wrote from the report alone (2026-11-27, third session): never read, never tuned on.

    Written while that session's changes were being made, and measured once
    each on the code before them (hit@1 0.790, hit@5 0.919, MRR@10 0.856,
    list coverage 0.760, list precision 0.600, unanswerable refused 11/18,
    answerable refused 3/62) and after (0.806, 0.919, 0.864, 0.900, 0.800,
    11/18, 3/62). Only the figures are kept: a failure must not show which
    questions miss.
    """
    figures = _figures_only(qa, BLIND2_QUESTIONS)
    assert figures["hit@1"] >= 0.78, figures
    assert figures["hit@5"] >= 0.9, figures
    assert figures["mrr@10"] >= 0.84, figures
    assert figures["list_coverage"] >= 0.85, figures
    assert figures["refused"] >= 10 / 18, figures
    assert figures["wrongly_refused"] <= 4 / 62, figures


def test_the_warm_up_reads_what_a_first_list_question_would(index: Index, encoder: Encoder) -> None:
    # the first question of a service is as fast as the hundredth: nothing is read on first need
    fresh = QA(index, encoder)
    fresh.warm_up()
    assert set(fresh.retriever._chapters) == set(index.reports)
    parsed_before = index.passages.__class__.__getitem__
    calls: list[int] = []

    def counting(self: object, row: int | slice) -> object:
        calls.append(1)
        return parsed_before(self, row)  # type: ignore[arg-type]

    try:
        index.passages.__class__.__getitem__ = counting  # type: ignore[method-assign]
        result = fresh.ask("What are the areas for improvement in how the force investigates crime?")
    finally:
        index.passages.__class__.__getitem__ = parsed_before  # type: ignore[method-assign]
    assert result.answer.kind == "list" and len(result.hits) == 5
    assert len(calls) < 50  # the hits and their groups, not every passage of the report
