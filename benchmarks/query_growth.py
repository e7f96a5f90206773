"""Where a question's time grows with the number of reports: the functions that grow most.

    .venv/bin/python benchmarks/query_growth.py [--sizes 1 200] [--keep DIR] [--rounds 10]

Builds (or reuses, with --keep) the synthetic indexes of `many_reports.py`,
then profiles `QA.ask` over the dev questions that are not list or grades
questions (those return every report's items, so they grow by design) with
each question's vector encoded once beforehand, so that only what happens
after the encoder is measured. Prints, per function, its own time per
question at the smallest and the largest size, biggest growth first, and
the median per question at each size. Run it by hand; tests never time anything.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import pstats
import statistics
import tempfile
import time
from pathlib import Path

from many_reports import QUESTIONS, make_index

from peelqa.embedding import get_encoder
from peelqa.index import load
from peelqa.qa import QA


def own_times(qa: QA, questions: list[str], rounds: int) -> dict[str, tuple[float, float]]:
    """(seconds of own time, calls) per function over `rounds` passes of `questions`."""
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(rounds):
        for question in questions:
            qa.ask(question)
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    return {f"{key[0].split('/')[-1]}:{key[1]}({key[2]})": (value[2], value[1]) for key, value in stats.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 200])
    parser.add_argument("--keep", type=Path, help="build into (and reuse) this folder")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    encoder = get_encoder()
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines() if line.strip()]
    vectors = {q: encoder.encode_query(q) for q in questions}
    encode = encoder.encode_query
    encoder.encode_query = lambda q: vectors[q] if q in vectors else encode(q)  # type: ignore[method-assign]
    root = args.keep or Path(tempfile.mkdtemp(prefix="peelqa-many-"))
    qas = {size: QA(load(make_index(root, size, encoder), model=encoder.name), encoder) for size in args.sizes}
    for qa in qas.values():
        qa.warm_up()
    smallest, largest = qas[min(qas)], qas[max(qas)]
    plain = [q for q in questions if smallest.ask(q).answer.kind not in ("list", "grades")]
    for qa in qas.values():  # once, so every page the questions touch is mapped
        for question in plain:
            qa.ask(question)

    before, after = own_times(smallest, plain, args.rounds), own_times(largest, plain, args.rounds)
    asked = args.rounds * len(plain)
    print(f"{len(plain)} questions (not list or grades) x {args.rounds}; own time per question, ms, and calls\n")
    grown = sorted(after, key=lambda k: -(after[k][0] - before.get(k, (0.0, 0))[0]))[:25]
    for key in grown:
        (a, ca), (b, cb) = before.get(key, (0.0, 0)), after[key]
        print(f"{key:<62} {a / asked * 1000:7.3f} -> {b / asked * 1000:7.3f}   calls {ca / asked:5.1f} -> {cb / asked:5.1f}")

    took: dict[int, list[float]] = {size: [] for size in qas}
    for _ in range(5):
        for question in plain:
            for size, qa in qas.items():
                started = time.perf_counter()
                qa.ask(question)
                took[size].append((time.perf_counter() - started) * 1000)
    print()
    for size in qas:
        print(f"{size:>5} reports: p50 {statistics.median(took[size]):.2f} ms after the encoder")


if __name__ == "__main__":
    main()
