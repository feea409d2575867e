"""`aisci answer`: the main job, offline, with the extractive backend and with --demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from aisci.cli import run
from prompts import load, normalize_url

SET = Path(__file__).resolve().parents[3] / "prompts" / "set"


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv("AISCI_OFFLINE", "1")
    monkeypatch.setenv("AISCI_NO_DOWNLOAD", "1")


def test_answer_json_extractive(offline, capsys):
    path = SET / "003_447ceb70a0fd5139.txt"
    assert run(["answer", str(path), "--backend", "extractive", "--json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert "backend: extractive (requested)" in captured.err
    assert doc["backend"] == "extractive" and doc["prompt_id"] == load(path).id
    assert set(doc["sections"]) == {"task", "workflow", "references"}
    assert {normalize_url(u) for u in doc["links"]} <= load(path).allowed_links()
    assert "https://github.com/yulunzhang/RCAN" in doc["links"]
    assert doc["workflow"]["mermaid"].startswith("flowchart LR")
    assert doc["demo"] is None and isinstance(doc["refused"], list)


def test_auto_falls_back_to_extractive_and_says_why(offline, capsys, monkeypatch):
    monkeypatch.setenv("AISCI_LOCAL_MODEL", "")
    assert run(["answer", str(SET / "000_e84ef3a245fb1958.txt")]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("backend: extractive (no endpoint configured and ")
    assert captured.out.startswith("# Some super-resolution models keep details incredibly sharp.")


def test_out_dir_gets_markdown_and_json(offline, tmp_path, capsys):
    out = tmp_path / "answer"
    assert run(["answer", str(SET / "001_1e8079f89356a990.txt"), "--backend", "extractive", "--out", str(out)]) == 0
    assert (out / "answer.md").read_text("utf-8").startswith("# After enlarging")
    assert json.loads((out / "answer.json").read_text("utf-8"))["backend"] == "extractive"
    assert not list(out.glob("*.tmp"))


@pytest.mark.parametrize(
    "args, message",
    [
        (["--backend", "gpt9"], "unknown backend 'gpt9'"),
        (["--backend", "openai"], None),
    ],
)
def test_bad_backend_is_one_line_exit_2(offline, capsys, args, message, monkeypatch):
    if args[-1] == "openai":  # an endpoint nobody listens on
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        monkeypatch.setenv("AISCI_LLM_BASE_URL", f"http://127.0.0.1:{port}/v1")
    assert run(["answer", str(SET / "000_e84ef3a245fb1958.txt"), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and "Traceback" not in "\n".join(err)
    if message:
        assert message in err[-1]


def test_missing_weights_demo_still_answers(offline, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AISCI_WEIGHTS_DIR", str(tmp_path / "no-weights"))
    out = tmp_path / "run"
    assert run(["answer", str(SET / "000_e84ef3a245fb1958.txt"), "--backend", "extractive", "--json",
                "--out", str(out), "--demo"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["demo"] is None
    assert any("weights not installed" in w.lower() and "github.com/wwlCape/HAN" in w for w in doc["warnings"])
    assert all(doc["sections"][part].strip() for part in ("task", "workflow", "references"))


@pytest.mark.slow
def test_demo_with_liif_edsr_writes_comparison(liif_weights_dir, offline, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AISCI_WEIGHTS_DIR", str(liif_weights_dir))
    out = tmp_path / "run"
    assert run(["answer", str(SET / "004_22a4445001d39c44.txt"), "--backend", "extractive", "--json",
                "--out", str(out), "--demo"]) == 0
    doc = json.loads(capsys.readouterr().out)
    demo = doc["demo"]
    assert demo["model"] == "SISR-Any-LIIF-EDSR" and demo["scale"] == 2
    comparison = Path(demo["paths"]["comparison"])
    assert comparison.is_file() and comparison.is_relative_to(out)
    with Image.open(comparison) as img:
        assert img.width > 200
    metrics = demo["metrics"]
    assert metrics["psnr"] > metrics["psnr_bicubic"] > 15
    assert "PSNR (dB)" in doc["sections"]["workflow"] and "bicubic" in doc["sections"]["workflow"]


def test_out_that_is_a_file_is_one_line_exit_2(offline, tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("keep me")
    assert run(["answer", str(SET / "000_e84ef3a245fb1958.txt"), "--backend", "extractive", "--out", str(blocker)]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith(f"error: --out {blocker}: cannot write")
    assert blocker.read_text() == "keep me"
