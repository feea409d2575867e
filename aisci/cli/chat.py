"""`aisci chat`: a multi-turn session grounded in one prompt's sources."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from aisci.cli.app import Quiet, app
from aisci.cli.app import err_console as err
from aisci.cli.progress import Reporter


def _stdin_lines(interactive: bool) -> Iterator[str]:
    """Lines typed by the user (with a prompt on a terminal) or piped in."""
    if interactive:
        while True:
            try:
                yield input("you> ")
            except EOFError:
                print()
                return
    else:
        for line in sys.stdin:
            yield line.rstrip("\r\n")


@app.command()
def chat(
    file: Annotated[Path, typer.Argument(help="A prompt file: the session is grounded in its sources.")],
    message: Annotated[
        list[str] | None,
        typer.Option("--message", "-m", help="A turn (repeatable); without it, turns are read from stdin."),
    ] = None,
    backend: Annotated[str, typer.Option(help="auto | openai | local | extractive")] = "",
    save: Annotated[Path | None, typer.Option(help="Save the transcript (PATH.json and PATH.md) at the end.")] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Use no network.")] = False,
    quiet: Quiet = False,
) -> None:
    """Chat about a prompt's models and papers: each turn is retrieved, cited and guarded.

    Commands: /sources, /evidence, /demo [IMAGE], /save PATH, /help, /quit."""
    from agent.backends.selection import select_backend
    from agent.sessions.chat import HELP, ChatSession
    from agent.settings import get_settings
    from prompts import load

    prompt = load(file)
    settings = get_settings(offline=True if offline else None)
    engine, reason = select_backend(settings, backend or None)
    err.print(f"backend: {engine.name} ({reason})")
    session = ChatSession(prompt, settings, engine)
    interactive = not message and sys.stdin.isatty()
    if interactive:
        err.print(f"Chat about: {prompt.question}\n{HELP}", markup=False, highlight=False)
    try:
        for line in message or _stdin_lines(interactive):
            if message:
                print(f"you> {line}")
            with Reporter(quiet=quiet) as progress:  # the rows of one turn, gone before the reply prints
                output = session.handle(line, progress)
            if output:
                print(output, flush=True)
                print()
            if session.closed:
                break
    finally:  # Ctrl-C too: the history asked for is saved
        if save is not None:
            json_path, md_path = session.save(save)
            err.print(f"saved the transcript to {json_path} and {md_path}", markup=False, highlight=False)
