"""Locust users for benchmarks/load.py: each asks the dev and own questions, in turn, as fast as answered.

Run through `benchmarks/load.py`, which starts the server and reads the
results; by hand: `.venv/bin/locust -f benchmarks/locustfile.py --headless
-u 16 -r 16 -t 60s --host http://127.0.0.1:8000`.
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

from locust import FastHttpUser, task

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = [
    json.loads(line)["question"]
    for name in ("dev_questions.jsonl", "own_questions.jsonl")
    for line in (REPO / "tests/data" / name).read_text(encoding="utf-8").splitlines()
    if line.strip()
]


class Asker(FastHttpUser):
    """A client that asks one question after another on a kept-alive connection."""

    def on_start(self) -> None:
        start = random.randrange(len(QUESTIONS))  # users start at different questions
        self.questions = itertools.islice(itertools.cycle(QUESTIONS), start, None)

    @task
    def ask(self) -> None:
        with self.client.post(
            "/api/ask", json={"question": next(self.questions)}, name="POST /api/ask", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif not response.json().get("passages"):
                response.failure("an answer without passages")
