"""The evaluation report: report.md (a table per prompt and the aggregate) and report.json,
both written atomically."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

from evals.metrics import AnswerScore
from evals.runner import EvalError, EvalResult, aggregate_line, percentile
from prompts.files import atomic_write_text


def _f(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _yes(value: bool | None) -> str:
    return "–" if value is None else ("yes" if value else "NO")


def _name(score: AnswerScore) -> str:
    return Path(score.prompt_path).name if score.prompt_path else score.prompt_id


def prompt_row(score: AnswerScore) -> str:
    """One Markdown table row of per-prompt metrics."""
    if score.status != "ok":
        return f"| {_name(score)} | error | " + " | ".join(["–"] * 11) + " |"
    support = sum(score.support) / len(score.support) if score.support else None
    gain = f"+{score.psnr_gain:.2f} dB" if score.psnr_gain is not None else ("ran" if score.demo_ran else "–")
    cells = [
        _name(score), "ok", _f(score.structure), _f(score.link_precision), _f(score.link_recall),
        _f(score.citation_validity), _f(score.coverage), f"{_f(support)} / {_f(min(score.support) if score.support else None)}",
        str(len(score.outside_names)), _yes(score.task_fidelity), _yes(score.refusal_present), gain,
        f"{score.seconds.get('total', sum(score.seconds.values())):.1f}",
    ]
    return "| " + " | ".join(cells) + " |"


def problems(score: AnswerScore) -> list[str]:
    """What an answer got wrong, one line each (empty for a clean answer)."""
    if score.status != "ok":
        return [f"error: {score.error}"]
    lines = []
    if score.missing_parts:
        lines.append(f"missing or empty parts: {', '.join(score.missing_parts)}")
    if score.outside_links:
        lines.append(f"links not in the prompt: {', '.join(score.outside_links)}")
    if score.missing_links:
        lines.append(f"expected links not listed: {', '.join(score.missing_links)}")
    if score.invalid_citations:
        lines.append(f"citations that do not resolve: {', '.join(score.invalid_citations)}")
    if score.outside_names:
        lines.append(f"model names from outside the sources: {', '.join(score.outside_names)}")
    if score.refusal_present is False:
        lines.append(f"no 'not covered' statement for: {', '.join(score.refusal_expected)}")
    return lines + reader_problems(score)


def reader_problems(score: AnswerScore) -> list[str]:
    """What a reader would find wrong: drift, the wrong task, missing facts, cut sentences, no
    direct answer, the wrong language."""
    lines = []
    if score.task_drift:
        lines.append(f"part 1 drifted to a related paper (similarity to the question {score.task_similarity[0]:.2f}, "
                     f"to a related summary {score.task_similarity[1]:.2f})")
    if score.task_family is False:
        lines.append("part 1 does not name the model's image task")
    if score.task_scale is False:
        lines.append("the task part does not keep the question's scale")
    if score.missing_facts:
        lines.append(f"key facts not conveyed: {'; '.join(score.missing_facts)}")
    lines += [f"broken sentence: “{text}”" for text in score.broken]
    if score.direct_answer is False:
        lines.append(f"no direct answer: {score.direct_answer_problem}")
    if score.language_ok is False:
        lines.append(f"parts 1-2 are not in the question's language ({score.language}: {score.language_share:.0%} of letters)")
    return lines


def reader_row(score: AnswerScore) -> str:
    """One Markdown table row of the reader-facing metrics."""
    if score.status != "ok":
        return f"| {_name(score)} | " + " | ".join(["–"] * 7) + " |"
    drift = "–" if score.task_drift is None else ("DRIFT" if score.task_drift else "no")
    cells = [_name(score), drift, _yes(score.task_family), _f(score.key_fact_recall), str(len(score.broken)),
             _f(score.copying), _yes(score.direct_answer), _yes(score.language_ok)]
    return "| " + " | ".join(cells) + " |"


def to_markdown(result: EvalResult) -> str:
    """report.md: the aggregate line and table, a row per prompt, then each prompt's problems."""
    agg = result.aggregate
    lines = ["# aisci evaluation", "", f"Source: `{result.source}` · {result.seconds:.1f} s", "",
             *[f"`{line}`  " for line in aggregate_line(agg).splitlines()], "", "## Aggregate", "",
             "| metric | value |", "|---|---|"]
    rows = [
        ("prompts (answered / errors)", f"{agg['prompts']} ({agg['answered']} / {agg['errors']})"),
        ("structure", _f(agg["structure"])), ("link precision", _f(agg["link_precision"])),
        ("link recall", _f(agg["link_recall"])), ("citation validity", _f(agg["citation_validity"])),
        ("citation coverage", _f(agg["coverage"])),
        ("support mean / p10 / min", f"{_f(agg['support_mean'])} / {_f(agg['support_p10'])} / {_f(agg['support_min'])}"
                                     f" over {agg['support_sentences']} cited sentences"),
        ("outside model names / outside links", f"{agg['outside']} / {agg['outside_links']}"),
        ("task fidelity (no drift, the task named, the scale kept)", f"{agg['task_fidelity_ok']}/{agg['task_fidelity_n']}"),
        ("task drift", str(agg["task_drift"])),
        ("key-fact recall mean / min", f"{_f(agg['key_fact_recall'])} / {_f(agg['key_fact_recall_min'])}"
                                       f" over {agg['key_fact_recall_n']} prompts with key facts"),
        ("broken sentences", str(agg["broken_sentences"])),
        ("part-2 copying mean / max (8-grams in the cited passages)", f"{_f(agg['copying_mean'])} / {_f(agg['copying_max'])}"),
        ("direct answer", f"{agg['direct_answer_ok']}/{agg['direct_answer_n']}"),
        ("in the question's language", f"{agg['language_ok']}/{agg['language_n']}"),
        ("refusal", f"{agg['refusal_ok']}/{agg['refusal_n']}"),
        ("demo ran / mean PSNR gain over bicubic", f"{agg['demo_ran']} / {_f(agg['psnr_gain_mean'])} dB"),
        ("mean seconds per stage", ", ".join(f"{k} {v:.2f}" for k, v in agg["seconds_mean"].items() if v is not None)),
        ("tokens", str(agg["tokens"])),
    ]
    lines += [f"| {name} | {value} |" for name, value in rows]
    lines += ["", "## Per prompt", "",
              "| prompt | status | structure | link P | link R | cit. valid | coverage | support mean / min | outside "
              "| task | refusal | demo | s |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += [prompt_row(s) for s in result.scores]
    lines += ["", "## What a reader sees", "",
              "| prompt | drift | task named | key facts | broken | copying | direct answer | language |",
              "|---|---|---|---|---|---|---|---|"]
    lines += [reader_row(s) for s in result.scores]
    flagged = [(s, problems(s)) for s in result.scores]
    flagged = [(s, p) for s, p in flagged if p]
    lines += ["", "## Problems", ""]
    if not flagged:
        lines.append("None.")
    for score, items in flagged:
        lines += [f"- **{_name(score)}** ({score.prompt_id})", *[f"  - {item}" for item in items]]
    lines.append("")
    return "\n".join(lines)


def to_json(result: EvalResult) -> dict:
    """report.json: the aggregate, each prompt's scores (with its support distribution), and the run."""
    prompts = []
    for score in result.scores:
        data = score.model_dump(mode="json")
        data["support_summary"] = {"mean": round(sum(score.support) / len(score.support), 4) if score.support else None,
                                   "min": min(score.support) if score.support else None,
                                   "p10": percentile(score.support, 10)}
        prompts.append(data)
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"), "source": result.source,
        "run_file": str(result.run_path) if result.run_path else None, "seconds": result.seconds,
        "aggregate": result.aggregate, "aggregate_line": aggregate_line(result.aggregate), "prompts": prompts,
    }


def write_report(result: EvalResult, report_dir: Path) -> tuple[Path, Path]:
    """Write report.md and report.json into `report_dir` (atomically); returns their paths."""
    report_dir = Path(report_dir)
    md_path, json_path = report_dir / "report.md", report_dir / "report.json"
    try:
        # allow_nan=False: a NaN would make report.json invalid JSON; `_finite` turns any into null.
        atomic_write_text(json_path, json.dumps(_finite(to_json(result)), indent=2, ensure_ascii=False,
                                                allow_nan=False))
        atomic_write_text(md_path, to_markdown(result))
    except OSError as exc:
        raise EvalError(f"--report {report_dir}: cannot write the report there ({exc.strerror or exc})") from None
    return md_path, json_path


def _finite(value):
    """`value` with every NaN or infinity (nested anywhere) replaced by None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
