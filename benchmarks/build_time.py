"""What a build costs per report: cold, and adding one report to many.

    .venv/bin/python benchmarks/build_time.py [--reports 20] [--hashed-vectors]

Makes N distinct reports from the shipped one: each about another force
(its name swapped in) and with a word of its own in every prose sentence,
so that no two reports share a sentence and the vector cache cannot help
a cold build. Then, each into a fresh index folder (the model loaded once,
first, and timed apart):

  one report, cold        the shipped report alone
  N reports, cold         all N together: seconds per report
  adding report N+1       one more report to the N-report index
  rebuilding unchanged    a forced rebuild: nothing is embedded

and where the time of each went (parse, embed, the rest) from the manifest.
With --hashed-vectors each text's vector is made from a hash of it instead
of by the model: everything but the encoder's forward passes is timed, at
sizes the model would take an hour over (e.g. --reports 100).
Run it by hand; tests never time anything.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import re
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from peelqa.embedding import DEFAULT_MODEL, get_encoder
from peelqa.index import build

REPO = Path(__file__).resolve().parent.parent
REPORT = REPO / "corpus" / "peel-effectiveness-2015-wiltshire.txt"
FORCES = [
    "Avon and Somerset", "Bedfordshire", "Cambridgeshire", "Cheshire", "Cleveland", "Cumbria", "Derbyshire",
    "Devon and Cornwall", "Dorset", "Durham", "Dyfed-Powys", "Essex", "Gloucestershire", "Gwent", "Hampshire",
    "Hertfordshire", "Humberside", "Kent", "Lancashire", "Leicestershire", "Lincolnshire", "Merseyside",
    "Norfolk", "Northamptonshire", "Northumbria", "Nottinghamshire", "Staffordshire", "Suffolk", "Surrey",
]
WORDS = ["also", "indeed", "further", "clearly", "notably", "generally", "largely", "still", "often", "usually",
         "again", "plainly", "typically", "mostly", "really", "equally", "likewise", "overall", "certainly", "duly",
         "evidently", "firmly", "fully", "readily", "simply", "surely", "truly", "widely", "wholly"]
_SENTENCE = re.compile(r"(?<=[.!?]) (?=[A-Z])")


def variant(text: str, n: int) -> str:
    """The report about force n, with word n after the first word of every prose sentence."""
    lap, at = divmod(n, len(FORCES))  # past the list: "Kent 2", "also indeed"
    force = FORCES[at] + (f" {lap + 1}" if lap else "")
    word = WORDS[at] + (f" {WORDS[lap - 1]}" if lap else "")
    lines = []
    for line in text.replace("Wiltshire", force).split("\n"):
        if "\t" not in line and len(line.split()) >= 10 and not line.rstrip().endswith("?"):
            line = " ".join(
                f"{s.split(' ', 1)[0]} {word} {s.split(' ', 1)[1]}" if " " in s else s for s in _SENTENCE.split(line)
            )
        lines.append(line)
    return "\n".join(lines)


class HashedVectors:
    """Unit vectors made from a hash of each text: a build's cost without the model's."""

    name, dimension = DEFAULT_MODEL, 384

    def encode(self, texts, *, progress: bool = False) -> np.ndarray:
        seeds = [int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little") for t in texts]
        rows = np.asarray([np.random.default_rng(s).standard_normal(self.dimension) for s in seeds], np.float32)
        return rows.reshape(-1, self.dimension) / np.linalg.norm(rows.reshape(-1, self.dimension), axis=1, keepdims=True)


def timed_build(corpus: Path, index: Path, encoder, **options) -> tuple[float, dict]:
    started = time.perf_counter()
    result = build(corpus, index, lambda: encoder, model=encoder.name, **options)
    return time.perf_counter() - started, result.manifest


def describe(name: str, seconds: float, manifest: dict, reports: int) -> None:
    b = manifest["build"]
    parts = b.get("parts_seconds", 0.0) - b["embed_seconds"]  # reports' parts other than the encoder
    print(
        f"{name:<26} {seconds:7.1f} s  {seconds / reports:5.2f} s/report   parse {b['parse_seconds']:5.1f} s  "
        f"embed {b['embed_seconds']:6.1f} s  parts {parts:5.1f} s  write {b.get('write_seconds', 0.0):5.1f} s  "
        f"checksums {b.get('checksums_seconds', 0.0):4.1f} s  "
        f"other {seconds - b['parse_seconds'] - b['embed_seconds']:5.1f} s   "
        f"texts embedded {b['texts_embedded']:6d}, from cache {b['texts_reused']:6d}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=20)
    parser.add_argument("--hashed-vectors", action="store_true", help="time everything but the model")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    text = REPORT.read_text(encoding="utf-8")

    started = time.perf_counter()
    encoder = HashedVectors() if args.hashed_vectors else get_encoder()
    encoder.encode(["warm up"])
    print(f"model load {time.perf_counter() - started:.1f} s (not counted below)")

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        one = root / "one"
        one.mkdir()
        shutil.copy(REPORT, one / REPORT.name)
        seconds, manifest = timed_build(one, root / "index-one", encoder)
        describe("one report, cold", seconds, manifest, 1)

        corpus = root / "corpus"
        corpus.mkdir()
        for n in range(args.reports):
            (corpus / f"peel-2015-{n:02d}.txt").write_text(variant(text, n), encoding="utf-8")
        seconds, manifest = timed_build(corpus, root / "index", encoder)
        describe(f"{args.reports} reports, cold", seconds, manifest, args.reports)

        (corpus / f"peel-2015-{args.reports:02d}.txt").write_text(variant(text, args.reports), encoding="utf-8")
        seconds, manifest = timed_build(corpus, root / "index", encoder)
        describe(f"adding report {args.reports + 1}", seconds, manifest, 1)

        seconds, manifest = timed_build(corpus, root / "index", encoder, force=True)
        describe("rebuilding unchanged", seconds, manifest, args.reports + 1)


if __name__ == "__main__":
    main()
