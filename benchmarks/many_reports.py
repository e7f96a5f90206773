"""How a question's cost grows with the number of reports: QA.ask at 1, 20 and 1,000.

    .venv/bin/python benchmarks/many_reports.py [--sizes 1 20 1000] [--keep DIR] [--rounds N]

Each size is an index of that many reports synthesised from the shipped one:
the same text about another force (a made-up name swapped in for
"Wiltshire"), each in a file of its own, parsed and built the real way. Their
vectors are the shipped report's (looked up by the text with the name
swapped back, plus a little noise so that reports do not tie exactly), so
building 1,000 reports embeds almost nothing; questions are encoded by the
real model. Prints, per size, the median and 90th percentile of a whole
answer over the dev questions (sizes interleaved question by question), their
ratio to one report, the load time, and the memory loading took: resident
(mostly memory-mapped index pages, shared between processes) and the
process's own (anonymous). Run it by hand; tests never time anything.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from peelqa.context import index_texts
from peelqa.embedding import get_encoder
from peelqa.index import build, load
from peelqa.parsing import parse_file
from peelqa.qa import QA
from peelqa.sentences import split_sentences

REPO = Path(__file__).resolve().parent.parent
REPORT = REPO / "corpus" / "peel-effectiveness-2015-wiltshire.txt"
QUESTIONS = REPO / "tests/data/dev_questions.jsonl"
_HEADS = "Ash Bram Cal Dun Elm Fen Gar Hol Ivel Kes Lan Mar Nor Orm Pen Quen Ros Sal Tam Ulver Ven Wes Yar Zel".split()
_TAILS = "ford shire ley ton wick bury mouth field dale holm worth stead minster port bridge well hurst more combe thorpe cester haven mere borough".split()
NAMES = [f"{h}{t}" for h in _HEADS for t in _TAILS]  # 576 made-up counties…
NAMES += [f"North {n}" for n in NAMES][: 1000 - len(NAMES)]  # …and as many again as a thousand needs


_KNOWN: dict[str, np.ndarray] = {}


def shipped_vectors(encoder) -> dict[str, np.ndarray]:
    """The real vectors of every text the shipped report indexes, encoded once."""
    if not _KNOWN:
        parsed = parse_file(REPORT)
        texts = index_texts(parsed.passages)
        texts += [p.text[s:e] for p in parsed.passages for s, e in split_sentences(p.text)]
        texts = list(dict.fromkeys(texts))
        _KNOWN.update(zip(texts, encoder.encode(texts), strict=True))
    return _KNOWN


class BorrowedEncoder:
    """Vectors of the shipped report's texts for every synthesised report's (a build-only seam)."""

    def __init__(self, encoder, names: Sequence[str]) -> None:
        self.encoder, self.name, self.dimension = encoder, encoder.name, encoder.dimension
        self.known = shipped_vectors(encoder)
        self.back = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        rows = []
        for text in texts:
            original = self.back.sub("Wiltshire", text)
            vector = self.known.get(original)
            if vector is None:
                vector = self.encoder.encode([original])[0]
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            noisy = vector + np.random.default_rng(seed).normal(0, 0.01, len(vector)).astype(np.float32)
            rows.append(noisy / np.linalg.norm(noisy))
        return np.asarray(rows, dtype=np.float32)


def make_index(root: Path, size: int, encoder) -> Path:
    corpus, index = root / f"corpus-{size}", root / f"index-{size}"
    if (index / "CURRENT").exists():
        return index
    corpus.mkdir(parents=True, exist_ok=True)
    text = REPORT.read_text(encoding="utf-8")
    names = ["Wiltshire", *NAMES[: size - 1]]
    for name in names:
        slug = name.lower().replace(" ", "-")
        (corpus / f"peel-effectiveness-2015-{slug}.txt").write_text(text.replace("Wiltshire", name), encoding="utf-8")
    borrowed = BorrowedEncoder(encoder, names[1:])
    started = time.perf_counter()
    build(corpus, index, lambda: borrowed, model=encoder.name)
    print(f"built {size} reports in {time.perf_counter() - started:.0f} s")
    return index


def memory_mb() -> dict[str, float]:
    """This process's resident memory, and the part of it that is its own (anonymous)."""
    values = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Anonymous"):
            values[name] = int(rest.split()[0]) / 1024
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 20, 1000])
    parser.add_argument("--keep", type=Path, help="build into (and reuse) this folder")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines() if line.strip()]
    encoder = get_encoder()
    root = args.keep or Path(tempfile.mkdtemp(prefix="peelqa-many-"))
    indexes = {size: make_index(root, size, encoder) for size in args.sizes}

    loaded: dict[int, tuple[QA, float, float, float]] = {}
    for size, folder in indexes.items():
        before = memory_mb()
        started = time.perf_counter()
        qa = QA(load(folder, model=encoder.name), encoder)
        seconds = time.perf_counter() - started
        qa.warm_up()
        after = memory_mb()
        loaded[size] = (qa, seconds, after["Rss"] - before["Rss"], after["Anonymous"] - before["Anonymous"])

    # one question at a time to each size in turn, so a busy moment on a shared
    # machine falls on every size alike
    took: dict[int | str, list[float]] = {size: [] for size in loaded}
    took["encoder"] = []
    for _ in range(args.rounds):
        for question in questions:
            started = time.perf_counter()
            encoder.encode_query(question)
            took["encoder"].append((time.perf_counter() - started) * 1000)
            for size, (qa, *_rest) in loaded.items():
                started = time.perf_counter()
                qa.ask(question)
                took[size].append((time.perf_counter() - started) * 1000)

    print(f"\n{len(questions)} dev questions x {args.rounds} rounds, sizes interleaved; "
          f"the encoder alone: p50 {statistics.median(took['encoder']):.2f} ms\n")
    print("| reports | passages | load | memory after load: resident / own | p50 | p90 | p50 ÷ 1 report |")
    print("|---|---|---|---|---|---|---|")
    base = statistics.median(took[next(iter(loaded))])
    for size, (qa, seconds, rss, own) in loaded.items():
        p50, p90 = statistics.median(took[size]), float(np.percentile(took[size], 90))
        print(
            f"| {size:,} | {qa.index.count():,} | {seconds:.2f} s | +{rss:.0f} / +{own:.0f} MB | {p50:.2f} ms | "
            f"{p90:.2f} ms | {p50 / base:.2f}× |"
        )
    print(f"\n(indexes in {root})")


if __name__ == "__main__":
    main()
