"""The `peelqa` command: build the index, ask questions, inspect, evaluate, serve."""

from __future__ import annotations

import functools
import json
import logging
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .errors import PeelqaError
from .settings import SETTINGS, setting

__all__ = ["main"]

logger = logging.getLogger(__name__)


class _Group(click.Group):
    """Turns peelqa's own errors into one line on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PeelqaError as error:
            raise click.ClickException(str(error)) from None


def _option(name: str, **extra: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    item = setting(name)
    assert item.flag is not None
    if item.choices and "type" not in extra:
        extra["type"] = click.Choice(item.choices, case_sensitive=False)
    return click.option(
        item.flag,
        name,
        envvar=item.env,
        default=item.default,
        show_default=True,
        show_envvar=True,
        help=item.help,
        **extra,
    )


def _locations(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Options for the folders and model a command uses: "corpus", "index", "model"."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for name in reversed(names):
            func = _option(name, type=str if name == "model" else click.Path(path_type=Path))(func)
        return func

    return decorate


def _configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    # the handler filters too: some libraries lower their own loggers' levels
    handler.setLevel(getattr(logging, level.upper(), logging.INFO))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=handler.level, handlers=[handler], force=True)
    # third-party chatter that says nothing to a peelqa user
    for noisy in ("sentence_transformers", "transformers", "faiss", "bm25s", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@_option("log_level")
def main(log_level: str) -> None:
    """Ask plain-English questions of police inspection reports."""
    _configure_logging(log_level)


def _encoder_factory(model: str, index_dir: Path) -> Callable[[], Any]:
    def create() -> Any:
        from .embedding import get_encoder, model_cache_dir

        return get_encoder(model, cache_dir=model_cache_dir(index_dir))

    return create


def _open_qa(index_dir: Path, model: str) -> Any:
    from .embedding import get_encoder, model_cache_dir, model_id
    from .index import load
    from .qa import QA

    index = load(index_dir, model=model_id(model))  # fails fast, before the model loads
    return QA(index, get_encoder(model, cache_dir=model_cache_dir(index_dir)))


@main.command("index")
@_locations("corpus", "index", "model")
@_option("vector_index")
@click.option("--force", is_flag=True, help="Rebuild even when the current build is up to date.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def index_command(corpus: Path, index: Path, model: str, vector_index: str, force: bool, quiet: bool) -> None:
    """Build or refresh the index from the corpus folder."""
    from .embedding import model_id
    from .index import build
    from .kinds import VectorIndexKind

    result = build(
        corpus,
        index,
        _encoder_factory(model, index),
        model=model_id(model),
        force=force,
        progress=not quiet,
        vector_index=VectorIndexKind(vector_index.lower()),
    )
    counts = result.manifest["counts"]
    state = "built" if result.built else "up to date"
    click.echo(
        f"index {state}: build {result.build_id}, {counts['passages']} passages "
        f"from {counts['reports']} report(s), model {result.manifest['model']}"
    )


@main.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--title", help="The report's title, instead of its cover's (one file only).")
@click.option("--force", "force_name", help="The force the report is about, e.g. 'Dorset Police'.")
@click.option("--year", type=click.IntRange(1900, 2100), help="The report's inspection year.")
@_locations("corpus", "index", "model")
def add_command(
    files: tuple[Path, ...], title: str | None, force_name: str | None, year: int | None, corpus: Path, index: Path, model: str
) -> None:
    """Copy report FILES (PDF or text) into the corpus and update the index."""
    from .embedding import model_id
    from .library import add_report
    from .parsing import ReportFields

    if title is not None and len(files) > 1:
        raise PeelqaError("--title names one report; add the files one at a time")
    fields = ReportFields(title=title, force=force_name, year=year)
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise PeelqaError(f"cannot read {path}: {error.strerror}") from None
        change = add_report(
            data, path.name, corpus_dir=corpus, index_dir=index, encoder_factory=_encoder_factory(model, index),
            model=model_id(model), fields=fields,
        )
        click.echo(change.message + (f" (build {change.build_id})" if change.build_id else ""))


@main.command("remove")
@click.argument("report_id")
@_locations("corpus", "index", "model")
def remove_command(report_id: str, corpus: Path, index: Path, model: str) -> None:
    """Remove report REPORT_ID from the corpus and the index."""
    from .embedding import model_id
    from .library import remove_report

    change = remove_report(
        report_id, corpus_dir=corpus, index_dir=index, encoder_factory=_encoder_factory(model, index), model=model_id(model)
    )
    click.echo(f"{change.message} (build {change.build_id})")


def _filters(report: tuple[str, ...], force_name: str | None, year: int | None) -> Any:
    from .retrieval import Filters

    return Filters(reports=report, force=force_name, year=year)


def _print_result(data: dict[str, Any]) -> None:
    from .contract import understood_as

    wrap = functools.partial(textwrap.fill, width=100, subsequent_indent="    ")
    understood = understood_as(data)
    if understood:
        click.echo(f"Understood as: {understood}\n")
    click.echo(data["answer"]["text"])
    click.echo("")
    for passage in data["passages"]:
        where = " › ".join(passage["section"]) or passage["report"]["title"]
        page = f"p. {passage['page']}, " if passage["page"] else ""
        click.echo(
            f"[{passage['rank']}] {passage['report']['title']} — {where} "
            f"({page}¶{passage['paragraph']}) score {passage['score']:.4f}"
        )
        click.echo(wrap("    " + passage["text"]))
        click.echo(f"    {passage['url']}")
    click.echo(f"\n({data['took_ms']:.1f} ms)")


@main.command("ask")
@click.argument("question")
@click.option("--top-k", type=int, default=5, show_default=True, help="Passages to return (1–50).")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of POST /api/ask.")
@click.option("--report", multiple=True, help="Only this report id (repeatable).")
@click.option("--force-name", help="Only reports about this force, e.g. 'Wiltshire Police'.")
@click.option("--year", type=int, help="Only reports of this inspection year.")
@click.option(
    "--history",
    multiple=True,
    help="An earlier question of the same conversation (repeatable, oldest first), so that a follow-up "
    "such as 'And for investigation?' is understood.",
)
@_locations("index", "model")
def ask_command(
    question: str,
    top_k: int,
    as_json: bool,
    report: tuple[str, ...],
    force_name: str | None,
    year: int | None,
    history: tuple[str, ...],
    index: Path,
    model: str,
) -> None:
    """Answer QUESTION from the current index, with citations."""
    from .contract import ask_json
    from .requests import AskBody, validate

    if history:  # the API's rules and messages: at most 20, none blank or too long
        validate(AskBody, {"question": question, "history": list(history)})
    qa = _open_qa(index, model)
    result = qa.ask(question, top_k=top_k, filters=_filters(report, force_name, year), history=history)
    data = ask_json(result, qa.index)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_result(data)


@main.command("passages")
@click.option("--report", "report_id", help="Only the passages of this report id.")
@_locations("index")
def passages_command(report_id: str | None, index: Path) -> None:
    """Print the current index's passages as JSON lines, one Passage each."""
    from .index import load

    loaded = load(index)
    if report_id is not None and report_id not in loaded.reports:
        raise PeelqaError(f"no report {report_id!r} in the index (see `peelqa reports`)")
    for passage in loaded.passages:
        if report_id is None or passage.report_id == report_id:
            click.echo(json.dumps(passage.to_dict(), ensure_ascii=False))


@main.command("reports")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per report.")
@_locations("index")
def reports_command(as_json: bool, index: Path) -> None:
    """List the reports in the current index."""
    from .contract import report_json
    from .index import load

    loaded = load(index)
    for report in loaded.reports.values():
        data = report_json(report, loaded)
        if as_json:
            click.echo(json.dumps(data, ensure_ascii=False))
            continue
        click.echo(f"{data['id']}  {data['title']} — {data['force']} ({data['published'] or data['year']}), {data['passages']} passages")
        for question, grade in data["judgments"].items():
            click.echo(f"    {grade:<22} {question}")


@main.command("eval")
@click.argument("questions_file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the full results as JSON.")
@click.option("--depth", type=click.IntRange(1, 50), default=10, show_default=True, help="Ranks read (MRR@depth).")
@click.option(
    "--summary",
    "summary_only",
    is_flag=True,
    help="Print the figures only, never a question: for a set that must stay unread.",
)
@_locations("index", "model")
def eval_command(questions_file: Path, as_json: bool, depth: int, summary_only: bool, index: Path, model: str) -> None:
    """Measure hit@1, hit@5, MRR@depth and list coverage on a questions file."""
    from .evaluation import evaluate, load_questions

    if as_json and summary_only:
        raise click.UsageError("--json prints every question; --summary prints none: choose one")
    questions = load_questions(questions_file)
    qa = _open_qa(index, model)
    report = evaluate(qa, questions, depth=depth)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(summary_line(report))
    if summary_only:
        return
    for miss in report["misses"]:
        click.echo(f"  miss {miss_line(miss)}")


def _figure(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def summary_line(report: dict[str, Any]) -> str:
    """One line of an evaluation's figures, as `peelqa eval` prints them."""
    depth = report["depth"]
    line = (
        f"questions {report['questions']}  hit@1 {_figure(report['hit@1'])}  hit@5 {_figure(report['hit@5'])}  "
        f"MRR@{depth} {_figure(report[f'mrr@{depth}'])}  list coverage {_figure(report['list_coverage'])}  "
        f"answer hit {_figure(report['answer_hit'])}"
    )
    if report["list_precision"] is not None:
        line += f"  list precision {_figure(report['list_precision'])}"
    if report["unanswerable"]:
        refused = round(report["refused"] * report["unanswerable"])
        line += f"  unanswerable refused {refused}/{report['unanswerable']}"
    wrongly = round((report["wrongly_refused"] or 0) * report["answerable"])
    return line + f"  answerable refused {wrongly}/{report['answerable']}"


def miss_line(miss: dict[str, Any]) -> str:
    """Why one question counts as a miss."""
    question = miss["question"]
    if miss.get("resolved") and miss["resolved"] != question:  # a follow-up: what it was read as
        question += f" (understood as: {miss['resolved']})"
    if "rank" not in miss:
        return f"{miss['id']} answered, but nothing should: {question}"
    extra = f" missing {miss['missing_items']}" if miss.get("missing_items") else ""
    extra += f" extra {miss['extra_items']}" if miss.get("extra_items") else ""
    extra += " (said not found)" if not miss["found"] else ""
    return f"{miss['id']} rank={miss['rank']}{extra}: {question}"


def _code(value: str | None) -> str:
    return f"`{value}`" if value else "(none)"


def settings_table() -> str:
    """The settings as a Markdown table (the README carries this)."""
    rows = ["| flag | environment variable | default | meaning |", "|---|---|---|---|"]
    rows += [f"| {_code(s.flag)} | `{s.env}` | {_code(s.default)} | {s.help} |" for s in SETTINGS]
    return "\n".join(rows)


@main.command("serve")
@_option("host")
@_option("port", type=click.IntRange(0, 65535))
@_option("threads", type=click.IntRange(1, 256))
@_locations("corpus", "index", "model")
def serve_command(host: str, port: int, threads: int, corpus: Path, index: Path, model: str) -> None:
    """Serve the chat page and the JSON API (waitress), building the index first if needed."""
    from .serving import serve

    serve(
        corpus_dir=corpus,
        index_dir=index,
        model=model,
        host=host,
        port=port,
        threads=threads,
        announce=click.echo,
    )
