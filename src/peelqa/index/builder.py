"""Build an index folder from a corpus: parse, embed, write, fsync, switch, prune.

A build is written under a temporary name, fsynced, renamed into `builds/`,
and only then named in CURRENT: a crash, a kill or a bad report mid-build
leaves the previous build serving, and the next build cleans up after it.
Each report's parse, what the build derives from it (vectors, tokens, sentences,
acronyms: `report_parts.py`) and each text's vector come from the cache when they
can (`cache.py`), so a build costs what changed since the last one.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from .. import __version__
from ..context import CONTEXT_VERSION
from ..errors import BuildInProgress, CorpusError
from ..kinds import PassageKind, VectorIndexKind
from ..parsing import PARSER_VERSION, SUPPORTED_SUFFIXES, ParsedReport, parse_file, sidecar_path
from ..records import Passage
from .cache import KEY_BYTES, BuildCache, text_key
from .postings import BM25_PARAMS, write_postings
from .report_parts import ReportParts, derive_parts
from .store import FORMAT_VERSION, checksums, read_manifest, sha256_of, write_json
from .vectors import write_table

__all__ = ["BuildResult", "Progress", "TextEncoder", "build", "corpus_files", "fingerprint"]

logger = logging.getLogger(__name__)

# progress(fraction done, what is happening): for a job's state or a log line
Progress = Callable[[float, str], None]

_BUILDS_KEPT = 3  # the current build and two before it, for a reader mid-switch
# The share of a build's progress each stage takes, as measured on a cold build.
_PARSED, _EMBEDDED = 0.05, 0.9


class TextEncoder(Protocol):
    """What a build needs from an encoder (a seam for tests of this package)."""

    name: str
    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class BuildResult:
    build_id: str
    built: bool  # False when the current build was already up to date
    manifest: dict[str, Any]


@dataclass(frozen=True)
class _Source:
    path: Path
    sha256: str
    sidecar_sha256: str | None


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The report files of a corpus folder, sorted by name.

    Raises:
        CorpusError: the folder is missing or holds no report files.
    """
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir}")
    files = sorted(p for p in corpus_dir.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
    if not files:
        raise CorpusError(f"no report files ({', '.join(SUPPORTED_SUFFIXES)}) in {corpus_dir}")
    return files


def _sources(files: Sequence[Path]) -> list[_Source]:
    return [
        _Source(p, sha256_of(p), sha256_of(sidecar_path(p)) if sidecar_path(p).is_file() else None) for p in files
    ]


def _code_version() -> str:
    from .version import code_version

    # this module imports everything that shapes what a build writes
    return code_version(__name__)


def _parser_version() -> str:
    from .version import code_version

    return code_version("peelqa.parsing")


def fingerprint(sources: Sequence[_Source], model: str, vector_index: VectorIndexKind) -> str:
    """What a build depends on: sources and their metadata, model, settings, and code."""
    state = {
        "format": FORMAT_VERSION,
        "code": _code_version(),
        "bm25": BM25_PARAMS,
        "model": model,
        "vector_index": str(vector_index),
        "sources": [[s.path.name, s.sha256, s.sidecar_sha256] for s in sources],
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One builder per index folder at a time, across processes (released if it dies).

    Raises:
        BuildInProgress: another process holds it.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildInProgress(f"another process is building the index in {index_dir}") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _Reporter:
    """Progress of one build: a callback, a bar over reports on a terminal, a log line per report."""

    def __init__(self, callback: Progress | None, bar: bool, reports: int) -> None:
        self.callback = callback
        self.reports = reports
        self.show_bar = bar
        self.bar: tqdm[Any] | None = None
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> _Reporter:
        if self.show_bar:
            self.bar = self._stack.enter_context(tqdm(total=self.reports, desc="indexing", unit="report", leave=False))
            self._stack.enter_context(logging_redirect_tqdm())  # log lines print above the bar, not through it
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def __call__(self, fraction: float, message: str) -> None:
        if self.callback is not None:
            self.callback(round(fraction, 4), message)

    def report_done(self, done: int, message: str) -> None:
        logger.info("%s (%d/%d)", message, done, self.reports)
        if self.bar is not None:
            self.bar.update(1)
        self(_PARSED + (_EMBEDDED - _PARSED) * done / self.reports, message)


def _parse_key(source: _Source, parser: str) -> str:
    state = [source.path.name, source.sha256, source.sidecar_sha256, parser]
    return hashlib.sha256(json.dumps(state).encode()).hexdigest()


def _parse_corpus(
    sources: Sequence[_Source], cache: BuildCache, build_id: str
) -> tuple[list[ParsedReport], list[str]]:
    """Each source parsed (from the cache when it can be), and its parse key."""
    parser = _parser_version()
    parsed: list[ParsedReport] = []
    keys = [_parse_key(source, parser) for source in sources]
    for source, key in zip(sources, keys, strict=True):
        item = cache.parsed(key, used=build_id)
        if item is None:
            item = parse_file(source.path)
            cache.put_parsed(key, item, used=build_id)
        parsed.append(item)
    seen: dict[str, str] = {}
    for item in parsed:
        other = seen.setdefault(item.report.id, item.report.source)
        if other != item.report.source:
            raise CorpusError(f"{other} and {item.report.source} would both be report {item.report.id!r}; rename one")
    return parsed, keys


class _Embedder:
    """Vectors for texts: from the cache, else from the encoder (created on first need)."""

    def __init__(self, cache: BuildCache, encoder_factory: Callable[[], TextEncoder], model: str, build_id: str):
        self.cache, self.factory, self.model, self.build_id = cache, encoder_factory, model, build_id
        self.encoder: TextEncoder | None = None
        self.embedded = self.reused = 0
        self.seconds = 0.0

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        known = self.cache.vectors(self.model, keys, used=self.build_id)
        missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in known}
        if missing:
            if self.encoder is None:
                self.encoder = self.factory()
            started = time.perf_counter()
            # longest first: batches of like lengths pad least
            order = sorted(missing, key=lambda key: -len(missing[key]))
            fresh = np.asarray(self.encoder.encode([missing[key] for key in order]), dtype=np.float32)
            self.seconds += time.perf_counter() - started
            self.cache.put_vectors(self.model, zip(order, fresh, strict=True), used=self.build_id)
            known.update(zip(order, fresh, strict=True))
        self.embedded += len(missing)
        self.reused += len(known) - len(missing)  # distinct texts the cache already had
        return np.stack([known[key] for key in keys]) if keys else np.zeros((0, 0), dtype=np.float32)

    def parts(self, item: ParsedReport, key: str) -> ReportParts:
        """What the build needs of one report: its kept parts, else derived (and kept)."""
        parts_key = hashlib.sha256(json.dumps([key, self.model, _code_version()]).encode()).hexdigest()
        parts = self.cache.parts(parts_key, used=self.build_id)
        if parts is not None:
            self.reused += len(parts.text_keys) // KEY_BYTES
            return parts
        parts = derive_parts(item, self.vectors)
        self.cache.put_parts(parts_key, parts, used=self.build_id)
        return parts


def _write_passages(folder: Path, passages: Sequence[Passage]) -> None:
    offsets = [0]
    with (folder / "passages.jsonl").open("wb") as out:
        for passage in passages:
            line = (json.dumps(passage.to_dict(), ensure_ascii=False) + "\n").encode("utf-8")
            out.write(line)
            offsets.append(offsets[-1] + len(line))
    np.save(folder / "passages.offsets.npy", np.asarray(offsets, dtype=np.int64), allow_pickle=False)


def _write_terms(folder: Path, name: str, token_lists: Sequence[Sequence[str]], vocabulary: dict[str, int]) -> None:
    """Each row's distinct keyword ids, sorted: `name.npy` and where each row's start (`name.first.npy`)."""
    lengths = np.asarray([len(tokens) for tokens in token_lists], dtype=np.int64)
    ids = np.fromiter(
        (vocabulary.get(t, -1) for tokens in token_lists for t in tokens), dtype=np.int64, count=int(lengths.sum())
    )
    owner = np.repeat(np.arange(len(token_lists), dtype=np.int64), lengths)
    known = ids >= 0
    # one sort of (row, id) pairs instead of a set per row: distinct, and in row then id order
    terms = max(1, len(vocabulary))
    pairs = np.unique(owner[known] * terms + ids[known])
    first = np.searchsorted(pairs // terms, np.arange(len(token_lists) + 1), side="left").astype(np.int64)
    np.save(folder / f"{name}.npy", (pairs % terms).astype(np.int32), allow_pickle=False)
    np.save(folder / f"{name}.first.npy", first, allow_pickle=False)


def _write_build(
    folder: Path,
    parsed: Sequence[ParsedReport],
    keys: Sequence[str],
    embedder: _Embedder,
    *,
    vector_index: VectorIndexKind,
    reporter: _Reporter,
    previous: Path | None,
    stages: dict[str, float],
) -> dict[str, Any]:
    """Write every file of a build but the manifest; what the manifest says about them.

    `previous` is the build being replaced, whose trained vector indexes may be reused.
    """
    started = time.perf_counter()
    passages: list[Passage] = []
    report_rows: dict[str, list[int]] = {}
    parts: list[ReportParts] = []
    for done, (item, key) in enumerate(zip(parsed, keys, strict=True), start=1):
        first_row = len(passages)
        part = embedder.parts(item, key)
        parts.append(part)
        passages.extend(item.passages)
        report_rows[item.report.id] = [first_row, len(passages)]
        reporter.report_done(
            done, f"indexed {item.report.id}: {len(item.passages)} passages, {len(part.spans)} sentences"
        )

    stages["parts"] = time.perf_counter() - started
    started = time.perf_counter()
    reporter(_EMBEDDED, "writing the index")
    dimension = next(p.passage_vectors.shape[1] for p in parts if p.passage_vectors.size)
    tables = {
        "passages": write_table(
            folder,
            "passages",
            np.concatenate([p.passage_vectors.reshape(-1, dimension) for p in parts]),
            vector_index,
            previous=previous,
        ),
        "sentences": write_table(
            folder,
            "sentences",
            np.concatenate([p.sentence_vectors.reshape(-1, dimension) for p in parts]),
            vector_index,
            previous=previous,
        ),
    }
    first_rows = np.cumsum([0, *(len(item.passages) for item in parsed)])
    spans = np.concatenate([p.spans + [row, 0, 0] for p, row in zip(parts, first_rows, strict=False)])
    np.save(folder / "sentences.spans.npy", spans, allow_pickle=False)
    first = np.searchsorted(spans[:, 0], np.arange(len(passages) + 1), side="left")
    np.save(folder / "sentences.first.npy", first.astype(np.int64), allow_pickle=False)
    np.save(folder / "passages.asks.npy", np.asarray([p.text.endswith("?") for p in passages]), allow_pickle=False)
    kind_codes = {kind: code for code, kind in enumerate(PassageKind)}
    kinds = np.asarray([kind_codes[p.kind] for p in passages], dtype=np.uint8)
    np.save(folder / "passages.kinds.npy", kinds, allow_pickle=False)

    vocabulary = write_postings(folder, [tokens for p in parts for tokens in p.context_tokens])
    _write_terms(folder, "passages.terms", [tokens for p in parts for tokens in p.passage_tokens], vocabulary)
    _write_terms(folder, "sentences.terms", [tokens for p in parts for tokens in p.sentence_tokens], vocabulary)

    lists: dict[str, list[int]] = {}
    for row, passage in enumerate(passages):
        if passage.kind is PassageKind.LIST_ITEM and passage.list_heading:
            lists.setdefault(passage.list_heading, []).append(row)
    write_json(
        folder / "rows.json",
        {
            "reports": report_rows,
            "lists": lists,
            "judgments": [row for row, p in enumerate(passages) if p.kind is PassageKind.JUDGMENT],
            "kinds": [kind.value for kind in PassageKind],  # what each code in passages.kinds.npy stands for
        },
    )
    acronyms: dict[str, str] = {}
    for part in parts:  # as if found over all passages in order: the first definition wins
        for acronym, long_form in part.acronyms:
            acronyms.setdefault(acronym, long_form)
    write_json(folder / "acronyms.json", acronyms)
    write_json(folder / "reports.json", [item.report.to_dict() for item in parsed])
    _write_passages(folder, passages)
    stages["write"] = time.perf_counter() - started
    return {
        "dimension": int(dimension),
        "counts": {"reports": len(parsed), "passages": len(passages), "sentences": len(spans)},
        "tables": tables,
    }


def _fsync_tree(folder: Path) -> None:
    for path in [*folder.rglob("*"), folder]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _switch_to(index_dir: Path, build_id: str) -> None:
    pointer = index_dir / "CURRENT.tmp"
    with pointer.open("w", encoding="utf-8") as handle:
        handle.write(build_id + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(pointer, index_dir / "CURRENT")  # atomic: readers see old or new, never half


def _prune(index_dir: Path, keep: str) -> str:
    """Remove old builds and leftovers of killed ones; the oldest build kept."""
    builds = index_dir / "builds"
    finished = sorted((p for p in builds.iterdir() if not p.name.startswith(".")), reverse=True)
    kept = [keep, *[p.name for p in finished if p.name != keep][: _BUILDS_KEPT - 1]]
    for old in [p for p in finished if p.name not in kept]:
        shutil.rmtree(old, ignore_errors=True)
    for leftover in builds.glob(".tmp-*"):  # from a build that crashed before its rename
        shutil.rmtree(leftover, ignore_errors=True)
    return min(kept)


def _chosen_kind(asked: VectorIndexKind | None, current: dict[str, Any] | None) -> VectorIndexKind:
    """The vector index setting: as asked, else as the current build has it, else auto."""
    if asked is not None:
        return VectorIndexKind(asked)
    try:
        return VectorIndexKind(current["vector_index"]) if current else VectorIndexKind.AUTO
    except (KeyError, ValueError):
        return VectorIndexKind.AUTO


def build(
    corpus_dir: Path,
    index_dir: Path,
    encoder_factory: Callable[[], TextEncoder],
    *,
    model: str,
    force: bool = False,
    progress: bool = False,
    on_progress: Progress | None = None,
    vector_index: VectorIndexKind | None = None,
) -> BuildResult:
    """Build the index for `corpus_dir` into `index_dir` and switch it in.

    Nothing is built when the current build already matches the corpus, the
    code, the model and the settings. The encoder is only created when some
    text has no cached vector. `progress` shows a bar over reports on a
    terminal; `on_progress(fraction, message)` follows the build as it goes.
    `vector_index` None keeps the current build's setting.

    Raises:
        CorpusError, ReportParseError: bad input; the current build is untouched.
        BuildInProgress: another process holds the build lock.
    """
    files = corpus_files(corpus_dir)
    sources = _sources(files)
    current = read_manifest(index_dir)
    kind = _chosen_kind(vector_index, current)
    wanted = fingerprint(sources, model, kind)
    if current and current.get("fingerprint") == wanted and not force:
        return BuildResult(current["build_id"], False, current)

    started = time.perf_counter()
    with (
        build_lock(index_dir),
        BuildCache(index_dir / "cache.sqlite") as cache,
        _Reporter(on_progress, progress and sys.stderr.isatty(), len(sources)) as reporter,
    ):
        build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + wanted[:8]
        reporter(0.0, f"reading {len(sources)} report(s)")
        parsed, parse_keys = _parse_corpus(sources, cache, build_id)  # before any write: bad input changes nothing
        parse_seconds = time.perf_counter() - started
        reporter(_PARSED, "embedding")
        builds = index_dir / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=builds))
        embedder = _Embedder(cache, encoder_factory, model, build_id)
        stages: dict[str, float] = {"parse": parse_seconds}
        try:
            previous = builds / current["build_id"] if current else None
            written = _write_build(
                staging,
                parsed,
                parse_keys,
                embedder,
                vector_index=kind,
                reporter=reporter,
                previous=previous,
                stages=stages,
            )
            checked = time.perf_counter()
            file_sums = checksums(staging)
            stages["checksums"] = time.perf_counter() - checked
            manifest = {
                "format_version": FORMAT_VERSION,
                "build_id": build_id,
                "model": model,
                **written,
                "sources": [
                    {"file": item.report.source, "report_id": item.report.id, "sha256": item.report.sha256}
                    for item in parsed
                ],
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "parser_version": PARSER_VERSION,
                "context_version": CONTEXT_VERSION,
                "code_version": _code_version(),
                "peelqa_version": __version__,
                "vector_index": str(kind),
                "fingerprint": wanted,
                "build": {
                    "seconds": round(time.perf_counter() - started, 2),
                    "parse_seconds": round(parse_seconds, 2),
                    "embed_seconds": round(embedder.seconds, 2),
                    "texts_embedded": embedder.embedded,
                    "texts_reused": embedder.reused,
                    # where the time went: each report's parts (embedding included), writing the files
                    **{f"{stage}_seconds": round(seconds, 2) for stage, seconds in stages.items() if stage != "parse"},
                },
                "files": file_sums,
            }
            write_json(staging / "manifest.json", manifest)
            _fsync_tree(staging)
            os.rename(staging, builds / build_id)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        synced = time.perf_counter()
        _switch_to(index_dir, build_id)
        oldest = _prune(index_dir, keep=build_id)
        cache.prune(older_than=oldest, keep=build_id)
        stages["switch and prune"] = time.perf_counter() - synced
    logger.info(
        "switched to build %s in %.1fs: %d texts embedded in %.1fs, %d from the cache; time by stage: %s",
        build_id,
        time.perf_counter() - started,
        embedder.embedded,
        embedder.seconds,
        embedder.reused,
        ", ".join(f"{stage} {seconds:.2f}s" for stage, seconds in stages.items()),
    )
    reporter(1.0, f"built {build_id}")
    return BuildResult(build_id, True, manifest)
