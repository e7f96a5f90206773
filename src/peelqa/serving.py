"""Run the web service in production: waitress, a request log, a fresh index.

`peelqa serve` calls `serve`; tests that need a real server in-process call
`create_server` and stop it with `server.close()`.
"""

from __future__ import annotations

import functools
import logging
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from .embedding import get_encoder, model_cache_dir, model_id
from .errors import BuildInProgress, CorpusError, ReportParseError
from .index import build, read_manifest

__all__ = ["AccessLog", "create_server", "prepare_index", "serve"]

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("peelqa.access")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _LoggedBody:
    """A response body that logs its request once the server has sent it (or given up)."""

    def __init__(self, body: Iterable[bytes], finish: Callable[[], None]) -> None:
        self._body = body
        self._finish = finish

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._finish()


class AccessLog:
    """WSGI middleware: one log line per request, `METHOD /path STATUS 12.3 ms`.

    The latency runs until the body is sent, which is what a client waits
    for. Query strings are left out: they hold people's questions.
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        status = ["-"]

        def start(status_line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status[0] = status_line.split(" ", 1)[0]
            return start_response(status_line, headers, exc_info)

        def finish() -> None:
            took_ms = (time.perf_counter() - started) * 1000
            access_logger.info(
                "%s %s %s %.1f ms", environ.get("REQUEST_METHOD", "-"), environ.get("PATH_INFO", "-"), status[0], took_ms
            )

        try:
            body = self.app(environ, start)
        except BaseException:
            status[0] = "500"
            finish()
            raise
        return _LoggedBody(body, finish)


def prepare_index(corpus_dir: Path, index_dir: Path, model: str) -> None:
    """Build the index when it is missing or stale (a no-op when it is current).

    When the corpus cannot be read or another process is building, an
    existing build is served as it is, with a warning.

    Raises:
        CorpusError, ReportParseError, BuildInProgress: and there is no build to serve.
        ModelLoadError: a build was needed and the model cannot be loaded.
    """
    try:
        encoder = functools.partial(get_encoder, model, cache_dir=model_cache_dir(index_dir))
        result = build(corpus_dir, index_dir, encoder, model=model_id(model))
    except (CorpusError, ReportParseError, BuildInProgress) as error:
        if read_manifest(index_dir) is None:
            raise
        logger.warning("serving the existing index without refreshing it: %s", error)
        return
    if result.built:
        logger.info("built index %s (%d passages)", result.build_id, result.manifest["counts"]["passages"])


def create_server(app: WSGIApp, *, host: str, port: int, threads: int) -> Any:
    """A waitress server for `app` with the request log, bound but not yet running.

    `port` 0 picks a free port; the server's `effective_port` tells which.
    """
    from waitress.server import create_server as waitress_server

    return waitress_server(AccessLog(app), host=host, port=port, threads=threads, ident="peelqa")


def _stop(signum: int, frame: FrameType | None) -> None:
    # waitress leaves its loop on KeyboardInterrupt, so SIGTERM stops as Ctrl+C does
    raise KeyboardInterrupt


def serve(
    *,
    corpus_dir: Path,
    index_dir: Path,
    model: str,
    host: str,
    port: int,
    threads: int,
    announce: Callable[[str], None] = print,
) -> None:
    """Build the index if needed, then serve the app until SIGINT or SIGTERM.

    A watcher switches to any newer build in `index_dir` (another process's upload or `peelqa add`).
    """
    from .web import create_app, watch

    prepare_index(corpus_dir, index_dir, model)
    app = create_app({"PEELQA_CORPUS_DIR": str(corpus_dir), "PEELQA_INDEX_DIR": str(index_dir), "PEELQA_MODEL": model})
    watcher = watch(app)
    server = create_server(app, host=host, port=port, threads=threads)
    shown_host = f"[{host}]" if ":" in host else host
    announce(f"peelqa is ready: open http://{shown_host}:{getattr(server, 'effective_port', port)}/ (Ctrl+C to stop)")
    signal.signal(signal.SIGTERM, _stop)
    try:
        server.run()  # returns after KeyboardInterrupt, its task threads shut down
    finally:
        server.close()
        watcher.stop()
        logger.info("stopped")
