"""`aisci answer`: the main job — a held-to-context answer to one prompt, optionally with a demo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from agent.runfile import atomic_write_text
from prompts import AisciError

err = Console(stderr=True)
SAMPLE = "sample"


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


def register(app: typer.Typer) -> None:
    """Add `aisci answer`."""

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
    ) -> None:
        """Answer a prompt's three parts from its own papers (and run the model with --demo)."""
        from agent.compose import answer_prompt, run_demo
        from agent.llm import select_backend
        from agent.render import to_json, to_markdown
        from agent.settings import get_settings
        from prompts import load

        prompt = load(file)
        settings = get_settings(offline=True if offline else None)
        engine, reason = select_backend(settings, backend or None)
        err.print(f"backend: {engine.name} ({reason})")
        result = answer_prompt(prompt, settings, engine)
        out_dir = out or settings.output_dir / prompt.id
        if demo is not None:
            image = None if demo in ("", SAMPLE) else Path(demo)
            result = run_demo(result, settings, image, out_dir / "demo")
        markdown = to_markdown(result, prompt)
        document = to_json(result, prompt)
        if out is not None or demo is not None:
            md_path, _ = write_outputs(out_dir, markdown, document)
            err.print(f"wrote {md_path} and answer.json")
        print(json.dumps(document, indent=2, ensure_ascii=False) if as_json else markdown)
