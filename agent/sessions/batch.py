"""Batch answering: many prompts, one JSON line each in a resumable run file.

A line is the answer's JSON document (`agent.answer.render.to_json`) plus `status` ("ok" | "error"),
`error`, `seconds` and `prompt_path`. A prompt whose id already has a line is skipped, so a run
killed at any moment is finished by running the same command again. A prompt that fails (bad file,
unreachable source, backend error) is recorded with its error and the batch goes on.

Prompts run on threads: one settings object (so one cache, one Chroma database, one embedding
model) and one backend object are shared, so prompts that share papers share the fetched and
embedded sources, and a local LLM is loaded once (it serialises its own calls).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from agent.sessions.runfile import RunFile
from agent.settings import Settings
from prompts import AisciError, Prompt, load, prompt_id
from prompts.parser import read_prompt_bytes
from prompts.progress import Progress
from prompts.text import display_path


class BatchError(AisciError):
    """Bad batch input (no such file, no prompt files in a folder)."""


@dataclass
class BatchJob:
    """One prompt file to answer; `error` is set when the file cannot be read as a prompt."""

    path: Path
    prompt_id: str
    prompt: Prompt | None = None
    error: str | None = None


@dataclass
class BatchOutcome:
    """What became of one job: its record (new or found in the run file) or a skip reason."""

    job: BatchJob
    record: dict | None = None
    skipped: str | None = None  # "done earlier" | "duplicate"

    @property
    def failed(self) -> bool:
        return self.record is not None and self.record.get("status") != "ok"


@dataclass
class BatchResult:
    """Outcomes in input order, and the batch's wall time."""

    run_path: Path
    outcomes: list[BatchOutcome] = field(default_factory=list)
    seconds: float = 0.0
    dropped_lines: int = 0

    @property
    def failed(self) -> list[BatchOutcome]:
        return [o for o in self.outcomes if o.failed]

    @property
    def answered(self) -> list[BatchOutcome]:
        return [o for o in self.outcomes if o.skipped is None]


def _raw_id(path: Path) -> str:
    """An id for a file that does not parse as a prompt: the same hash of its text, so a fixed
    file gets a new id and is answered on the next run."""
    try:
        data = read_prompt_bytes(path)  # bounded, and never a FIFO or a device
    except AisciError:
        data = os.fsencode(path)
    return prompt_id(data.decode("utf-8", "replace").replace("\r\n", "\n"))


def prompt_files(inputs: Sequence[Path | str]) -> list[Path]:
    """Prompt files named by `inputs`: a folder stands for its `*.txt` files (sorted by name).
    The same file named twice is kept once."""
    if not inputs:
        raise BatchError("expected at least one prompt file or folder")
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.txt") if p.is_file())
            if not found:
                raise BatchError(f"{path}: expected prompt files (*.txt) in this folder, found none")
            files += found
        elif path.is_file():
            files.append(path)
        elif path.exists():
            raise BatchError(f"{display_path(path)}: expected a prompt file or folder, found a special file "
                             "(FIFO, device or socket)")
        else:
            raise BatchError(f"{display_path(path)}: no such prompt file or folder")
    seen: set[Path] = set()
    unique = []
    for path in files:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def discover(inputs: Sequence[Path | str]) -> list[BatchJob]:
    """Jobs for every prompt file of `inputs`; files that do not parse become failing jobs."""
    jobs = []
    for path in prompt_files(inputs):
        try:
            prompt = load(path)
        except AisciError as exc:
            jobs.append(BatchJob(path=path, prompt_id=_raw_id(path), error=str(exc)))
        else:
            jobs.append(BatchJob(path=path, prompt_id=prompt.id, prompt=prompt))
    return jobs


def describe_error(exc: BaseException) -> str:
    """One line for a failure: the message of our own errors, the type too for anything else."""
    if isinstance(exc, AisciError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def answer_job(job: BatchJob, settings: Settings, backend, demo_image: Path | None = None,
               demo: bool = False, progress: Progress | None = None) -> dict:
    """Answer one job and return its run-file record. Never raises for a failing prompt: the
    failure becomes a record with status "error"."""
    start = time.perf_counter()
    record: dict = {"prompt_id": job.prompt_id, "prompt_path": str(job.path.resolve())}
    if job.error is not None or job.prompt is None:
        return {**record, "status": "error", "error": job.error or "not a prompt", "seconds": 0.0}
    try:
        from agent.answer.compose import answer_prompt, run_demo
        from agent.answer.render import to_json
        from agent.grounding.vocabulary import allowed_model_names
        from index import QuestionIndex

        index = QuestionIndex.build(job.prompt, settings.index_config(), progress=progress)
        built = time.perf_counter() - start
        answer = answer_prompt(job.prompt, settings, backend, index=index, progress=progress)
        answer.usage.add_time("index", built)
        if demo:
            answer = run_demo(answer, settings, demo_image, settings.output_dir / job.prompt.id / "demo")
        document = to_json(answer, job.prompt)
        # Model names the question's own sources mention: what evaluation may count as grounded.
        document["source_model_names"] = sorted(allowed_model_names(p.text for p in index.passages()))
        # Sharing shows here: a source another prompt already embedded costs no embedding now.
        document["index_stats"] = {k: index.stats.get(k) for k in ("passages", "embedded", "requests")}
    except Exception as exc:  # noqa: BLE001 - one failing prompt must not stop the batch
        return {**record, "question": job.prompt.question, "backend": getattr(backend, "name", None),
                "status": "error", "error": describe_error(exc), "seconds": round(time.perf_counter() - start, 3)}
    return {**record, "status": "ok", "error": None, "seconds": round(time.perf_counter() - start, 3), **document}


Notify = Callable[[BatchOutcome], None]


def run_batch(jobs: Sequence[BatchJob], settings: Settings, backend, run_path: Path | str, concurrency: int = 1,
              demo: bool = False, demo_image: Path | None = None, retry_failed: bool = False,
              notify: Notify | None = None, on_plan: Callable[[int, int], None] | None = None,
              progress: Progress | None = None) -> BatchResult:
    """Answer `jobs` into the run file `run_path` (see the module docstring).

    `retry_failed` answers again the prompts whose earlier line is an error (that line is
    removed first). `on_plan(to_answer, skipped)` is called once the run file has been read;
    `notify(outcome)` after each prompt is written (from the calling thread).
    """
    started = time.perf_counter()
    result = BatchResult(run_path=Path(run_path))
    with RunFile(run_path) as run:
        result.dropped_lines = run.dropped
        ids = {job.prompt_id for job in jobs}
        if retry_failed:
            kept = [r for r in run.records if not (r.get("prompt_id") in ids and r.get("status") != "ok")]
            if len(kept) != len(run.records):
                run.rewrite(kept)
        done = {r.get("prompt_id"): r for r in run.records}
        outcomes: list[BatchOutcome] = []
        todo: list[BatchOutcome] = []
        seen: set[str] = set()
        for job in jobs:
            if job.prompt_id in seen:
                outcomes.append(BatchOutcome(job, skipped="duplicate"))
            elif job.prompt_id in done:
                outcomes.append(BatchOutcome(job, record=done[job.prompt_id], skipped="done earlier"))
            else:
                outcome = BatchOutcome(job)
                outcomes.append(outcome)
                todo.append(outcome)
            seen.add(job.prompt_id)
        result.outcomes = outcomes
        if on_plan:
            on_plan(len(todo), len(outcomes) - len(todo))
        if todo:
            _answer_all(todo, run, settings, backend, max(1, concurrency), demo, demo_image, notify, progress)
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _answer_all(todo: list[BatchOutcome], run: RunFile, settings: Settings, backend, concurrency: int,
                demo: bool, demo_image: Path | None, notify: Notify | None, progress: Progress | None = None) -> None:
    """Answer on a thread pool; only this (calling) thread writes the run file."""
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="aisci-batch")
    futures: dict[Future, BatchOutcome] = {
        pool.submit(answer_job, o.job, settings, backend, demo_image, demo, progress): o for o in todo
    }
    try:
        for future in as_completed(futures):
            outcome = futures[future]
            outcome.record = future.result()
            run.append(outcome.record)
            if notify:
                notify(outcome)
    except BaseException:
        # Ctrl-C: prompts not started are cancelled; what is written stays written.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
