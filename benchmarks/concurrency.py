"""What micro-batching buys: questions per second with and without the batcher, by concurrency.

    .venv/bin/python benchmarks/concurrency.py [--seconds S]

Loads the ONNX encoder and the current index (run `peelqa index` first) and,
for 1, 4 and 16 threads asking the dev and own questions in a loop, counts
the whole answers (`QA.ask`) per second with the encoder called directly and
through `QueryBatcher`, each for `--seconds`, alternating. Also prints the
mean batch size and, at one thread, what the batcher costs a lone question.
Run it by hand; tests never time anything.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import threading
import time
from pathlib import Path

from peelqa.batching import QueryBatcher
from peelqa.embedding import Encoder, get_encoder, model_cache_dir
from peelqa.index import load
from peelqa.qa import QA

REPO = Path(__file__).resolve().parent.parent
QUESTION_FILES = [REPO / "tests/data/dev_questions.jsonl", REPO / "tests/data/own_questions.jsonl"]


def rate(qa: QA, asked: list[str], threads: int, seconds: float) -> tuple[float, list[float]]:
    """Answers per second with `threads` threads asking, and each answer's latency."""
    stop = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(threads)]

    def run(slot: int) -> None:
        i = slot
        while time.perf_counter() < stop:
            started = time.perf_counter()
            qa.ask(asked[i % len(asked)])
            latencies[slot].append((time.perf_counter() - started) * 1000)
            i += threads

    workers = [threading.Thread(target=run, args=(slot,)) for slot in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    done = [value for values in latencies for value in values]
    return len(done) / (time.perf_counter() - started), done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3, help="per level, per set-up, per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--index", type=Path, default=REPO / "index")
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    encoder = get_encoder(cache_dir=model_cache_dir(args.index))
    index = load(args.index, model=encoder.name)
    batcher = QueryBatcher(encoder)
    setups: dict[str, Encoder] = {"direct": encoder, "batched": batcher}
    qas = {name: QA(index, chosen) for name, chosen in setups.items()}
    asked = [
        json.loads(line)["question"]
        for path in QUESTION_FILES
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    for qa in qas.values():
        qa.warm_up()

    rates: dict[tuple[str, int], list[float]] = {}
    latencies: dict[tuple[str, int], list[float]] = {}
    passes: dict[int, list[tuple[int, int]]] = {}
    for _ in range(args.rounds):
        for threads in (1, 4, 16):
            for name, qa in qas.items():
                before = batcher.batches
                value, done = rate(qa, asked, threads, args.seconds)
                rates.setdefault((name, threads), []).append(value)
                latencies.setdefault((name, threads), []).extend(done)
                if name == "batched":
                    passes.setdefault(threads, []).append((len(done), batcher.batches - before))
    batcher.close()

    print(f"encoder {type(encoder).__name__}, {args.rounds} rounds of {args.seconds:g} s per set-up and level")
    for threads in (1, 4, 16):
        direct = statistics.median(rates["direct", threads])
        batched = statistics.median(rates["batched", threads])
        answers, made = map(sum, zip(*passes[threads], strict=True))
        print(
            f"{threads:2} threads: direct {direct:6.1f}/s (median {statistics.median(latencies['direct', threads]):6.2f} ms), "
            f"batched {batched:6.1f}/s (median {statistics.median(latencies['batched', threads]):6.2f} ms), "
            f"ratio {batched / direct:.2f}, {answers / max(made, 1):.1f} questions a pass"
        )
    one = statistics.median(rates["batched", 1])
    print(f"batched, 16 threads / 1 thread: {statistics.median(rates['batched', 16]) / one:.2f}")


if __name__ == "__main__":
    main()
