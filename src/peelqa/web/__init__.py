"""The peelqa web service: a Flask app factory, the JSON API and the chat page.

    from peelqa.web import create_app
    app = create_app({"PEELQA_INDEX_DIR": "index"})

Importing this package loads no model and no index; `create_app` does, once.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from ..settings import setting

__all__ = ["MAX_BODY_BYTES", "create_app", "watch"]

MAX_BODY_BYTES = 1_000_000  # a question is at most 1,000 characters; nothing needs more


def _defaults() -> dict[str, Any]:
    """Settings from the environment (the settings table), before any override."""
    config: dict[str, Any] = {"MAX_CONTENT_LENGTH": MAX_BODY_BYTES}
    for name in ("corpus", "index", "model", "admin_token", "max_upload_mb"):
        item = setting(name)
        config[item.env] = os.environ.get(item.env, item.default)
    return config


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app: settings from PEELQA_* variables, then `test_config`, then load.

    The index and the encoder are loaded here, once; when the index cannot
    be loaded the app still starts and answers 503 with the reason.
    """
    # Imported here, not at the top: `import peelqa.web` stays cheap (no
    # faiss, no bm25s) for tools that only need the package's names.
    from . import admin, api, errors, headers, state, ui

    app = Flask(__name__)
    app.config.from_mapping(_defaults())
    if test_config:
        app.config.from_mapping(test_config)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the contract's field order
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    errors.init_app(app)
    headers.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(ui.bp)
    admin.init_app(app)  # first: a bad upload limit fails before the index loads
    state.init_app(app)
    # Compile the templates and read the OpenAPI document now, so the first
    # request costs what the hundredth does.
    for name in ("base.html", "_answer.html", "_chart.html", "_exchange.html", "chat.html", "report.html", "reports.html", "error.html"):
        app.jinja_env.get_template(name)
    api.openapi_document()
    return app


def watch(app: Flask, *, interval: float = 1.0) -> Any:
    """Start a thread that switches `app` to any new build in its index folder; `.stop()` it.

    `peelqa serve` runs one, so builds made by another process (`peelqa
    add`, another server's upload) are served without a restart.
    """
    from .state import EXTENSION, Watcher

    return Watcher(app.extensions[EXTENSION], interval=interval).start()
