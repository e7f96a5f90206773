"""Load: 16 clients asking for 60 s against a real server; failures, latency percentiles and memory.

    .venv/bin/python benchmarks/load.py [--users 16] [--seconds 60] [--threads 4]

Starts `peelqa serve` on the current index (run `peelqa index` first), runs
locust headless against it (benchmarks/locustfile.py) in its own process,
samples the server's resident memory every second, and prints requests,
failures, throughput, p50/p95/p99 latency and memory at the start, the
middle and the end. Run it by hand; tests never time anything.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_latency import REPO, Server  # noqa: E402  (a sibling script, not a package)


def sample_memory(server: Server, stop: threading.Event, samples: list[float]) -> None:
    while not stop.wait(1.0):
        samples.append(server.rss_mb())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--threads", type=int, default=None, help="server threads (default: the setting's)")
    parser.add_argument("--index", type=Path, default=REPO / "index")
    args = parser.parse_args()

    threads = args.threads or 4
    server = Server(args.index, threads)
    samples: list[float] = [server.rss_mb()]
    stop = threading.Event()
    sampler = threading.Thread(target=sample_memory, args=(server, stop, samples), daemon=True)
    sampler.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            prefix = str(Path(folder) / "load")
            locust = Path(sys.executable).parent / "locust"
            run = subprocess.run(
                [
                    str(locust), "-f", str(REPO / "benchmarks/locustfile.py"), "--headless", "--only-summary",
                    "-u", str(args.users), "-r", str(args.users), "-t", f"{args.seconds}s",
                    "--host", f"http://127.0.0.1:{server.port}", "--csv", prefix, "--loglevel", "WARNING",
                ],
                check=False,  # locust exits 1 when a request failed: the summary below says so
                capture_output=True,
                text=True,
            )
            stats = Path(f"{prefix}_stats.csv")
            if not stats.is_file():
                raise SystemExit(f"locust wrote no results:\n{run.stderr[-2000:]}")
            with stats.open(encoding="utf-8") as handle:
                row = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")
    finally:
        stop.set()
        sampler.join()
        final_rss = server.rss_mb()
        server.stop()

    requests, failures = int(row["Request Count"]), int(row["Failure Count"])
    third = max(1, len(samples) // 3)
    print(f"{args.users} users for {args.seconds} s against peelqa serve --threads {threads}, index {args.index}")
    print(f"requests {requests}   failures {failures}   throughput {float(row['Requests/s']):.1f} q/s")
    print(
        f"latency ms  p50 {row['50%']}   p95 {row['95%']}   p99 {row['99%']}   max {float(row['Max Response Time']):.0f}"
    )
    print(
        f"server RSS MB  at start {samples[0]:.0f}   first third median {statistics.median(samples[:third]):.0f}   "
        f"last third median {statistics.median(samples[-third:]):.0f}   at end {final_rss:.0f}   max {max(samples):.0f}"
    )


if __name__ == "__main__":
    main()
