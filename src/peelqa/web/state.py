"""What the app serves from: the loaded index and encoder, swappable at once.

`create_app` loads the index and the encoder once per process and keeps them
in `app.extensions["peelqa"]`, a `State` whose `current` attribute is either
`Loaded` or `Unavailable`. Requests read `current` once and use that object
throughout, so replacing it (a rebuild switched in) is a single attribute
assignment that no request can observe half done.

A new build is switched in by `State.refresh`: it loads the build that
`index/CURRENT` names and warms it on the calling thread (a job's worker, or
the `Watcher` that notices another process's build), never on a request's,
and only then makes the one assignment. A build that cannot be loaded
leaves the one being served in place, and says why in `last_error`.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from ..batching import shared_batcher
from ..contract import ask_json, index_json, report_json
from ..embedding import get_encoder, model_cache_dir, model_id
from ..errors import IndexError_, ModelLoadError
from ..index import load as load_index
from ..qa import QA
from ..records import Passage
from .errors import ApiError
from .params import AskParams

__all__ = [
    "EXTENSION",
    "Loaded",
    "State",
    "Unavailable",
    "Watcher",
    "current",
    "init_app",
    "load",
    "loaded",
    "state",
]

logger = logging.getLogger(__name__)

EXTENSION = "peelqa"


@dataclass(frozen=True)
class Loaded:
    """A loaded index with its encoder, and the answers that never change for it."""

    qa: QA
    reports: list[dict[str, Any]]  # the body of GET /api/reports, computed once
    index_info: dict[str, Any]  # the body of GET /api/index
    passages_of: dict[str, tuple[Passage, ...]] = field(repr=False)  # report id -> passages

    @classmethod
    def of(cls, qa: QA) -> Loaded:
        index = qa.index
        return cls(
            qa=qa,
            reports=[report_json(report, index) for report in index.reports.values()],
            index_info=index_json(index),
            passages_of={
                report_id: tuple(index.passages[row] for row in rows)
                for report_id, rows in index.rows_of_report.items()
            },
        )

    @property
    def build_id(self) -> str:
        return self.qa.index.build_id

    def report_json(self, report_id: str) -> dict[str, Any] | None:
        """The `GET /api/reports` entry of one report, or None."""
        return next((r for r in self.reports if r["id"] == report_id), None)

    def answer(self, params: AskParams) -> dict[str, Any]:
        """The DESIGN §4 body answering `params`.

        Raises:
            ApiError: 400 unknown_report when a report filter names no report.
            InvalidQuestion: the core's own validation failed.
        """
        unknown = [r for r in params.filters.reports if r not in self.qa.index.reports]
        if unknown:
            known = ", ".join(sorted(self.qa.index.reports)) or "none"
            raise ApiError(
                400,
                "unknown_report",
                f"There is no report {unknown[0]!r} in the index (known: {known}).",
                field="report",
            )
        result = self.qa.ask(params.question, top_k=params.top_k, filters=params.filters, history=params.history)
        return ask_json(result, self.qa.index)


@dataclass(frozen=True)
class Unavailable:
    """Why nothing can be answered (the index is missing, corrupt or for another model)."""

    reason: str


class State:
    """The app's one swappable reference to what it serves, and how it is renewed."""

    def __init__(self, current: Loaded | Unavailable, *, index_dir: Path, model: str) -> None:
        self.current = current
        self.index_dir = index_dir
        self.model = model
        self.last_error: str | None = None  # why the last change did not go live
        self._refreshing = threading.Lock()  # one load at a time: a job's and the watcher's

    def wanted_build(self) -> str | None:
        """The build id `index/CURRENT` names now (a small read), or None."""
        try:
            return (self.index_dir / "CURRENT").read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def refresh(self) -> Loaded | Unavailable:
        """Serve the build `index/CURRENT` names, unless it is already served.

        Loads and warms it on this thread, then swaps it in with one
        assignment. Returns what is served afterwards.
        """
        with self._refreshing:
            serving = self.current
            wanted = self.wanted_build()
            if isinstance(serving, Loaded) and serving.build_id == wanted:
                return serving
            fresh = load(self.index_dir, self.model)
            if isinstance(fresh, Loaded):
                self.current = fresh  # the swap: requests from now on see the new build
                self.last_error = None
                logger.info("now serving build %s", fresh.build_id)
            elif isinstance(serving, Unavailable):
                self.current = fresh  # nothing to keep: the newer reason is the better one
            else:
                named = f"build {wanted}" if wanted else f"the build in {self.index_dir}"
                self.last_error = f"{named} could not be loaded, still serving {serving.build_id}: {fresh.reason}"
                logger.warning("%s", self.last_error)
            return self.current


class Watcher:
    """Polls `index/CURRENT` and refreshes the state when it changes.

    Another process (`peelqa add`, a second `peelqa serve`) may switch in a
    new build; this one notices within `interval` seconds. Each poll is one
    `stat`, on this thread, never on a request's.
    """

    def __init__(self, state: State, *, interval: float = 1.0) -> None:
        self.state = state
        self.interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peelqa-watcher", daemon=True)

    def start(self) -> Watcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=60)

    def _signature(self) -> tuple[int, int, int] | None:
        try:
            stat = os.stat(self.state.index_dir / "CURRENT")
        except OSError:
            return None
        # os.replace gives the pointer a new inode; mtime and size catch an in-place write
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def _run(self) -> None:
        seen: tuple[int, int, int] | None | bool = False  # False: not looked yet, so look once
        while not self._stopped.wait(self.interval):
            signature = self._signature()
            if signature == seen:
                continue
            seen = signature
            try:
                self.state.refresh()
            except Exception:  # noqa: BLE001 - the watcher must outlive one bad build
                logger.exception("could not refresh the index")


def load(index_dir: Path, model: str) -> Loaded | Unavailable:
    """Load the index in `index_dir`, then the encoder for `model`.

    Never raises for a missing, corrupt or mismatched index or an unloadable
    model: the service still starts and says why it cannot answer.
    """
    try:
        index = load_index(index_dir, model=model_id(model))  # before the model: fails fast
        encoder = get_encoder(model, cache_dir=model_cache_dir(index_dir))
    except (IndexError_, ModelLoadError) as error:
        logger.warning("serving without an index: %s", error)
        return Unavailable(str(error))
    logger.info("serving build %s (%d passages)", index.build_id, index.count())
    # concurrent requests share encoder passes (one batcher per encoder, for every build served)
    qa = QA(index, shared_batcher(encoder))
    qa.warm_up()  # the first request is as fast as the hundredth
    return Loaded.of(qa)


def init_app(app: Flask) -> None:
    """Load what the app serves and keep it in `app.extensions`."""
    index_dir, model = Path(app.config["PEELQA_INDEX_DIR"]), app.config["PEELQA_MODEL"]
    app.extensions[EXTENSION] = State(load(index_dir, model), index_dir=index_dir, model=model)


def state() -> State:
    """The current app's state."""
    found: State = current_app.extensions[EXTENSION]
    return found


def current() -> Loaded | Unavailable:
    """What the current app serves right now (read it once per request)."""
    return state().current


def loaded() -> Loaded:
    """The loaded index of the current app.

    Raises:
        ApiError: 503 index_unavailable, with the reason, when there is none.
    """
    serving = current()
    if isinstance(serving, Unavailable):
        raise ApiError(503, "index_unavailable", serving.reason)
    return serving
