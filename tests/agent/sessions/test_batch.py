"""Batch answering: a complete run over the seed set, resuming, failures recorded, kill -9 safety."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from answer_support import SEEDS

from agent.backends.extractive import ExtractiveBackend
from agent.sessions.batch import BatchError, discover, prompt_files, run_batch
from aisci.cli import run
from prompts import load, normalize_url

REPO = Path(__file__).resolve().parents[3]


def read_lines(path: Path) -> list[dict]:
    data = path.read_bytes()
    assert data.endswith(b"\n"), "the run file must end with a whole line"
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


class FailOn(ExtractiveBackend):
    """The extractive backend, except that it raises for one question."""

    def __init__(self, prompt_id: str):
        self.prompt_id = prompt_id

    def draft(self, ctx, on_part=None, progress=None):
        if ctx.prompt.id == self.prompt_id:
            raise RuntimeError("backend exploded")
        return super().draft(ctx, on_part, progress)


def test_batch_over_the_seed_set_completes_and_resumes(offline_settings, tmp_path, prompt_set_dir):
    out = tmp_path / "run.jsonl"
    jobs = discover([prompt_set_dir])
    seen = []
    settings = offline_settings.model_copy(update={"cache_dir": tmp_path / "cache"})  # nothing embedded yet
    result = run_batch(jobs, settings, ExtractiveBackend(), out, concurrency=2, notify=seen.append)
    assert not result.failed and len(result.answered) == 5 and len(seen) == 5
    lines = read_lines(out)
    assert sorted(r["prompt_id"] for r in lines) == sorted(load(p).id for p in SEEDS)
    for record in lines:
        prompt = load(record["prompt_path"])
        assert record["status"] == "ok" and record["error"] is None and record["seconds"] > 0
        assert record["backend"] == "extractive" and record["sections"]["task"].strip()
        assert {normalize_url(u) for u in record["links"]} <= prompt.allowed_links()
        assert set(record["usage"]["seconds"]) >= {"index", "retrieve", "write"}
        assert isinstance(record["source_model_names"], list)
    # prompts that share papers share their embedded passages: fewer embedded than indexed
    stats = [r["index_stats"] for r in lines]
    assert sum(s["embedded"] for s in stats) < sum(s["passages"] for s in stats)
    assert all(s["requests"] == 0 for s in stats)  # offline: no request at all
    again = run_batch(jobs, settings, ExtractiveBackend(), out)
    assert again.answered == [] and {o.skipped for o in again.outcomes} == {"done earlier"}
    assert len(read_lines(out)) == 5


def test_a_failing_prompt_is_recorded_and_the_batch_goes_on(offline_settings, tmp_path):
    jobs = discover(SEEDS[:2])
    out = tmp_path / "run.jsonl"
    result = run_batch(jobs, offline_settings, FailOn(jobs[0].prompt_id), out)
    assert [o.failed for o in result.outcomes] == [True, False]
    first, second = sorted(read_lines(out), key=lambda r: r["prompt_id"] != jobs[0].prompt_id)
    assert first["status"] == "error" and first["error"] == "RuntimeError: backend exploded"
    assert first["prompt_path"] == str(SEEDS[0].resolve())
    assert second["status"] == "ok"
    # a later run skips the failed prompt unless asked to retry it; a retry replaces its line
    assert run_batch(jobs, offline_settings, ExtractiveBackend(), out).answered == []
    retried = run_batch(jobs, offline_settings, ExtractiveBackend(), out, retry_failed=True)
    assert len(retried.answered) == 1 and not retried.failed
    assert sorted(r["status"] for r in read_lines(out)) == ["ok", "ok"]


def test_demo_without_weights_is_a_warning_not_a_failure(offline_settings, tmp_path):
    settings = offline_settings.model_copy(update={"weights_dir": tmp_path / "no-weights"})
    jobs = discover([SEEDS[0]])
    result = run_batch(jobs, settings, ExtractiveBackend(), tmp_path / "run.jsonl", demo=True)
    (record,) = read_lines(tmp_path / "run.jsonl")
    assert not result.failed and record["status"] == "ok" and record["demo"] is None
    assert any(w.startswith("demo:") and "SISR-HAN-2x" in w for w in record["warnings"])
    assert "demo" in record["usage"]["seconds"]


def test_cli_malformed_file_is_recorded_and_exit_status_is_1(tmp_path, capsys):
    folder = tmp_path / "set"
    folder.mkdir()
    shutil.copy(SEEDS[2], folder)
    (folder / "broken.txt").write_text("this is not a prompt\n", encoding="utf-8")
    out = tmp_path / "run.jsonl"
    code = run(["batch", str(folder), "-o", str(out), "--backend", "extractive", "--offline"])
    assert code == 1
    lines = read_lines(out)
    assert sorted(r["status"] for r in lines) == ["error", "ok"]
    bad = next(r for r in lines if r["status"] == "error")
    assert bad["prompt_path"].endswith("broken.txt") and "broken.txt" in bad["error"]
    captured = capsys.readouterr()
    assert "batch: 2 prompts, 2 answered now, 1 failed" in captured.out
    assert "failed:" in captured.err and "broken.txt" in captured.err


def test_bad_inputs_are_clear_errors(tmp_path, capsys):
    with pytest.raises(BatchError, match="no such prompt file"):
        prompt_files([tmp_path / "missing"])
    with pytest.raises(BatchError, match=r"expected prompt files \(\*\.txt\)"):
        prompt_files([tmp_path])
    assert run(["batch", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "r.jsonl"), "--offline"]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    capsys.readouterr()
    assert run(["batch", str(SEEDS[0]), "--demo", str(tmp_path), "-o", str(tmp_path / "r.jsonl")]) == 2
    assert "expected an image file" in capsys.readouterr().err


def test_the_same_file_twice_is_one_prompt(tmp_path):
    copy = tmp_path / "copy.txt"
    shutil.copy(SEEDS[0], copy)
    jobs = discover([SEEDS[0], SEEDS[0], copy])
    assert len(jobs) == 2 and jobs[0].prompt_id == jobs[1].prompt_id  # same content: one answer


@pytest.mark.slow
def test_kill_9_mid_run_then_rerun_gives_one_line_per_prompt(tmp_path, prompt_set_dir):
    out = tmp_path / "run.jsonl"
    env = {**os.environ, "AISCI_CACHE_DIR": str(tmp_path / "cache"), "AISCI_OUTPUT_DIR": str(tmp_path / "runs")}
    args = [sys.executable, "-c", "from aisci.cli import main; main()", "batch", str(prompt_set_dir), "-o", str(out), "--backend", "extractive",
            "--offline"]
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if out.exists() and out.read_bytes().count(b"\n") >= 1:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the batch finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    partial = read_lines(out)  # every line written before the kill is whole
    assert 1 <= len(partial) < 5
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = read_lines(out)
    assert len(lines) == 5 and len({r["prompt_id"] for r in lines}) == 5
    assert all(r["status"] == "ok" for r in lines)
    assert lines[: len(partial)] == partial  # the lines from before the kill are kept as they were
    assert f"{len(partial)} prompt(s) already in the run file" in done.stderr


def test_cli_batch_into_a_read_only_folder_exits_2_with_one_line(tmp_path, capsys):
    from special_files import read_only

    folder = tmp_path / "ro"
    folder.mkdir()
    with read_only(folder):
        code = run(["batch", str(SEEDS[0]), "-o", str(folder / "run.jsonl"), "--backend", "extractive", "--offline"])
    assert code == 2
    err = capsys.readouterr().err
    assert "error: " in err and "cannot create the run file there" in err and "Traceback" not in err


def test_cli_batch_onto_a_read_only_run_file_exits_2_before_answering(tmp_path, capsys):
    from special_files import read_only

    out = tmp_path / "run.jsonl"
    out.write_text("")
    with read_only(out):
        code = run(["batch", str(SEEDS[0]), "-o", str(out), "--backend", "extractive", "--offline"])
    assert code == 2 and "cannot write the run file" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_batch_on_a_full_disk_exits_2_with_one_line(tmp_path):
    # A real write failure: no file of the child may grow past 200 bytes (EFBIG, as on a full disk):
    # the caches fail (the prompt's error is recorded), then the run file itself cannot take the line.
    from special_files import limited_file_size_preexec

    env = {**os.environ, "AISCI_CACHE_DIR": str(tmp_path / "cache"), "AISCI_OUTPUT_DIR": str(tmp_path / "runs")}
    done = subprocess.run(
        [sys.executable, "-c", "from aisci.cli import main; main()", "batch", str(SEEDS[0]), "-o", str(tmp_path / "run.jsonl"),
         "--backend", "extractive", "--offline"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600, preexec_fn=limited_file_size_preexec(200))
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "error: " in done.stderr and "cannot append to the run file (File too large)" in done.stderr
