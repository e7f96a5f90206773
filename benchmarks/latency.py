"""How much a question costs beyond one encoder forward pass.

    .venv/bin/python benchmarks/latency.py [--rounds N]

Loads the model and the current index (run `peelqa index` first) once, then
times, for each question of the dev set: the encoder's forward pass alone,
and a whole answer (retrieval + answer composition). Prints medians, the
ratio of the two, and the very first answer against the median, to show the
first request is no slower than the hundredth. Run it by hand; these numbers
are noisy on shared machines, so the tests assert none of them.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
from pathlib import Path

from peelqa.embedding import get_encoder, model_cache_dir
from peelqa.index import load
from peelqa.qa import QA

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "tests/data/dev_questions.jsonl"


def timed(func, *args, **kwargs) -> float:
    started = time.perf_counter()
    func(*args, **kwargs)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the questions")
    parser.add_argument("--index", type=Path, default=REPO / "index")
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines() if line.strip()]
    encoder = get_encoder(cache_dir=model_cache_dir(args.index))
    qa = QA(load(args.index, model=encoder.name), encoder)
    qa.warm_up()  # as the service does at start

    first = timed(qa.ask, questions[0])
    encode_ms, ask_ms, list_ms = [], [], []
    for _ in range(args.rounds):
        for question in questions:
            encode_ms.append(timed(encoder.encode_query, question))
            ask_ms.append(timed(qa.ask, question))
        list_ms.append(timed(qa.ask, "What are the areas for improvement?"))

    encode, ask = statistics.median(encode_ms), statistics.median(ask_ms)
    print(f"questions: {len(questions)} x {args.rounds} rounds, index {qa.index.build_id} ({qa.index.count()} passages)")
    print(f"encoder forward pass   median {encode:7.2f} ms   ({type(encoder).__name__})")
    print(f"whole answer           median {ask:7.2f} ms   ratio to encoder {ask / encode:.2f}")
    print(f"list answer (8 items)  median {statistics.median(list_ms):7.2f} ms")
    print(f"first answer           {first:7.2f} ms   ratio to median answer {first / ask:.2f}")


if __name__ == "__main__":
    main()
