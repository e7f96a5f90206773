"""Why `QA.ask` cost more on a service thread: spinning thread pools, measured.

    .venv/bin/python benchmarks/threads.py [--seconds S]

For each encoder set-up, in a fresh process each (OpenMP reads its settings
at start), answers the dev and own questions in a loop for `--seconds` in the
main thread, then from a one-thread pool (as a waitress thread would), and
prints answers per second:

- sentence-transformers (torch, whose OpenMP threads spin-wait between
  parallel regions), as is and with OMP_WAIT_POLICY=PASSIVE;
- ONNX Runtime with its intra-op threads spinning (its default), and
  sleeping (what peelqa uses).

On a shared 2-core machine the spinning set-ups lose most of their speed, and
which thread asks changes the result; with the pools asleep when idle, main
thread and pool answer alike. Run it by hand; tests never time anything.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTION_FILES = [REPO / "tests/data/dev_questions.jsonl", REPO / "tests/data/own_questions.jsonl"]
SETUPS = {
    "sentence-transformers (torch), OpenMP as is": ("torch", {}),
    "sentence-transformers (torch), OMP_WAIT_POLICY=PASSIVE": ("torch", {"OMP_WAIT_POLICY": "PASSIVE"}),
    "ONNX Runtime, intra-op threads spinning": ("onnx-spinning", {}),
    "ONNX Runtime, intra-op threads asleep when idle (peelqa)": ("onnx", {}),
}


def child(backend: str, index: Path, seconds: float) -> None:
    """Answer in a loop in the main thread, then in a one-thread pool; print both rates as JSON."""
    logging.disable(logging.WARNING)
    from peelqa.embedding import DEFAULT_MODEL, Encoder, model_cache_dir
    from peelqa.embedding.export import load_onnx_encoder
    from peelqa.embedding.onnx_encoder import OnnxEncoder
    from peelqa.embedding.torch_encoder import SentenceTransformerEncoder
    from peelqa.index import load
    from peelqa.qa import QA

    encoder: Encoder
    if backend == "torch":
        encoder = SentenceTransformerEncoder(DEFAULT_MODEL)
    else:
        folder = load_onnx_encoder(DEFAULT_MODEL, cache_dir=model_cache_dir(index)).folder
        encoder = OnnxEncoder(folder, spinning=backend == "onnx-spinning")
    qa = QA(load(index, model=encoder.name), encoder)
    qa.warm_up()
    asked = [
        json.loads(line)["question"]
        for path in QUESTION_FILES
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]

    def answers_per_second() -> float:
        count, stop = 0, time.perf_counter() + seconds
        while time.perf_counter() < stop:
            qa.ask(asked[count % len(asked)])
            count += 1
        return count / seconds

    main_thread = answers_per_second()
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool_thread = pool.submit(answers_per_second).result()
    print(json.dumps({"main": main_thread, "pool": pool_thread}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--index", type=Path, default=REPO / "index")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.index, args.seconds)
        return

    print(f"answers per second over {args.seconds:g} s, main thread then a one-thread pool:")
    for label, (backend, env) in SETUPS.items():
        command = [sys.executable, __file__, "--child", backend, "--index", str(args.index), "--seconds", str(args.seconds)]
        done = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True, check=True)
        rates = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{label:58} main {rates['main']:6.1f}/s   pool {rates['pool']:6.1f}/s   "
            f"pool / main {rates['pool'] / rates['main']:.2f}"
        )


if __name__ == "__main__":
    main()
