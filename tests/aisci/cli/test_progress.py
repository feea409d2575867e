"""aisci/cli/progress.py and what a person sees: live rows and parts as written on a terminal (a
real pty), plain stage lines and the whole document when piped."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from aisci.cli.progress import Reporter, amount, rate_and_eta

REPO = Path(__file__).resolve().parents[3]
SEED = REPO / "prompts" / "set" / "004_22a4445001d39c44.txt"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _env(tmp_path: Path) -> dict:
    return {**os.environ, "AISCI_OFFLINE": "1", "AISCI_CACHE_DIR": str(tmp_path / "cache"),
            "AISCI_OUTPUT_DIR": str(tmp_path / "runs"), "COLUMNS": "120", "TERM": "xterm"}


def _aisci(*args: str) -> list[str]:
    return [sys.executable, "-c", "from aisci.cli import main; main()", *args]


def test_amounts_rates_and_eta_read_like_a_download():
    assert amount(12_500_000, 1_100_000_000, "B") == "12.5 MB / 1.1 GB"
    assert amount(3, 5, "") == "3/5" and amount(120, 0, "tok") == "120 tok"
    assert rate_and_eta(50e6, 100e6, "B", 10.0) == "5.0 MB/s, 0:10 left"
    assert rate_and_eta(1, 10, "", 0.1) == ""  # too early to tell


def test_plain_mode_prints_stage_lines_and_quiet_prints_nothing(capsys):
    console = Console(stderr=True, force_terminal=False, width=200)
    with Reporter(console=console, tty=False, interval_s=0.0) as progress:
        progress("download weights", 0, 100, "B")
        progress("download weights", 100, 100, "B")
        progress("writing part 2", 40, 0, "tok")
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "download weights …" and "100 B / 100 B" in lines[1]
    assert any(line.startswith("writing part 2") for line in lines)
    with Reporter(console=console, tty=False, quiet=True) as progress:
        progress("download weights", 5, 10, "B")
        progress.note("a note")
    assert capsys.readouterr().err == ""


def _run_in_pty(argv: list[str], env: dict, timeout_s: float = 240.0) -> str:
    """Run `argv` with stdin/stdout/stderr on a new pty; return everything it wrote, in order."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(argv, stdin=follower, stdout=follower, stderr=follower, env=env, cwd=REPO, close_fds=True)
    os.close(follower)
    chunks, deadline = [], time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the child closed the pty
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(leader)
    assert proc.returncode == 0, b"".join(chunks).decode(errors="replace")[-2000:]
    return b"".join(chunks).decode(errors="replace")


@pytest.mark.slow
def test_on_a_terminal_progress_rows_show_and_parts_come_in_order(tmp_path):
    out = _run_in_pty(_aisci("answer", str(SEED), "--backend", "extractive"), _env(tmp_path))
    text = ANSI.sub("", out)
    assert "index: fetch and read sources" in text  # the live rows were drawn
    first, second, third = (text.index(f"## {n}.") for n in (1, 2, 3))
    assert first < second < third
    assert text.index("backend: extractive") < first


@pytest.mark.slow
def test_piped_output_gets_plain_stage_lines_and_the_whole_document(tmp_path):
    proc = subprocess.run(_aisci("answer", str(SEED), "--backend", "extractive"), capture_output=True, text=True,
                          env=_env(tmp_path), cwd=REPO, timeout=240)
    assert proc.returncode == 0, proc.stderr
    assert not ANSI.search(proc.stderr), "no terminal codes in a log"
    assert "index: fetch and read sources …" in proc.stderr.splitlines()
    assert proc.stdout.startswith("# I enlarged a small image") and "## 3." in proc.stdout
    assert "index:" not in proc.stdout  # progress never goes to stdout
    quiet = subprocess.run(_aisci("answer", str(SEED), "--backend", "extractive", "--quiet"), capture_output=True,
                           text=True, env=_env(tmp_path), cwd=REPO, timeout=240)
    assert quiet.stderr.splitlines() == ["backend: extractive (requested)"] and quiet.stdout == proc.stdout


@pytest.mark.slow
def test_batch_on_a_log_writes_one_line_per_finished_prompt(tmp_path, prompt_set_dir):
    files = sorted(prompt_set_dir.glob("*.txt"))[:2]
    proc = subprocess.run(_aisci("batch", *map(str, files), "-o", str(tmp_path / "run.jsonl"), "--backend", "extractive"),
                          capture_output=True, text=True, env=_env(tmp_path), cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr
    done = [line for line in proc.stderr.splitlines() if re.match(r"^\[\d/2\] ", line)]
    assert [line.split(":")[0] for line in done] == [f"[1/2] {files[0].name}", f"[2/2] {files[1].name}"]
    assert "ok in" in done[0] and "left" in done[0]
