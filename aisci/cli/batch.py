"""`aisci batch`: answer many prompts into a resumable JSON-lines run file."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from aisci.cli.app import SAMPLE, Quiet, app
from aisci.cli.app import err_console as err
from aisci.cli.progress import Reporter


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
def batch_progress(label: str = "answer prompts", quiet: bool = False):
    """Progress of a batch on stderr; yields (reporter, on_plan, notify) for `run_batch`.

    On a terminal: one live row (prompts done / total, ETA). Elsewhere (a log file): one plain line
    per finished prompt — `[3/5] 002_….txt: ok in 12.3 s (1 failed so far, about 0:25 left)`."""
    state = {"todo": 0, "done": 0, "failed": 0, "started": time.monotonic()}
    with Reporter(quiet=quiet) as reporter:
        def on_plan(todo: int, skipped: int) -> None:
            if skipped:
                reporter.note(f"{skipped} prompt(s) already in the run file: skipped")
            state.update(todo=todo, started=time.monotonic())
            if todo:
                reporter(label, 0, todo)

        def notify(outcome) -> None:
            record = outcome.record or {}
            ok = record.get("status") == "ok"
            state["done"] += 1
            state["failed"] += 0 if ok else 1
            if not reporter.tty:
                reporter.note(batch_line(state, outcome.job.path.name, ok, float(record.get("seconds") or 0.0)))
            reporter(label, state["done"], state["todo"])

        yield reporter, on_plan, notify


def batch_line(state: dict, name: str, ok: bool, seconds: float) -> str:
    """The log line of one finished prompt: position, file, outcome, failures so far, time left."""
    done, todo = state["done"], state["todo"]
    elapsed = time.monotonic() - state["started"]
    left = elapsed / done * (todo - done) if done else 0.0
    eta = f", about {int(left // 60)}:{int(left % 60):02d} left" if todo > done else ""
    failed = f", {state['failed']} failed so far" if state["failed"] else ""
    return f"[{done}/{todo}] {name}: {'ok' if ok else 'FAILED'} in {seconds:.1f} s{failed}{eta}"


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
    quiet: Quiet = False,
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
    with batch_progress(quiet=quiet) as (reporter, on_plan, notify):
        result = run_batch(jobs, settings, engine, out, concurrency=concurrency, demo=run_demo,
                           demo_image=image, retry_failed=retry_failed, notify=notify, on_plan=on_plan,
                           progress=reporter)
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
