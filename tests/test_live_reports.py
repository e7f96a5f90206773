"""Reports added to and removed from live `peelqa serve` processes while questions keep coming.

Two real servers over one index folder: A takes the uploads (it has the
admin token), B only answers and must pick up A's builds by itself. Threads
keep asking both throughout; not one question may fail, and each thread
must see the builds in order: old, then new, never back.
"""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from conftest import REPORT, REPORT_ID
from test_server_process import Server, request, start, stop
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

TOKEN = "a-long-random-admin-token"
DORSET_FILE = "peel-effectiveness-2015-dorset.txt"
DORSET = "peel-effectiveness-2015-dorset"
AFI = "What are the areas for improvement?"
DEADLINE_S = 600  # generous: a shared 2-core machine rebuilding while answering; nothing is timed

QUESTIONS = [
    {"question": AFI},
    {"question": "What is Operation Holcroft?", "top_k": 3},
    {"question": "How was the force graded for protecting vulnerable people?"},
    {"question": AFI, "force": "Wiltshire Police"},
]


def dorset() -> bytes:
    """The shipped report about another force."""
    return REPORT.read_text(encoding="utf-8").replace("Wiltshire", "Dorset").encode("utf-8")


@dataclass
class Asker:
    """A thread asking one server question after question until stopped."""

    url: str
    answers: int = 0
    failures: list[str] = field(default_factory=list)
    builds: list[str] = field(default_factory=list)  # build ids in the order they answered, runs collapsed
    stopped: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def start(self) -> Asker:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        n = 0
        while not self.stopped.is_set():
            body = QUESTIONS[n % len(QUESTIONS)]
            n += 1
            try:
                status, _, data = request(
                    self.url + "api/ask", json.dumps(body).encode(), {"Content-Type": "application/json"}
                )
            except Exception as error:  # noqa: BLE001 - any failure counts
                self.failures.append(f"{body['question']}: {type(error).__name__}: {error}")
                continue
            if status != 200 or not data["passages"]:
                self.failures.append(f"{body['question']}: {status} {str(data)[:200]}")
                continue
            self.answers += 1
            if not self.builds or self.builds[-1] != data["build_id"]:
                self.builds.append(data["build_id"])

    def sees(self, build_id: str) -> None:
        """Wait until this thread has had an answer from `build_id`: a swap shows on its next request."""
        deadline = time.monotonic() + DEADLINE_S
        while build_id not in self.builds and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        self.stopped.set()
        assert self.thread is not None
        self.thread.join(timeout=DEADLINE_S)


def upload(server: Server, data: bytes, name: str, token: str = TOKEN, **fields: str) -> tuple[int, Any]:
    boundary, body = encode_multipart({"file": FileStorage(BytesIO(data), filename=name), **fields})
    status, _, answer = request(
        server.url + "api/reports",
        body,
        {"Content-Type": f"multipart/form-data; boundary={boundary}", "Authorization": f"Bearer {token}"},
    )
    return status, answer


def remove(server: Server, report_id: str) -> tuple[int, Any]:
    message = urllib.request.Request(
        server.url + f"api/reports/{report_id}", method="DELETE", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(message, timeout=60) as response:
        return response.status, json.loads(response.read())


def finished(server: Server, job_id: str) -> dict[str, Any]:
    """The job once it is done or failed, having seen its progress on the way."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        status, _, data = request(server.url + f"api/jobs/{job_id}")
        assert status == 200, data
        job: dict[str, Any] = data["job"]
        assert 0 <= job["progress"] <= 1
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    pytest.fail(f"job {job_id} never finished:\n{server.output()}")


def serving(server: Server, build_id: str) -> None:
    """Wait until `server` answers from `build_id` (a second server's watcher picking it up)."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        status, _, info = request(server.url + "api/index")
        if status == 200 and info["build_id"] == build_id:
            return
        time.sleep(0.2)
    pytest.fail(f"{server.url} never served build {build_id}:\n{server.output()}")


def dorset_list(server: Server) -> dict[str, Any]:
    status, _, data = request(
        server.url + "api/ask",
        json.dumps({"question": AFI, "force": "Dorset Police"}).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 200, data
    return data  # type: ignore[no-any-return]


def report_ids(server: Server) -> list[str]:
    status, _, data = request(server.url + "api/reports")
    assert status == 200
    return sorted(r["id"] for r in data["reports"])


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(REPORT, folder / REPORT.name)
    return folder


@pytest.fixture
def servers(scratch_index: Path, corpus: Path) -> Iterator[tuple[Server, Server]]:
    a = start(scratch_index, corpus, PEELQA_ADMIN_TOKEN=TOKEN)
    try:
        b = start(scratch_index, corpus)  # no token: this one only answers
    except BaseException:
        stop(a)
        raise
    yield a, b
    assert stop(b) == 0
    assert stop(a) == 0
    for server in (a, b):
        assert "Traceback" not in server.output(), server.output()


def test_reports_come_and_go_while_two_servers_keep_answering(
    servers: tuple[Server, Server], scratch_index: Path, corpus: Path
) -> None:
    a, b = servers
    old_build = request(a.url + "api/index")[2]["build_id"]
    askers = [Asker(a.url).start(), Asker(a.url).start(), Asker(b.url).start()]
    try:
        # 1. a build that fails (another process holds the build lock) changes nothing
        with (scratch_index / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            status, accepted = upload(a, dorset(), DORSET_FILE)
            assert status == 202, accepted
            failed = finished(a, accepted["job"]["id"])
            fcntl.flock(lock, fcntl.LOCK_UN)
        assert failed["state"] == "failed" and "another process is building the index" in failed["error"]
        info = request(a.url + "api/index")[2]
        assert info["build_id"] == old_build
        assert failed["id"] in info["last_error"] and "another process is building the index" in info["last_error"]
        assert report_ids(a) == [REPORT_ID] and sorted(p.name for p in corpus.iterdir()) == [REPORT.name]

        # 2. the same upload again: added, answerable on A, then on B without a restart
        status, accepted = upload(a, dorset(), DORSET_FILE)
        assert status == 202 and accepted["job"]["state"] == "queued", accepted
        added = finished(a, accepted["job"]["id"])
        assert added["state"] == "done", added
        assert added["report_id"] == DORSET and added["build_id"] != old_build
        assert report_ids(a) == sorted([REPORT_ID, DORSET])
        assert request(a.url + "api/index")[2]["last_error"] is None  # the change went live
        data = dorset_list(a)
        assert data["answer"]["kind"] == "list" and len(data["answer"]["sentences"]) == 8
        assert {p["report"]["id"] for p in data["passages"]} == {DORSET}
        assert {p["report"]["force"] for p in data["passages"]} == {"Dorset Police"}
        assert (corpus / DORSET_FILE).read_bytes() == dorset()

        serving(b, added["build_id"])
        assert report_ids(b) == sorted([REPORT_ID, DORSET])
        assert {p["report"]["id"] for p in dorset_list(b)["passages"]} == {DORSET}
        assert request(b.url + f"reports/{DORSET}/source")[2] == dorset().decode("utf-8")

        # 3. removed again, on A, then B follows
        status, accepted = remove(a, DORSET)
        assert status == 202 and accepted["job"]["report_id"] == DORSET
        removed = finished(a, accepted["job"]["id"])
        assert removed["state"] == "done", removed
        assert report_ids(a) == [REPORT_ID]
        assert dorset_list(a)["passages"] == []
        assert not (corpus / DORSET_FILE).exists()
        serving(b, removed["build_id"])
        assert report_ids(b) == [REPORT_ID]
    finally:
        for asker in askers:
            asker.stop()

    order = [old_build, added["build_id"], removed["build_id"]]
    for asker in askers:
        assert asker.failures == [], asker.failures
        assert asker.answers > 0
        # each thread saw the builds in order, never one it had left behind
        assert asker.builds == [b for b in order if b in asker.builds], asker.builds
        assert asker.builds[0] == old_build
    assert {b for asker in askers for b in asker.builds} == set(order)  # answered from each build
    b.wait_for(re.compile(r"now serving build " + removed["build_id"]), 30)
