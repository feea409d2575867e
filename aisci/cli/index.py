"""`aisci index`, `aisci search` and `aisci cache`: build and query a question's index.

Heavy libraries (chromadb, sentence-transformers) are imported inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from aisci.cli.app import app, console, err_console
from aisci.cli.progress import Reporter
from prompts.text import shorten

cache_app = typer.Typer(help="The index cache: fetched sources, parsed text, vectors, Chroma.", no_args_is_help=True)

_STATUS_STYLE = {
    "fetched": "green",
    "cached": "green",
    "papers-dir": "green",
    "prompt summary only": "yellow",
    "abstract only": "yellow",
    "offline": "yellow",
    "failed": "red",
}


def _build(file: Path, offline: bool, papers_dir: Path | None, quiet: bool):
    """Load the prompt and build its index, with progress on stderr unless `quiet`."""
    from agent.settings import get_settings
    from index import QuestionIndex
    from index.errors import IndexBuildError
    from prompts import load

    prompt = load(file)
    if papers_dir is not None and not papers_dir.is_dir():
        raise IndexBuildError(f"--papers-dir {papers_dir}: expected a folder of PDFs named by arXiv id")
    config = get_settings(offline=True if offline else None, papers_dir=papers_dir).index_config()
    with Reporter(quiet=quiet) as progress:
        return prompt, QuestionIndex.build(prompt, config, progress=progress)


def _print_sources(qi) -> None:
    table = Table(title=f"Sources of {qi.prompt_id} (collection {qi.collection})")
    for column in ("source", "kind", "status", "pages", "chunks", "detail"):
        table.add_column(column, overflow="fold")
    for s in qi.sources:
        style = _STATUS_STYLE.get(s.status, "")
        table.add_row(
            s.ref,
            f"{s.role} {s.kind}",
            f"[{style}]{s.status}[/{style}]" if style else s.status,
            "-" if s.pages is None else str(s.pages),
            str(s.chunks),
            s.detail,
        )
    console.print(table)
    console.print(f"{len(qi.passages())} passages, {qi.stats['embedded']} newly embedded, {qi.stats['seconds']:.2f} s")
    if qi.offline_fallback:
        why = f" ({qi.offline_reason})" if qi.offline_reason else ""
        err_console.print(
            f"[yellow]note:[/yellow] some papers are indexed from summaries or abstracts only{why}", highlight=False
        )


@app.command("index")
def index_command(
    file: Annotated[Path, typer.Argument(help="A prompt file.")],
    offline: Annotated[
        bool, typer.Option("--offline", help="Open no socket: cache, papers folder and prompt only.")
    ] = False,
    papers_dir: Annotated[
        Path | None, typer.Option("--papers-dir", help="Folder of PDFs named by arXiv id.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Fetch, read, chunk, embed and store the sources of one prompt."""
    _, qi = _build(file, offline, papers_dir, quiet=as_json)
    if as_json:
        print(json.dumps(qi.report(), indent=2, ensure_ascii=False))
        return
    _print_sources(qi)

@app.command("search")
def search_command(
    file: Annotated[Path, typer.Argument(help="A prompt file.")],
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="Passages to return.")] = 6,
    mmr: Annotated[bool, typer.Option("--mmr", help="Re-rank for diversity.")] = False,
    offline: Annotated[bool, typer.Option("--offline", help="Open no socket.")] = False,
    papers_dir: Annotated[
        Path | None, typer.Option("--papers-dir", help="Folder of PDFs named by arXiv id.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search one prompt's index (built first if needed)."""
    _, qi = _build(file, offline, papers_dir, quiet=True)
    hits = qi.search(query, k=k, mmr=mmr)
    if as_json:
        data = {
            "prompt_id": qi.prompt_id,
            "collection": qi.collection,
            "query": query,
            "offline_fallback": qi.offline_fallback,
            "passages": [p.model_dump(mode="json") | {"label": p.label()} for p in hits],
        }
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"{len(hits)} passages for {query!r}")
    for column in ("id", "score", "source", "text"):
        table.add_column(column, overflow="fold")
    for p in hits:
        text = shorten(p.text, 300)
        table.add_row(p.id, f"{p.score:.3f}", p.label(), text)
    console.print(table)

@cache_app.command("ls")
def cache_ls(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List cached sources and the size of each part of the index cache."""
    from agent.settings import get_settings
    from index.cache import SourceCache, cache_summary

    config = get_settings().index_config()
    records = SourceCache(config).records()
    summary = cache_summary(config)
    if as_json:
        print(
            json.dumps(
                {
                    "cache_dir": str(config.cache_dir),
                    "parts": summary,
                    "sources": [r.model_dump() for r in records],
                },
                indent=2,
            )
        )
        return
    table = Table(title=f"Cached sources in {config.sources_dir}")
    for column in ("url", "status", "bytes", "type / error"):
        table.add_column(column, overflow="fold")
    for r in records:
        table.add_row(
            r.url,
            r.status,
            "-" if r.size is None else str(r.size),
            (r.content_type or "-") if r.status == "ok" else (r.error or "-"),
        )
    console.print(table)
    for name, part in summary.items():
        console.print(f"{name:10} {part['files']:6} files {part['bytes'] / 1e6:9.2f} MB  {part['path']}")

@cache_app.command("clear")
def cache_clear() -> None:
    """Delete the index cache (sources, parsed text, vectors, local Chroma). Weights and models stay."""
    from agent.settings import get_settings
    from index.cache import clear_cache
    from index.store import drop_client

    config = get_settings().index_config()
    drop_client(config)
    removed = clear_cache(config)
    console.print(f"removed {len(removed)} items under {config.cache_dir}" if removed else "nothing to clear")
    if config.chroma_url:
        console.print(f"note: collections on the Chroma server {config.chroma_url} are left as they are")

app.add_typer(cache_app, name="cache")
