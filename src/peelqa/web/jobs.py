"""Changes to the reports, run one at a time on one worker thread of the service.

An upload or a removal returns at once with a job; the worker runs it (a
rebuild takes seconds) while the request threads keep answering questions.
A job's state moves queued → running → done or failed, with its progress
and a message a person can read; `GET /api/jobs/<id>` shows it. Jobs live
in this process's memory: the last `KEPT` of them.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from ..errors import PeelqaError

__all__ = ["KEPT", "Job", "JobState", "Jobs", "Outcome", "Step", "Work"]

logger = logging.getLogger(__name__)

KEPT = 200  # finished jobs remembered, oldest forgotten first

# step(fraction done, what is happening now), called by a job's work as it goes
Step = Callable[[float, str], None]


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    """What a job's work did, once it is live."""

    report_id: str
    build_id: str | None
    message: str


# the work of a job: does the change, reporting steps; raises PeelqaError to fail with its message
Work = Callable[[Step], Outcome]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    """One add or remove and how far it has got (changed only under `Jobs`' lock)."""

    id: str
    action: str  # "add" or "remove"
    report_id: str | None
    message: str
    state: JobState = JobState.QUEUED
    progress: float = 0.0
    build_id: str | None = None
    error: str | None = None
    created_at: str = field(default_factory=_now)
    finished_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "report_id": self.report_id,
            "message": self.message,
            "progress": round(self.progress, 3),
            "action": self.action,
            "build_id": self.build_id,
            "error": self.error,
            "created_at": self.created_at,
            "finished_at": self.finished_at,
        }


class Jobs:
    """A queue of jobs and the one thread that runs them, started on the first job.

    `on_failure(job)` is called on the worker when a job fails, so the
    service can say why beside the index it still serves.
    """

    def __init__(self, on_failure: Callable[[Job], None] | None = None) -> None:
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[Job, Work]] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._on_failure = on_failure

    def submit(self, action: str, work: Work, *, report_id: str | None, message: str) -> dict[str, Any]:
        """Queue `work` and return its job as JSON, `queued`."""
        job = Job(id=secrets.token_hex(8), action=action, report_id=report_id, message=message)
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="peelqa-jobs", daemon=True)
                self._worker.start()
            snapshot = job.to_json()
        self._queue.put((job, work))
        return snapshot

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job as JSON, or None when there is no such job (or it was forgotten)."""
        with self._lock:
            job = self._jobs.get(job_id)
            return job.to_json() if job is not None else None

    def _forget_old(self) -> None:
        finished = [j.id for j in self._jobs.values() if j.state in (JobState.DONE, JobState.FAILED)]
        for job_id in finished[: max(0, len(self._jobs) - KEPT)]:
            del self._jobs[job_id]

    def _update(self, job: Job, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(job, name, value)

    def _run(self) -> None:
        while True:
            job, work = self._queue.get()
            self._update(job, state=JobState.RUNNING, message="starting")

            def step(fraction: float, message: str, job: Job = job) -> None:
                self._update(job, progress=min(max(fraction, 0.0), 1.0), message=message)

            try:
                outcome = work(step)
            except PeelqaError as error:
                self._fail(job, str(error))
            except Exception as error:  # noqa: BLE001 - the worker must survive any job
                logger.exception("job %s (%s) failed unexpectedly", job.id, job.action)
                self._fail(job, f"unexpected error: {type(error).__name__}: {error}")
            else:
                self._update(
                    job,
                    state=JobState.DONE,
                    progress=1.0,
                    report_id=outcome.report_id,
                    build_id=outcome.build_id,
                    message=outcome.message,
                    finished_at=_now(),
                )
                logger.info("job %s done: %s", job.id, outcome.message)

    def _fail(self, job: Job, reason: str) -> None:
        self._update(job, state=JobState.FAILED, error=reason, message=reason, finished_at=_now())
        logger.warning("job %s (%s) failed: %s", job.id, job.action, reason)
        if self._on_failure is not None:
            self._on_failure(job)
