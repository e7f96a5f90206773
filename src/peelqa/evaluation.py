"""Measure answers against questions with gold strings (DESIGN.md §6).

A passage answers a question when one of its gold strings is in it, compared
lower-cased, with whitespace collapsed and footnote markers removed. For a
question of kind "list", every gold string is an item the results must hold;
with `"complete": true` the gold is the whole list, so a listed item that
matches none of it counts against the list's precision. A question of kind
"unanswerable" has no gold: the right answer says that nothing answers it.
A question may carry `history`, the earlier questions of its conversation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import EvaluationFileError
from .kinds import AnswerKind
from .parsing.markers import strip_note_marks
from .qa import QA

__all__ = ["EvalQuestion", "Ranked", "evaluate", "load_questions", "measure", "normalise"]

_LIST_ANSWERS = (AnswerKind.LIST, AnswerKind.GRADES)
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


def normalise(text: str) -> str:
    text, _ = strip_note_marks(text)
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip().lower()


UNANSWERABLE = "unanswerable"


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    gold: tuple[str, ...]
    kind: str
    history: tuple[str, ...] = ()
    complete: bool = False  # the gold of a list is the whole list

    @property
    def answerable(self) -> bool:
        return self.kind != UNANSWERABLE


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read a JSON-lines questions file.

    Raises:
        EvaluationFileError: the file is missing, or a line is not a question with gold strings.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise EvaluationFileError(f"cannot read questions file {path}: {error}") from None
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            gold, kind = data["gold"], data.get("kind", "fact")
            history = data.get("history", [])
            if not isinstance(data["question"], str) or not isinstance(gold, list):
                raise ValueError("question must be a string and gold a list of strings")
            if not all(isinstance(g, str) and g.strip() for g in gold):
                raise ValueError("every gold string must be a non-empty string")
            if bool(gold) == (kind == UNANSWERABLE):
                raise ValueError("gold must be empty for an unanswerable question and given for any other")
            if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
                raise ValueError("history must be a list of strings")
        except (ValueError, KeyError, TypeError) as error:
            raise EvaluationFileError(f"{path}:{number}: not a question with gold strings ({error})") from None
        questions.append(
            EvalQuestion(
                str(data.get("id", number)),
                data["question"],
                tuple(gold),
                kind,
                history=tuple(history),
                complete=bool(data.get("complete", False)),
            )
        )
    if not questions:
        raise EvaluationFileError(f"{path} holds no questions")
    return questions


def _answers(text: str, gold: Sequence[str]) -> bool:
    body = normalise(text)
    return any(normalise(g) in body for g in gold)


@dataclass(frozen=True)
class Ranked:
    """What a system returned for one question: passage texts, best first, and its answer.

    `found` is False when the system said nothing answers; `listed` holds the
    items of a list answer (None when the answer is not a list).
    """

    texts: Sequence[str]
    answer: str | None = None
    found: bool = True
    listed: Sequence[str] | None = None
    resolved: str | None = None  # the question as understood against its history


def measure(
    questions: Sequence[EvalQuestion], ranked: Sequence[Ranked], *, depth: int = 10
) -> dict[str, Any]:
    """hit@1, hit@5, MRR@depth, list coverage and precision, answer hits and refusals.

    Ranking measures count the answerable questions only; `refused` is the
    share of unanswerable questions answered "not found", `wrongly_refused`
    the share of answerable ones.
    """
    rows = []
    for item, result in zip(questions, ranked, strict=True):
        texts = list(result.texts)
        row: dict[str, Any] = {
            "id": item.id,
            "kind": item.kind,
            "question": item.question,
            "found": result.found,
            "top": texts[0][:160] if texts else None,
        }
        if item.history:
            row["history"] = list(item.history)
            row["resolved"] = result.resolved
        if not item.answerable:
            rows.append(row)
            continue
        row["rank"] = next((i for i, text in enumerate(texts[:depth], 1) if _answers(text, item.gold)), None)
        row["answer_hit"] = None if result.answer is None else _answers(result.answer, item.gold)
        if item.kind == "list":
            # a list answer is every passage returned, however many
            found = [g for g in item.gold if any(_answers(text, [g]) for text in texts)]
            row["coverage"] = len(found) / len(item.gold)
            row["missing_items"] = [g for g in item.gold if g not in found]
            if item.complete:
                listed = list(result.listed or [])
                extra = [text for text in listed if not _answers(text, item.gold)]
                row["precision"] = (len(listed) - len(extra)) / len(listed) if listed else 0.0
                row["extra_items"] = [text[:120] for text in extra]
        rows.append(row)

    answerable = [r for r in rows if "rank" in r]
    unanswerable = [r for r in rows if "rank" not in r]
    count = len(answerable)
    lists = [r for r in answerable if "coverage" in r]
    complete = [r for r in lists if "precision" in r]
    answered = [r for r in answerable if "coverage" not in r and r["answer_hit"] is not None]

    def share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    return {
        "questions": len(rows),
        "depth": depth,
        "answerable": count,
        "hit@1": share(sum(1 for r in answerable if r["rank"] == 1), count),
        "hit@5": share(sum(1 for r in answerable if r["rank"] and r["rank"] <= 5), count),
        f"mrr@{depth}": share(sum(1 / r["rank"] for r in answerable if r["rank"]), count),
        "list_coverage": share(sum(r["coverage"] for r in lists), len(lists)),
        "list_precision": share(sum(r["precision"] for r in complete), len(complete)),
        "answer_hit": share(sum(1 for r in answered if r["answer_hit"]), len(answered)),
        "unanswerable": len(unanswerable),
        "refused": share(sum(1 for r in unanswerable if not r["found"]), len(unanswerable)),
        "wrongly_refused": share(sum(1 for r in answerable if not r["found"]), count),
        "misses": [
            r
            for r in rows
            if ("rank" in r and (r["rank"] != 1 or r.get("coverage", 1.0) < 1.0 or r.get("precision", 1.0) < 1.0))
            or ("rank" not in r and r["found"])
            or ("rank" in r and not r["found"])
        ],
        "rows": rows,
    }


def evaluate(qa: QA, questions: Sequence[EvalQuestion], *, depth: int = 10) -> dict[str, Any]:
    """Ask every question of `qa` and measure the results."""
    ranked = []
    for item in questions:
        result = qa.ask(item.question, top_k=depth, history=item.history)
        listed = [s.text for s in result.answer.sentences] if result.answer.kind in _LIST_ANSWERS else None
        ranked.append(
            Ranked(
                [hit.passage.text for hit in result.hits],
                result.answer.text,
                result.answer.found,
                listed,
                resolved=result.resolved_question,
            )
        )
    return measure(questions, ranked, depth=depth)
