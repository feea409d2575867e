"""`aisci eval`: the aggregate line, the reports, and --fail-under as an exit status."""

from __future__ import annotations

import json
import re

from aisci.cli import run

LINE = re.compile(
    r"^eval: 5 prompts, structure 1\.00, link precision 1\.00, link recall 1\.00, citation validity 1\.00, "
    r"coverage \d\.\d\d, support mean \d\.\d\d \(p10 \d\.\d\d, min \d\.\d\d\), outside 0, task fidelity 5/5, "
    r"refusal 0/0, demo 0/5, errors 0$"
)
READER = re.compile(r"^reader: task drift 0, task family 5/5, key facts \d\.\d\d \(min \d\.\d\d, 5 with facts\), "
                    r"broken sentences 0, copying 1\.00 \(max 1\.00\), direct answer 5/5, language 5/5$")


def test_eval_the_seed_set_with_the_extractive_backend(prompt_set_dir, tmp_path, capsys):
    report = tmp_path / "report"
    code = run(["eval", str(prompt_set_dir), "--backend", "extractive", "--offline", "--report", str(report),
                "--fail-under", "link_precision=1.0", "citation_validity=1.0"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    lines = captured.out.strip().splitlines()
    assert LINE.match(lines[-2]), lines[-2]
    assert READER.match(lines[-1]), lines[-1]  # the extractive backend quotes: copying 1.00 by design
    data = json.loads((report / "report.json").read_text(encoding="utf-8"))
    assert data["aggregate"]["prompts"] == 5 and len(data["prompts"]) == 5
    assert (report / "report.md").read_text(encoding="utf-8").count(".txt | ok |") == 5
    assert len((report / "run.jsonl").read_text(encoding="utf-8").splitlines()) == 5

    # the run file alone: no answering, same numbers; a threshold above the result fails with status 1
    code = run(["eval", str(report / "run.jsonl"), "--report", str(tmp_path / "again"),
                "--fail-under", "support_min=0.99,coverage=1.0"])
    captured = capsys.readouterr()
    assert code == 1 and captured.out.strip().splitlines()[-2:] == lines[-2:]
    assert "fail-under: support_min" in captured.err


def test_eval_bad_threshold_is_a_one_line_error(prompt_set_dir, capsys):
    assert run(["eval", str(prompt_set_dir), "--fail-under", "speed=1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --fail-under 'speed=1'") and "\n" not in err


def test_eval_of_a_broken_prompt_exits_1(tmp_path, capsys):
    (tmp_path / "bad.txt").write_text("nothing here\n", encoding="utf-8")
    assert run(["eval", str(tmp_path), "--backend", "extractive", "--offline", "--report", str(tmp_path / "r")]) == 1
    assert capsys.readouterr().out.strip().splitlines()[-2].endswith("errors 1")
