"""`peelqa serve` as a real process: waitress on 127.0.0.1, real HTTP, a request log, a clean stop."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from peelqa.cli import main
from peelqa.embedding import DEFAULT_MODEL
from peelqa.serving import prepare_index

PEELQA = Path(sys.executable).parent / "peelqa"  # the console script of this environment
STARTUP_DEADLINE_S = 300  # generous: a shared machine may be slow to load the model or build
URL_LINE = re.compile(r"open (http://127\.0\.0\.1:\d+/)")


@dataclass
class Server:
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    url: str = ""
    reader: threading.Thread | None = None

    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: re.Pattern[str], deadline_s: float) -> re.Match[str]:
        """The first match of `pattern` in the output, waiting for it (or the process's end)."""
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            if match := pattern.search(self.output()):
                return match
            if self.process.poll() is not None:
                time.sleep(0.2)  # let the reader thread drain the pipe
                if match := pattern.search(self.output()):
                    return match
                pytest.fail(f"peelqa serve exited with {self.process.returncode}:\n{self.output()}")
            time.sleep(0.1)
        pytest.fail(f"no {pattern.pattern!r} in the output of peelqa serve:\n{self.output()}")


def start(index: Path, corpus: Path, **settings: str) -> Server:
    """Start `peelqa serve` on a free port (port 0; it announces which) and wait until healthy.

    `settings` are more environment variables, e.g. PEELQA_ADMIN_TOKEN="…".
    """
    if not PEELQA.exists():
        pytest.skip(f"no console script at {PEELQA}; install the project with `pip install -e .`")
    env = {
        **os.environ,
        "PEELQA_INDEX_DIR": str(index),
        "PEELQA_CORPUS_DIR": str(corpus),
        "PEELQA_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        **settings,
    }
    env.pop("PEELQA_MODEL", None)
    if "PEELQA_ADMIN_TOKEN" not in settings:
        env.pop("PEELQA_ADMIN_TOKEN", None)
    process = subprocess.Popen(
        [str(PEELQA), "serve", "--host", "127.0.0.1", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    server = Server(process)

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            server.lines.append(line)

    server.reader = threading.Thread(target=read, daemon=True)
    server.reader.start()
    server.url = server.wait_for(URL_LINE, STARTUP_DEADLINE_S).group(1)
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    while request(server.url + "healthz")[0] != 200:
        if time.monotonic() > deadline or process.poll() is not None:
            stop(server)
            pytest.fail(f"/healthz never answered 200:\n{server.output()}")
        time.sleep(0.2)
    return server


def stop(server: Server) -> int:
    """Stop the server as a service manager would (SIGTERM) and return its exit status."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    if server.reader is not None:
        server.reader.join(timeout=30)  # the pipe is at its end once the process is gone
    if server.process.stdout is not None:
        server.process.stdout.close()
    return server.process.returncode


@pytest.fixture
def served(scratch_index: Path, corpus_dir: Path) -> Iterator[Server]:
    server = start(scratch_index, corpus_dir)
    yield server
    stop(server)


def request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str, Any]:
    """(status, content type, parsed JSON or text) of one real HTTP request; never raises for a status."""
    message = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(message, timeout=60) as response:
            status, content_type, body = response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        status, content_type, body = error.code, error.headers["Content-Type"], error.read()
    except OSError:
        return 0, "", None  # not listening yet
    text = body.decode("utf-8")
    return status, content_type, json.loads(text) if content_type.startswith("application/json") else text


def test_serves_the_api_over_http_and_logs_each_request(served: Server) -> None:
    url = served.url
    status, content_type, health = request(url + "healthz")
    assert (status, content_type, health["status"]) == (200, "application/json", "ok")

    status, _, data = request(
        url + "api/ask",
        json.dumps({"question": "What are the areas for improvement?"}).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 200
    assert data["answer"]["kind"] == "list" and len(data["answer"]["sentences"]) == 8

    status, _, data = request(url + "api/ask?q=What+is+Operation+Holcroft%3F&top_k=2")
    assert status == 200 and len(data["passages"]) == 2

    status, _, reports = request(url + "api/reports")
    assert status == 200 and reports["reports"][0]["id"] == "peel-effectiveness-2015-wiltshire"

    status, _, error = request(url + "api/ask", b"question=hi", {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 415 and error["error"]["code"] == "unsupported_media_type"
    status, _, error = request(url + "api/nope")
    assert status == 404 and error["error"]["code"] == "not_found"

    status, content_type, page = request(url + "?q=What+is+Operation+Holcroft%3F")
    assert status == 200 and content_type.startswith("text/html")
    assert "Operation Holcroft" in page

    served.wait_for(re.compile(r"POST /api/ask 200 \d+\.\d ms"), 30)
    served.wait_for(re.compile(r"GET /api/ask 200 \d+\.\d ms"), 30)
    served.wait_for(re.compile(r"POST /api/ask 415 \d+\.\d ms"), 30)
    served.wait_for(re.compile(r"GET /api/nope 404 \d+\.\d ms"), 30)
    assert "Holcroft" not in "".join(line for line in served.lines if " ms" in line)  # questions stay out of the log

    assert stop(served) == 0
    served.wait_for(re.compile(r"stopped"), 10)
    assert "Traceback" not in served.output()


def test_builds_a_missing_index_before_serving(tmp_path: Path, corpus_dir: Path) -> None:
    index = tmp_path / "fresh-index"
    server = start(index, corpus_dir)
    try:
        assert (index / "CURRENT").is_file()
        status, _, info = request(server.url + "api/index")
        assert status == 200 and info["passages"] > 200
        assert re.search(r"built index \S+ \(\d+ passages\)", server.output())
    finally:
        assert stop(server) == 0


def test_a_missing_index_and_corpus_is_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["serve", "--port", "0", "--index", str(tmp_path / "i"), "--corpus", str(tmp_path / "c")]
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: corpus folder not found: {tmp_path / 'c'}"


def test_an_existing_index_is_served_when_the_corpus_is_gone(
    scratch_index: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before = (scratch_index / "CURRENT").read_text(encoding="utf-8")
    prepare_index(tmp_path / "no-corpus", scratch_index, DEFAULT_MODEL)
    assert (scratch_index / "CURRENT").read_text(encoding="utf-8") == before
    assert "serving the existing index without refreshing it: corpus folder not found" in caplog.text


def test_a_current_index_is_not_rebuilt(scratch_index: Path, corpus_dir: Path) -> None:
    before = (scratch_index / "CURRENT").read_text(encoding="utf-8")
    prepare_index(corpus_dir, scratch_index, DEFAULT_MODEL)
    assert (scratch_index / "CURRENT").read_text(encoding="utf-8") == before


def test_serve_options_come_from_the_settings() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for flag, env in (("--host", "PEELQA_HOST"), ("--port", "PEELQA_PORT"), ("--threads", "PEELQA_THREADS")):
        assert flag in result.output and env in result.output
    assert "127.0.0.1" in result.output and "8000" in result.output
