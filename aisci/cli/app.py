"""The `aisci` Typer app that every command module adds its commands to, and its root options."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    name="aisci",
    help="A retrieval-grounded AI scientist: answers from the prompt's own papers, runs the SR model for real.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)
# What a bare `--demo` (no IMAGE after it) becomes on the command line: the bundled sample image.
SAMPLE = "sample"


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

# The `--quiet` option of every command with long steps (progress on stderr is silenced).
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Show no progress on stderr (errors still show).")]
