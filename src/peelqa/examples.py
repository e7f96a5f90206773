"""What a question asks for, read from its meaning: a classifier over example questions.

People ask for a report's list or its grades in many words ("Where does the
force fall short?", "Compare the grades"); rules on heading words catch only
some, and the nearest few examples are swayed by the question's topic. Here
some 250 example questions of three forms (`data/form_examples.json`), each
template filled with a few topics, are embedded and a logistic regression is
fitted on their vectors: it learns which directions of the encoder's space
say the form, whatever the topic. The fit is made once and kept beside the
model. A question's vector, the one retrieval computes anyway, is then read
with one small matrix product, no further encoder pass.

The templates' own words (topic left out) are the form of a question, not
what it is about: `form_stems` lets the intent reader take them out of the topic.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np

from .keywords import tokenize
from .kinds import IntentKind

__all__ = ["FormExamples", "IntentExamples", "Likely", "fitted_examples", "load_form_examples"]

logger = logging.getLogger(__name__)

_TOPIC = "{topic}"
_BATCH = 32  # examples encoded together: small batches keep the encoder's memory arena small


class ExampleEncoder(Protocol):
    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class FormExamples:
    """Example question templates per form, and topics to fill their `{topic}` with."""

    forms: Mapping[tuple[IntentKind, str | None], Sequence[str]]
    topics: Sequence[str]

    def filled(self, topics_per_template: int) -> tuple[list[str], list[int]]:
        """Every template with a few topics each (rotating through them), and each one's form number."""
        texts: list[str] = []
        labels: list[int] = []
        turn = 0
        for number, templates in enumerate(self.forms.values()):
            for template in templates:
                if _TOPIC not in template:
                    texts.append(template)
                    labels.append(number)
                    continue
                for _ in range(topics_per_template):
                    texts.append(template.replace(_TOPIC, self.topics[turn % len(self.topics)]))
                    labels.append(number)
                    turn += 1
        return texts, labels


def _form_key(name: str) -> tuple[IntentKind, str | None]:
    kind, _, heading = name.partition(":")
    return IntentKind(kind), heading or None


def load_form_examples() -> FormExamples:
    """The examples shipped with peelqa."""
    data = json.loads(resources.files("peelqa").joinpath("data/form_examples.json").read_text(encoding="utf-8"))
    return FormExamples({_form_key(name): tuple(texts) for name, texts in data["forms"].items()}, tuple(data["topics"]))


@dataclass(frozen=True)
class Likely:
    """The form the classifier gives a question, and how sure it is."""

    kind: IntentKind
    heading: str | None
    probability: float
    form_stems: frozenset[str]  # the words the examples of that form use: not a topic


# Words the examples of every form use (the force, by its name or not); they say nothing about the form.
_SHARED = frozenset(tokenize("force police forces wiltshire"))


class IntentExamples:
    """A question-form classifier fitted on example questions, once per encoder.

    A question takes a list or grades form when the classifier gives that
    form at least `min_probability`; otherwise it is an ordinary question.
    """

    def __init__(
        self,
        encoder: ExampleEncoder,
        examples: FormExamples | None = None,
        *,
        min_probability: float = 0.7,
        topics_per_template: int = 3,
        regularisation: float = 4.0,  # sklearn's C: lower is smoother
        store: Path | None = None,
    ) -> None:
        """Fit on `examples` (the shipped ones by default), or load the fit kept in `store`.

        A fit kept in `store` (a folder of the model's, such as its exported
        copy) is used when it was made from the same examples and settings:
        a new process then encodes no examples and imports no scikit-learn.
        """
        examples = examples or load_form_examples()
        self.min_probability = min_probability
        self._forms = list(examples.forms)
        texts, labels = examples.filled(topics_per_template)
        key = hashlib.sha256(
            json.dumps([getattr(encoder, "name", ""), texts, labels, regularisation]).encode("utf-8")
        ).hexdigest()[:16]
        kept = None if store is None else store / f"form-classifier-{key}.npz"
        fit = _read_fit(kept) if kept is not None else None
        if fit is None:
            fit = _fit(encoder, texts, labels, regularisation)
            if kept is not None:
                _keep_fit(kept, fit)
        # plain arrays: reading a question is one (forms x dimension) product and a softmax
        self._weights, self._bias, classes = fit
        self._classes = [self._forms[int(c)] for c in classes]
        self._stems = {
            form: frozenset(tokenize(" ".join(t.replace(_TOPIC, " ") for t in examples.forms[form]))) - _SHARED
            for form in self._forms
        }

    def probabilities(self, vector: np.ndarray) -> dict[tuple[IntentKind, str | None], float]:
        """How likely each form is for a question with this vector."""
        logits = self._weights @ vector.reshape(-1).astype(np.float32) + self._bias
        if len(self._classes) == 2:  # sklearn's binary model: one logit for the second class
            logits = np.asarray([0.0, float(logits[0])], dtype=np.float32)
        exp = np.exp(logits - logits.max())
        return {form: float(p) for form, p in zip(self._classes, exp / exp.sum(), strict=True)}

    def nearest(self, vector: np.ndarray) -> Likely | None:
        """The list or grades form of the question with this vector, or None for an ordinary question."""
        probabilities = self.probabilities(vector)
        form, probability = max(probabilities.items(), key=lambda item: item[1])
        if form[0] is IntentKind.PASSAGES or probability < self.min_probability:
            return None
        return Likely(form[0], form[1], probability, self._stems[form])


_Fit = tuple[np.ndarray, np.ndarray, np.ndarray]  # weights (forms x dimension), biases, form numbers


def _fit(encoder: ExampleEncoder, texts: Sequence[str], labels: Sequence[int], regularisation: float) -> _Fit:
    """Encode the examples and fit the logistic regression on their vectors."""
    # imported here: a process that loads a kept fit never imports scikit-learn (and scipy)
    from sklearn.linear_model import LogisticRegression

    vectors = np.concatenate([encoder.encode_queries(texts[i : i + _BATCH]) for i in range(0, len(texts), _BATCH)])
    model = LogisticRegression(C=regularisation, class_weight="balanced", max_iter=2000)
    model.fit(vectors.astype(np.float64), np.asarray(labels))
    return (
        np.asarray(model.coef_, dtype=np.float32),
        np.asarray(model.intercept_, dtype=np.float32),
        np.asarray(model.classes_, dtype=np.int64),
    )


def _read_fit(path: Path) -> _Fit | None:
    """A kept fit, or None when there is none or it cannot be read (it is then made again)."""
    try:
        with np.load(path, allow_pickle=False) as kept:
            return kept["weights"], kept["bias"], kept["classes"]
    except (OSError, ValueError, KeyError):
        return None


def _keep_fit(path: Path, fit: _Fit) -> None:
    """Write a fit beside the model, whole or not at all; a folder that cannot be written keeps none."""
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with staging.open("wb") as out:
            np.savez(out, weights=fit[0], bias=fit[1], classes=fit[2])
        os.replace(staging, path)
    except OSError as error:
        logger.info("the question-form fit is not kept in %s: %s", path.parent, error)
        staging.unlink(missing_ok=True)


_FITTED: weakref.WeakKeyDictionary[object, IntentExamples] = weakref.WeakKeyDictionary()
_FITTING = threading.Lock()


def fitted_examples(encoder: ExampleEncoder) -> IntentExamples:
    """The classifier for this encoder, fitted on its first use in the process.

    An index swap makes a new analyser; the examples and the encoder are the
    same, so the fit is not repeated. An encoder with a `store` (an exported
    copy of its model) keeps the fit there, for the next process.
    """
    with _FITTING:
        if encoder not in _FITTED:
            store = getattr(encoder, "store", None)  # an exported model's folder: the fit is kept there
            _FITTED[encoder] = IntentExamples(encoder, store=store if isinstance(store, Path) else None)
        return _FITTED[encoder]
