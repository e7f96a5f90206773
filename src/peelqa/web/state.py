"""What the app serves from: the loaded index and encoder, swappable at once.

`create_app` loads the index and the encoder once per process and keeps them
in `app.extensions["peelqa"]`, a `State` whose `current` attribute is either
`Loaded` or `Unavailable`. Requests read `current` once and use that object
throughout, so replacing it (a rebuild switched in) is a single attribute
assignment that no request can observe half done.
"""

from __future__ import annotations

import logging
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

__all__ = ["EXTENSION", "Loaded", "State", "Unavailable", "current", "init_app", "load", "loaded"]

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
        result = self.qa.ask(params.question, top_k=params.top_k, filters=params.filters)
        return ask_json(result, self.qa.index)


@dataclass(frozen=True)
class Unavailable:
    """Why nothing can be answered (the index is missing, corrupt or for another model)."""

    reason: str


class State:
    """The app's one swappable reference to what it serves."""

    def __init__(self, current: Loaded | Unavailable) -> None:
        self.current = current


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
    app.extensions[EXTENSION] = State(load(Path(app.config["PEELQA_INDEX_DIR"]), app.config["PEELQA_MODEL"]))


def current() -> Loaded | Unavailable:
    """What the current app serves right now."""
    state: State = current_app.extensions[EXTENSION]
    return state.current


def loaded() -> Loaded:
    """The loaded index of the current app.

    Raises:
        ApiError: 503 index_unavailable, with the reason, when there is none.
    """
    serving = current()
    if isinstance(serving, Unavailable):
        raise ApiError(503, "index_unavailable", serving.reason)
    return serving
