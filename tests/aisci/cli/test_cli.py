"""The CLI skeleton: version, prompt commands, one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "0x7f000001", "127.1", "[::1]", "localhost"])
def test_doctor_never_probes_a_private_address(monkeypatch, host):
    # Issue 11: the probe was a port scanner (open and closed ports gave different messages).
    import socket

    from aisci.cli.doctor import _probe_host

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        open_port = _probe_host(f"http://{host}:{port}", 1.0)
        closed_port = _probe_host(f"http://{host}:9", 1.0)
        listener.settimeout(0.3)
        with pytest.raises(TimeoutError):
            listener.accept()
    assert open_port[0] is False and "not probed" in open_port[1] and "private or loopback" in open_port[1]
    assert open_port[1].replace(str(port), "9") == closed_port[1]


@pytest.mark.parametrize("target", ["/dev/zero", "fifo", "socket"])
def test_prompts_show_refuses_special_files_in_one_line(tmp_path, capsys, target):
    # Issue 11: /dev/zero was read without limit (MemoryError) and a FIFO hung.
    from special_files import make_fifo, make_socket, within

    sock = None
    if target == "fifo":
        target = str(make_fifo(tmp_path))
    elif target == "socket":
        path, sock = make_socket(tmp_path)
        target = str(path)
    try:
        assert within(20, lambda: run(["prompts", "show", target])) == 2
    finally:
        if sock is not None:
            sock.close()
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "expected a regular prompt file, found" in err and "\n" not in err


def test_eval_and_batch_refuse_a_fifo_input(tmp_path, capsys):
    from special_files import make_fifo, within

    fifo = make_fifo(tmp_path, "prompt.txt")
    assert within(60, lambda: run(["eval", str(fifo), "--offline", "--report", str(tmp_path / "r")])) == 2
    assert within(60, lambda: run(["batch", str(fifo), "-o", str(tmp_path / "run.jsonl"), "--offline"])) == 2
    err = capsys.readouterr().err
    assert err.count("found a special file") == 2 and "Traceback" not in err
