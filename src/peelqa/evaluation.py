"""Measure answers against questions with gold strings (DESIGN.md §6).

A passage answers a question when one of its gold strings is in it, compared
lower-cased, with whitespace collapsed and footnote markers removed. For a
question of kind "list", every gold string is an item the results must hold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import EvaluationFileError
from .parsing.markers import strip_note_marks
from .qa import QA

__all__ = ["EvalQuestion", "Ranked", "evaluate", "load_questions", "measure", "normalise"]

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


def normalise(text: str) -> str:
    text, _ = strip_note_marks(text)
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip().lower()


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    gold: tuple[str, ...]
    kind: str


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
            gold = data["gold"]
            if not isinstance(data["question"], str) or not gold or not all(isinstance(g, str) for g in gold):
                raise ValueError("question must be a string and gold a non-empty list of strings")
        except (ValueError, KeyError, TypeError) as error:
            raise EvaluationFileError(f"{path}:{number}: not a question with gold strings ({error})") from None
        questions.append(
            EvalQuestion(str(data.get("id", number)), data["question"], tuple(gold), data.get("kind", "fact"))
        )
    if not questions:
        raise EvaluationFileError(f"{path} holds no questions")
    return questions


def _answers(text: str, gold: Sequence[str]) -> bool:
    body = normalise(text)
    return any(normalise(g) in body for g in gold)


@dataclass(frozen=True)
class Ranked:
    """What a system returned for one question: passage texts, best first, and its answer."""

    texts: Sequence[str]
    answer: str | None = None


def measure(
    questions: Sequence[EvalQuestion], ranked: Sequence[Ranked], *, depth: int = 10
) -> dict[str, Any]:
    """hit@1, hit@5, MRR@depth, list coverage and answer hits, with every miss."""
    rows = []
    for item, result in zip(questions, ranked, strict=True):
        texts = list(result.texts)
        rank = next((i for i, text in enumerate(texts[:depth], 1) if _answers(text, item.gold)), None)
        row: dict[str, Any] = {
            "id": item.id,
            "kind": item.kind,
            "question": item.question,
            "rank": rank,
            "answer_hit": None if result.answer is None else _answers(result.answer, item.gold),
            "top": texts[0][:160] if texts else None,
        }
        if item.kind == "list":
            # a list answer is every passage returned, however many
            found = [g for g in item.gold if any(_answers(text, [g]) for text in texts)]
            row["coverage"] = len(found) / len(item.gold)
            row["missing_items"] = [g for g in item.gold if g not in found]
        rows.append(row)

    count = len(rows)
    lists = [r for r in rows if "coverage" in r]
    answered = [r for r in rows if "coverage" not in r and r["answer_hit"] is not None]
    return {
        "questions": count,
        "hit@1": sum(1 for r in rows if r["rank"] == 1) / count,
        "hit@5": sum(1 for r in rows if r["rank"] and r["rank"] <= 5) / count,
        f"mrr@{depth}": sum(1 / r["rank"] for r in rows if r["rank"]) / count,
        "list_coverage": sum(r["coverage"] for r in lists) / len(lists) if lists else None,
        "answer_hit": sum(1 for r in answered if r["answer_hit"]) / len(answered) if answered else None,
        "misses": [r for r in rows if r["rank"] != 1 or r.get("coverage", 1.0) < 1.0],
        "rows": rows,
    }


def evaluate(qa: QA, questions: Sequence[EvalQuestion], *, depth: int = 10) -> dict[str, Any]:
    """Ask every question of `qa` and measure the results."""
    ranked = []
    for item in questions:
        result = qa.ask(item.question, top_k=depth)
        ranked.append(Ranked([hit.passage.text for hit in result.hits], result.answer.text))
    return measure(questions, ranked, depth=depth)
