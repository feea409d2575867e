"""The evaluation report: report.md tables and problems, report.json, atomic writes."""

from __future__ import annotations

import json

from evals.metrics import AnswerScore
from evals.report import problems, to_markdown, write_report
from evals.runner import EvalResult, aggregate, aggregate_line


def result() -> EvalResult:
    good = AnswerScore(prompt_id="a", prompt_path="/x/good.txt", structure=1.0, link_precision=1.0, link_recall=1.0,
                       citation_validity=1.0, coverage=1.0, support=[0.8, 0.6], seconds={"total": 2.0})
    bad = AnswerScore(prompt_id="b", prompt_path="/x/bad.txt", structure=0.0, missing_parts=["workflow"],
                      link_precision=0.5, outside_links=["https://evil.example.com"], link_recall=1.0,
                      citation_validity=0.5, invalid_citations=["S99"], coverage=0.5, outside_names=["SwinIR"],
                      refusal_expected=["SwinIR"], refusal_present=False, task_fidelity=False,
                      task_scale=False, task_drift=True, task_similarity=[0.3, 0.5], broken=["It was cut …"],
                      direct_answer=False, direct_answer_problem="part 2 has no direct answer")
    failed = AnswerScore(prompt_id="c", prompt_path="/x/broken.txt", status="error", error="not a prompt")
    scores = [good, bad, failed]
    return EvalResult(source="somewhere", scores=scores, aggregate=aggregate(scores), seconds=1.0)


def test_problems_name_each_fault():
    res = result()
    assert problems(res.scores[0]) == []
    lines = problems(res.scores[1])
    for text in ("workflow", "evil.example.com", "S99", "SwinIR", "scale", "not covered", "drifted", "cut …",
                 "no direct answer"):
        assert any(text in line for line in lines), text
    assert problems(res.scores[2]) == ["error: not a prompt"]


def test_markdown_has_the_aggregate_and_a_row_per_prompt():
    res = result()
    md = to_markdown(res)
    assert all(line in md for line in aggregate_line(res.aggregate).splitlines())
    assert "## What a reader sees" in md and "| bad.txt | DRIFT |" in md
    rows = [line for line in md.split("## What a reader sees")[0].splitlines() if line.startswith("| ") and ".txt |" in line]
    assert [r.split(" | ")[0] for r in rows] == ["| good.txt", "| bad.txt", "| broken.txt"]
    assert all(r.count("|") == 14 for r in rows)
    assert "0.70 / 0.60" in rows[0] and "| error |" in rows[2]


def test_write_report(tmp_path):
    res = result()
    md_path, json_path = write_report(res, tmp_path / "r")
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["aggregate"]["prompts"] == 3 and data["aggregate_line"] == aggregate_line(res.aggregate)
    assert data["prompts"][0]["support_summary"] == {"mean": 0.7, "min": 0.6, "p10": 0.62}
    assert md_path.read_text(encoding="utf-8").startswith("# aisci evaluation")
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["report.json", "report.md"]
