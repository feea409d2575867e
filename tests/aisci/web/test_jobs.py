"""The one-at-a-time queues: jobs run one after another on one worker, a full queue refuses more,
a failed job keeps its one-line error and the next job still runs, events are read incrementally."""

from __future__ import annotations

import threading
import time

import pytest

from aisci.web.jobs import Busy, JobQueue, error_line
from prompts import AisciError


def _wait(job, timeout=10.0):
    deadline = time.monotonic() + timeout
    while job.status not in ("done", "failed"):
        assert time.monotonic() < deadline, f"job {job.kind} still {job.status}"
        time.sleep(0.01)
    return job


def test_jobs_run_one_at_a_time_in_order():
    q = JobQueue("test", max_waiting=10)
    active, seen, order = [0], [], []
    lock = threading.Lock()

    def work(job):
        with lock:
            active[0] += 1
            seen.append(active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1
        order.append(job.kind)
        return {"kind": job.kind}

    jobs = [q.submit(f"j{i}", "me", work) for i in range(5)]
    for job in jobs:
        _wait(job)
    assert max(seen) == 1 and q.max_running == 1
    assert order == [f"j{i}" for i in range(5)]
    assert [j.result for j in jobs] == [{"kind": f"j{i}"} for i in range(5)]
    assert q.stats()["completed"] == 5
    q.close()


def test_a_full_queue_refuses_and_reports_positions():
    q = JobQueue("SR", max_waiting=2)
    gate = threading.Event()
    running = q.submit("first", "me", lambda job: gate.wait(5))
    deadline = time.monotonic() + 5
    while running.status != "running":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    a = q.submit("a", "me", lambda job: None)
    b = q.submit("b", "me", lambda job: None)
    assert (q.position(a), q.position(b)) == (0, 1)
    with pytest.raises(Busy, match="the SR queue is full"):
        q.submit("c", "me", lambda job: None)
    gate.set()
    for job in (running, a, b):
        _wait(job)
    q.submit("d", "me", lambda job: None)  # room again
    q.close()


def test_a_failed_job_shows_one_line_and_the_next_one_runs():
    q = JobQueue("LLM")

    def boom(job):
        raise AisciError("weights not installed for SISR-HAN-2x: get it from https://github.com/wwlCape/HAN\nsecond line")

    def crash(job):
        raise ValueError("bad\nvalue")

    failed = _wait(q.submit("boom", "me", boom))
    crashed = _wait(q.submit("crash", "me", crash))
    fine = _wait(q.submit("fine", "me", lambda job: {"ok": True}))
    assert failed.status == "failed" and failed.error.startswith("weights not installed for SISR-HAN-2x")
    assert "\n" not in failed.error and crashed.error == "ValueError: bad value"
    assert fine.status == "done" and fine.result == {"ok": True}
    q.close()


def test_events_and_progress_are_read_incrementally_and_jobs_are_owned():
    q = JobQueue("LLM")
    step = threading.Event()

    def parts(job):
        job.progress("index", 1, 3)
        job.emit({"part": "task"})
        step.wait(5)
        job.emit({"part": "workflow"})
        return None

    job = q.submit("answer", "owner", parts)
    deadline = time.monotonic() + 5
    while not job.events:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    first = q.snapshot(job)
    assert first["events"] == [{"part": "task"}] and first["stage"] == {"stage": "index", "done": 1, "total": 3, "unit": ""}
    step.set()
    _wait(job)
    second = q.snapshot(job, after=first["next"])
    assert second["events"] == [{"part": "workflow"}] and second["status"] == "done"
    assert q.get(job.id, "owner") is job and q.get(job.id, "someone else") is None
    q.close()


def test_finished_jobs_are_forgotten_oldest_first():
    q = JobQueue("LLM", max_waiting=50, keep=3)
    jobs = [_wait(q.submit(f"j{i}", "me", lambda job: None)) for i in range(6)]
    q.submit("last", "me", lambda job: None)
    kept = [j for j in jobs if q.get(j.id) is not None]
    assert len(kept) <= 3 and q.get(jobs[0].id) is None
    q.close()


def test_error_line_is_short():
    assert len(error_line(AisciError("x" * 5000))) <= 610
