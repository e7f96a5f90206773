"""Adding and removing reports while the service runs (DESIGN.md §4, "Adding reports").

    POST   /api/reports         multipart: file, title?, force?, year?  → 202 + job
    DELETE /api/reports/<id>                                            → 202 + job
    GET    /api/jobs/<id>                                               → the job

Both changes need `Authorization: Bearer <PEELQA_ADMIN_TOKEN>`; with no
token configured they are off (403). A request only checks and queues; the
change itself (`peelqa.library`, a rebuild) runs on the jobs' worker
thread, which then loads the new build and swaps it in (`State.refresh`).
Questions are answered from the old build all the while.
"""

from __future__ import annotations

import hmac
import math
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from ..embedding import get_encoder, model_cache_dir, model_id
from ..errors import PeelqaError, UnsupportedFile
from ..library import Change, add_report, remove_report
from ..parsing import ReportFields, sniff_suffix
from .errors import ApiError
from .jobs import Job, Jobs, Outcome, Step, Work
from .params import upload_from
from .state import EXTENSION, Loaded, State, loaded, state

__all__ = ["JOBS", "bp", "init_app", "upload_limit"]

JOBS = "peelqa.jobs"
_BUILT = 0.9  # share of a job's progress bar that is the library's work; the rest is loading

bp = Blueprint("admin", __name__)


def upload_limit(megabytes: Any) -> int:
    """The upload limit in bytes, from the PEELQA_MAX_UPLOAD_MB setting.

    Raises:
        PeelqaError: the setting is not a positive number.
    """
    try:
        value = float(megabytes)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise PeelqaError(f"PEELQA_MAX_UPLOAD_MB must be a positive number of megabytes, e.g. 50, not {megabytes!r}")
    return int(value * 1_000_000)


def _authorize() -> None:
    """Let the request through only with the admin token.

    Raises:
        ApiError: 403 uploads_disabled with no token configured, 401 unauthorized without the right one.
    """
    token: str = current_app.config.get("PEELQA_ADMIN_TOKEN") or ""
    if not token:
        raise ApiError(
            403,
            "uploads_disabled",
            "Adding and removing reports is off: start the service with PEELQA_ADMIN_TOKEN set to allow it.",
        )
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    # compare_digest takes as long for a near miss as for a wild guess
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(
            401,
            "unauthorized",
            "Send the admin token as Authorization: Bearer <token>; this one is missing or wrong.",
            headers={"WWW-Authenticate": 'Bearer realm="peelqa"'},
        )


def _jobs() -> Jobs:
    jobs: Jobs = current_app.extensions[JOBS]
    return jobs


def _corpus_dir() -> Path:
    return Path(current_app.config["PEELQA_CORPUS_DIR"])


def _accepted(job: dict[str, Any]) -> tuple[Response, int, dict[str, str]]:
    return jsonify({"job": job}), 202, {"Location": f"/api/jobs/{job['id']}"}


def _scaled(step: Step) -> Step:
    """The library's progress, drawn on the first part of the job's bar."""
    return lambda fraction, message: step(fraction * _BUILT, message)


def _go_live(served: State, change: Change, step: Step, *, listed: bool) -> Outcome:
    """Load the build a change made and check that it shows the change.

    Raises:
        PeelqaError: the new build could not be loaded; the old one still serves.
    """
    if change.changed:
        step(_BUILT, "loading the new build")
    now = served.refresh()
    if not isinstance(now, Loaded) or (change.report_id in now.qa.index.reports) != listed:
        reason = served.last_error or "the build being served does not show the change"
        raise PeelqaError(f"{change.message}, but the service could not switch to it: {reason}")
    return Outcome(change.report_id, now.build_id, change.message)


def _adding(served: State, corpus_dir: Path, data: bytes, filename: str, fields: ReportFields) -> Work:
    def work(step: Step) -> Outcome:
        change = add_report(
            data,
            filename,
            corpus_dir=corpus_dir,
            index_dir=served.index_dir,
            encoder_factory=lambda: get_encoder(served.model, cache_dir=model_cache_dir(served.index_dir)),
            model=model_id(served.model),
            fields=fields,
            progress=_scaled(step),
        )
        return _go_live(served, change, step, listed=True)

    return work


def _removing(served: State, corpus_dir: Path, report_id: str) -> Work:
    def work(step: Step) -> Outcome:
        change = remove_report(
            report_id,
            corpus_dir=corpus_dir,
            index_dir=served.index_dir,
            encoder_factory=lambda: get_encoder(served.model, cache_dir=model_cache_dir(served.index_dir)),
            model=model_id(served.model),
            progress=_scaled(step),
        )
        return _go_live(served, change, step, listed=False)

    return work


@bp.post("/api/reports")
def add() -> tuple[Response, int, dict[str, str]]:
    """Accept a report file and queue the job that adds it."""
    _authorize()
    request.max_content_length = current_app.config["PEELQA_MAX_UPLOAD_BYTES"]
    if request.mimetype != "multipart/form-data":
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send the report as multipart/form-data, the file in the field `file` (e.g. curl -F file=@report.pdf).",
        )
    upload = upload_from(request)
    form = upload.form
    try:
        sniff_suffix(form.file, upload.filename)  # refuse now, not in a job: the bytes decide
    except UnsupportedFile as error:
        message = f"{error}: send a PDF or a UTF-8 text file."
        raise ApiError(415, "unsupported_media_type", message, field="file") from None
    fields = ReportFields(title=form.title, force=form.force, year=form.year)
    work = _adding(state(), _corpus_dir(), form.file, upload.filename, fields)
    return _accepted(_jobs().submit("add", work, report_id=None, message=f"{upload.filename} is queued"))


@bp.delete("/api/reports/<report_id>")
def remove(report_id: str) -> tuple[Response, int, dict[str, str]]:
    """Queue the job that removes a report."""
    _authorize()
    if report_id not in loaded().qa.index.reports:
        raise ApiError(404, "not_found", f"There is no report {report_id!r} in the index.")
    work = _removing(state(), _corpus_dir(), report_id)
    return _accepted(_jobs().submit("remove", work, report_id=report_id, message=f"removing {report_id} is queued"))


@bp.get("/api/jobs/<job_id>")
def job(job_id: str) -> Response:
    """The state and progress of an add or remove job."""
    found = _jobs().get(job_id)
    if found is None:
        raise ApiError(404, "not_found", f"There is no job {job_id!r} (jobs are kept in memory, the last few hundred).")
    return jsonify({"job": found})


def init_app(app: Flask) -> None:
    """Read the upload settings and give the app its jobs' queue (its thread starts with the first job)."""
    app.config["PEELQA_MAX_UPLOAD_BYTES"] = upload_limit(app.config["PEELQA_MAX_UPLOAD_MB"])

    def remember(job: Job) -> None:
        served: State = app.extensions[EXTENSION]
        served.last_error = f"{job.action} job {job.id} failed: {job.error}"

    app.extensions[JOBS] = Jobs(on_failure=remember)
    app.register_blueprint(bp)
