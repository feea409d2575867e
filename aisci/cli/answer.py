"""`aisci answer`: the main job — a held-to-context answer to one prompt, optionally with a demo."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from aisci.cli.app import SAMPLE, Quiet, app
from aisci.cli.app import err_console as err
from aisci.cli.progress import Reporter
from prompts import AisciError
from prompts.files import atomic_write_text


def write_outputs(out_dir: Path, markdown: str, document: dict) -> tuple[Path, Path]:
    """Write answer.md and answer.json atomically into `out_dir`."""
    paths = (out_dir / "answer.md", out_dir / "answer.json")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for path, text in zip(paths, (markdown, json.dumps(document, indent=2, ensure_ascii=False)), strict=True):
            atomic_write_text(path, text)
    except OSError as exc:
        raise AisciError(f"--out {out_dir}: cannot write the answer there ({exc.strerror or exc})") from None
    return paths


@app.command()
def answer(
    file: Annotated[Path, typer.Argument(help="A prompt file.")],
    backend: Annotated[str, typer.Option(help="auto | openai | local | extractive")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    out: Annotated[Path | None, typer.Option(help="Write answer.md/answer.json (and demo files) here.")] = None,
    demo: Annotated[
        str | None,
        typer.Option(help="Run the recommended model on IMAGE (or on the bundled sample when given without a value)."),
    ] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Use no network.")] = False,
    quiet: Quiet = False,
) -> None:
    """Answer a prompt's three parts from its own papers (and run the model with --demo).

    On a terminal each part is printed as soon as it is written (and guarded); --json, --out and a
    pipe get the whole document at the end."""
    from agent.answer.compose import answer_prompt, run_demo
    from agent.answer.render import demo_lines, markdown_pieces, to_json, to_markdown
    from agent.backends.selection import select_backend
    from agent.settings import get_settings
    from prompts import load

    prompt = load(file)
    settings = get_settings(offline=True if offline else None)
    engine, reason = select_backend(settings, backend or None)
    err.print(f"backend: {engine.name} ({reason})", markup=False, highlight=False)
    stream = not as_json and sys.stdout.isatty()
    with Reporter(quiet=quiet) as progress:
        def show(part: str, partial) -> None:
            progress.out(markdown_pieces(partial, prompt)[part])

        result = answer_prompt(prompt, settings, engine, progress=progress, on_part=show if stream else None)
        out_dir = out or settings.output_dir / prompt.id
        if demo is not None:
            image = None if demo in ("", SAMPLE) else Path(demo)
            progress("run the demo")
            result = run_demo(result, settings, image, out_dir / "demo", progress=progress)
    markdown = to_markdown(result, prompt)
    document = to_json(result, prompt)
    if out is not None or demo is not None:
        md_path, _ = write_outputs(out_dir, markdown, document)
        err.print(f"wrote {md_path} and answer.json", markup=False, highlight=False)
    if stream:
        if result.demo:  # the demo ran after part 2 was shown
            print("\n".join(demo_lines(result.demo)))
    else:
        print(json.dumps(document, indent=2, ensure_ascii=False) if as_json else markdown)
