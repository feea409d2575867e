"""`aisci sr` and `aisci sr-eval` through the real CLI entry point (`aisci weights`: test_weights.py)."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from aisci.cli import run


def _json_out(capsys):
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sr", "SISR-SwinIR-2x", "x.png"], "not in the SR zoo"),
        (["sr", "SISR-HAN-2x"], "IMAGE is required"),
        (["sr", "SISR-HAN-2x", "--demo"], "weights not installed for SISR-HAN-2x"),
        (["sr", "SISR-RCAN-2x", "--demo", "--scale", "4"], "exactly 2"),
        (["sr", "SISR-Any-LIIF-EDSR", "nope.png"], "no such file"),
        (["sr", "SISR-Any-LIIF-EDSR", "--demo", "--device", "tpu"], "unknown device"),
        (["weights", "install", "SISR-HAN-4x"], "Google Drive"),
        (["weights", "install", "SISR-HAN-4x", "--from", "nope.pt"], "does not exist"),
        (["sr-eval", "SISR-Any-LIIF-EDSR"], "give a benchmark folder"),
    ],
)
def test_bad_input_is_one_line_and_status_2(capsys, monkeypatch, tmp_path, argv, message):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AISCI_WEIGHTS_DIR", str(tmp_path / "weights"))
    monkeypatch.setenv("AISCI_NO_DOWNLOAD", "1")
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


@pytest.mark.slow
def test_sr_demo_json(capsys, monkeypatch, tmp_path, liif_weights_dir):
    monkeypatch.setenv("AISCI_WEIGHTS_DIR", str(liif_weights_dir))
    assert run(["sr", "SISR-Any-LIIF-EDSR", "--demo", "--json", "--out", str(tmp_path / "o"), "--device", "cpu"]) == 0
    data = _json_out(capsys)
    assert set(data) == {"model", "scale", "device", "dtype", "seconds", "peak_memory_mb", "paths", "metrics"}
    assert set(data["paths"]) == {"input", "output", "comparison"}
    assert set(data["metrics"]) == {"psnr", "ssim", "psnr_bicubic", "ssim_bicubic"}
    assert data["device"] == "cpu" and data["metrics"]["psnr"] > data["metrics"]["psnr_bicubic"]
    assert data["paths"]["output"].startswith(str(tmp_path / "o"))


@pytest.mark.slow
def test_sr_upscale_and_eval(capsys, monkeypatch, tmp_path, liif_weights_dir, testdata_dir):
    monkeypatch.setenv("AISCI_WEIGHTS_DIR", str(liif_weights_dir))
    image = tmp_path / "in.png"
    Image.new("RGB", (20, 16), (10, 200, 30)).save(image)
    assert run(["sr", "SISR-Any-LIIF-EDSR", str(image), "--scale", "3", "--json", "--out", str(tmp_path / "o")]) == 0
    data = _json_out(capsys)
    assert data["metrics"] is None and Image.open(data["paths"]["output"]).size == (60, 48)
    folder = tmp_path / "bench"
    (folder / "HR").mkdir(parents=True)
    Image.open(testdata_dir / "sr" / "set5" / "HR" / "bird.png").crop((0, 0, 96, 96)).save(folder / "HR" / "bird.png")
    assert run(["sr-eval", "SISR-Any-LIIF-EDSR", str(folder), "--scale", "2", "--json"]) == 0
    report = _json_out(capsys)
    assert report["mean"]["2"]["psnr"] > report["mean"]["2"]["psnr_bicubic"]
    assert run(["weights", "list", "--json"]) == 0
    liif = next(r for r in _json_out(capsys) if r["model"] == "SISR-Any-LIIF-EDSR")
    assert liif["installed"] and liif["verified"]
    assert run(["weights", "install", "SISR-Any-LIIF-EDSR"]) == 0
    assert "already installed" in capsys.readouterr().err
