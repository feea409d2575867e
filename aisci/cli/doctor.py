"""`aisci doctor`: what is set up and what is missing, in a second or two."""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import sys
from typing import Annotated

import typer
from rich.table import Table

from aisci.cli.app import app, console


def _probe_host(url: str, timeout_s: float = 1.5, allow_loopback: bool = False) -> tuple[bool, str]:
    """One HEAD request to `url`; any HTTP answer counts as reachable. Bounded by `timeout_s`. The
    fetcher's address policy comes first: a private or loopback host is not probed at all (no
    socket), so the answer never tells an open port from a closed one."""
    import httpx

    from index.netpolicy import AddressRefused, guarded_transport, host_port, resolve_allowed

    host, port = host_port(url)
    try:
        resolve_allowed(host, port, allow_loopback)
    except AddressRefused as exc:
        return False, f"{url} not probed: {exc} (set AISCI_ALLOW_LOOPBACK=1 to use such an address)"
    except OSError as exc:
        return False, f"{url} unreachable (cannot resolve {host}: {exc.strerror or exc})"
    try:
        with httpx.Client(transport=guarded_transport(allow_loopback), timeout=httpx.Timeout(timeout_s),
                          follow_redirects=False) as client:
            response = client.head(url)
        return True, f"{url} answered HTTP {response.status_code}"
    except AddressRefused as exc:
        return False, f"{url} not probed: {exc} (set AISCI_ALLOW_LOOPBACK=1 to use such an address)"
    except httpx.HTTPError as exc:
        return False, f"{url} unreachable ({exc.__class__.__name__}: {exc})"


def _torch_row() -> tuple[bool, str]:
    if importlib.util.find_spec("torch") is None:
        return False, "torch not installed"
    import torch

    if torch.cuda.is_available():
        return True, f"torch {torch.__version__}, CUDA {torch.version.cuda}: {torch.cuda.get_device_name(0)}"
    return True, f"torch {torch.__version__}, no CUDA device: SR models run on the CPU"


def _cache_row(settings) -> tuple[bool, str]:
    path = settings.cache_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".doctor-write-test"
        probe.write_text("ok")
        probe.unlink()
        return True, f"{path} (writable)"
    except OSError as exc:
        return False, f"{path} not writable: {exc}"


def collect_checks(settings) -> list[dict]:
    """Run every check; each is {"check", "ok", "detail"}. Fast: the only network probe is bounded."""
    checks: list[dict] = []

    def add(name: str, ok: bool, detail: str) -> None:
        checks.append({"check": name, "ok": ok, "detail": detail})

    add("python", sys.version_info >= (3, 11), f"{platform.python_version()} ({sys.executable})")
    add("torch", *_torch_row())
    add("cache dir", *_cache_row(settings))
    for name, ok, detail in backend_rows(settings):
        add(name, ok, detail)
    for name, ok, detail in weights_rows(settings):
        add(name, ok, detail)
    if settings.offline:
        add("network", True, "offline mode (AISCI_OFFLINE=1): no network is used")
    else:
        ok, detail = _probe_host(settings.arxiv_base_url, allow_loopback=settings.allow_loopback)
        add("arXiv", ok, detail + ("" if ok else " - papers will come from the cache or the prompt's summaries"))
    return checks


def backend_rows(settings) -> list[tuple[str, bool, str]]:
    """Which answer backends can run here."""
    rows = []
    if settings.llm_base_url or settings.openai_api_key:
        where = settings.llm_base_url or "https://api.openai.com/v1"
        rows.append(("backend openai", True, f"configured: {where}, model {settings.llm_model}"))
    else:
        rows.append(("backend openai", False, "not configured (set OPENAI_API_KEY and/or AISCI_LLM_BASE_URL)"))
    has_llama = importlib.util.find_spec("llama_cpp") is not None
    local_detail = "llama-cpp-python installed" if has_llama else "llama-cpp-python missing (pip install -e '.[local]')"
    from agent.backends.local.installer import LocalModelError, installed_model_path

    try:
        model_path = installed_model_path(settings)
        local_detail += f"; model: {model_path}" if model_path else "; model not installed (aisci models install)"
    except LocalModelError as exc:  # e.g. AISCI_LOCAL_MODEL points at a missing or non-GGUF file
        model_path, local_detail = None, f"{local_detail}; {exc}"
    rows.append(("backend local", has_llama and model_path is not None, local_detail))
    rows.append(("backend extractive", True, "always available (no language model)"))
    return rows


def weights_rows(settings) -> list[tuple[str, bool, str]]:
    """SR weights present for each zoo model, and for the others whether `aisci weights install`
    fetches them automatically or a manual download is needed first."""
    from tools.sr.weights import weights_report

    rows = []
    for row in weights_report(settings.sr_config(), deep=False):  # doctor stays fast
        if row["installed"]:
            detail = row["path"]
        elif row["fetch"] == "automatic":
            detail = f"not installed; fetched automatically by `aisci weights install {row['model']}`"
        else:
            detail = (f"not installed; manual step: {row['how']}, then "
                      f"`aisci weights install {row['model']} --from FILE`")
        rows.append((f"weights {row['model']}", bool(row["installed"]), detail))
    return rows


@app.command()
def doctor(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Print what is set up and what is missing (Python, torch/CUDA, cache, backends, weights, network)."""
    from agent.settings import get_settings

    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    checks = collect_checks(get_settings())
    if as_json:
        print(json.dumps(checks, indent=2))
        return
    table = Table(title="aisci doctor")
    table.add_column("check")
    table.add_column("status")
    table.add_column("detail", overflow="fold")
    for c in checks:
        table.add_row(c["check"], "[green]ok[/green]" if c["ok"] else "[yellow]missing[/yellow]", c["detail"])
    console.print(table)
