"""What builds keep for the next build: vectors by (model, text), parsed reports, report parts.

One SQLite file in the index folder. Embedding is most of a build's cost, so
a text that was embedded once with a model is never embedded again: adding
one report to many embeds only that report, and rebuilding after a code
change embeds only the texts that changed. Parsed reports are kept by the
source's digest, its file name, its metadata sidecar and the parser's code
version. What a build derives from a parsed report (`report_parts.py`) is
kept whole by the parse key, model and code version, so an unchanged report
costs one read. Only the builder (holding the build lock) writes; SQLite's own
locking and write-ahead log keep a reader in another process safe, and a
build killed mid-way leaves every committed report reusable.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..parsing import ParsedReport
from ..records import Passage, Report

if TYPE_CHECKING:
    from .report_parts import ReportParts

__all__ = ["KEY_BYTES", "BuildCache", "text_key"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL, text_key BLOB NOT NULL, vector BLOB NOT NULL, used TEXT NOT NULL,
    PRIMARY KEY (model, text_key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS vectors_used ON vectors (used);
CREATE TABLE IF NOT EXISTS parsed (
    parse_key TEXT PRIMARY KEY, report TEXT NOT NULL, passages TEXT NOT NULL, used TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS parts (
    parts_key TEXT PRIMARY KEY, arrays BLOB NOT NULL, words TEXT NOT NULL, text_keys BLOB NOT NULL,
    used TEXT NOT NULL);
"""
_CHUNK = 500  # keys per statement, well under SQLite's variable limit


KEY_BYTES = 32  # a text key's length: report parts keep their texts' keys end to end


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class BuildCache:
    """The cache file of one index folder; open it for one build."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> BuildCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- vectors ---------------------------------------------------------------

    def vectors(self, model: str, keys: Sequence[bytes], *, used: str) -> dict[bytes, np.ndarray]:
        """The cached vectors of `keys` (those there are), stamped as used by build `used`."""
        found: dict[bytes, np.ndarray] = {}
        with self._db:
            self._db.execute("BEGIN")
            for start in range(0, len(keys), _CHUNK):
                chunk = list(dict.fromkeys(keys[start : start + _CHUNK]))
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT text_key, vector FROM vectors WHERE model = ? AND text_key IN ({marks})", [model, *chunk]
                ).fetchall()
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
                self._db.execute(
                    f"UPDATE vectors SET used = ? WHERE model = ? AND text_key IN ({marks})", [used, model, *chunk]
                )
        return found

    def put_vectors(self, model: str, items: Iterable[tuple[bytes, np.ndarray]], *, used: str) -> None:
        """Keep vectors, committed at once (a build killed later keeps them)."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (model, text_key, vector, used) VALUES (?, ?, ?, ?)",
                ((model, key, np.asarray(vector, dtype=np.float32).tobytes(), used) for key, vector in items),
            )

    # -- parsed reports ----------------------------------------------------------

    def parsed(self, key: str, *, used: str) -> ParsedReport | None:
        row = self._db.execute("SELECT report, passages FROM parsed WHERE parse_key = ?", [key]).fetchone()
        if row is None:
            return None
        self._db.execute("UPDATE parsed SET used = ? WHERE parse_key = ?", [used, key])
        report = Report.from_dict(json.loads(row[0]))
        return ParsedReport(report, tuple(Passage.from_dict(p) for p in json.loads(row[1])))

    def put_parsed(self, key: str, parsed: ParsedReport, *, used: str) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO parsed (parse_key, report, passages, used) VALUES (?, ?, ?, ?)",
            [
                key,
                json.dumps(parsed.report.to_dict(), ensure_ascii=False),
                json.dumps([p.to_dict() for p in parsed.passages], ensure_ascii=False),
                used,
            ],
        )

    # -- report parts ------------------------------------------------------------

    def parts(self, key: str, *, used: str) -> ReportParts | None:
        from .report_parts import ReportParts

        row = self._db.execute("SELECT arrays, words, text_keys FROM parts WHERE parts_key = ?", [key]).fetchone()
        if row is None:
            return None
        self._db.execute("UPDATE parts SET used = ? WHERE parts_key = ?", [used, key])
        return ReportParts.from_blob(row[0], row[1], row[2])

    def put_parts(self, key: str, parts: ReportParts, *, used: str) -> None:
        arrays, words = parts.to_blob()
        self._db.execute(
            "INSERT OR REPLACE INTO parts (parts_key, arrays, words, text_keys, used) VALUES (?, ?, ?, ?, ?)",
            [key, arrays, words, parts.text_keys, used],
        )

    # -- upkeep ----------------------------------------------------------------

    def prune(self, *, older_than: str, keep: str) -> int:
        """Forget what no build since `older_than` (a build id) has used; how many entries went.

        A build that reads a report's parts does not stamp the vectors of its
        texts one by one: those the kept parts hold stay (stamped `keep`, the
        current build, so that the next builds need not look at them again),
        so that a code change later still finds them.
        """
        with self._db:
            self._db.execute("BEGIN")
            gone = self._db.execute("DELETE FROM parsed WHERE used < ?", [older_than]).rowcount
            gone += self._db.execute("DELETE FROM parts WHERE used < ?", [older_than]).rowcount
            stale = self._db.execute("SELECT model, text_key FROM vectors WHERE used < ?", [older_than]).fetchall()
            if stale:
                held = self._held_by_parts()
                kept = [(keep, model, key) for model, key in stale if key in held]
                self._db.executemany("UPDATE vectors SET used = ? WHERE model = ? AND text_key = ?", kept)
                gone += self._db.execute("DELETE FROM vectors WHERE used < ?", [older_than]).rowcount
        return gone

    def _held_by_parts(self) -> set[bytes]:
        held: set[bytes] = set()
        for (keys,) in self._db.execute("SELECT text_keys FROM parts"):
            held.update(keys[i : i + KEY_BYTES] for i in range(0, len(keys), KEY_BYTES))
        return held

    def count(self, model: str) -> int:
        """How many vectors of `model` are kept."""
        return int(self._db.execute("SELECT count(*) FROM vectors WHERE model = ?", [model]).fetchone()[0])
