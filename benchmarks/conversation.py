"""What a conversation's history costs an answer.

    .venv/bin/python benchmarks/conversation.py [--rounds N]

Loads the model and the current index (run `peelqa index` first) once, then
times, over the follow-up conversations (tests/data/followup_questions.jsonl):

- each follow-up asked alone (no history),
- each asked with its history, as a chat page sends it: every earlier
  question again with each request, so a history question's analysis comes
  from the resolver's cache after the first time,
- each asked with its history by a fresh resolver (nothing cached yet),
- the resolution alone (cached), and the resolved question asked directly:
  an answer with history costs the two together,
- the dev questions, which stand alone, asked with a three-question history.

Prints medians. Run it by hand; tests never time anything.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
from pathlib import Path

from peelqa.conversation import Resolver
from peelqa.embedding import get_encoder, model_cache_dir
from peelqa.index import load
from peelqa.qa import QA

REPO = Path(__file__).resolve().parent.parent
FOLLOW_UPS = REPO / "tests/data/followup_questions.jsonl"
DEV = REPO / "tests/data/dev_questions.jsonl"
HISTORY = [
    "How was the force graded for protecting vulnerable people?",
    "And for serious and organised crime?",
    "Why is that a concern?",
]


def timed(func, *args, **kwargs) -> float:
    started = time.perf_counter()
    func(*args, **kwargs)
    return (time.perf_counter() - started) * 1000


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the questions")
    parser.add_argument("--index", type=Path, default=REPO / "index")
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    follow_ups = lines(FOLLOW_UPS)
    dev = [item["question"] for item in lines(DEV)]
    encoder = get_encoder(cache_dir=model_cache_dir(args.index))
    qa = QA(load(args.index, model=encoder.name), encoder)
    qa.warm_up()

    alone, cached, fresh, standalone, plain, resolving, direct = [], [], [], [], [], [], []
    for _ in range(args.rounds):
        for item in follow_ups:
            alone.append(timed(qa.ask, item["question"]))
            qa.resolver = Resolver(qa.retriever.analyser.analyse, qa.index.reports)
            fresh.append(timed(qa.ask, item["question"], history=item["history"]))
            qa.resolver = Resolver(qa.retriever.analyser.analyse, qa.index.reports)
            history = item["history"]
            for n in range(len(history)):
                qa.ask(history[n], history=history[:n])
            cached.append(timed(qa.ask, item["question"], history=history))
            resolving.append(timed(qa.resolver.resolve, item["question"], item["history"]))
            direct.append(timed(qa.ask, qa.resolver.resolve(item["question"], item["history"])))
        for question in dev:
            plain.append(timed(qa.ask, question))
            standalone.append(timed(qa.ask, question, history=HISTORY))

    print(f"{len(follow_ups)} follow-ups and {len(dev)} dev questions x {args.rounds} rounds, {type(encoder).__name__}")
    print(f"follow-up, no history                 median {statistics.median(alone):7.2f} ms")
    print(f"follow-up in its conversation         median {statistics.median(cached):7.2f} ms")
    print(f"follow-up with history (fresh)        median {statistics.median(fresh):7.2f} ms")
    print(f"resolution alone (cached)             median {statistics.median(resolving):7.2f} ms")
    print(f"resolved question asked directly      median {statistics.median(direct):7.2f} ms")
    print(f"standalone question, no history       median {statistics.median(plain):7.2f} ms")
    print(f"standalone question with history      median {statistics.median(standalone):7.2f} ms")


if __name__ == "__main__":
    main()
