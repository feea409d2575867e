"""The `aisci` command line. Bad input prints one clear line and exits with status 2.

Each group of commands lives in its own module (`agent/cli_*.py`) with a `register(app)` function;
heavy imports (torch, chromadb, llama.cpp) happen inside the commands, so `aisci --help` is fast.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from prompts import AisciError

app = typer.Typer(
    name="aisci",
    help="A retrieval-grounded AI scientist: answers from the prompt's own papers, runs the SR model for real.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
prompts_app = typer.Typer(help="Read prompt files.", no_args_is_help=True)
app.add_typer(prompts_app, name="prompts")

console = Console()
err_console = Console(stderr=True)

# Command groups that live in their own modules; each has `register(app)`.
COMMAND_MODULES = [
    "agent.cli_doctor",
    "agent.cli_index",
    "agent.cli_answer",
    "agent.cli_models",
    "agent.cli_sr",
    "agent.cli_batch",
    "agent.cli_chat",
    "agent.cli_eval",
]


def _version_callback(value: bool) -> None:
    if value:
        from importlib.metadata import version

        console.print(f"aisci {version('aisci')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool | None, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version.")
    ] = None,
) -> None:
    """aisci: retrieval-grounded answers about image models."""


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


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)


_register_commands()


def _expand_optional_values(argv: list[str]) -> list[str]:
    """`--demo` takes an optional IMAGE: without one (last word, or followed by an option) it means
    the bundled sample."""
    out = []
    for i, word in enumerate(argv):
        out.append(word)
        if word == "--demo" and (i + 1 == len(argv) or argv[i + 1].startswith("-")):
            out.append("sample")
    return out


def run(argv: list[str] | None = None) -> int:
    """Run the CLI on `argv` and return the exit status (used by `main` and by tests)."""
    argv = _expand_optional_values(list(sys.argv[1:] if argv is None else argv))
    try:
        app(args=argv, prog_name="aisci", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except AisciError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    return 0


def main() -> None:
    """Console-script entry point."""
    # llama.cpp's OpenMP threads spin while waiting by default, which collapses generation speed
    # on a shared CPU; set before torch or llama_cpp load an OpenMP runtime.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    sys.exit(run())
