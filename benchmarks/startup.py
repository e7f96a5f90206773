"""How long `peelqa serve` takes to start, and how much memory it holds once warm.

    .venv/bin/python benchmarks/startup.py [--runs N] [--src path/to/src]

Starts `peelqa serve` on the current index (run `peelqa index` first, so the
exported model is cached) `--runs` times, and prints the median time until it
announces it is ready (model and index loaded, one question answered to warm
it), its resident memory after 20 answers, and whether torch was loaded.
`--src` serves another checkout's code instead (e.g. one from before the
ONNX encoder), on the same index. Run it by hand; tests never time anything.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
from pathlib import Path

from http_latency import REPO, Server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--index", type=Path, default=REPO / "index")
    parser.add_argument("--src", type=Path, default=REPO / "src", help="the source tree to serve from")
    args = parser.parse_args()

    ready, memory, torch = [], [], set()
    for _ in range(args.runs):
        server = Server(args.index, threads=4, src=args.src)
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            for _ in range(20):
                connection.request("POST", "/api/ask", json.dumps({"question": "What is khat?"}),
                                   {"Content-Type": "application/json"})
                connection.getresponse().read()
            ready.append(server.ready_s)
            memory.append(server.rss_mb())
            torch.add(server.imported_torch())
        finally:
            server.stop()
    print(f"source {args.src}: {args.runs} starts")
    print(f"ready after   median {statistics.median(ready):5.1f} s  (all: {', '.join(f'{s:.1f}' for s in ready)})")
    print(f"resident      median {statistics.median(memory):5.0f} MB after 20 answers")
    print(f"torch loaded: {', '.join(map(str, sorted(torch)))}")


if __name__ == "__main__":
    main()
