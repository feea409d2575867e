"""Metrics: the RCAN authors' MATLAB log reproduced from their PNGs, and LIIF's PSNR."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from PIL import Image

from tools.sr.metrics import liif_benchmark_psnr, modcrop, psnr_y, rgb_to_y, ssim_gray, ssim_y

NAMES = ["baby", "bird", "butterfly", "head", "woman"]


def _log_values(text: str, scale: int) -> tuple[dict[str, tuple[float, float]], tuple[float, float]]:
    block = text.split("Method_2")[0]
    per_image = {
        m[1]: (float(m[2]), float(m[3]))
        for m in re.finditer(rf"x{scale} \d (\w+)_RCAN_x{scale}\.png: PSNR= ([\d.]+) SSIM= ([\d.]+)", block)
    }
    mean = re.search(rf"x{scale}: PSNR= ([\d.]+) SSIM= ([\d.]+)", block)
    return per_image, (float(mean[1]), float(mean[2]))


@pytest.mark.parametrize("scale", [2, 4])
def test_reproduces_rcan_matlab_log(testdata_dir, scale):
    root = testdata_dir / "sr" / "rcan_official"
    per_image, (mean_psnr, mean_ssim) = _log_values((root / "PSNR_SSIM_Results_BI_model.txt").read_text(), scale)
    assert set(per_image) == set(NAMES)
    psnrs, ssims = [], []
    for name in NAMES:
        hr = np.asarray(Image.open(root / f"x{scale}" / "HR" / f"{name}_HR_x{scale}.png").convert("RGB"))
        sr = np.asarray(Image.open(root / f"x{scale}" / "SR" / f"{name}_RCAN_x{scale}.png").convert("RGB"))
        p, s = psnr_y(sr, hr, scale), ssim_y(sr, hr, scale)
        assert p == pytest.approx(per_image[name][0], abs=1e-4)
        assert s == pytest.approx(per_image[name][1], abs=1e-4)
        psnrs.append(p)
        ssims.append(s)
    assert np.mean(psnrs) == pytest.approx(mean_psnr, abs=1e-4)
    assert np.mean(ssims) == pytest.approx(mean_ssim, abs=1e-4)
    assert (mean_psnr, mean_ssim) == {2: (38.274168, 0.961445), 4: (32.633562, 0.900241)}[scale]


def test_y_channel_is_matlab_rgb2ycbcr():
    px = np.array([[[255, 255, 255], [0, 0, 0]]], dtype=np.uint8)
    assert rgb_to_y(px)[0].tolist() == pytest.approx([235.0, 16.0])


def test_identical_images():
    img = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    assert psnr_y(img, img, 2) == math.inf
    assert ssim_y(img, img, 2) == pytest.approx(1.0)
    assert ssim_gray(img[..., 0], 255 - img[..., 0]) < 0.1


def test_liif_psnr_matches_its_formula():
    rng = np.random.default_rng(1)
    hr = rng.random((20, 20, 3))
    sr = hr + 0.01
    # A uniform 0.01 error in every channel: Y error = 0.01 * (65.738 + 129.057 + 25.064) / 256.
    expected = -10 * math.log10((0.01 * 219.859 / 256) ** 2)
    assert liif_benchmark_psnr(sr, hr, 2) == pytest.approx(expected, rel=1e-9)


def test_size_mismatch_and_small_images_are_refused():
    a = np.zeros((20, 20, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="differ in size"):
        psnr_y(a, a[:10], 1)
    with pytest.raises(ValueError, match="too small"):
        ssim_y(a[:12, :12], a[:12, :12], 2)


def test_modcrop():
    assert modcrop(np.zeros((10, 7, 3)), 3).shape == (9, 6, 3)
