"""tools/sr/budget.py: the work of an SR run is costed before it starts and bounded (issue 11)."""

from __future__ import annotations

import time

import pytest
import torch
from PIL import Image
from torch.utils.flop_counter import FlopCounterMode

from tools.run_sr_model import run_sr_model
from tools.sr.budget import (
    DEFAULT_MAX_GFLOP,
    LIIF_DECODER_MFLOP,
    LIIF_ENCODER_MFLOP,
    MFLOP_PER_INPUT_PIXEL,
    TooMuchWork,
    check_work,
    estimate_gflop,
)
from tools.sr.config import SRConfig
from tools.sr.runner import liif_predict, rcan_predict
from tools.sr.zoo import build_architecture, get_spec, list_specs


def measured_mflop(spec, side: int = 16) -> tuple[float, float]:
    """(MFLOP per input pixel, MFLOP per output pixel) of the real architecture, counted by torch."""
    model = build_architecture(spec).eval()
    x = torch.rand(1, 3, side, side)
    with torch.inference_mode():
        if not spec.any_scale:
            with FlopCounterMode(display=False) as counter:
                rcan_predict(model, x, chop=False)
            return counter.get_total_flops() / side**2 / 1e6, 0.0
        with FlopCounterMode(display=False) as counter:
            model.gen_feat((x - 0.5) / 0.5)
        encoder = counter.get_total_flops() / side**2 / 1e6
        totals = []
        for out in (2 * side, 4 * side):
            with FlopCounterMode(display=False) as counter:
                liif_predict(model, x, out, out)
            totals.append(counter.get_total_flops())
        return encoder, (totals[1] - totals[0]) / ((4 * side) ** 2 - (2 * side) ** 2) / 1e6


def test_liif_costs_match_the_architecture():
    encoder, decoder = measured_mflop(get_spec("SISR-Any-LIIF-EDSR"))
    assert encoder == pytest.approx(LIIF_ENCODER_MFLOP["LIIF-EDSR"], rel=0.01)
    assert decoder == pytest.approx(LIIF_DECODER_MFLOP, rel=0.01)


@pytest.mark.slow
@pytest.mark.parametrize("spec", [s for s in list_specs() if s.name != "SISR-Any-LIIF-EDSR"], ids=lambda s: s.name)
def test_every_cost_matches_its_architecture(spec):
    encoder, decoder = measured_mflop(spec)
    if spec.any_scale:
        assert encoder == pytest.approx(LIIF_ENCODER_MFLOP[spec.arch], rel=0.01)
        assert decoder == pytest.approx(LIIF_DECODER_MFLOP, rel=0.01)
    else:
        assert encoder == pytest.approx(MFLOP_PER_INPUT_PIXEL[spec.name], rel=0.01)


def test_liif_x30_on_256_pixels_is_refused_on_the_cpu_and_allowed_on_cuda():
    spec = get_spec("SISR-Any-LIIF-EDSR")
    work = estimate_gflop(spec, (256, 256), (7680, 7680))
    assert 90_000 < work < 96_000  # about 93 TFLOP: 25 minutes of a CPU
    with pytest.raises(TooMuchWork, match=r"about 93,\d{3} GFLOP of work, over the limit of 10,000 GFLOP on cpu "
                                          r"\(AISCI_MAX_SR_GFLOP\)"):
        check_work(spec, (256, 256), (7680, 7680), 30, None, "cpu")
    assert check_work(spec, (256, 256), (7680, 7680), 30, None, "cuda") == work
    assert check_work(spec, (256, 256), (7680, 7680), 30, 100_000, "cpu") == work  # the setting raises it


def test_ordinary_runs_pass_the_default_bound():
    for name, hw, out in [("SISR-HAN-2x", (120, 144), (240, 288)), ("SISR-RCAN-4x", (256, 256), (1024, 1024)),
                          ("SISR-Any-LIIF-EDSR", (120, 144), (240, 288)), ("SISR-HAN-8x", (64, 64), (512, 512))]:
        assert check_work(get_spec(name), hw, out, 2, None, "cpu") < DEFAULT_MAX_GFLOP["cpu"]


def test_the_tool_refuses_at_once_without_loading_a_model(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    Image.new("RGB", (256, 256), (120, 30, 200)).save(work / "photo.png")
    monkeypatch.chdir(work)
    config = SRConfig(cache_dir=tmp_path / "cache", weights_dir=tmp_path / "weights", output_dir=tmp_path / "runs",
                      no_download=True, device="cpu")
    started = time.monotonic()
    result = run_sr_model(config, "SISR-Any-LIIF-EDSR", "photo.png", 30, mode="upscale")
    assert time.monotonic() - started < 5
    assert result["error_type"] == "TooMuchWork" and "AISCI_MAX_SR_GFLOP" in result["error"]
    assert not (tmp_path / "runs").exists() and not (tmp_path / "weights").exists()

