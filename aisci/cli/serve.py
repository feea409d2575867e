"""`aisci serve`: the web app (Ask, Chat, Run the model, Sources) on a local port."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from aisci.cli.app import app
from aisci.cli.app import err_console as err
from aisci.web.hosts import host_warning


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind (loopback by default; another one is reachable from the network).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 7860,
    backend: Annotated[str, typer.Option(help="auto | openai | local | extractive")] = "",
    prompts_dir: Annotated[
        Path | None, typer.Option("--prompts", help="Folder of prompt files to offer (default: the bundled prompts/set).")
    ] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Use no network.")] = False,
) -> None:
    """Serve the web app: ask about a prompt, chat, run its model, see its sources."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # Chroma: never phone home
    from agent.backends.selection import select_backend
    from agent.settings import get_settings
    from aisci.web.app import create_app
    from aisci.web.state import WebConfig
    from prompts import bundled_set_dir

    settings = get_settings(offline=True if offline else None)
    engine, reason = select_backend(settings, backend or None)
    folder = prompts_dir or bundled_set_dir()
    web_app = create_app(WebConfig(settings=settings, backend=engine, backend_reason=reason, prompts_dir=folder,
                                   host=host, port=port))
    err.print(f"backend: {engine.name} ({reason})", markup=False, highlight=False)
    warning = host_warning(host)
    if warning:
        err.print(warning, markup=False, highlight=False, style="yellow")
    shown = f"[{host}]" if ":" in host else host
    err.print(f"aisci serve: http://{shown}:{port}/ (Ctrl-C stops it)", markup=False, highlight=False)

    import uvicorn

    uvicorn.run(web_app, host=host, port=port, log_level="warning", access_log=False, server_header=False)
