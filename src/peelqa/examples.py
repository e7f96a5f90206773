"""What a question asks for, read from its meaning: the nearest example questions.

People ask for a report's list or its grades in many words ("Where does the
force fall short?", "Compare the grades"); rules on heading words catch only
some. Here a few example questions of each form are embedded once, and a
question's vector (the one retrieval computes anyway) is compared with them:
one matrix product, no further encoder pass.

The examples name no topic ("in investigating crime"), so the words they
share are the form of the question, not what it is about: `form_stems`
lets the intent reader take them out of the topic.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .keywords import tokenize
from .kinds import IntentKind

__all__ = ["CUES", "EXAMPLES", "IntentExamples", "Likely"]

# (kind, list heading) -> example questions. PASSAGES examples are ordinary
# questions that share words with the others ("improve", "well"), so that a
# question is called a list or grades question only when it is nearer those.
EXAMPLES: Mapping[tuple[IntentKind, str | None], Sequence[str]] = {
    (IntentKind.LIST, "Areas for improvement"): (
        "What are the force's weaknesses?",
        "What does the force need to do better?",
        "In which areas is the force lacking?",
        "What should the police change?",
        "What problems must the force address?",
        "What has the force been asked to improve?",
        "Where is there room for improvement in the force?",
        "What are the police's failings?",
        "What is the force not doing well enough?",
        "What did the inspectors say the force needs to work on?",
        "Which improvements does the force need to make?",
        "What gaps did the inspection find in the force?",
        "In what ways does the force fall short?",
    ),
    (IntentKind.GRADES, None): (
        "What grades did the force get?",
        "Give me all the force's judgments",
        "How was the police force rated?",
        "Summarise the force's ratings",
        "What was the verdict on the force for each inspection question?",
        "Show every grade of the force side by side",
        "Was the force judged good, requires improvement or inadequate?",
        "What marks was the force awarded?",
    ),
    (IntentKind.PASSAGES, None): (
        "How does the force work with partners?",
        "What is the police force doing about drugs?",
        "What does the force do about theft?",
        "How many crimes did the force record?",
        "How many reports did the force receive?",
        "What share of people were satisfied with the police?",
        "What does the public expect of the police?",
        "Is the force trying a new approach?",
        "How does the force investigate burglary?",
        "What training do police officers receive?",
        "Who chairs the force's meeting?",
        "What does the report say about the force and missing children?",
        "What is the rate of crime per 1,000 people?",
        "What does this term mean?",
        "How does the force manage offenders?",
        "What happened in the police operation?",
        "Why are there delays in the force?",
        "When was the report on the force published?",
        "How often has the force tested its plans?",
        "What did the earlier inspection recommend to the force?",
    ),
}


class ExampleEncoder(Protocol):
    def encode_query(self, text: str) -> np.ndarray: ...


@dataclass(frozen=True)
class Likely:
    """The form the nearest examples give a question, and how near they are."""

    kind: IntentKind
    heading: str | None
    similarity: float  # mean cosine with the nearest examples of that form
    margin: float  # how much nearer than the nearest ordinary (passages) examples
    form_stems: frozenset[str]  # the words the examples of that form use: not a topic


# Words every form's examples use; they say nothing about the form.
_SHARED = frozenset(tokenize("force police forces"))

# Words that say a form by their meaning, whatever the topic around them:
# with them a question may be a little less near the form's examples.
CUES: Mapping[tuple[IntentKind, str | None], str] = {
    (IntentKind.LIST, "Areas for improvement"): (
        "weak weakness better improve improvement short shortcoming lacking fail failing fix gap "
        "problem deficiency wrong"
    ),
}


class IntentExamples:
    """Example questions per form, embedded once per process.

    A question takes a list or grades form when it is near that form's
    examples and no nearer the ordinary ones; or, a little less near, when
    it also uses one of the form's cue words ("better", "weak", "fall
    short"): the encoder weighs a question's topic heavily, and a topic
    ("… in investigating crime") pulls it towards ordinary questions.
    """

    def __init__(
        self,
        encoder: ExampleEncoder,
        examples: Mapping[tuple[IntentKind, str | None], Sequence[str]] = EXAMPLES,
        *,
        cues: Mapping[tuple[IntentKind, str | None], str] = CUES,
        min_similarity: float = 0.45,
        min_margin: float = 0.05,
        cue_slack: float = 0.13,  # a cued question may be this much less near than the margin asks
        nearest_count: int = 2,  # one example alone can be near by accident (a shared "police")
    ) -> None:
        self.min_similarity = min_similarity
        self.min_margin = min_margin
        self.cue_slack = cue_slack
        self.nearest_count = nearest_count
        self._forms = list(examples)
        texts = [text for form in self._forms for text in examples[form]]
        self._owner = np.asarray([i for i, form in enumerate(self._forms) for _ in examples[form]], dtype=np.int64)
        self._vectors = np.concatenate([encoder.encode_query(text) for text in texts]).astype(np.float32)
        self._stems = [frozenset(tokenize(" ".join(examples[form]))) - _SHARED for form in self._forms]
        self._cues = [frozenset(tokenize(cues.get(form, ""))) for form in self._forms]

    def similarities(self, vector: np.ndarray) -> dict[tuple[IntentKind, str | None], float]:
        """The mean cosine of `vector` with the nearest few examples of each form."""
        scores = (self._vectors @ vector.reshape(-1)).astype(np.float64)
        return {
            form: float(np.sort(scores[self._owner == i])[-self.nearest_count :].mean())
            for i, form in enumerate(self._forms)
        }

    def nearest(self, vector: np.ndarray, words: Collection[str] = ()) -> Likely | None:
        """The list or grades form a question is near enough, or None for an ordinary question.

        `vector` is the question's; `words` its keyword stems.
        """
        near = self.similarities(vector)
        ordinary = max((s for (kind, _), s in near.items() if kind is IntentKind.PASSAGES), default=-1.0)
        best: Likely | None = None
        for i, (kind, heading) in enumerate(self._forms):
            if kind is IntentKind.PASSAGES:
                continue
            similarity = near[(kind, heading)]
            margin = similarity - ordinary
            near_enough = similarity >= self.min_similarity and margin >= self.min_margin
            cued = margin >= self.min_margin - self.cue_slack and not self._cues[i].isdisjoint(words)
            if (near_enough or cued) and (best is None or similarity > best.similarity):
                best = Likely(kind, heading, similarity, margin, self._stems[i])
        return best
