"""Evaluation runs: score the lines of a batch run file, or answer prompts first (through the
batch code) and score those; aggregate; check `--fail-under` thresholds."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agent.sessions.runfile import split_records
from agent.settings import Settings
from evals.lines import LineError, check_line, safe_identity
from evals.metrics import AnswerScore, answer_from_document, score_answer
from prompts import AisciError, load

# Aggregate metrics a threshold may name (higher is better for each).
THRESHOLD_KEYS = ("structure", "link_precision", "link_recall", "citation_validity", "coverage", "support_mean",
                  "support_min", "support_p10", "task_fidelity", "refusal", "key_fact_recall", "whole_sentences",
                  "own_words", "direct_answer", "language")
_THRESHOLD = re.compile(r"^([a-z_]+)=(\d+(?:\.\d+)?)$")


class EvalError(AisciError):
    """Bad evaluation input: an unreadable run file, an unknown threshold."""


@dataclass
class EvalResult:
    """Scores per prompt, the aggregate, and where the answers came from."""

    source: str
    scores: list[AnswerScore] = field(default_factory=list)
    aggregate: dict = field(default_factory=dict)
    run_path: Path | None = None
    seconds: float = 0.0


def read_run(path: Path) -> tuple[list[dict], int]:
    """(records, broken lines skipped) of a batch run file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise EvalError(f"{path}: cannot read the run file ({exc.strerror or exc})") from None
    records, bad = split_records(data)
    if not records and bad:
        raise EvalError(f"{path}: expected JSON lines from `aisci batch`, found none")
    return records, len(bad)


def score_record(record: dict, embeddings=None) -> AnswerScore:
    """Score one run-file line. An error line, or a line whose prompt file is gone or changed,
    becomes an error score."""
    try:  # a line is data: wrong types or non-finite numbers make an error score, never a crash
        line = check_line(record)
    except LineError as exc:
        pid, path = safe_identity(record)
        return AnswerScore(prompt_id=pid, prompt_path=path, status="error", error=f"cannot evaluate: {exc}")
    pid, path = line.prompt_id, line.prompt_path
    if record.get("status") != "ok":
        return AnswerScore(prompt_id=pid, prompt_path=path, status="error", backend=record.get("backend"),
                           error=str(record.get("error") or "failed"), seconds={"total": line.seconds})
    try:
        if not path:
            raise EvalError("the line names no prompt_path")
        prompt = load(path)
        if prompt.id != pid:
            raise EvalError(f"{path} has changed since it was answered (id {prompt.id}, line {pid})")
        answer = answer_from_document(record)
        seconds = {**answer.usage.seconds, "total": line.seconds}
        return score_answer(answer, prompt, embeddings=embeddings, source_names=record.get("source_model_names", ()),
                            seconds=seconds, prompt_path=path)
    except (AisciError, KeyError, ValueError, TypeError, AttributeError) as exc:
        return AnswerScore(prompt_id=pid, prompt_path=path, status="error", error=f"cannot evaluate: {exc}")


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0–100) of `values` with linear interpolation."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (pos - low), 4)


def aggregate(scores: Sequence[AnswerScore]) -> dict:
    """Means over the answered prompts; support pooled over every cited sentence; counts."""
    ok = [s for s in scores if s.status == "ok"]

    def mean_of(name: str) -> float | None:
        return _mean([getattr(s, name) for s in ok if getattr(s, name) is not None])

    support = [v for s in ok for v in s.support]
    fidelity = [s.task_fidelity for s in ok if s.task_fidelity is not None]
    recall = [s.key_fact_recall for s in ok if s.key_fact_recall is not None]
    copied = [s.copying for s in ok if s.copying is not None]
    direct = [s.direct_answer for s in ok if s.direct_answer is not None]
    in_language = [s.language_ok for s in ok if s.language_ok is not None]
    refusals = [s.refusal_present for s in ok if s.refusal_present is not None]
    gains = [s.psnr_gain for s in ok if s.psnr_gain is not None]
    stages = sorted({k for s in ok for k in s.seconds})
    return {
        "prompts": len(scores), "answered": len(ok), "errors": len(scores) - len(ok),
        "structure": mean_of("structure"), "link_precision": mean_of("link_precision"),
        "link_recall": mean_of("link_recall"), "citation_validity": mean_of("citation_validity"),
        "coverage": mean_of("coverage"),
        "support_mean": _mean(support), "support_min": round(min(support), 4) if support else None,
        "support_p10": percentile(support, 10), "support_sentences": len(support),
        "outside": sum(len(s.outside_names) for s in ok), "outside_links": sum(len(s.outside_links) for s in ok),
        "task_fidelity": _mean([1.0 if f else 0.0 for f in fidelity]), "task_fidelity_n": len(fidelity),
        "task_fidelity_ok": sum(fidelity),
        "task_drift": sum(1 for s in ok if s.task_drift), "task_family_ok": sum(1 for s in ok if s.task_family),
        "key_fact_recall": _mean(recall), "key_fact_recall_n": len(recall),
        "key_fact_recall_min": round(min(recall), 4) if recall else None,
        "broken_sentences": sum(len(s.broken) for s in ok),
        "whole_sentences": _mean([0.0 if s.broken else 1.0 for s in ok]),
        "copying_mean": _mean(copied), "copying_max": round(max(copied), 4) if copied else None,
        "own_words": round(1 - _mean(copied), 4) if copied else None,
        "direct_answer": _mean([1.0 if d else 0.0 for d in direct]), "direct_answer_n": len(direct),
        "direct_answer_ok": sum(direct),
        "language": _mean([1.0 if x else 0.0 for x in in_language]), "language_ok": sum(in_language),
        "language_n": len(in_language),
        "refusal": _mean([1.0 if r else 0.0 for r in refusals]), "refusal_n": len(refusals),
        "refusal_ok": sum(refusals),
        "demo_ran": sum(1 for s in ok if s.demo_ran), "psnr_gain_mean": _mean(gains),
        "seconds_mean": {k: _mean([s.seconds[k] for s in ok if k in s.seconds]) for k in stages},
        "tokens": sum(s.tokens for s in ok),
    }


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def aggregate_line(agg: dict) -> str:
    """The one-line summary `aisci eval` prints."""
    return (
        f"eval: {agg['prompts']} prompts, structure {_fmt(agg['structure'])}, "
        f"link precision {_fmt(agg['link_precision'])}, link recall {_fmt(agg['link_recall'])}, "
        f"citation validity {_fmt(agg['citation_validity'])}, coverage {_fmt(agg['coverage'])}, "
        f"support mean {_fmt(agg['support_mean'])} (p10 {_fmt(agg['support_p10'])}, min {_fmt(agg['support_min'])}), "
        f"outside {agg['outside']}, task fidelity {agg['task_fidelity_ok']}/{agg['task_fidelity_n']}, "
        f"refusal {agg['refusal_ok']}/{agg['refusal_n']}, demo {agg['demo_ran']}/{agg['answered']}, "
        f"errors {agg['errors']}\n"
        f"reader: task drift {agg['task_drift']}, task family {agg['task_family_ok']}/{agg['answered']}, "
        f"key facts {_fmt(agg['key_fact_recall'])} (min {_fmt(agg['key_fact_recall_min'])}, {agg['key_fact_recall_n']} with facts), "
        f"broken sentences {agg['broken_sentences']}, copying {_fmt(agg['copying_mean'])} (max {_fmt(agg['copying_max'])}), "
        f"direct answer {agg['direct_answer_ok']}/{agg['direct_answer_n']}, "
        f"language {agg['language_ok']}/{agg['language_n']}"
    )


def parse_threshold(text: str) -> tuple[str, float]:
    """`link_precision=1.0` → ("link_precision", 1.0); EvalError for anything else."""
    match = _THRESHOLD.match(text.strip())
    if not match or match.group(1) not in THRESHOLD_KEYS:
        raise EvalError(f"--fail-under {text!r}: expected METRIC=VALUE with METRIC one of {', '.join(THRESHOLD_KEYS)}")
    return match.group(1), float(match.group(2))


def split_threshold_args(inputs: Sequence[str], fail_under: Sequence[str]) -> tuple[list[Path], dict[str, float]]:
    """Separate inputs from thresholds: `--fail-under a=1 b=1` leaves `b=1` among the positional
    inputs, so a word of the form METRIC=VALUE that is not an existing path counts as a threshold.
    Comma-separated thresholds are accepted too."""
    thresholds: dict[str, float] = {}
    paths = []
    for word in inputs:
        if not Path(word).exists() and _THRESHOLD.match(word.strip()):
            fail_under = [*fail_under, word]
        else:
            paths.append(Path(word))
    for item in fail_under:
        for part in filter(None, (p.strip() for p in item.split(","))):
            key, value = parse_threshold(part)
            thresholds[key] = value
    if not paths:
        raise EvalError("expected a run file (RUN.jsonl) or prompt files / folders to evaluate")
    return paths, thresholds


def check_thresholds(agg: dict, thresholds: dict[str, float]) -> list[str]:
    """A line for each aggregate below its threshold (a metric with nothing to measure passes)."""
    failures = []
    for key, limit in thresholds.items():
        value = agg.get(key)
        if value is not None and value < limit:
            failures.append(f"{key} {value:.4f} < {limit:g}")
    return failures


def is_run_file(paths: Sequence[Path]) -> bool:
    """One existing file that is not a prompt (a .jsonl, or anything whose first byte is '{')."""
    if len(paths) != 1 or not paths[0].is_file():
        return False
    if paths[0].suffix.lower() in (".jsonl", ".json"):
        return True
    with open(paths[0], "rb") as handle:
        return handle.read(1) == b"{"


def evaluate(paths: Sequence[Path], settings: Settings, backend: str | None, report_dir: Path,
             concurrency: int = 1, on_plan: Callable | None = None, notify: Callable | None = None,
             log: Callable[[str], None] | None = None, progress=None) -> EvalResult:
    """Score a run file, or answer the prompt files/folders in `paths` into `report_dir/run.jsonl`
    (a fresh run) with `backend` and score that."""
    from index import LocalEmbeddings

    say = log or (lambda _line: None)
    start = time.perf_counter()
    if is_run_file(paths):
        run_path = paths[0]
        source = str(run_path)
    else:
        from agent.backends.selection import select_backend
        from agent.sessions.batch import discover, run_batch

        jobs = discover(paths)
        engine, reason = select_backend(settings, backend)
        say(f"backend: {engine.name} ({reason}); answering {len(jobs)} prompt(s)")
        run_path = Path(report_dir) / "run.jsonl"
        run_path.parent.mkdir(parents=True, exist_ok=True)
        run_path.unlink(missing_ok=True)  # an evaluation answers afresh
        run_batch(jobs, settings, engine, run_path, concurrency=concurrency, on_plan=on_plan, notify=notify,
                  progress=progress)
        source = ", ".join(str(p) for p in paths)
    records, broken = read_run(run_path)
    if broken:
        say(f"warning: skipped {broken} broken line(s) of {run_path}")
    latest = {str(r.get("prompt_id")): r for r in records}  # a retried prompt: its last line counts
    embeddings = LocalEmbeddings()
    scores = [score_record(r, embeddings) for r in latest.values()]
    scores.sort(key=lambda s: (Path(s.prompt_path).name if s.prompt_path else "", s.prompt_id))
    result = EvalResult(source=source, scores=scores, aggregate=aggregate(scores), run_path=run_path)
    result.seconds = round(time.perf_counter() - start, 3)
    return result
