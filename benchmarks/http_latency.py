"""What the HTTP service adds on top of answering: waitress + Flask + JSON.

    .venv/bin/python benchmarks/http_latency.py [--requests N]

Serves the current index (run `peelqa index` first) from a real waitress
server on 127.0.0.1, posts the dev questions to /api/ask over HTTP, and
prints the median round trip beside the median `took_ms` the service reports
for the answer itself, and the first request against the median. Run it by
hand; tests never time anything.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import threading
import time
import urllib.request
from pathlib import Path

from peelqa.serving import create_server
from peelqa.web import create_app

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "tests/data/dev_questions.jsonl"


def post(url: str, question: str) -> tuple[float, float]:
    body = json.dumps({"question": question}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        data = json.load(response)
    return (time.perf_counter() - started) * 1000, data["took_ms"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--index", type=Path, default=REPO / "index")
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines() if line.strip()]
    app = create_app({"PEELQA_INDEX_DIR": str(args.index)})
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{server.effective_port}/api/ask"
    try:
        first, _ = post(url, questions[0])
        timings = [post(url, questions[i % len(questions)]) for i in range(args.requests)]
    finally:
        server.close()

    round_trip = statistics.median(t for t, _ in timings)
    answering = statistics.median(a for _, a in timings)
    print(f"requests: {args.requests} over HTTP on 127.0.0.1 (waitress, 4 threads)")
    print(f"round trip      median {round_trip:7.2f} ms")
    print(f"answer (took_ms) median {answering:7.2f} ms   HTTP + JSON adds {round_trip - answering:.2f} ms")
    print(f"first request   {first:7.2f} ms   ratio to median {first / round_trip:.2f}")


if __name__ == "__main__":
    main()
