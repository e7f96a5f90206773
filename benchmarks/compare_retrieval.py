"""peelqa against two naive baselines, on the same questions, in one run.

    .venv/bin/python benchmarks/compare_retrieval.py [QUESTIONS.jsonl ...]

Both baselines cut the report at blank lines, as a first attempt would:
  dense only   all-MiniLM-L6-v2 vectors of each piece, FAISS inner product
  BM25 only    bm25s over the same pieces, same stemming as peelqa
peelqa is built fresh from corpus/ into a temporary folder, so the numbers
are for the code as it stands. Two ablations of peelqa show what each half of
its fusion brings. Prints one Markdown table per questions file.
"""

from __future__ import annotations

import logging
import re
import sys
import tempfile
from pathlib import Path

import bm25s
import faiss
import numpy as np

from peelqa.embedding import get_encoder
from peelqa.evaluation import Ranked, evaluate, load_questions, measure
from peelqa.index import build, corpus_files, load
from peelqa.keywords import tokenize
from peelqa.qa import QA
from peelqa.retrieval import Tuning

REPO = Path(__file__).resolve().parent.parent
DEFAULT_QUESTIONS = [REPO / "tests/data/dev_questions.jsonl", REPO / "tests/data/own_questions.jsonl"]
DEPTH = 10


def blank_line_pieces(corpus: Path) -> list[str]:
    pieces: list[str] = []
    for path in corpus_files(corpus):
        text = path.read_text(encoding="utf-8")
        pieces += [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    return pieces


class DenseBaseline:
    def __init__(self, pieces: list[str], encoder) -> None:
        self.pieces, self.encoder = pieces, encoder
        self.index = faiss.IndexFlatIP(encoder.dimension)
        self.index.add(encoder.encode(pieces))

    def rank(self, question: str) -> list[str]:
        _, ids = self.index.search(self.encoder.encode_query(question), DEPTH)
        return [self.pieces[i] for i in ids[0] if i >= 0]


class KeywordBaseline:
    def __init__(self, pieces: list[str]) -> None:
        self.pieces = pieces
        self.index = bm25s.BM25()
        self.index.index([tokenize(p) for p in pieces], show_progress=False)

    def rank(self, question: str) -> list[str]:
        ids = self.index.get_tokens_ids(tokenize(question))
        if not ids:
            return []
        scores = self.index.get_scores_from_ids(ids)
        return [self.pieces[i] for i in np.argsort(-scores)[:DEPTH] if scores[i] > 0]


def row(name: str, metrics: dict) -> str:
    coverage = metrics["list_coverage"]
    return (
        f"| {name} | {metrics['hit@1']:.2f} | {metrics['hit@5']:.2f} | {metrics['mrr@10']:.3f} | "
        f"{'–' if coverage is None else f'{coverage:.2f}'} |"
    )


def main(paths: list[Path]) -> None:
    logging.disable(logging.WARNING)
    encoder = get_encoder()
    corpus = REPO / "corpus"
    pieces = blank_line_pieces(corpus)
    dense, keyword = DenseBaseline(pieces, encoder), KeywordBaseline(pieces)
    with tempfile.TemporaryDirectory() as folder:
        build(corpus, Path(folder), lambda: encoder, model=encoder.name)
        index = load(Path(folder))
        systems = {
            "**peelqa** (hybrid, structure-aware)": QA(index, encoder),
            "peelqa, dense half only": QA(index, encoder, Tuning(keyword_weight=0.0)),
            "peelqa, BM25 half only": QA(index, encoder, Tuning(dense_weight=0.0)),
        }
        for path in paths:
            questions = load_questions(path)
            print(f"\n{path.name}: {len(questions)} questions, {len(pieces)} blank-line pieces, "
                  f"{index.count()} peelqa passages\n")
            print("| system | hit@1 | hit@5 | MRR@10 | list coverage |")
            print("|---|---|---|---|---|")
            for name, qa in systems.items():
                print(row(name, evaluate(qa, questions, depth=DEPTH)))
            for name, baseline in (("baseline: blank-line pieces, dense only", dense),
                                   ("baseline: blank-line pieces, BM25 only", keyword)):
                ranked = [Ranked(baseline.rank(q.question)) for q in questions]
                print(row(name, measure(questions, ranked, depth=DEPTH)))


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or DEFAULT_QUESTIONS)
