"""The question-form classifier (`peelqa.examples`): its shipped examples, and what it reads with the real model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from peelqa.embedding import Encoder
from peelqa.examples import FormExamples, IntentExamples, fitted_examples, load_form_examples
from peelqa.kinds import IntentKind
from peelqa.qa import QA

AFI = (IntentKind.LIST, "Areas for improvement")


def test_the_shipped_examples_hold_every_form_and_fill_each_topic_slot() -> None:
    examples = load_form_examples()
    assert set(examples.forms) == {AFI, (IntentKind.GRADES, None), (IntentKind.PASSAGES, None)}
    assert all(len(templates) >= 30 for templates in examples.forms.values())
    texts, labels = examples.filled(3)
    assert not any("{" in text or "}" in text for text in texts)
    assert len(texts) == len(labels)
    # a template with a slot is asked about three topics in turn; one without, once
    per_form = np.bincount(labels)
    slotted = [sum("{topic}" in t for t in templates) for templates in examples.forms.values()]
    plain = [len(templates) - s for templates, s in zip(examples.forms.values(), slotted, strict=True)]
    assert per_form.tolist() == [3 * s + p for s, p in zip(slotted, plain, strict=True)]


def test_filling_rotates_through_the_topics() -> None:
    examples = FormExamples({AFI: ("What must improve in {topic}?",)}, ("custody", "burglary"))
    assert examples.filled(3) == (
        ["What must improve in custody?", "What must improve in burglary?", "What must improve in custody?"],
        [0, 0, 0],
    )


@pytest.mark.parametrize(
    ("question", "form"),
    [
        # none of these is one of the examples
        ("Which failings did inspectors pick out?", AFI),
        ("What did the inspectors criticise about how offenders are handled?", AFI),
        ("What does the force have to put right?", AFI),
        ("How well was the force judged across the inspection?", (IntentKind.GRADES, None)),
        ("How many burglaries were solved last year?", None),
        ("Which teams share offices with the council?", None),
        ("What about investigation?", None),  # a fragment: its form comes from the question before it
    ],
)
def test_the_classifier_reads_the_form_of_questions_it_was_not_given(
    encoder: Encoder, question: str, form: tuple[IntentKind, str | None] | None
) -> None:
    likely = fitted_examples(encoder).nearest(encoder.encode_query(question))
    assert (None if likely is None else (likely.kind, likely.heading)) == form, likely


def test_the_classifier_is_fitted_once_per_encoder(encoder: Encoder) -> None:
    assert fitted_examples(encoder) is fitted_examples(encoder)
    probabilities = fitted_examples(encoder).probabilities(encoder.encode_query("What are the areas for improvement?"))
    assert set(probabilities) == {AFI, (IntentKind.GRADES, None), (IntentKind.PASSAGES, None)}
    assert sum(probabilities.values()) == pytest.approx(1.0)
    assert max(probabilities, key=probabilities.__getitem__) == AFI


def test_a_form_word_a_judgment_is_about_stays_in_the_topic(qa: QA) -> None:
    # "overall" is a word of the grades examples, and also what one judgment is about
    result = qa.ask("How was the force rated overall?")
    assert result.answer.kind == "judgment"
    assert "Overall" in result.hits[0].passage.text


def test_an_ordinary_encoder_fit_reads_the_shipped_forms(encoder: Encoder) -> None:
    classifier = IntentExamples(encoder, min_probability=0.99)
    # a bar no question reaches: nothing is a list or grades question
    assert classifier.nearest(encoder.encode_query("What should Wiltshire do better?")) is None


class _NoEncoding:
    """An encoder that must not be asked to encode anything."""

    name = "sentence-transformers/all-MiniLM-L6-v2"

    def encode_queries(self, texts: object) -> np.ndarray:
        raise AssertionError("the examples were encoded again")


def test_a_fit_kept_beside_the_model_is_read_back_without_encoding(encoder: Encoder, tmp_path: Path) -> None:
    question = encoder.encode_query("What does the force have to put right?")
    first = IntentExamples(encoder, store=tmp_path)
    kept = list(tmp_path.glob("form-classifier-*.npz"))
    assert len(kept) == 1 and not list(tmp_path.glob(".*.tmp"))
    again = IntentExamples(_NoEncoding(), store=tmp_path)
    assert again.probabilities(question) == first.probabilities(question)
    # a damaged copy is fitted again and replaced, whole
    kept[0].write_bytes(b"not a fit")
    mended = IntentExamples(encoder, store=tmp_path)
    assert mended.probabilities(question) == pytest.approx(first.probabilities(question))
    assert IntentExamples(_NoEncoding(), store=tmp_path).probabilities(question) == mended.probabilities(question)


def test_other_examples_are_fitted_afresh(encoder: Encoder, tmp_path: Path) -> None:
    IntentExamples(encoder, store=tmp_path)
    fewer = FormExamples(
        {AFI: ("What must improve in {topic}?", "Where is it weak?"), (IntentKind.PASSAGES, None): ("What is {topic}?",)},
        ("custody",),
    )
    IntentExamples(encoder, fewer, store=tmp_path)
    assert len(list(tmp_path.glob("form-classifier-*.npz"))) == 2
