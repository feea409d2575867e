"""`aisci prompts list|show`: read prompt files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from aisci.cli.app import app, console, err_console

prompts_app = typer.Typer(help="Read prompt files.", no_args_is_help=True)
app.add_typer(prompts_app, name="prompts")


@prompts_app.command("list")
def prompts_list(
    directory: Annotated[Path | None, typer.Argument(help="Folder of prompt files (default: the bundled set).")] = None,
) -> None:
    """List the prompts of a folder: id, question, models, papers."""
    from prompts import bundled_set_dir, load_set

    prompts = load_set(directory or bundled_set_dir())
    table = Table(title=f"{len(prompts)} prompts")
    table.add_column("file", no_wrap=True)
    table.add_column("id", no_wrap=True)
    table.add_column("question", overflow="fold", min_width=30)
    table.add_column("models", overflow="fold")
    table.add_column("papers", justify="right")
    for p in prompts:
        table.add_row(Path(p.path).name, p.id, p.question, ", ".join(m.name for m in p.models), str(len(p.papers)))
    Console().print(table)  # a fresh console: honours COLUMNS set after import


@prompts_app.command("show")
def prompts_show(
    file: Annotated[Path, typer.Argument(help="A prompt file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one parsed prompt: question, models, papers, allowed links."""
    from prompts import load

    prompt = load(file)
    if as_json:
        data = prompt.model_dump(mode="json")
        data["allowed_links"] = sorted(prompt.allowed_links())
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    console.print(f"[bold]{prompt.path}[/bold]  id {prompt.id}")
    console.print(f"[bold]Question:[/bold] {prompt.question}")
    table = Table(title="Recommended models")
    for column in ("name", "paper", "github"):
        table.add_column(column, overflow="fold")
    for m in prompt.models:
        table.add_row(m.name, m.paper_url, m.github_url or "-")
    console.print(table)
    table = Table(title="Related papers")
    for column in ("title", "paper", "github", "summary"):
        table.add_column(column, overflow="fold")
    for p in prompt.papers:
        table.add_row(p.title, p.paper_url, p.github_url or "-", "yes" if p.summary else "no")
    console.print(table)
    for warning in prompt.warnings:
        err_console.print(f"[yellow]warning:[/yellow] {warning}")
