"""The `peelqa` command: every verb, and every refusal as one line with exit status 1."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DEV_QUESTIONS, OTHER_REPORT_ID, REPORT, REPORT_ID

from peelqa.cli import main
from peelqa.index import load


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str | Path):
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


def assert_refused(result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_index_builds_then_reports_up_to_date(runner: CliRunner, tmp_path: Path, corpus_dir: Path, encoder) -> None:
    first = invoke(runner, "index", "--quiet", "--corpus", corpus_dir, "--index", tmp_path / "index")
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("index built: build ")
    again = invoke(runner, "index", "--quiet", "--corpus", corpus_dir, "--index", tmp_path / "index")
    assert again.stdout.startswith("index up to date: build ")


def test_settings_come_from_the_environment(runner: CliRunner, tmp_path: Path, corpus_dir: Path, encoder) -> None:
    env = {"PEELQA_CORPUS_DIR": str(corpus_dir), "PEELQA_INDEX_DIR": str(tmp_path / "env-index")}
    result = runner.invoke(main, ["index", "--quiet"], env=env)
    assert result.exit_code == 0, result.output
    assert load(tmp_path / "env-index").count() > 200


def test_ask_prints_the_api_json(runner: CliRunner, index_dir: Path) -> None:
    result = invoke(runner, "ask", "What is khat?", "--json", "--top-k", "3", "--index", index_dir)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"question", "answer", "passages", "took_ms"}
    assert set(data["answer"]) >= {"text", "sentences"}
    assert len(data["passages"]) == 3
    top = data["passages"][0]
    assert set(top) >= {
        "id", "rank", "score", "text", "kind", "report", "section", "paragraph", "page", "source", "highlights", "url",
    }
    assert top["kind"] == "footnote" and "A plant native to Africa" in top["text"]
    assert top["url"] == f"/reports/{top['report']['id']}#{top['id']}"
    assert top["source"]["file"] == REPORT.name
    assert data["answer"]["sentences"][0]["passage_id"] == top["id"]


def test_ask_prints_a_readable_answer(runner: CliRunner, index_dir: Path) -> None:
    result = invoke(runner, "ask", "What are the areas for improvement?", "--index", index_dir)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Areas for improvement (8):")
    assert "[8] PEEL: Police effectiveness 2015" in result.stdout


def test_ask_takes_the_conversations_history(runner: CliRunner, index_dir: Path) -> None:
    alone = json.loads(invoke(runner, "ask", "What is khat?", "--json", "--index", index_dir).stdout)
    result = invoke(
        runner, "ask", "What is khat?", "--json", "--index", index_dir,
        "--history", "What are the areas for improvement?", "--history", "What is Operation Holcroft?",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    followed = json.loads(result.stdout)
    assert followed["resolved_question"] == "What is khat?"  # it stands alone
    assert [p["id"] for p in followed["passages"]] == [p["id"] for p in alone["passages"]]
    readable = invoke(runner, "ask", "What is khat?", "--history", "What is Operation Holcroft?", "--index", index_dir)
    assert "Understood as:" not in readable.stdout  # nothing to explain


def test_ask_prints_what_a_follow_up_was_understood_as(runner: CliRunner, index_dir: Path) -> None:
    result = invoke(
        runner, "ask", "And for serious and organised crime?", "--index", index_dir,
        "--history", "How was the force graded for protecting vulnerable people?",
    )  # fmt: skip
    first = result.stdout.splitlines()[0]
    assert first.startswith("Understood as: ") and "serious and organised crime" in first


def test_ask_refuses_a_history_the_api_would_refuse(runner: CliRunner, index_dir: Path) -> None:
    too_many = [arg for n in range(21) for arg in ("--history", f"Question {n}?")]
    result = invoke(runner, "ask", "What is khat?", "--index", index_dir, *too_many)
    assert result.exit_code == 1
    assert result.output.startswith("Error: history must be a list of at most 20 earlier questions")
    assert "Traceback" not in result.output
    result = invoke(runner, "ask", "What is khat?", "--index", index_dir, "--history", "")
    assert result.exit_code == 1 and result.output.startswith("Error: history must be")


def test_passages_prints_json_lines(runner: CliRunner, two_report_index_dir: Path) -> None:
    index = load(two_report_index_dir)
    result = invoke(runner, "passages", "--index", two_report_index_dir)
    lines = result.stdout.splitlines()
    assert len(lines) == index.count()
    first = json.loads(lines[0])
    assert set(first) >= {"id", "report_id", "kind", "text", "section", "paragraph", "page", "start", "end"}
    for report_id in (REPORT_ID, OTHER_REPORT_ID):
        only_one = invoke(runner, "passages", "--report", report_id, "--index", two_report_index_dir)
        records = [json.loads(line) for line in only_one.stdout.splitlines()]
        assert 0 < len(records) == len(index.rows_of_report[report_id]) < index.count()
        assert {r["report_id"] for r in records} == {report_id}


def test_reports_lists_reports_and_judgments(runner: CliRunner, index_dir: Path) -> None:
    result = invoke(runner, "reports", "--index", index_dir)
    assert "PEEL: Police effectiveness 2015 — Wiltshire Police (2016-02)" in result.stdout
    assert "Requires improvement" in result.stdout
    data = json.loads(invoke(runner, "reports", "--json", "--index", index_dir).stdout)
    assert data["judgments"]["How effective is the force at investigating crime and managing offenders?"] == "Good"


def test_eval_prints_the_metrics(runner: CliRunner, index_dir: Path) -> None:
    result = invoke(runner, "eval", DEV_QUESTIONS, "--index", index_dir)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("questions 25  hit@1 ")
    assert "MRR@10" in result.stdout and "list coverage 1.000" in result.stdout


def test_eval_reads_to_the_depth_asked(runner: CliRunner, index_dir: Path) -> None:
    result = invoke(runner, "eval", DEV_QUESTIONS, "--depth", "5", "--index", index_dir)
    assert result.exit_code == 0, result.output
    assert " MRR@5 " in result.stdout and "MRR@10" not in result.stdout


def test_eval_summary_prints_the_figures_and_no_question(runner: CliRunner, index_dir: Path) -> None:
    full = invoke(runner, "eval", DEV_QUESTIONS, "--index", index_dir)
    assert "  miss " in full.stdout  # the dev set has misses to show
    summary = invoke(runner, "eval", DEV_QUESTIONS, "--summary", "--index", index_dir)
    assert summary.exit_code == 0, summary.output
    assert summary.stdout.splitlines() == full.stdout.splitlines()[:1]
    both = invoke(runner, "eval", DEV_QUESTIONS, "--summary", "--json", "--index", index_dir)
    assert both.exit_code == 2 and "choose one" in both.output and "Traceback" not in both.output


def test_add_and_remove_a_report(runner: CliRunner, tmp_path: Path, corpus_dir: Path, scratch_index: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_dir, corpus)
    other = tmp_path / "PEEL Dorset 2015.txt"
    other.write_text(REPORT.read_text(encoding="utf-8").replace("Wiltshire", "Dorset"), encoding="utf-8")
    where = ["--corpus", corpus, "--index", scratch_index]
    added = invoke(runner, "add", other, "--year", "2016", *where)
    assert added.exit_code == 0, added.output
    assert added.stdout.startswith("added peel-dorset-2015.txt as peel-dorset-2015 (build ")
    index = load(scratch_index)
    assert index.reports["peel-dorset-2015"].year == 2016 and len(index.reports) == 2
    manifest = index.manifest["build"]
    assert 0 < manifest["texts_embedded"] < manifest["texts_reused"]  # only what differs is embedded

    again = invoke(runner, "add", REPORT, *where)
    assert again.exit_code == 0 and "already in the corpus; nothing to do" in again.stdout
    assert load(scratch_index).build_id == index.build_id

    removed = invoke(runner, "remove", "peel-dorset-2015", *where)
    assert removed.exit_code == 0, removed.output
    assert set(load(scratch_index).reports) == {REPORT_ID}
    assert_refused(runner.invoke(main, ["remove", "peel-dorset-2015", *map(str, where)]), "no report 'peel-dorset-2015'")


def test_refuses_a_file_that_is_not_a_report(runner: CliRunner, tmp_path: Path, corpus_dir: Path, scratch_index: Path) -> None:
    picture = tmp_path / "picture.txt"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    before = (scratch_index / "CURRENT").read_text()
    result = runner.invoke(main, ["add", str(picture), "--corpus", str(corpus_dir), "--index", str(scratch_index)])
    assert_refused(result, "picture.txt: neither a PDF nor UTF-8 text")
    assert (scratch_index / "CURRENT").read_text() == before
    assert_refused(
        runner.invoke(main, ["add", str(tmp_path / "nowhere.pdf"), "--index", str(scratch_index)]), "cannot read"
    )


def test_a_mistyped_vector_index_is_refused(runner: CliRunner, tmp_path: Path, corpus_dir: Path) -> None:
    result = runner.invoke(
        main, ["index", "--corpus", str(corpus_dir), "--index", str(tmp_path / "i")], env={"PEELQA_VECTOR_INDEX": "ivff"}
    )
    assert result.exit_code == 2 and "'ivff' is not one of 'auto', 'flat', 'ivf'" in result.output
    assert not (tmp_path / "i").exists()


def test_refuses_a_missing_corpus(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["index", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "i")])
    assert_refused(result, "corpus folder not found")


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty.txt: the file is empty"), (b"\x00\x01\x02binary", "empty.txt: this is a binary file")],
)
def test_refuses_a_bad_report_and_keeps_the_index(
    runner: CliRunner, tmp_path: Path, corpus_dir: Path, scratch_index: Path, content: bytes, message: str
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_dir, corpus)
    (corpus / "empty.txt").write_bytes(content)
    before = (scratch_index / "CURRENT").read_text()
    result = runner.invoke(main, ["index", "--quiet", "--corpus", str(corpus), "--index", str(scratch_index)])
    assert_refused(result, message)
    assert (scratch_index / "CURRENT").read_text() == before
    assert load(scratch_index).count() > 200


def test_refuses_a_corrupt_index(runner: CliRunner, scratch_index: Path) -> None:
    damaged = next((scratch_index / "builds").iterdir()) / "passages.jsonl"
    damaged.write_text("")
    result = runner.invoke(main, ["ask", "What is khat?", "--index", str(scratch_index)])
    assert_refused(result, "index file passages.jsonl in build")


def test_refuses_bad_questions(runner: CliRunner, index_dir: Path) -> None:
    assert_refused(runner.invoke(main, ["ask", "   ", "--index", str(index_dir)]), "question must be a non-empty string")
    assert_refused(
        runner.invoke(main, ["ask", "khat", "--top-k", "0", "--index", str(index_dir)]), "top_k must be an integer from 1 to 50"
    )
    assert_refused(runner.invoke(main, ["passages", "--report", "nope", "--index", str(index_dir)]), "no report 'nope'")


def test_refuses_a_malformed_questions_file(runner: CliRunner, tmp_path: Path, index_dir: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "no gold"}\n')
    assert_refused(runner.invoke(main, ["eval", str(bad), "--index", str(index_dir)]), "bad.jsonl:1: not a question")


def test_the_installed_command_prints_one_line_and_fails(tmp_path: Path) -> None:
    command = Path(sys.executable).parent / "peelqa"
    result = subprocess.run(
        [str(command), "ask", "anything", "--index", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: no index in {tmp_path}; run `peelqa index` first"
