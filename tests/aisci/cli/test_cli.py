"""The CLI skeleton: version, prompt commands, one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from aisci.cli import run


def test_version(capsys):
    assert run(["--version"]) == 0
    assert capsys.readouterr().out.startswith("aisci 0.")


def test_prompts_list_default_set(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "220")
    assert run(["prompts", "list"]) == 0
    out = capsys.readouterr().out
    assert "5 prompts" in out and "SISR-HAN-2x" in out and "6d2a18582caba411" in out


def test_prompts_show_human(prompt_set_dir: Path, capsys):
    assert run(["prompts", "show", str(prompt_set_dir / "004_22a4445001d39c44.txt")]) == 0
    out = capsys.readouterr().out
    assert "SISR-Any-LIIF-EDSR" in out and "Related papers" in out


def test_bad_prompt_is_one_line_exit_2(tmp_path: Path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text('"q?"\n### Recommended AI Models:\nModel: X\nPaper: javascript:alert(1)\n')
    assert run(["prompts", "show", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    assert err.startswith(f"error: {bad}:4:") and "http(s)" in err


def test_missing_file_exit_2(tmp_path: Path, capsys):
    assert run(["prompts", "show", str(tmp_path / "none.txt")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_console_script_no_traceback(tmp_path: Path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    exe = Path(sys.executable).with_name("aisci")
    proc = subprocess.run([str(exe), "prompts", "show", str(bad), "--json"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "empty" in proc.stderr
    assert proc.stdout == ""


def test_doctor_json_is_fast_and_offline(monkeypatch, capsys):
    monkeypatch.setenv("AISCI_OFFLINE", "1")
    assert run(["doctor", "--json"]) == 0
    checks = {c["check"]: c for c in json.loads(capsys.readouterr().out)}
    assert checks["python"]["ok"]
    assert checks["torch"]["ok"] and "torch 2.13" in checks["torch"]["detail"]
    assert checks["cache dir"]["ok"]
    assert checks["backend extractive"]["ok"]
    assert "offline" in checks["network"]["detail"]


def test_doctor_probe_is_bounded(monkeypatch, capsys):
    import socket

    with socket.socket() as probe:  # a loopback port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AISCI_ARXIV_BASE_URL", f"http://127.0.0.1:{port}")
    import time

    start = time.monotonic()
    assert run(["doctor", "--json"]) == 0
    assert time.monotonic() - start < 20
    checks = {c["check"]: c for c in json.loads(capsys.readouterr().out)}
    assert checks["arXiv"]["ok"] is False
