"""Add reports to a corpus and remove them, keeping its index current.

The one way reports come and go, shared by `peelqa add` / `peelqa remove` and
the service's upload endpoints. Every change is checked before anything is
written (a file that cannot be parsed changes nothing), written atomically,
and undone again if the rebuild that follows fails: the corpus and the index
being served always agree.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildInProgress, CorpusError, UnknownReport
from .index import Progress, TextEncoder, build, corpus_files
from .parsing import (
    SUPPORTED_SUFFIXES,
    ReportFields,
    parse_bytes,
    report_id_for,
    sidecar_path,
    sniff_suffix,
)

__all__ = ["Change", "Progress", "add_report", "remove_report"]

logger = logging.getLogger(__name__)

_MAX_STEM = 80


@dataclass(frozen=True)
class Change:
    """What an add or a remove did."""

    report_id: str
    build_id: str | None  # the build now serving; None when nothing was built
    changed: bool  # False: the identical file was already there
    message: str


def _quiet(fraction: float, message: str) -> None:
    logger.info("%3.0f%% %s", fraction * 100, message)


def _within(say: Progress, start: float, end: float) -> Progress:
    """A build's own progress (0 to 1) as the part from `start` to `end` of a change's."""
    return lambda fraction, message: say(start + (end - start) * fraction, message)


@contextlib.contextmanager
def _changes_lock(corpus_dir: Path, index_dir: Path) -> Iterator[None]:
    """One change to a corpus and its index at a time, across processes.

    The lock file lives with the builds, not among the reports.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".changes.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildInProgress(f"another change to {corpus_dir} is in progress; try again shortly") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _safe_stem(filename: str) -> str:
    """A file stem that cannot leave the corpus: no folders, no dots first, ASCII only."""
    base = re.split(r"[\\/]", filename)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:_MAX_STEM].strip("-")
    return slug or "report"


def _free_name(corpus_dir: Path, stem: str, suffix: str) -> Path:
    """The first `stem[-n]suffix` whose report id no corpus file has: never an overwrite."""
    taken = {report_id_for(p) for p in corpus_dir.iterdir()}
    candidate, n = stem, 1
    while candidate in taken or (corpus_dir / f"{candidate}{suffix}").exists():
        n += 1
        candidate = f"{stem}-{n}"
    return corpus_dir / f"{candidate}{suffix}"


def _identical_file(corpus_dir: Path, data: bytes, digest: str) -> Path | None:
    """A report file in the corpus with exactly these bytes (only same-size files are read)."""
    for path in corpus_dir.iterdir():
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES and path.stat().st_size == len(data):
            if hashlib.sha256(path.read_bytes()).hexdigest() == digest:
                return path
    return None


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.part")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _fields_json(fields: ReportFields) -> bytes:
    given = {name: value for name, value in vars(fields).items() if value is not None}
    return json.dumps(given, ensure_ascii=False, indent=1).encode("utf-8")


def add_report(
    data: bytes,
    filename: str,
    *,
    corpus_dir: Path,
    index_dir: Path,
    encoder_factory: Callable[[], TextEncoder],
    model: str,
    fields: ReportFields | None = None,
    progress: Progress | None = None,
) -> Change:
    """Add the report `data` (a PDF or UTF-8 text, sent as `filename`) and rebuild.

    The file is stored in `corpus_dir` under a sanitised name that no other
    report has; `fields` (title, force, year) are kept beside it and override
    its cover. An identical file already in the corpus is left as it is.

    Raises:
        UnsupportedFile: the bytes are neither a PDF nor UTF-8 text.
        ReportParseError: the file cannot be read as a report.
        BuildInProgress: another change or build is under way.
        CorpusError: the corpus folder is missing.
    """
    say = progress or _quiet
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir}")
    suffix = sniff_suffix(data, filename)
    digest = hashlib.sha256(data).hexdigest()
    with _changes_lock(corpus_dir, index_dir):
        if (same := _identical_file(corpus_dir, data, digest)) is not None:
            return Change(report_id_for(same), None, False, f"{same.name} is already in the corpus; nothing to do")
        target = _free_name(corpus_dir, _safe_stem(filename), suffix)
        say(0.05, f"reading {filename}")
        parsed = parse_bytes(data, source=target.name, report_id=report_id_for(target), fields=fields)
        written = [target]
        _write_atomically(target, data)
        if fields is not None and any(v is not None for v in vars(fields).values()):
            written.append(sidecar_path(target))
            _write_atomically(written[-1], _fields_json(fields))
        try:
            say(0.2, f"indexing {parsed.report.title or target.name}")
            result = build(corpus_dir, index_dir, encoder_factory, model=model, on_progress=_within(say, 0.2, 0.98))
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
    say(1.0, f"added {parsed.report.id}")
    return Change(parsed.report.id, result.build_id, True, f"added {target.name} as {parsed.report.id}")


def remove_report(
    report_id: str,
    *,
    corpus_dir: Path,
    index_dir: Path,
    encoder_factory: Callable[[], TextEncoder],
    model: str,
    progress: Progress | None = None,
) -> Change:
    """Remove report `report_id` from the corpus and rebuild without it.

    Raises:
        UnknownReport: no corpus file has that id.
        CorpusError: it is the only report (an index needs at least one).
        BuildInProgress: another change or build is under way.
    """
    say = progress or _quiet
    with _changes_lock(corpus_dir, index_dir):
        files = corpus_files(corpus_dir)
        matching = [p for p in files if report_id_for(p) == report_id]
        if not matching:
            raise UnknownReport(f"no report {report_id!r} in {corpus_dir}")
        if len(files) == 1:
            raise CorpusError(f"{report_id!r} is the only report; an index needs at least one")
        target = matching[0]
        moved = [(path, path.with_name(f".{path.name}.removed")) for path in (target, sidecar_path(target)) if path.exists()]
        for path, aside in moved:
            os.replace(path, aside)
        try:
            say(0.2, f"re-indexing without {report_id}")
            result = build(corpus_dir, index_dir, encoder_factory, model=model, on_progress=_within(say, 0.2, 0.98))
        except BaseException:
            for path, aside in moved:
                os.replace(aside, path)
            raise
        for _, aside in moved:
            aside.unlink()
    say(1.0, f"removed {report_id}")
    return Change(report_id, result.build_id, True, f"removed {target.name}")
