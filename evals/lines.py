"""Checking one line of a run file before it is scored.

A run file is data: it may be hand-edited, cut short, or written by an older or hostile tool. Every
field the evaluation reads is checked for its type here, and every number must be finite, so a
wrong line becomes an error score naming the field ("cannot evaluate: field 'seconds' ...") and no
NaN or infinity ever reaches the aggregate or report.json.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from prompts.errors import AisciError


class LineError(AisciError):
    """A run-file line whose fields do not have the types `aisci batch` writes."""


@dataclass(frozen=True)
class LineFields:
    """The checked identity fields of a line."""

    prompt_id: str
    prompt_path: str | None
    status: str
    seconds: float


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def finite_number(value: Any, field: str, minimum: float | None = None) -> float:
    """`value` as a finite float (booleans are not numbers), else LineError naming `field`."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise LineError(f"field {field!r} must be a finite number, found {_shown(value)}")
    if minimum is not None and value < minimum:
        raise LineError(f"field {field!r} must be at least {minimum:g}, found {_shown(value)}")
    return float(value)


def _expect(record: dict, field: str, kinds: tuple[type, ...], what: str) -> None:
    if field in record and record[field] is not None and not isinstance(record[field], kinds):
        raise LineError(f"field {field!r} must be {what}, found {_shown(record[field])}")


def _numbers_in(value: Any, field: str) -> None:
    """Every number nested in `value` must be finite."""
    if isinstance(value, float) and not math.isfinite(value):
        raise LineError(f"field {field!r} holds a number that is not finite ({value!r})")
    if isinstance(value, dict):
        for key, item in value.items():
            _numbers_in(item, f"{field}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _numbers_in(item, f"{field}[{i}]")


def check_line(record: Any) -> LineFields:
    """The identity fields of a run-file line, after checking the types of every field the
    evaluation reads; LineError (one line, naming the field) otherwise."""
    if not isinstance(record, dict):
        raise LineError(f"expected a JSON object, found {_shown(record)}")
    _expect(record, "prompt_id", (str,), "a string")
    _expect(record, "prompt_path", (str,), "a string (the prompt file's path)")
    _expect(record, "status", (str,), "a string")
    _expect(record, "error", (str,), "a string")
    _expect(record, "backend", (str,), "a string")
    _expect(record, "question", (str,), "a string")
    for field in ("citations", "references", "warnings", "notices", "refused", "links", "source_model_names"):
        _expect(record, field, (list,), "a list")
    for field in ("task", "workflow", "usage", "demo"):
        _expect(record, field, (dict,), "an object")
    for field in ("citations", "references"):
        for i, item in enumerate(record.get(field) or []):
            if not isinstance(item, dict):
                raise LineError(f"field '{field}[{i}]' must be an object, found {_shown(item)}")
    for field in ("source_model_names", "warnings", "notices", "refused"):
        for i, item in enumerate(record.get(field) or []):
            if not isinstance(item, str):
                raise LineError(f"field '{field}[{i}]' must be a string, found {_shown(item)}")
    seconds = finite_number(record.get("seconds", 0.0), "seconds", minimum=0.0)
    for field in ("usage", "demo", "task", "workflow"):
        _numbers_in(record.get(field), field)
    return LineFields(
        prompt_id=str(record.get("prompt_id") or "?"),
        prompt_path=record.get("prompt_path"),
        status=str(record.get("status") or ""),
        seconds=seconds,
    )


def safe_identity(record: Any) -> tuple[str, str | None]:
    """(prompt id, prompt path) of any line, as strings, for the error score of a line that fails
    `check_line`."""
    if not isinstance(record, dict):
        return "?", None
    pid, path = record.get("prompt_id"), record.get("prompt_path")
    return (pid if isinstance(pid, str) and pid else "?"), (path if isinstance(path, str) else None)
