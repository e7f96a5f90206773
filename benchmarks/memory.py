"""Memory of several `peelqa serve` processes on one index folder.

    .venv/bin/python benchmarks/memory.py --index index [--processes 3]

Starts that many real `peelqa serve` processes on free ports over the same
index (given no corpus, so they serve the build as it is), waits until each answers, asks each the dev questions
(so the pages a question touches are mapped), then reads /proc/<pid>/smaps_rollup:
resident (RSS), proportional (PSS: shared pages split between the processes
that map them) and private (USS: what stopping that process would free).
The private memory of the second and later processes is the cost of one
more process; index arrays are memory-mapped read-only and so shared.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "tests/data/dev_questions.jsonl"


def smaps(pid: int) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            values[name] = int(rest.split()[0]) / 1024
    values["Private"] = values["Private_Clean"] + values["Private_Dirty"]
    return values


def start(index: Path) -> tuple[subprocess.Popen[str], int]:
    peelqa = Path(sys.executable).parent / "peelqa"
    # a corpus that is not there: serve the index as it is, never rebuild it first
    command = [str(peelqa), "serve", "--port", "0", "--corpus", str(index / "no-corpus"), "--index", str(index)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=os.environ)
    assert child.stdout is not None
    for line in child.stdout:
        if found := re.search(r"http://[^:]+:(\d+)/", line):
            return child, int(found.group(1))
    raise RuntimeError("peelqa serve stopped before it was ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=REPO / "index")
    parser.add_argument("--processes", type=int, default=3)
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines() if line.strip()]
    children = []
    try:
        for _ in range(args.processes):
            children.append(start(args.index))
        for _, port in children:
            for question in questions:
                body = json.dumps({"question": question}).encode()
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/ask", body, {"Content-Type": "application/json"}
                )
                urllib.request.urlopen(request, timeout=120).read()
        time.sleep(1)
        print(f"index {args.index}: {args.processes} processes, each asked {len(questions)} questions\n")
        print("| process | RSS | PSS | private (USS) | shared |")
        print("|---|---|---|---|---|")
        for n, (child, _) in enumerate(children, start=1):
            m = smaps(child.pid)
            print(f"| {n} | {m['Rss']:.0f} MB | {m['Pss']:.0f} MB | {m['Private']:.0f} MB | "
                  f"{m['Shared_Clean'] + m['Shared_Dirty']:.0f} MB |")
    finally:
        for child, _ in children:
            child.terminate()
            child.wait(timeout=30)


if __name__ == "__main__":
    main()
