"""`aisci batch`: answer many prompts into a resumable JSON-lines run file."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from aisci.cli.app import SAMPLE, app
from aisci.cli.app import err_console as err


def demo_choice(value: str | None) -> tuple[bool, Path | None]:
    """(run the demo?, image) from the `--demo [IMAGE]` option (bare `--demo` means the sample)."""
    from agent.sessions.batch import BatchError

    if value is None:
        return False, None
    if value in ("", SAMPLE):
        return True, None
    image = Path(value)
    if image.is_dir() or image.suffix.lower() == ".txt":
        raise BatchError(f"--demo {value}: expected an image file; put the prompt files before --demo")
    return True, image


@contextlib.contextmanager
def batch_progress(label: str = "answering"):
    """A rich progress bar on stderr; yields (on_plan, notify) callbacks for `run_batch`."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TextColumn("{task.fields[last]}"), console=err, transient=False)
    state: dict = {}

    def on_plan(todo: int, skipped: int) -> None:
        if skipped:
            err.print(f"{skipped} prompt(s) already in the run file: skipped")
        state["task"] = progress.add_task(label, total=todo, last="")

    def notify(outcome) -> None:
        record = outcome.record or {}
        mark = "ok" if record.get("status") == "ok" else "FAILED"
        progress.update(state["task"], advance=1, last=f"{outcome.job.path.name}: {mark}")

    with progress:
        yield on_plan, notify


def summary_table(result) -> Table:
    """One row per prompt: file, status (and whether it was answered now), seconds, citations,
    links, warnings. Errors are printed below the table, in full."""
    table = Table(title=f"{len(result.outcomes)} prompts → {result.run_path}")
    table.add_column("file", overflow="fold", min_width=12)
    for column in ("status", "when", "s", "cites", "links", "warn"):
        table.add_column(column, no_wrap=True)
    for outcome in result.outcomes:
        record = outcome.record or {}
        ok = record.get("status") == "ok"
        when = {"done earlier": "earlier", "duplicate": "duplicate"}.get(outcome.skipped or "", "now")
        counts = [str(len(record.get(key, []))) if ok else "-" for key in ("citations", "links", "warnings")]
        table.add_row(outcome.job.path.name, record.get("status", "-"), when, f"{record.get('seconds', 0):.1f}",
                      *counts)
    return table


def error_lines(result) -> list[str]:
    """`file: error` for every failed prompt."""
    lines = []
    for outcome in result.failed:
        error = str(outcome.record.get("error"))
        lines.append(error if str(outcome.job.path) in error else f"{outcome.job.path}: {error}")
    return lines


@app.command()
def batch(
    inputs: Annotated[list[Path], typer.Argument(help="Prompt files, or folders of *.txt prompt files.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The JSON-lines run file (created or resumed).")],
    backend: Annotated[str, typer.Option(help="auto | openai | local | extractive")] = "",
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Prompts answered at once (threads).")] = 1,
    demo: Annotated[
        str | None,
        typer.Option(help="Also run each prompt's model on IMAGE (the bundled sample without a value)."),
    ] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Use no network.")] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Answer again the prompts whose earlier line is an error.")
    ] = False,
) -> None:
    """Answer many prompts into RUN.jsonl (one line each); re-running resumes where it stopped."""
    from agent.backends.selection import select_backend
    from agent.sessions.batch import discover, run_batch
    from agent.settings import get_settings

    run_demo, image = demo_choice(demo)
    jobs = discover(inputs)
    settings = get_settings(offline=True if offline else None)
    engine, reason = select_backend(settings, backend or None)
    err.print(f"backend: {engine.name} ({reason}); {len(jobs)} prompt file(s); run file {out}")
    with batch_progress() as (on_plan, notify):
        result = run_batch(jobs, settings, engine, out, concurrency=concurrency, demo=run_demo,
                           demo_image=image, retry_failed=retry_failed, notify=notify, on_plan=on_plan)
    if result.dropped_lines:
        err.print(f"[yellow]warning:[/yellow] set aside {result.dropped_lines} broken line(s) of an earlier "
                  f"crash in {out}.dropped")
    Console().print(summary_table(result))
    for line in error_lines(result):
        err.print(f"failed: {line}", markup=False, highlight=False, soft_wrap=True)
    failed = len(result.failed)
    Console().print(f"batch: {len(result.outcomes)} prompts, {len(result.answered)} answered now, "
                    f"{failed} failed, {result.seconds:.1f} s", markup=False, highlight=False)
    if failed:
        raise typer.Exit(1)
