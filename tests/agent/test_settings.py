"""Settings come from AISCI_* variables, each documented."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from agent.settings import Settings, describe_settings, get_settings


def test_env_variables_are_read(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("AISCI_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("AISCI_OFFLINE", "1")
    monkeypatch.setenv("AISCI_BACKEND", "extractive")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    s = get_settings()
    assert s.cache_dir == tmp_path / "c" and s.offline and s.backend == "extractive"
    assert s.llm_base_url == "http://127.0.0.1:9/v1"
    assert s.resolved_weights_dir() == tmp_path / "c" / "weights"


def test_overrides_win_and_none_is_ignored(monkeypatch):
    monkeypatch.setenv("AISCI_BACKEND", "local")
    assert get_settings(backend="extractive").backend == "extractive"
    assert get_settings(backend=None).backend == "local"


def test_bad_value_names_the_field(monkeypatch):
    monkeypatch.setenv("AISCI_BACKEND", "gpt9")
    with pytest.raises(ValidationError, match="backend"):
        Settings()


def test_every_setting_is_described():
    rows = describe_settings()
    assert len(rows) >= 20
    assert all(desc for _, _, desc in rows)
    envs = {env for env, _, _ in rows}
    assert {"AISCI_CACHE_DIR", "AISCI_OFFLINE", "AISCI_BACKEND", "AISCI_OUTPUT_DIR"} <= envs


def test_issue_11_settings_reach_the_lower_layers(monkeypatch):
    from agent.settings import get_settings

    monkeypatch.setenv("AISCI_MAX_SR_GFLOP", "123456")
    monkeypatch.setenv("AISCI_FETCH_DEADLINE_S", "7.5")
    settings = get_settings()
    assert settings.sr_config().max_work_gflop == 123456.0
    assert settings.index_config().deadline_s == 7.5
    monkeypatch.delenv("AISCI_MAX_SR_GFLOP")
    assert get_settings().sr_config().max_work_gflop is None  # the device's default bound
