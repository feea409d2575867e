"""`aisci eval`: score answers (a batch file, or prompts answered now) without any hosted model.

The one place the agent layer imports `evals` (lazily, inside the command).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aisci.cli.app import Quiet, app
from aisci.cli.app import err_console as err


@app.command("eval")
def eval_command(
    inputs: Annotated[
        list[str],
        typer.Argument(help="A run file (RUN.jsonl from `aisci batch`), or prompt files / folders to answer now."),
    ],
    backend: Annotated[str, typer.Option(help="auto | openai | local | extractive (when answering prompts)")] = "",
    report: Annotated[Path | None, typer.Option(help="Write report.md, report.json (and run.jsonl) here.")] = None,
    fail_under: Annotated[
        list[str] | None,
        typer.Option("--fail-under", help="METRIC=VALUE: exit 1 when the aggregate is below (repeatable; "
                     "several may follow one --fail-under)."),
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Prompts answered at once (threads).")] = 1,
    offline: Annotated[bool, typer.Option("--offline", help="Use no network.")] = False,
    quiet: Quiet = False,
) -> None:
    """Evaluate answers: structure, links, citations, support, outside knowledge, refusal, demo, cost."""
    from agent.settings import get_settings
    from aisci.cli.batch import batch_progress
    from evals.report import write_report
    from evals.runner import aggregate_line, check_thresholds, evaluate, split_threshold_args

    paths, thresholds = split_threshold_args(inputs, fail_under or [])
    settings = get_settings(offline=True if offline else None)
    report_dir = report or settings.output_dir / "eval"
    with batch_progress("evaluate prompts", quiet=quiet) as (reporter, on_plan, notify):
        result = evaluate(paths, settings, backend or None, report_dir, concurrency=concurrency,
                          on_plan=on_plan, notify=notify, log=reporter.note, progress=reporter)
    md_path, json_path = write_report(result, report_dir)
    err.print(f"wrote {md_path} and {json_path}", markup=False, highlight=False)
    print(aggregate_line(result.aggregate), flush=True)
    failures = check_thresholds(result.aggregate, thresholds)
    for line in failures:
        err.print(f"fail-under: {line}", markup=False, highlight=False)
    if failures or result.aggregate["errors"]:
        raise typer.Exit(1)
