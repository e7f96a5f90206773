"""ONNX Runtime against sentence-transformers: questions one by one, in batches, and build texts.

    .venv/bin/python benchmarks/encoder.py [--rounds N] [--corpus corpus] [--cache index/models]

Loads the same model both ways (exporting it to the cache first if needed),
then times, in alternating blocks so that both see the same machine: one question at a
time (the dev and own questions), batches of 16 questions, and the texts a
build encodes (every passage with its headings, every sentence), sorted into
batches by length, at several batch sizes. Prints medians, ratios and the
largest difference between the two backends' vectors. Run it by hand; tests
never time anything.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from peelqa.context import index_texts
from peelqa.embedding import DEFAULT_MODEL, model_cache_dir
from peelqa.embedding.export import load_onnx_encoder
from peelqa.embedding.onnx_encoder import OnnxEncoder
from peelqa.embedding.torch_encoder import SentenceTransformerEncoder
from peelqa.index import corpus_files
from peelqa.parsing import parse_file
from peelqa.sentences import split_sentences

REPO = Path(__file__).resolve().parent.parent
QUESTION_FILES = [REPO / "tests/data/dev_questions.jsonl", REPO / "tests/data/own_questions.jsonl"]


def timed(func: Callable[[], object]) -> float:
    started = time.perf_counter()
    func()
    return (time.perf_counter() - started) * 1000


def questions() -> list[str]:
    return [
        json.loads(line)["question"]
        for path in QUESTION_FILES
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def build_texts(corpus: Path) -> tuple[list[str], list[str]]:
    passages = [p for path in corpus_files(corpus) for p in parse_file(path).passages]
    sentences = [p.text[start:end] for p in passages for start, end in split_sentences(p.text)]
    return index_texts(passages), sentences


def per_question(encode: Callable[[Sequence[str]], object], texts: Sequence[str], batch: int) -> list[float]:
    return [
        timed(lambda chunk=texts[i : i + batch]: encode(chunk)) / len(texts[i : i + batch])
        for i in range(0, len(texts) - batch + 1, batch)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over the questions and build texts")
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--cache", type=Path, default=model_cache_dir(REPO / "index"))
    parser.add_argument("--batch-sizes", default="8,16,32", help="build batch sizes to try, comma-separated")
    parser.add_argument("--skip-build", action="store_true", help="time questions only")
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    torch_encoder = SentenceTransformerEncoder(DEFAULT_MODEL)
    onnx_encoder = load_onnx_encoder(DEFAULT_MODEL, cache_dir=args.cache)
    onnx_one_thread = OnnxEncoder(onnx_encoder.folder, threads=1)
    asked = questions()
    import torch

    print(f"torch threads {torch.get_num_threads()}, ONNX Runtime intra-op threads 2 (and 1 for comparison)")

    # questions, one at a time and in batches of 16
    single: dict[str, list[float]] = {"st": [], "onnx": [], "onnx1": []}
    batched: dict[str, list[float]] = {"st": [], "onnx": []}
    for encoder in (torch_encoder, onnx_encoder, onnx_one_thread):  # warm both up
        encoder.encode_queries(asked[:16])
        encoder.encode_query(asked[0])
    # in blocks, not question by question: each library's idle threads spin
    # for a while after its last call, which would bill one for the other
    for _ in range(args.rounds):
        single["st"] += [timed(lambda: torch_encoder.encode_query(question)) for question in asked]
        single["onnx"] += [timed(lambda: onnx_encoder.encode_query(question)) for question in asked]
        single["onnx1"] += [timed(lambda: onnx_one_thread.encode_query(question)) for question in asked]
        batched["st"] += per_question(torch_encoder.encode_queries, asked, 16)
        batched["onnx"] += per_question(onnx_encoder.encode_queries, asked, 16)
    med = {name: statistics.median(values) for name, values in single.items()}
    print(f"questions: {len(asked)} x {args.rounds} rounds")
    print(f"one question, sentence-transformers   median {med['st']:6.2f} ms")
    print(f"one question, ONNX Runtime, 2 threads median {med['onnx']:6.2f} ms   ratio {med['onnx'] / med['st']:.2f}")
    print(f"one question, ONNX Runtime, 1 thread  median {med['onnx1']:6.2f} ms   ratio {med['onnx1'] / med['st']:.2f}")
    bst, bonnx = statistics.median(batched["st"]), statistics.median(batched["onnx"])
    print(f"batch of 16, per question: sentence-transformers {bst:6.2f} ms, ONNX Runtime {bonnx:6.2f} ms   ratio {bonnx / bst:.2f}")
    difference = np.abs(torch_encoder.encode(asked) - onnx_encoder.encode(asked)).max()
    print(f"largest difference between the backends' question vectors: {difference:.2g}")
    if args.skip_build:
        return

    contexts, sentences = build_texts(args.corpus)
    sizes = [int(size) for size in args.batch_sizes.split(",")]
    print(f"build texts: {len(contexts)} passages, {len(sentences)} sentences, {args.rounds} rounds")
    build: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for size in sizes:
            torch_encoder.batch_size = onnx_encoder.batch_size = size
            for kind, texts in (("passages", contexts), ("sentences", sentences)):
                build.setdefault(f"st {kind} {size}", []).append(timed(lambda: torch_encoder.encode(texts)))
                build.setdefault(f"onnx {kind} {size}", []).append(timed(lambda: onnx_encoder.encode(texts)))
    for size in sizes:
        for kind in ("passages", "sentences"):
            st, onnx = statistics.median(build[f"st {kind} {size}"]), statistics.median(build[f"onnx {kind} {size}"])
            print(
                f"{kind:9} batch {size:3}: sentence-transformers {st / 1000:6.2f} s, "
                f"ONNX Runtime {onnx / 1000:6.2f} s   ratio {onnx / st:.2f}"
            )
    difference = np.abs(torch_encoder.encode(contexts) - onnx_encoder.encode(contexts)).max()
    print(f"largest difference between the backends' passage vectors: {difference:.2g}")


if __name__ == "__main__":
    main()
