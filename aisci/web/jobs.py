"""One-at-a-time job queues: every LLM call (answers, chat turns, index builds) runs on one worker
thread, every SR job on another, so two browsers cannot run two models at once and exhaust memory.

A job records its events (parts of an answer as they are written), its progress stage, and its
result or its one-line error; the page polls `snapshot(after=N)`. A full queue refuses new work
(`Busy`) instead of growing without bound; finished jobs are forgotten oldest first.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from prompts import AisciError
from prompts.text import one_line, shorten

log = logging.getLogger("aisci.web")
ERROR_CHARS = 600


class Busy(AisciError):
    """The queue already holds as many waiting jobs as it may."""


def error_line(exc: BaseException) -> str:
    """The one line a failed job shows: an AisciError's own message, else the exception's type and text."""
    text = str(exc) if isinstance(exc, AisciError) else f"{type(exc).__name__}: {exc}"
    return shorten(one_line(text), ERROR_CHARS) or type(exc).__name__


@dataclass
class Job:
    """One unit of queued work, owned by one browser session."""

    id: str
    kind: str
    owner: str
    status: str = "queued"  # queued, running, done, failed
    events: list[dict] = field(default_factory=list)
    stage: dict | None = None
    result: dict | None = None
    error: str | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    data: dict[str, Any] = field(default_factory=dict)  # server-side only (answers, file paths); never sent
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def emit(self, event: dict) -> None:
        """Append an event for the page (thread-safe)."""
        with self._lock:
            self.events.append(event)

    def progress(self, stage: str, done: float = 0, total: float = 0, unit: str = "") -> None:
        """A `prompts.progress.Progress`: the stage shown while the job runs."""
        self.stage = {"stage": stage, "done": done, "total": total, "unit": unit}

    def snapshot(self, after: int = 0, position: int = 0) -> dict:
        """The job as the page sees it: status, events after the first `after`, result or error."""
        with self._lock:
            events = self.events[max(0, after):]
            total = len(self.events)
        elapsed = (self.finished or time.time()) - (self.started or self.created)
        return {"id": self.id, "kind": self.kind, "status": self.status, "position": position,
                "events": events, "next": total, "stage": self.stage, "result": self.result, "error": self.error,
                "seconds": round(elapsed, 2)}


class JobQueue:
    """A bounded queue with one worker thread (see the module docstring)."""

    def __init__(self, name: str, max_waiting: int = 8, keep: int = 200):
        self.name = name
        self.max_waiting = max_waiting
        self.keep = keep
        self._queue: queue.Queue[tuple[Job, Callable[[Job], dict | None]] | None] = queue.Queue()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._waiting: list[str] = []
        self._lock = threading.Lock()
        self.running = 0
        self.max_running = 0  # the most jobs ever seen running at once (1 by construction; checked by tests)
        self.completed = 0
        self.failed = 0
        self._worker = threading.Thread(target=self._work, name=f"aisci-{name}", daemon=True)
        self._worker.start()

    def submit(self, kind: str, owner: str, fn: Callable[[Job], dict | None], **data: Any) -> Job:
        """Queue `fn(job)`; its return value becomes the job's result. Raises Busy when full."""
        with self._lock:
            if len(self._waiting) >= self.max_waiting:
                raise Busy(f"the {self.name} queue is full ({self.max_waiting} jobs waiting); try again in a moment")
            job = Job(id=secrets.token_urlsafe(12), kind=kind, owner=owner, data=dict(data))
            self._jobs[job.id] = job
            self._waiting.append(job.id)
            self._forget_old()
        self._queue.put((job, fn))
        return job

    def get(self, job_id: str, owner: str | None = None) -> Job | None:
        """The job with this id (only its owner's, when `owner` is given)."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or (owner is not None and job.owner != owner):
            return None
        return job

    def position(self, job: Job) -> int:
        """How many jobs wait ahead of `job` (0 when it runs or ran)."""
        with self._lock:
            return self._waiting.index(job.id) if job.id in self._waiting else 0

    def snapshot(self, job: Job, after: int = 0) -> dict:
        return job.snapshot(after, self.position(job))

    def stats(self) -> dict:
        with self._lock:
            return {"waiting": len(self._waiting), "running": self.running, "max_running": self.max_running,
                    "completed": self.completed, "failed": self.failed}

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker after the job it is running."""
        self._queue.put(None)
        self._worker.join(timeout)

    def _forget_old(self) -> None:
        finished = [jid for jid, j in self._jobs.items() if j.status in ("done", "failed")]
        for jid in finished[: max(0, len(self._jobs) - self.keep)]:
            del self._jobs[jid]

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            job, fn = item
            with self._lock:
                self._waiting.remove(job.id)
                self.running += 1
                self.max_running = max(self.max_running, self.running)
            job.status, job.started = "running", time.time()
            try:
                job.result = fn(job)
                job.status = "done"
                self.completed += 1
            except Exception as exc:  # noqa: BLE001 - a failed job shows its line; the server goes on
                if not isinstance(exc, AisciError):
                    log.exception("%s job %s failed", self.name, job.kind)
                job.error, job.status = error_line(exc), "failed"
                self.failed += 1
            finally:
                job.finished = time.time()
                with self._lock:
                    self.running -= 1
