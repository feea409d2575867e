"""Evaluation runs: aggregation, thresholds, run-file lines, and a real run over prompts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agent.settings import get_settings
from evals.metrics import AnswerScore
from evals.runner import (
    EvalError,
    aggregate,
    aggregate_line,
    check_thresholds,
    evaluate,
    is_run_file,
    percentile,
    score_record,
    split_threshold_args,
)

REPO = Path(__file__).resolve().parents[2]
SEEDS = sorted((REPO / "prompts" / "set").glob("*.txt"))
CASES = REPO / "evals" / "cases"


def score(pid: str, **kw) -> AnswerScore:
    base = dict(structure=1.0, link_precision=1.0, link_recall=1.0, citation_validity=1.0, coverage=1.0)
    return AnswerScore(prompt_id=pid, **{**base, **kw})


def test_aggregate_and_its_line():
    scores = [
        score("a", support=[0.5, 0.9], task_fidelity=True, seconds={"write": 1.0}, tokens=10),
        score("b", coverage=0.5, support=[0.7], outside_names=["SwinIR"], refusal_expected=["SwinIR"],
              refusal_present=True, demo_ran=True, psnr_gain=2.0, seconds={"write": 3.0}),
        AnswerScore(prompt_id="c", status="error", error="boom"),
    ]
    agg = aggregate(scores)
    assert agg["prompts"] == 3 and agg["answered"] == 2 and agg["errors"] == 1
    assert agg["coverage"] == 0.75 and agg["support_mean"] == 0.7 and agg["support_min"] == 0.5
    assert agg["outside"] == 1 and (agg["refusal_ok"], agg["refusal_n"]) == (1, 1)
    assert agg["seconds_mean"] == {"write": 2.0} and agg["tokens"] == 10 and agg["psnr_gain_mean"] == 2.0
    assert aggregate_line(agg).splitlines()[0] == (
        "eval: 3 prompts, structure 1.00, link precision 1.00, link recall 1.00, citation validity 1.00, "
        "coverage 0.75, support mean 0.70 (p10 0.54, min 0.50), outside 1, task fidelity 1/1, refusal 1/1, "
        "demo 1/2, errors 1")
    assert aggregate_line(agg).splitlines()[1].startswith("reader: task drift 0, ")
    empty = aggregate([])
    assert "structure n/a" in aggregate_line(empty) and empty["errors"] == 0


def test_percentile():
    assert percentile([], 10) is None
    assert percentile([3.0], 10) == 3.0
    assert percentile([0.0, 1.0], 10) == 0.1
    assert percentile(list(range(11)), 50) == 5


def test_thresholds_parse_and_check(tmp_path):
    paths, limits = split_threshold_args([str(tmp_path), "citation_validity=1.0"], ["link_precision=1,coverage=0.9"])
    assert paths == [tmp_path] and limits == {"citation_validity": 1.0, "link_precision": 1.0, "coverage": 0.9}
    with pytest.raises(EvalError, match="expected METRIC=VALUE"):
        split_threshold_args([str(tmp_path)], ["precision=1"])
    with pytest.raises(EvalError, match="expected a run file"):
        split_threshold_args(["coverage=1"], [])
    agg = {"link_precision": 0.96, "coverage": 1.0, "refusal": None}
    assert check_thresholds(agg, {"link_precision": 1.0, "coverage": 1.0, "refusal": 1.0}) == [
        "link_precision 0.9600 < 1"]


def test_error_lines_and_changed_prompts_become_error_scores(tmp_path):
    err = score_record({"prompt_id": "x", "prompt_path": "p.txt", "status": "error", "error": "bad file"})
    assert err.status == "error" and err.error == "bad file"
    copy = tmp_path / "p.txt"
    shutil.copy(SEEDS[0], copy)
    changed = score_record({"prompt_id": "0000000000000000", "prompt_path": str(copy), "status": "ok"})
    assert changed.status == "error" and "has changed since it was answered" in changed.error
    gone = score_record({"prompt_id": "x", "prompt_path": str(tmp_path / "gone.txt"), "status": "ok"})
    assert gone.status == "error" and "cannot evaluate" in gone.error


def test_run_file_detection(tmp_path):
    run = tmp_path / "run.out"
    run.write_text('{"prompt_id": "a"}\n')
    assert is_run_file([run]) and not is_run_file([SEEDS[0]]) and not is_run_file([tmp_path])
    assert not is_run_file([run, run])


def test_evaluate_prompts_then_the_run_file(tmp_path):
    folder = tmp_path / "prompts"
    folder.mkdir()
    for path in (SEEDS[1], CASES / "refusal_outside_model.txt", CASES / "injection_in_summary.txt"):
        shutil.copy(path, folder)
    settings = get_settings(offline=True)
    report = tmp_path / "report"
    result = evaluate([folder], settings, "extractive", report)
    agg = result.aggregate
    assert agg["prompts"] == 3 and agg["errors"] == 0
    assert agg["structure"] == agg["link_precision"] == agg["link_recall"] == agg["citation_validity"] == 1.0
    assert agg["outside"] == 0 and (agg["refusal_ok"], agg["refusal_n"]) == (1, 1)
    assert agg["task_fidelity_ok"] == agg["task_fidelity_n"] == 3
    assert 0.2 < agg["support_mean"] <= 1.0 and agg["support_sentences"] > 10
    assert result.run_path == report / "run.jsonl"
    lines = [json.loads(x) for x in result.run_path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 3 and all(line["status"] == "ok" for line in lines)
    again = evaluate([result.run_path], settings, None, tmp_path / "other")
    assert [s.model_dump(exclude={"seconds"}) for s in again.scores] == [
        s.model_dump(exclude={"seconds"}) for s in result.scores]
    assert not (tmp_path / "other" / "run.jsonl").exists()


# --- lines of the wrong types never crash the evaluation or put NaN in report.json (issue 11) -------
def _ok_line(tmp_path) -> dict:
    from agent.backends.extractive import ExtractiveBackend
    from agent.sessions.batch import answer_job as answer_one
    from agent.sessions.batch import discover

    settings = get_settings(offline=True)
    job = discover([SEEDS[0]])[0]
    line = answer_one(job, settings, ExtractiveBackend())
    assert line["status"] == "ok"
    return line


BROKEN = {
    "seconds-text": ({"seconds": "abc"}, "field 'seconds' must be a finite number"),
    "seconds-nan": ({"seconds": float("nan")}, "field 'seconds' must be a finite number"),
    "seconds-negative": ({"seconds": -3}, "field 'seconds' must be at least 0"),
    "seconds-bool": ({"seconds": True}, "field 'seconds' must be a finite number"),
    "citations-int": ({"citations": 5}, "field 'citations' must be a list"),
    "citations-items": ({"citations": ["S1"]}, "field 'citations[0]' must be an object"),
    "prompt-path-list": ({"prompt_path": ["a", "b"]}, "field 'prompt_path' must be a string"),
    "references-text": ({"references": "x"}, "field 'references' must be a list"),
    "task-text": ({"task": "x"}, "field 'task' must be an object"),
    "usage-nan": ({"usage": {"seconds": {"write": float("inf")}}}, "is not finite"),
    "demo-nan": ({"demo": {"metrics": {"psnr": float("nan"), "psnr_bicubic": 20.0}}}, "is not finite"),
    "warnings-ints": ({"warnings": [1, 2]}, "field 'warnings[0]' must be a string"),
    "prompt-id-list": ({"prompt_id": ["x"]}, "field 'prompt_id' must be a string"),
}


def test_lines_of_the_wrong_types_become_error_scores(tmp_path, capsys):
    import math

    from special_files import make_fifo, within

    from aisci.cli import run

    good = _ok_line(tmp_path)
    lines = [good]
    for i, (name, (change, _)) in enumerate(BROKEN.items()):
        lines.append({**good, "prompt_id": change.get("prompt_id", f"broken{i:02d}-{name}"), **change})
    fifo = make_fifo(tmp_path, "fifo.txt")
    lines.append({**good, "prompt_id": "fifo-line", "prompt_path": str(fifo)})
    lines.append({**good, "prompt_id": "error-line", "status": "error", "error": "boom", "seconds": "soon"})
    run_file = tmp_path / "run.jsonl"
    run_file.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")  # NaN written as NaN

    code = within(120, lambda: run(["eval", str(run_file), "--report", str(tmp_path / "report")]))
    assert code == 1  # the broken lines are errors; nothing crashed
    out = capsys.readouterr().out
    assert out.startswith("eval: ") and f"errors {len(lines) - 1}" in out

    def no_constants(name):
        raise AssertionError(f"report.json holds {name}")

    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"), parse_constant=no_constants)
    by_id = {p["prompt_id"]: p for p in report["prompts"]}
    assert by_id[good["prompt_id"]]["status"] == "ok"
    for i, (name, (change, message)) in enumerate(BROKEN.items()):
        pid = f"broken{i:02d}-{name}" if "prompt_id" not in change else "?"
        score = by_id[pid]
        assert score["status"] == "error" and message in score["error"], (name, score["error"])
    assert "found a FIFO" in by_id["fifo-line"]["error"]
    assert by_id["error-line"]["status"] == "error"
    for value in report["aggregate"].values():
        assert not (isinstance(value, float) and not math.isfinite(value))
