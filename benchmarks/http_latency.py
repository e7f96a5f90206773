"""The service against the physical limit: HTTP round trips, answers and throughput in one run.

    .venv/bin/python benchmarks/http_latency.py [--rounds N] [--seconds S] [--threads T]

Starts a real `peelqa serve` process on the current index (run `peelqa index`
first) and two helper processes, then times over the dev and own questions,
round by round so that all see the same machine:

- the bare sentence-transformers encode of each question (the yardstick; in
  a helper process, as torch and ONNX Runtime never share one in service),
- `QA.ask` of each question in a helper process's main thread,
- `POST /api/ask` of each question, one client on a kept-alive connection:
  the round trip and the server's own `took_ms`,
- throughput with 1, 4 and 16 concurrent clients, each on its own
  kept-alive connection, asking the questions in turn for `--seconds`.

Prints medians and the ratios the issue sets targets for, and the server's
start-up time and memory. Run it by hand; tests never time anything.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTION_FILES = [REPO / "tests/data/dev_questions.jsonl", REPO / "tests/data/own_questions.jsonl"]
READY = re.compile(r"open http://127\.0\.0\.1:(\d+)/")


def questions() -> list[str]:
    return [
        json.loads(line)["question"]
        for path in QUESTION_FILES
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def timed(func: Callable[[], object]) -> float:
    started = time.perf_counter()
    func()
    return (time.perf_counter() - started) * 1000


class Server:
    """`peelqa serve` in its own process, as `./scripts/serve` runs it."""

    def __init__(self, index: Path, threads: int, src: Path = REPO / "src") -> None:
        self.log = tempfile.NamedTemporaryFile("w+", prefix="peelqa-serve-", suffix=".log", delete=False)
        env = {**os.environ, "PEELQA_INDEX_DIR": str(index), "PEELQA_LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
        env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")])
        command = [sys.executable, "-c", "from peelqa.cli import main; main()", "serve", "--port", "0", "--threads", str(threads)]
        self.started = time.perf_counter()
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT, text=True)
        self.port = self._wait_until_ready()
        self.ready_s = time.perf_counter() - self.started

    def _wait_until_ready(self) -> int:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            text = Path(self.log.name).read_text(encoding="utf-8", errors="replace")
            if match := READY.search(text):
                return int(match.group(1))
            if self.process.poll() is not None:
                raise SystemExit(f"peelqa serve exited:\n{text}")
            time.sleep(0.05)
        raise SystemExit("peelqa serve did not start in 300 s")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self) -> float:
        """User and system CPU time the server has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def imported_torch(self) -> bool:
        return "libtorch" in Path(f"/proc/{self.process.pid}/maps").read_text()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()
        os.unlink(self.log.name)


class Client:
    """One kept-alive HTTP/1.1 connection, as a browser keeps one."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def ask(self, question: str) -> float:
        """Ask; the server's took_ms (raises on anything but 200)."""
        body = json.dumps({"question": question})
        self.connection.request("POST", "/api/ask", body, {"Content-Type": "application/json"})
        response = self.connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {data[:200]!r}")
        return float(json.loads(data)["took_ms"])

    def health(self) -> None:
        """GET /healthz: the HTTP stack (waitress, Flask, JSON) with no answering in it."""
        self.connection.request("GET", "/healthz")
        response = self.connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")


def throughput(port: int, asked: list[str], clients: int, seconds: float) -> tuple[float, list[float]]:
    """Answers per second with `clients` concurrent clients, and their round trips."""
    stop = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[BaseException] = []

    def run(slot: int) -> None:
        client = Client(port)
        i = slot
        try:
            while time.perf_counter() < stop:
                question = asked[i % len(asked)]
                latencies[slot].append(timed(lambda: client.ask(question)))
                i += clients
        except BaseException as error:  # reported below, not swallowed
            failures.append(error)

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise failures[0]
    done = [value for values in latencies for value in values]
    return len(done) / elapsed, done


def _time_in_main_thread(connection: Connection, kind: str, index: Path) -> None:
    """A helper process: time `kind` ("bare" or "ask") for the questions it is sent,
    in its main thread, each time it is asked; a process of its own keeps
    torch's threads away from ONNX Runtime's, as in the service."""
    logging.disable(logging.WARNING)
    from peelqa.embedding import DEFAULT_MODEL, get_encoder, model_cache_dir
    from peelqa.embedding.torch_encoder import SentenceTransformerEncoder
    from peelqa.index import load
    from peelqa.qa import QA

    run: Callable[[str], object]
    if kind == "bare":
        run = SentenceTransformerEncoder(DEFAULT_MODEL).encode_query
    else:
        encoder = get_encoder(cache_dir=model_cache_dir(index))
        qa = QA(load(index, model=encoder.name), encoder)
        qa.warm_up()
        run = qa.ask
    connection.send("ready")
    while (asked := connection.recv()) is not None:
        connection.send([timed(lambda: run(question)) for question in asked])


class Helper:
    def __init__(self, kind: str, index: Path, env: dict[str, str] | None = None) -> None:
        context = multiprocessing.get_context("spawn")
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=_time_in_main_thread, args=(theirs, kind, index), daemon=True)
        saved = dict(os.environ)
        os.environ.update(env or {})  # a spawned child starts with this environment
        try:
            self.process.start()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        assert self.connection.recv() == "ready"

    def time(self, asked: list[str]) -> list[float]:
        self.connection.send(asked)
        result: list[float] = self.connection.recv()
        return result

    def stop(self) -> None:
        self.connection.send(None)
        self.process.join(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the questions")
    parser.add_argument("--seconds", type=float, default=4, help="how long each concurrency level runs, per round")
    parser.add_argument("--threads", type=int, default=None, help="waitress threads (default: the setting's)")
    parser.add_argument("--index", type=Path, default=REPO / "index")
    args = parser.parse_args()

    from peelqa.settings import setting

    threads = args.threads or int(setting("threads").default)
    asked = questions()
    server = Server(args.index, threads)
    helpers: list[Helper] = []
    try:
        print(
            f"peelqa serve ready in {server.ready_s:.1f} s, {server.rss_mb():.0f} MB resident, "
            f"torch loaded: {server.imported_torch()}, waitress threads {threads}"
        )
        bare, main_thread = Helper("bare", args.index), Helper("ask", args.index)
        # torch's OpenMP threads spin-wait by default, which on a busy machine
        # slows it many times over; passive waiting is its best case here
        passive = Helper("bare", args.index, {"OMP_WAIT_POLICY": "PASSIVE"})
        helpers = [bare, passive, main_thread]
        client = Client(server.port)
        for helper in helpers:  # warm every path
            helper.time(asked[:5])
        for question in asked[:5]:
            client.ask(question)

        encode_ms: list[float] = []
        passive_ms: list[float] = []
        ask_ms: list[float] = []
        trip_ms: list[float] = []
        took_ms: list[float] = []
        health_ms: list[float] = []
        rates: dict[int, list[float]] = {1: [], 4: [], 16: []}
        loaded: dict[int, list[float]] = {1: [], 4: [], 16: []}
        server_cpu: dict[int, float] = {1: 0.0, 4: 0.0, 16: 0.0}  # the server's CPU seconds at each level
        for _ in range(args.rounds):
            encode_ms += bare.time(asked)
            passive_ms += passive.time(asked)
            ask_ms += main_thread.time(asked)
            for question in asked:
                started = time.perf_counter()
                took_ms.append(client.ask(question))
                trip_ms.append((time.perf_counter() - started) * 1000)
            health_ms += [timed(client.health) for _ in asked]
            for clients in rates:
                before = server.cpu_seconds()
                rate, latencies = throughput(server.port, asked, clients, args.seconds)
                server_cpu[clients] += server.cpu_seconds() - before
                rates[clients].append(rate)
                loaded[clients] += latencies
        print(f"after the run: {server.rss_mb():.0f} MB resident")
    finally:
        for helper in helpers:
            helper.stop()
        server.stop()

    ask = statistics.median(ask_ms)
    as_is, best = statistics.median(encode_ms), statistics.median(passive_ms)
    encode = min(as_is, best)  # the yardstick at its fastest, so the ratio flatters nothing
    trip, took = statistics.median(trip_ms), statistics.median(took_ms)
    rate = {clients: statistics.median(values) for clients, values in rates.items()}
    print(f"questions: {len(asked)} x {args.rounds} rounds; throughput {args.seconds:g} s per level per round")
    print(f"bare sentence-transformers encode      median {as_is:6.2f} ms  (OpenMP as is)")
    print(f"bare sentence-transformers encode      median {best:6.2f} ms  (OMP_WAIT_POLICY=PASSIVE)")
    print(f"QA.ask in a main thread (ONNX)         median {ask:6.2f} ms")
    print(f"POST /api/ask round trip, 1 client     median {trip:6.2f} ms   ratio to the faster bare encode {trip / encode:.2f}  (target <= 1.0)")
    print(f"took_ms reported by the server         median {took:6.2f} ms   ratio to main-thread ask {took / ask:.2f}  (target <= 1.1)")
    print(f"HTTP and JSON add                      median {trip - took:6.2f} ms")
    print(f"GET /healthz round trip (HTTP alone)   median {statistics.median(health_ms):6.2f} ms")
    for clients, value in rate.items():
        cpu_ms = 1000 * server_cpu[clients] / len(loaded[clients])
        print(
            f"{clients:2} concurrent clients: {value:6.1f} answers/s (median of rounds), "
            f"median round trip {statistics.median(loaded[clients]):6.2f} ms, server CPU {cpu_ms:5.2f} ms an answer"
        )
    print(f"throughput 16 clients / 1 client: {rate[16] / rate[1]:.2f}  (target >= 1.8)")


if __name__ == "__main__":
    main()
