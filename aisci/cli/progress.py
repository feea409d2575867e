"""Progress on stderr for every long step: rich bars on a terminal, plain lines in a log.

`Reporter` is a `prompts.progress.Progress`: lower layers call it with (stage, done, total, unit).
On a TTY each stage is a live row (bytes with rate and ETA, items as N/M, tokens so far); parts of
the document go to stdout through `Reporter.out`, which clears the rows, prints and redraws them. Elsewhere
(a pipe, a log file, CI) each stage prints plain one-line messages: when it starts, at most every
`interval_s` seconds while it runs, and when it ends. `quiet` shows nothing.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TextColumn
from rich.text import Text

PLAIN_INTERVAL_S = 10.0


def _size(value: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= scale:
            return f"{value / scale:.1f} {unit}"
    return f"{value:.0f} B"


def amount(done: float, total: float, unit: str) -> str:
    """`12.5 MB / 1.1 GB`, `3/5`, `120 tok`: how much of a stage is done."""
    if unit == "B":
        return f"{_size(done)} / {_size(total)}" if total else _size(done)
    if unit:
        return f"{done:.0f}/{total:.0f} {unit}" if total else f"{done:.0f} {unit}"
    return f"{done:.0f}/{total:.0f}" if total else (f"{done:.0f}" if done else "")


def rate_and_eta(done: float, total: float, unit: str, seconds: float) -> str:
    """`8.1 MB/s, 2:05 left` (what can be said after `seconds` of work)."""
    if seconds <= 0.5 or done <= 0:
        return ""
    rate = done / seconds
    shown = f"{_size(rate)}/s" if unit == "B" else f"{rate:.1f} {unit or 'items'}/s"
    if total and done < total:
        left = (total - done) / rate
        shown += f", {int(left // 60)}:{int(left % 60):02d} left"
    return shown


class _AmountColumn(ProgressColumn):
    """Amount, rate and ETA in the units of each stage."""

    def render(self, task: Task) -> Text:
        unit = task.fields.get("unit", "")
        total = task.total or 0
        elapsed = task.elapsed or 0.0
        parts = [p for p in (amount(task.completed, total, unit), rate_and_eta(task.completed, total, unit, elapsed)) if p]
        return Text(" · ".join(parts), style="progress.download")


@dataclass
class _Stage:
    started: float
    last_line: float = 0.0
    task_id: int | None = None
    done: float = 0
    total: float = 0
    unit: str = ""
    finished: bool = False


@dataclass
class Reporter:
    """A `Progress` for the command line (see the module docstring). Use as a context manager."""

    console: Console = field(default_factory=lambda: Console(stderr=True))
    quiet: bool = False
    tty: bool | None = None
    interval_s: float = PLAIN_INTERVAL_S

    def __post_init__(self) -> None:
        if self.tty is None:
            self.tty = self.console.is_terminal
        self._stages: dict[str, _Stage] = {}
        self._bar: Progress | None = None

    # --- life cycle ----------------------------------------------------------------------------
    def __enter__(self) -> Reporter:
        if self.tty and not self.quiet:
            # stdout is not redirected into these rows: the document must go to stdout (see `out`).
            self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=24),
                                 _AmountColumn(), console=self.console, transient=True, redirect_stdout=False,
                                 redirect_stderr=False)
            self._bar.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """End every stage still open and stop the live rows."""
        for name in list(self._stages):
            self._finish(name)
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    # --- reporting -----------------------------------------------------------------------------
    def __call__(self, stage: str, done: float = 0, total: float = 0, unit: str = "") -> None:
        if self.quiet:
            return
        now = time.monotonic()
        state = self._stages.get(stage)
        if state is None or state.finished:
            self._end_open_stages(except_for=stage)
            state = self._stages[stage] = _Stage(started=now)
            self._start(stage, state, total, unit)
        state.done, state.total, state.unit = done, total or state.total, unit or state.unit
        if self._bar is not None and state.task_id is not None:
            self._bar.update(state.task_id, completed=done, total=state.total or None, unit=state.unit)
        elif now - state.last_line >= self.interval_s:
            self._plain(stage, state, now)
        if state.total and done >= state.total:
            self._finish(stage)

    def out(self, text: str) -> None:
        """Print `text` to stdout (a part of the document) without tearing the live rows."""
        if self._bar is not None:
            self._bar.stop()  # transient: the rows are cleared, so the text lands on a clean line
        print(text, flush=True)
        if self._bar is not None:
            self._bar.start()

    def note(self, text: str) -> None:
        """A one-off message (a warning, what was chosen and why), shown in both modes."""
        if not self.quiet:
            self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    # --- internals -----------------------------------------------------------------------------
    def _start(self, stage: str, state: _Stage, total: float, unit: str) -> None:
        if self._bar is not None:
            state.task_id = self._bar.add_task(stage, total=total or None, unit=unit)
        else:
            state.last_line = time.monotonic()
            self._line(f"{stage} …")

    def _plain(self, stage: str, state: _Stage, now: float) -> None:
        state.last_line = now
        detail = " · ".join(p for p in (amount(state.done, state.total, state.unit),
                                        rate_and_eta(state.done, state.total, state.unit, now - state.started)) if p)
        self._line(f"{stage}: {detail}" if detail else f"{stage} …")

    def _finish(self, stage: str) -> None:
        state = self._stages.get(stage)
        if state is None or state.finished:
            return
        state.finished = True
        seconds = time.monotonic() - state.started
        if self._bar is not None and state.task_id is not None:
            self._bar.remove_task(state.task_id)
        if seconds >= 1.0:  # a quick stage said it started; that is enough
            shown = amount(state.done, state.total, state.unit)
            self._line(f"{stage}: done{' (' + shown + ')' if shown else ''} in {seconds:.1f} s")

    def _end_open_stages(self, except_for: str) -> None:
        """A new stage begins: stages without a count (a spinner) are over."""
        for name, state in self._stages.items():
            if name != except_for and not state.finished and not state.total:
                self._finish(name)

    def _line(self, text: str) -> None:
        if self._bar is not None:
            self._bar.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            self.console.print(text, markup=False, highlight=False, soft_wrap=True)
            sys.stderr.flush()
