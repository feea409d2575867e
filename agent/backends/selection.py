"""Backend selection: `auto` picks an OpenAI-compatible endpoint if one is configured, else the
local model if it can run here, else the extractive backend — and says which and why."""

from __future__ import annotations

import importlib.util

from agent.settings import Settings
from prompts import AisciError


class BackendUnavailable(AisciError):
    """The requested backend cannot run here (missing package, model or endpoint)."""


def local_available(settings: Settings) -> tuple[bool, str]:
    """Whether the local backend can run: llama-cpp-python importable and a model installed or installable."""
    if importlib.util.find_spec("llama_cpp") is None:
        return False, "llama-cpp-python is not installed (pip install -e '.[local]')"
    from agent.backends.local.installer import installed_model_path

    if installed_model_path(settings) is not None:
        return True, "the local model is installed"
    if settings.no_download or settings.offline:
        flag = "AISCI_NO_DOWNLOAD=1" if settings.no_download else "offline"
        return False, f"the local model is not installed and downloads are off ({flag}; run: aisci models install)"
    return True, "the local model will be installed on first use"


def select_backend(settings: Settings, requested: str | None = None):
    """Return (backend object, reason). Raises BackendUnavailable when an explicit choice cannot run."""
    choice = requested or settings.backend
    if choice == "auto":
        if settings.llm_base_url or settings.openai_api_key:
            choice, reason = "openai", "an OpenAI-compatible endpoint is configured"
        else:
            ok, why = local_available(settings)
            choice, reason = ("local", why) if ok else ("extractive", f"no endpoint configured and {why}")
    else:
        reason = "requested"
    if choice == "extractive":
        from agent.backends.extractive import ExtractiveBackend

        return ExtractiveBackend(), reason
    if choice == "local":
        ok, why = local_available(settings)
        if not ok:
            raise BackendUnavailable(f"backend 'local' cannot run: {why}")
        from agent.backends.local.backend import LocalBackend

        return LocalBackend(settings), reason
    if choice == "openai":
        from agent.backends.openai.backend import OpenAIBackend

        return OpenAIBackend(settings), reason
    raise BackendUnavailable(f"unknown backend {choice!r}; expected auto, openai, local or extractive")
