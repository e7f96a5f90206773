"""Vector search at scale: 100k and 1M passages synthesised around real ones.

    .venv/bin/python benchmarks/scale.py [--sizes 100000 1000000] [--queries 200] [--hnsw]

The shipped report's passage and sentence vectors (855, from the real model)
seed each table: every synthetic row mixes two real vectors and adds noise
(v = r_i + 0.5 r_j + noise, |noise| ≈ 0.6, normalised), so the rows cluster
as real ones do without 1M real passages to embed. Queries are the dev and
own questions encoded by the real model, perturbed the same way. For each
size and each way peelqa can search (`peelqa.index.vectors`: exact, IVF at
several probe counts; FAISS HNSW for comparison with --hnsw) it prints:
build and load time, search p50, recall@10 against exact search, memory
(resident after load and after searching; files on disk), and the same for
a filtered search (one report's rows of a thousand, and 10% of all rows).
Run it by hand; tests never time anything.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import statistics
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

from peelqa.context import index_texts
from peelqa.embedding import get_encoder
from peelqa.index.vectors import FLAT_LIMIT, VectorTable, write_table
from peelqa.kinds import VectorIndexKind
from peelqa.parsing import parse_file
from peelqa.sentences import split_sentences

REPO = Path(__file__).resolve().parent.parent
REPORT = REPO / "corpus" / "peel-effectiveness-2015-wiltshire.txt"
QUESTION_FILES = [REPO / "tests/data/dev_questions.jsonl", REPO / "tests/data/own_questions.jsonl"]
K = 10
POOL = 50  # candidates retrieval takes from each search (Tuning.pool)


def memory_mb() -> dict[str, float]:
    """Resident and proportional set size of this process, from /proc."""
    values = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss", "Private_Dirty", "Private_Clean"):
            values[name] = int(rest.split()[0]) / 1024
    return values


def synthesise(seeds: np.ndarray, rows: int, rng: np.random.Generator, noise: float = 0.6) -> np.ndarray:
    out = np.empty((rows, seeds.shape[1]), dtype=np.float32)
    for start in range(0, rows, 100_000):
        n = min(100_000, rows - start)
        a, b = rng.integers(0, len(seeds), n), rng.integers(0, len(seeds), n)
        g = rng.standard_normal((n, seeds.shape[1])).astype(np.float32)
        g *= noise / np.linalg.norm(g, axis=1, keepdims=True)
        block = seeds[a] + 0.5 * seeds[b] + g
        out[start : start + n] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def timed_searches(search, queries: np.ndarray) -> tuple[float, list[np.ndarray]]:
    found, took = [], []
    for query in queries:
        started = time.perf_counter()
        rows, _ = search(query[None, :])
        took.append((time.perf_counter() - started) * 1000)
        found.append(rows)
    return statistics.median(took), found


def recall(found: list[np.ndarray], truth: list[np.ndarray], k: int = K) -> float:
    return float(np.mean([len(set(f[:k].tolist()) & set(t[:k].tolist())) / len(t[:k]) for f, t in zip(found, truth, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--probes", type=int, nargs="+", default=[8, 16, 32, 64])
    parser.add_argument("--hnsw", action="store_true", help="also FAISS HNSW (M=32), for comparison")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    rng = np.random.default_rng(0)

    encoder = get_encoder()
    passages = parse_file(REPORT).passages
    texts = index_texts(passages) + [p.text[s:e] for p in passages for s, e in split_sentences(p.text)]
    seeds = encoder.encode(texts)
    questions = [json.loads(line)["question"] for f in QUESTION_FILES for line in f.read_text().splitlines() if line.strip()]
    asked = np.concatenate([encoder.encode_query(q) for q in questions])
    queries = synthesise(asked, args.queries, rng, noise=0.3)
    print(f"seeds: {len(seeds)} real vectors; queries: {len(queries)} around {len(questions)} real questions; "
          f"FLAT_LIMIT {FLAT_LIMIT:,}\n")

    for size in args.sizes:
        vectors = synthesise(seeds, size, rng)
        report_rows = np.arange(size // 2, size // 2 + max(1, size // 1000))  # one report of a thousand
        tenth = np.sort(rng.choice(size, size // 10, replace=False))
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            print(f"## {size:,} passages\n")
            print("| search | build | load | p50 | recall@10 | recall@50 | p50, 1 report of 1,000 | recall@10 | p50, 10% of rows | recall@10 | RSS after load / after searching | files |")
            print("|---|---|---|---|---|---|---|---|---|---|---|---|")
            tables = {}
            for kind in (VectorIndexKind.FLAT, VectorIndexKind.IVF):
                started = time.perf_counter()
                (root / str(kind)).mkdir()
                meta = write_table(root / str(kind), "passages", vectors, kind)
                tables[kind] = (time.perf_counter() - started, meta)
            del vectors
            gc.collect()

            truth: dict[str, list[np.ndarray]] = {}
            for kind, (built, meta) in tables.items():
                before = memory_mb()
                started = time.perf_counter()
                table = VectorTable.open(root / str(kind), "passages", meta)
                loaded = time.perf_counter() - started
                after_load = memory_mb()
                settings = [None] if kind is VectorIndexKind.FLAT else args.probes
                files = sum(p.stat().st_size for p in (root / str(kind)).iterdir()) / 2**20
                for probes in settings:
                    if probes is not None:
                        table.probes = probes
                    p50, found = timed_searches(lambda q: table.search(q, POOL), queries)
                    p50_one, found_one = timed_searches(lambda q: table.search(q, K, report_rows), queries)
                    p50_tenth, found_tenth = timed_searches(lambda q: table.search(q, K, tenth), queries)
                    if kind is VectorIndexKind.FLAT:
                        truth = {"all": found, "one": found_one, "tenth": found_tenth}
                    name = "exact (flat)" if probes is None else f"IVF {meta['lists']} lists, {probes} probes"
                    if probes == meta.get("probes"):
                        name += " (default)"
                    searched = memory_mb()
                    print(
                        f"| {name} | {built:.0f} s | {loaded * 1000:.0f} ms | {p50:.2f} ms | {recall(found, truth['all']):.3f} | "
                        f"{recall(found, truth['all'], POOL):.3f} | "
                        f"{p50_one:.2f} ms | {recall(found_one, truth['one']):.3f} | {p50_tenth:.2f} ms | "
                        f"{recall(found_tenth, truth['tenth']):.3f} | +{after_load['Rss'] - before['Rss']:.0f} / "
                        f"+{searched['Rss'] - before['Rss']:.0f} MB | {files:.0f} MB |"
                    )
                if kind is VectorIndexKind.IVF and meta["probes"] not in args.probes:
                    table.probes = meta["probes"]
                    p50, found = timed_searches(lambda q: table.search(q, POOL), queries)
                    print(f"| IVF {meta['lists']} lists, {meta['probes']} probes (default) | | | {p50:.2f} ms | "
                          f"{recall(found, truth['all']):.3f} | | | | | | |")
                del table
                gc.collect()

            if args.hnsw:
                vectors = np.load(root / "flat" / "passages.npy")
                started = time.perf_counter()
                hnsw = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
                hnsw.hnsw.efConstruction = 40
                hnsw.add(vectors)
                built = time.perf_counter() - started
                del vectors
                for ef in (32, 64, 128):
                    hnsw.hnsw.efSearch = ef
                    p50, found = timed_searches(lambda q: hnsw.search(q, POOL)[1][0], queries)
                    print(f"| FAISS HNSW M=32, efSearch {ef} (not memory-mapped) | {built:.0f} s | | {p50:.2f} ms | "
                          f"{recall(found, truth['all']):.3f} | {recall(found, truth['all'], POOL):.3f} | | | | | | |")
                del hnsw
            print()


if __name__ == "__main__":
    main()
