"""An index folder on disk: its layout, manifest, checksums, and loading a build.

    index/
      CURRENT                  the build id being served (replaced atomically)
      cache.sqlite             vectors by (model, text) and parsed reports, for the next build
      builds/<build_id>/       one complete build
        manifest.json          format, model, code version, counts, sources, file sizes and checksums
        reports.json           the Report records
        rows.json              each report's passage rows; list items by list heading; judgments;
                               the passage kinds' names, by code
        passages.jsonl         one Passage record per line, in row order
        passages.offsets.npy   where each line starts, so a passage is read only when needed
        passages.npy           (passages, dimension) unit vectors of what is indexed for each
        passages.asks.npy      whether each passage is itself a question
        passages.kinds.npy     each passage's kind, as a code (rows.json names them)
        sentences.npy          (sentences, dimension) unit vectors of every sentence
        sentences.spans.npy    (passage row, start, end) of each sentence, by passage row
        sentences.first.npy    the first sentence row of each passage (and the total)
        sentences.terms*.npy   keyword ids in each sentence (for answer composition)
        passages.terms*.npy    keyword ids in each passage's own text (near-duplicates, names)
        *.ivf                  FAISS inverted-file indexes of large vector tables
        terms.*                the BM25 keyword index: vocabulary and posting arrays
        acronyms.json          acronyms the reports define, for keyword queries

Every array is opened memory-mapped and read-only, so processes serving the
same build share its pages. Loading checks the manifest and every file's
size and checksum first.
"""

from __future__ import annotations

import hashlib
import json
import mmap
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, overload

import numpy as np

from ..errors import IndexCorrupt, IndexMismatch, IndexNotBuilt
from ..records import Passage, Report

__all__ = [
    "FORMAT_VERSION",
    "PassageStore",
    "checksums",
    "load_build",
    "open_array",
    "read_manifest",
    "sha256_of",
    "write_json",
]

FORMAT_VERSION = 4


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def open_array(path: Path) -> np.ndarray:
    """A `.npy` array memory-mapped read-only, shared with every process that opens it.

    A plain ndarray over the map: `np.memmap` costs microseconds on every
    slice, and the query path slices often.
    """
    return np.load(path, mmap_mode="r", allow_pickle=False).view(np.ndarray)


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def checksums(folder: Path) -> dict[str, dict[str, Any]]:
    """Size and sha256 of every file of a build but its manifest."""
    return {
        str(p.relative_to(folder)): {"bytes": p.stat().st_size, "sha256": sha256_of(p)}
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    """The manifest of the current build, or None when nothing usable is there."""
    try:
        build_id = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
        data = json.loads((index_dir / "builds" / build_id / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class PassageStore(Sequence[Passage]):
    """The passages of a build, read from the memory-mapped JSON lines when asked for.

    A service holds a few passages at a time, not every one: memory stays
    flat in the number of reports, and processes share the file's pages.
    """

    def __init__(self, lines: Path, offsets: Path) -> None:
        with lines.open("rb") as handle:
            size = handle.seek(0, 2)
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        self._offsets = open_array(offsets)
        lines_map, starts = self._map, self._offsets

        def parse(row: int) -> Passage:  # closes over the map, not self: no cycle keeps it open
            return Passage.from_dict(json.loads(lines_map[int(starts[row]) : int(starts[row + 1])]))

        self._parse = parse
        self._read = lru_cache(maxsize=4096)(parse)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, row: int) -> Passage: ...
    @overload
    def __getitem__(self, row: slice) -> Sequence[Passage]: ...
    def __getitem__(self, row: int | slice) -> Passage | Sequence[Passage]:
        if isinstance(row, slice):
            return [self._read(r) for r in range(*row.indices(len(self)))]
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(f"passage row {row} out of range")
        return self._read(row)

    def __iter__(self) -> Iterator[Passage]:
        for row in range(len(self)):
            yield self._parse(row)  # a whole pass would only churn the cache


def _check(index_dir: Path, model: str | None, format_version: int) -> tuple[str, Path, dict[str, Any]]:
    pointer = index_dir / "CURRENT"
    if not pointer.is_file():
        raise IndexNotBuilt(f"no index in {index_dir}; run `peelqa index` first")
    build_id = pointer.read_text(encoding="utf-8").strip()
    folder = index_dir / "builds" / build_id
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise IndexCorrupt(f"index build {build_id!r} has no readable manifest ({error})") from None
    if manifest.get("format_version") != format_version:
        raise IndexMismatch(
            f"index format {manifest.get('format_version')} is not {format_version}; "
            "rebuild with `peelqa index --force`"
        )
    if model is not None and manifest.get("model") != model:
        raise IndexMismatch(
            f"index was built with model {manifest.get('model')!r}, not {model!r}; rebuild with `peelqa index`"
        )
    for name, expected in manifest.get("files", {}).items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != expected["bytes"] or sha256_of(path) != expected["sha256"]:
            raise IndexCorrupt(
                f"index file {name} in build {build_id} is missing or altered; rebuild with `peelqa index --force`"
            )
    return build_id, folder, manifest


def load_build(index_dir: Path, *, model: str | None = None) -> tuple[str, Path, dict[str, Any], dict[str, Report]]:
    """Check the current build and read its manifest and reports.

    Raises:
        IndexNotBuilt: no build has been switched in.
        IndexMismatch: it was built by another format version or model.
        IndexCorrupt: a file is missing, altered or unreadable.
    """
    build_id, folder, manifest = _check(index_dir, model, FORMAT_VERSION)
    try:
        reports = {
            r["id"]: Report.from_dict(r) for r in json.loads((folder / "reports.json").read_text(encoding="utf-8"))
        }
    except Exception as error:  # noqa: BLE001 - any unreadable file means the same thing
        raise IndexCorrupt(f"index build {build_id} cannot be read: {type(error).__name__}: {error}") from None
    return build_id, folder, manifest, reports
