"""Build, save, load and search the index: FAISS vectors beside a BM25 index.

The only module that imports faiss. Layout of an index folder:

    index/
      CURRENT              the build id being served (replaced atomically)
      builds/<build_id>/   one complete build
        manifest.json      format, model, counts, sources, file checksums
        reports.json       the Report records
        passages.jsonl     one Passage record per line, in index order
        dense.faiss        inner-product index of passage vectors
        sentences.faiss    inner-product index of every sentence of every passage
        sentence_spans.npy (passage row, start, end) of each sentence, by passage row
        acronyms.json      acronyms the reports define, for keyword queries
        terms.json         document frequency of every keyword token
        bm25/              the keyword index (bm25s)

A build is written under a temporary name, renamed into `builds/`, and only
then named in CURRENT: a crash or a bad report mid-build leaves the previous
build serving. Loading checks the manifest and every file's checksum.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import math
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import bm25s
import faiss
import numpy as np

from . import __version__
from .acronyms import expand, find_acronyms
from .context import CONTEXT_VERSION, index_texts
from .errors import BuildInProgress, CorpusError, IndexCorrupt, IndexMismatch, IndexNotBuilt
from .keywords import tokenize
from .parsing import PARSER_VERSION, SUPPORTED_SUFFIXES, ParsedReport, parse_file, sidecar_path
from .records import Passage, Report
from .sentences import split_sentences
from .stopwatch import Stopwatch

__all__ = [
    "FORMAT_VERSION",
    "BuildResult",
    "Index",
    "build",
    "corpus_files",
    "fingerprint",
    "load",
    "read_manifest",
]

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2
CORPUS_SUFFIXES = SUPPORTED_SUFFIXES
_BUILDS_KEPT = 3  # the current build and two before it, for a reader mid-switch
# Less length normalisation than BM25's usual b=0.75: a one-line list item and
# a long paragraph are both whole answers (measured: benchmarks/compare_retrieval.py).
BM25_PARAMS = {"k1": 1.5, "b": 0.6}


class TextEncoder(Protocol):
    """What a build needs from an encoder (a seam for tests of this module)."""

    name: str
    dimension: int

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...


@dataclass(frozen=True)
class BuildResult:
    build_id: str
    built: bool  # False when the current build was already up to date
    manifest: dict[str, Any]


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The report files of a corpus folder, sorted by name.

    Raises:
        CorpusError: the folder is missing or holds no report files.
    """
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir}")
    files = sorted(
        p for p in corpus_dir.iterdir() if p.is_file() and p.suffix.lower() in CORPUS_SUFFIXES
    )
    if not files:
        raise CorpusError(f"no report files ({', '.join(CORPUS_SUFFIXES)}) in {corpus_dir}")
    return files


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fingerprint(files: Sequence[Path], model: str) -> str:
    """What a build depends on: sources, model, and the code that shapes passages."""
    state = {
        "format": FORMAT_VERSION,
        "parser": PARSER_VERSION,
        "context": CONTEXT_VERSION,
        "bm25": BM25_PARAMS,
        "model": model,
        "sources": [[p.name, _sha256(p)] for p in files],
        # metadata overrides kept beside a report change what is indexed too
        "sidecars": [[p.name, _sha256(sidecar_path(p))] for p in files if sidecar_path(p).is_file()],
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    """The manifest of the current build, or None when nothing usable is there."""
    try:
        build_id = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
        data = json.loads((index_dir / "builds" / build_id / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@contextlib.contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
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


def _parse_corpus(files: Sequence[Path]) -> list[ParsedReport]:
    parsed = [parse_file(path) for path in files]
    seen: dict[str, str] = {}
    for item in parsed:
        other = seen.setdefault(item.report.id, item.report.source)
        if other != item.report.source:
            raise CorpusError(
                f"{other} and {item.report.source} would both be report {item.report.id!r}; rename one"
            )
    return parsed


def _sentence_table(passages: Sequence[Passage]) -> tuple[list[str], np.ndarray]:
    texts: list[str] = []
    spans: list[tuple[int, int, int]] = []
    for row, passage in enumerate(passages):
        for start, end in split_sentences(passage.text):
            texts.append(passage.text[start:end])
            spans.append((row, start, end))
    return texts, np.asarray(spans, dtype=np.int64).reshape(-1, 3)


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def _checksums(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): _sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def _write_build(
    folder: Path,
    parsed: Sequence[ParsedReport],
    encoder: TextEncoder,
    *,
    build_id: str,
    fingerprint_: str,
    progress: bool,
    watch: Stopwatch,
) -> dict[str, Any]:
    passages = [p for item in parsed for p in item.passages]
    contexts = index_texts(passages)
    sentence_texts, sentence_spans = _sentence_table(passages)

    with watch("encode passages"):
        passage_vectors = encoder.encode(contexts, progress=progress)
    with watch("encode sentences"):
        sentence_vectors = encoder.encode(sentence_texts, progress=progress)
    logger.info("embedded %d passages and %d sentences", len(passages), len(sentence_texts))

    dense = faiss.IndexFlatIP(encoder.dimension)
    dense.add(passage_vectors)
    faiss.write_index(dense, str(folder / "dense.faiss"))
    sentences = faiss.IndexFlatIP(encoder.dimension)
    sentences.add(sentence_vectors)
    faiss.write_index(sentences, str(folder / "sentences.faiss"))
    np.save(folder / "sentence_spans.npy", sentence_spans, allow_pickle=False)

    with watch("bm25"):
        tokens = [tokenize(text) for text in contexts]
        keyword_index = bm25s.BM25(**BM25_PARAMS)
        keyword_index.index(tokens, show_progress=False)
    keyword_index.save(str(folder / "bm25"), show_progress=False)
    frequencies = Counter(token for passage_tokens in tokens for token in set(passage_tokens))
    _write_json(folder / "terms.json", {"documents": len(tokens), "df": dict(sorted(frequencies.items()))})

    _write_json(folder / "acronyms.json", find_acronyms(p.text for p in passages))
    _write_json(folder / "reports.json", [item.report.to_dict() for item in parsed])
    with (folder / "passages.jsonl").open("w", encoding="utf-8") as out:
        for passage in passages:
            out.write(json.dumps(passage.to_dict(), ensure_ascii=False) + "\n")

    manifest = {
        "format_version": FORMAT_VERSION,
        "build_id": build_id,
        "model": encoder.name,
        "dimension": encoder.dimension,
        "counts": {
            "reports": len(parsed),
            "passages": len(passages),
            "sentences": len(sentence_texts),
        },
        "sources": [
            {"file": item.report.source, "report_id": item.report.id, "sha256": item.report.sha256}
            for item in parsed
        ],
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "parser_version": PARSER_VERSION,
        "context_version": CONTEXT_VERSION,
        "peelqa_version": __version__,
        "fingerprint": fingerprint_,
        "files": _checksums(folder),
    }
    _write_json(folder / "manifest.json", manifest)
    return manifest


def _fsync_tree(folder: Path) -> None:
    for path in [*folder.rglob("*"), folder]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _switch_to(index_dir: Path, build_id: str) -> None:
    pointer = index_dir / "CURRENT.tmp"
    pointer.write_text(build_id + "\n", encoding="utf-8")
    os.replace(pointer, index_dir / "CURRENT")  # atomic: readers see old or new, never half


def _prune(index_dir: Path, keep: str) -> None:
    builds = index_dir / "builds"
    finished = sorted((p for p in builds.iterdir() if not p.name.startswith(".")), reverse=True)
    for old in [p for p in finished if p.name != keep][_BUILDS_KEPT - 1 :]:
        shutil.rmtree(old, ignore_errors=True)
    for leftover in builds.glob(".tmp-*"):  # from a build that crashed before its rename
        shutil.rmtree(leftover, ignore_errors=True)


def build(
    corpus_dir: Path,
    index_dir: Path,
    encoder_factory: Callable[[], TextEncoder],
    *,
    model: str,
    force: bool = False,
    progress: bool = False,
) -> BuildResult:
    """Build the index for `corpus_dir` into `index_dir` and switch it in.

    Nothing is built when the current build already matches the corpus and
    model; the encoder is only created when a build is needed.

    Raises:
        CorpusError, ReportParseError: bad input; the current build is untouched.
        BuildInProgress: another process holds the build lock.
    """
    files = corpus_files(corpus_dir)
    wanted = fingerprint(files, model)
    current = read_manifest(index_dir)
    if current and current.get("fingerprint") == wanted and not force:
        return BuildResult(current["build_id"], False, current)

    watch = Stopwatch()
    with watch("parse"):
        parsed = _parse_corpus(files)  # before any write: bad input changes nothing
    with _build_lock(index_dir):
        with watch("load encoder"):
            encoder = encoder_factory()
        build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + wanted[:8]
        builds = index_dir / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=builds))
        try:
            manifest = _write_build(
                staging,
                parsed,
                encoder,
                build_id=build_id,
                fingerprint_=wanted,
                progress=progress,
                watch=watch,
            )
            _fsync_tree(staging)
            final = builds / build_id
            os.rename(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _switch_to(index_dir, build_id)
        _prune(index_dir, keep=build_id)
    # what no stage above claims is writing: vectors, JSON, checksums, fsync, switch
    logger.info("switched to build %s; time by stage: %s", build_id, watch.with_rest("write"))
    return BuildResult(build_id, True, manifest)


def _all_vectors(index: faiss.Index) -> np.ndarray:
    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    return index.reconstruct_n(0, index.ntotal)


def _search(
    index: faiss.Index, query: np.ndarray, k: int, ids: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    params = None
    if ids is not None:
        # IDSelectorBatch filters before ranking: k hits from the allowed ids only
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(ids.astype(np.int64)))  # type: ignore[call-arg]
        k = min(k, len(ids))
    k = min(k, index.ntotal)
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    scores, found = index.search(query, k, params=params)
    keep = found[0] >= 0
    return found[0][keep], scores[0][keep]


class Index:
    """A loaded build: passages, vectors and keyword index, read once."""

    def __init__(
        self,
        *,
        folder: Path,
        manifest: dict[str, Any],
        reports: dict[str, Report],
        passages: tuple[Passage, ...],
        dense: faiss.Index,
        sentences: faiss.Index,
        sentence_spans: np.ndarray,
        keyword_index: bm25s.BM25,
        acronyms: dict[str, str],
        terms: dict[str, Any],
    ) -> None:
        self.folder = folder
        self.acronyms = acronyms
        self._documents = int(terms["documents"])
        self._df: dict[str, int] = terms["df"]
        self.manifest = manifest
        self.reports = reports
        self.passages = passages
        self.sentence_spans = sentence_spans
        self.row_of = {p.id: row for row, p in enumerate(passages)}
        self.rows_of_report = {
            report_id: np.asarray([r for r, p in enumerate(passages) if p.report_id == report_id], dtype=np.int64)
            for report_id in reports
        }
        self._dense = dense
        self._sentences = sentences
        self._keywords = keyword_index
        # Flat indexes hold plain vectors; copies let a candidate be scored
        # directly, without a second search.
        self.passage_vectors = _all_vectors(dense)
        self.sentence_vectors = _all_vectors(sentences)
        # sentence rows of passage r are first[r]:first[r + 1]
        self._first_sentence = np.searchsorted(
            sentence_spans[:, 0], np.arange(len(passages) + 1), side="left"
        )

    @property
    def build_id(self) -> str:
        return str(self.manifest["build_id"])

    def count(self) -> int:
        return len(self.passages)

    def sentence_rows(self, row: int) -> range:
        """Rows of the sentence table that belong to passage `row`."""
        return range(int(self._first_sentence[row]), int(self._first_sentence[row + 1]))

    def search_passages(
        self, query: np.ndarray, k: int, *, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The `k` passage rows nearest `query`, among `rows` when given."""
        return _search(self._dense, query, k, rows)

    def search_sentences(
        self, query: np.ndarray, k: int, *, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The passage rows of the `k` sentences nearest `query`, with their scores."""
        sentence_ids = None
        if rows is not None:
            sentence_ids = np.concatenate(
                [np.arange(self._first_sentence[r], self._first_sentence[r + 1]) for r in rows]
                or [np.zeros(0, dtype=np.int64)]
            )
        found, scores = _search(self._sentences, query, k, sentence_ids)
        return self.sentence_spans[found, 0], scores

    def term_weights(self, question: str) -> dict[str, float]:
        """IDF of each keyword of `question` (acronyms in both forms) that the index knows."""
        n = self._documents
        return {
            token: math.log(1 + (n - df + 0.5) / (df + 0.5))
            for token in dict.fromkeys(tokenize(expand(question, self.acronyms)))
            if (df := self._df.get(token))
        }

    def document_frequency(self, token: str) -> int:
        return self._df.get(token, 0)

    def keyword_scores(self, question: str) -> np.ndarray:
        """BM25 score of every passage for `question` (zeros when no term is known).

        Acronyms the reports define are searched in both forms.
        """
        ids = self._keywords.get_tokens_ids(tokenize(expand(question, self.acronyms)))
        if not ids:
            return np.zeros(len(self.passages), dtype=np.float32)
        return np.asarray(self._keywords.get_scores_from_ids(ids), dtype=np.float32)


def load(index_dir: Path, *, model: str | None = None) -> Index:
    """Load the current build.

    Raises:
        IndexNotBuilt: no build has been switched in.
        IndexMismatch: it was built by another format version or model.
        IndexCorrupt: a file is missing, altered or unreadable.
    """
    pointer = index_dir / "CURRENT"
    if not pointer.is_file():
        raise IndexNotBuilt(f"no index in {index_dir}; run `peelqa index` first")
    build_id = pointer.read_text(encoding="utf-8").strip()
    folder = index_dir / "builds" / build_id
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise IndexCorrupt(f"index build {build_id!r} has no readable manifest ({error})") from None
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatch(
            f"index format {manifest.get('format_version')} is not {FORMAT_VERSION}; "
            "rebuild with `peelqa index --force`"
        )
    if model is not None and manifest.get("model") != model:
        raise IndexMismatch(
            f"index was built with model {manifest.get('model')!r}, not {model!r}; "
            "rebuild with `peelqa index`"
        )
    for name, digest in manifest.get("files", {}).items():
        path = folder / name
        if not path.is_file() or _sha256(path) != digest:
            raise IndexCorrupt(f"index file {name} in build {build_id} is missing or altered; rebuild with `peelqa index --force`")
    try:
        reports = {
            r["id"]: Report.from_dict(r)
            for r in json.loads((folder / "reports.json").read_text(encoding="utf-8"))
        }
        with (folder / "passages.jsonl").open(encoding="utf-8") as lines:
            passages = tuple(Passage.from_dict(json.loads(line)) for line in lines)
        dense = faiss.read_index(str(folder / "dense.faiss"))
        sentences = faiss.read_index(str(folder / "sentences.faiss"))
        sentence_spans = np.load(folder / "sentence_spans.npy", allow_pickle=False)
        keyword_index = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
        acronyms = json.loads((folder / "acronyms.json").read_text(encoding="utf-8"))
        terms = json.loads((folder / "terms.json").read_text(encoding="utf-8"))
    except Exception as error:  # noqa: BLE001 - any unreadable file means the same thing
        raise IndexCorrupt(f"index build {build_id} cannot be read: {type(error).__name__}: {error}") from None
    counts = manifest.get("counts", {})
    if not (
        dense.ntotal == len(passages) == counts.get("passages")
        and sentences.ntotal == len(sentence_spans) == counts.get("sentences")
        and dense.d == sentences.d == manifest.get("dimension")
    ):
        raise IndexCorrupt(f"index build {build_id} has inconsistent counts; rebuild with `peelqa index --force`")
    return Index(
        folder=folder,
        manifest=manifest,
        reports=reports,
        passages=passages,
        dense=dense,
        sentences=sentences,
        sentence_spans=sentence_spans,
        keyword_index=keyword_index,
        acronyms=acronyms,
        terms=terms,
    )
