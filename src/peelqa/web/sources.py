"""Serve a report's original file from the corpus folder it was indexed from.

Only the very file that was indexed is served: its sha256 must still be the
one the index recorded (a changed or replaced file would open at the wrong
pages). The digest is computed once per file version (path, size, mtime).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from flask import Response, send_file
from werkzeug.security import safe_join

from ..records import Report
from .errors import ApiError

__all__ = ["media_type", "send"]


def media_type(source: str) -> str:
    """What a stored report is, from the suffix the library gave it after reading its bytes."""
    return "application/pdf" if source.lower().endswith(".pdf") else "text/plain"


@functools.lru_cache(maxsize=512)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def send(corpus_dir: Path, report: Report) -> Response:
    """The response carrying `report`'s original file, inline.

    Raises:
        ApiError: 404 when the file is gone from the corpus or is no longer the one indexed.
    """
    joined = safe_join(str(corpus_dir), report.source)  # never outside the corpus
    try:
        if joined is None:
            raise FileNotFoundError(report.source)
        stat = Path(joined).stat()
        same = _digest(joined, stat.st_size, stat.st_mtime_ns) == report.sha256
    except OSError:
        same = False
    if joined is None or not same:
        raise ApiError(
            404,
            "not_found",
            f"The original file of “{report.id}” ({report.source}) is no longer in the corpus as it was indexed.",
        )
    kind = media_type(report.source)
    # download_name without as_attachment: "Content-Disposition: inline; filename=…"
    response = send_file(joined, mimetype=kind, download_name=report.source, conditional=True)
    if kind == "application/pdf":
        # the pages' policy (object-src 'none') is for our HTML; it would stop the browser's PDF viewer
        response.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
    return response
