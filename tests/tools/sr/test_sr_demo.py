"""Demo and upscale with the real EDSR-baseline-LIIF weights: files, metrics, image kinds."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from tools.sr.config import SRConfig
from tools.sr.demo import SAMPLE_IMAGE, run_demo, upscale
from tools.sr.errors import BadImage, WeightsNotInstalled
from tools.sr.sample_chart import draw_test_chart

LIIF = "SISR-Any-LIIF-EDSR"


def test_bundled_sample_is_the_drawn_chart():
    bundled = np.asarray(Image.open(SAMPLE_IMAGE).convert("RGB")).astype(int)
    drawn = np.asarray(draw_test_chart()).astype(int)
    assert bundled.shape == drawn.shape == (240, 288, 3)
    # Identical up to font rasterisation differences between Pillow versions.
    assert np.abs(bundled - drawn).mean() < 0.5


def test_missing_weights_write_nothing(tmp_path):
    config = SRConfig(cache_dir=tmp_path / "c", weights_dir=tmp_path / "w", output_dir=tmp_path / "runs", device="cpu")
    with pytest.raises(WeightsNotInstalled, match="wwlCape/HAN"):
        run_demo("SISR-HAN-2x", None, None, config=config)
    assert not (tmp_path / "runs").exists()


def test_image_too_small_for_the_scale(tmp_path):
    path = tmp_path / "tiny.png"
    Image.new("RGB", (12, 12)).save(path)
    with pytest.raises(BadImage, match="too small for a x4"):
        run_demo(LIIF, path, 4, config=SRConfig(output_dir=tmp_path / "runs", no_download=True))
    assert not (tmp_path / "runs").exists()


@pytest.mark.slow
def test_demo_on_the_sample(sr_config, liif_weights):
    result = run_demo(LIIF, None, 2, config=sr_config)
    assert result.mode == "demo" and result.scale == 2.0 and result.device == "cpu" and result.dtype == "float32"
    assert result.input_size == (144, 120) and result.output_size == (288, 240)
    m = result.metrics
    assert m is not None and m.psnr > m.psnr_bicubic + 3 and m.ssim > m.ssim_bicubic
    for path in (result.paths.input, result.paths.output, result.paths.comparison, result.paths.ground_truth):
        assert Image.open(path).size[0] > 0
    assert Image.open(result.paths.output).size == (288, 240)
    folder = sr_config.output_dir / "sr"
    run_dir = next(folder.iterdir())
    saved = json.loads((run_dir / "result.json").read_text())
    assert saved["metrics"]["psnr"] == m.psnr and saved["weights"] == str(liif_weights)


@pytest.mark.slow
def test_demo_non_integer_scale(sr_config, liif_weights):
    result = run_demo(LIIF, SAMPLE_IMAGE, 3.5, config=sr_config)
    assert result.input_size == (82, 69) and result.output_size == (288, 240)
    assert result.metrics.psnr > result.metrics.psnr_bicubic


@pytest.mark.slow
def test_upscale_keeps_grey_and_alpha(sr_config, liif_weights, tmp_path):
    rng = np.random.default_rng(0)
    la = np.stack([rng.integers(0, 256, (24, 20)), np.full((24, 20), 200)], axis=-1).astype(np.uint8)
    src = tmp_path / "grey_alpha.png"
    Image.fromarray(la, "LA").save(src)
    result = upscale(LIIF, src, 2.5, config=sr_config)
    out = Image.open(result.paths.output)
    assert out.mode == "LA" and out.size == (50, 60)
    assert result.metrics is None and result.output_size == (50, 60)
    assert any("grey" in n for n in result.notes) and any("alpha" in n for n in result.notes)


def test_weights_installed_after_a_miss_are_used_at_once(tmp_path):
    # A long-running process (chat, a server) asks, is told "not installed", the user installs the
    # file, the next call uses it; a reinstalled file (even with its old size and mtime) is reloaded.
    import os

    import torch
    from sr_support import random_state_dict, small_spec

    from tools.sr.demo import get_runner
    from tools.sr.weights import install_from_file

    spec = small_spec("SISR-RCAN-2x")
    config = SRConfig(cache_dir=tmp_path / "c", weights_dir=tmp_path / "w", output_dir=tmp_path / "runs",
                      device="cpu", no_download=True)
    with pytest.raises(WeightsNotInstalled):
        get_runner(spec, config)
    first, second = tmp_path / "w1.pt", tmp_path / "w2.pt"  # same-length names: same-size files
    torch.save(random_state_dict(spec, seed=1), first)
    torch.save(random_state_dict(spec, seed=2), second)
    path = install_from_file(spec, first, config)
    runner_a, used = get_runner(spec, config)
    assert used == path and get_runner(spec, config)[0] is runner_a  # kept while the file is unchanged
    x = torch.rand(1, 3, 12, 12)
    out_a = runner_a.run(x, 2)[0]
    before = path.stat()
    install_from_file(spec, second, config)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    runner_b, _ = get_runner(spec, config)
    assert runner_b is not runner_a and not torch.equal(runner_b.run(x, 2)[0], out_a)
