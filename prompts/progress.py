"""How long work reports progress: one callable shape, passed down from the front doors.

Lower layers (index, SR weights and runs, the local model's installer, the answer chain) take an
optional `progress` and call it; they never print. The front door decides how it looks (a rich bar
on a terminal, plain lines in a log, events on a web page, nothing with `--quiet`).

    progress("fetch sources", 2, 5)                        # 2 of 5 done
    progress("download SISR-RCAN-2x", 1_048_576, 0, "B")   # bytes, total unknown
    progress("load embedding model")                       # a stage starts (no count)
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """`progress(stage, done=0, total=0, unit="")`: `stage` is a short label that stays the same
    while it runs; `total` 0 means unknown; `unit` "B" means bytes, "tok" tokens, "" items."""

    def __call__(self, stage: str, done: float = 0, total: float = 0, unit: str = "") -> None: ...


def no_progress(stage: str, done: float = 0, total: float = 0, unit: str = "") -> None:
    """A `Progress` that shows nothing."""
