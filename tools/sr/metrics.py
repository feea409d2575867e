"""Image-quality metrics as the papers compute them.

- `psnr_y` / `ssim_y`: the MATLAB protocol of RCAN and HAN (and most SISR papers): Y channel of
  MATLAB `rgb2ycbcr` on 8-bit images, `shave` = scale pixels cut from every border, PSNR with peak
  255, SSIM of Wang et al. (11x11 Gaussian window, sigma 1.5, K1 0.01, K2 0.03, L 255, 'valid').
  Reproduces the RCAN authors' `PSNR_SSIM_Results_BI_model.txt` to all printed decimals.
- `liif_benchmark_psnr`: LIIF's own benchmark PSNR: Y weights (65.738, 129.057, 25.064)/256 on the
  difference of unrounded [0, 1] images, shave = scale.
"""

from __future__ import annotations

import math

import numpy as np

# MATLAB rgb2ycbcr, luma row, for RGB in [0, 1] producing Y on the 0-255 scale.
_MATLAB_Y = np.array([65.481, 128.553, 24.966])
_LIIF_Y = np.array([65.738, 129.057, 25.064]) / 256.0


def rgb_to_y(img: np.ndarray) -> np.ndarray:
    """Y (16-235 scale, float64) of an 8-bit-range RGB image (H, W, 3), as MATLAB's rgb2ycbcr."""
    arr = np.asarray(img, dtype=np.float64)
    if arr.ndim == 2:
        return arr
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) RGB image, got shape {arr.shape}")
    return 16.0 + (arr / 255.0) @ _MATLAB_Y


def _shave(arr: np.ndarray, shave: int) -> np.ndarray:
    if shave <= 0:
        return arr
    if arr.shape[0] <= 2 * shave or arr.shape[1] <= 2 * shave:
        raise ValueError(f"image {arr.shape[1]}x{arr.shape[0]} too small for a border shave of {shave}")
    return arr[shave:-shave, shave:-shave]


def _check_pair(sr: np.ndarray, hr: np.ndarray) -> None:
    if sr.shape != hr.shape:
        raise ValueError(f"images differ in size: {sr.shape} vs {hr.shape}")


def psnr_y(sr: np.ndarray, hr: np.ndarray, shave: int) -> float:
    """PSNR (dB) on MATLAB's Y channel of two 8-bit RGB (or grey) images, border `shave` cut."""
    _check_pair(sr, hr)
    diff = _shave(rgb_to_y(sr), shave) - _shave(rgb_to_y(hr), shave)
    mse = float(np.mean(diff**2))
    return math.inf if mse == 0 else 20.0 * math.log10(255.0 / math.sqrt(mse))


def _gaussian_1d(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    x = np.arange(size) - (size - 1) / 2.0
    g = np.exp(-(x**2) / (2 * sigma**2))
    return g / g.sum()


def _filter_valid(img: np.ndarray, g: np.ndarray) -> np.ndarray:
    """2-D 'valid' filtering with the separable kernel outer(g, g) (MATLAB filter2 'valid')."""
    k = len(g)
    rows = np.lib.stride_tricks.sliding_window_view(img, k, axis=0) @ g
    return np.lib.stride_tricks.sliding_window_view(rows, k, axis=1) @ g


def ssim_gray(a: np.ndarray, b: np.ndarray, peak: float = 255.0) -> float:
    """Mean SSIM of two single-channel float images (Wang et al. 2004, Gaussian window, 'valid')."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape[0] < 11 or a.shape[1] < 11:
        raise ValueError(f"image {a.shape[1]}x{a.shape[0]} too small for SSIM's 11x11 window")
    c1, c2 = (0.01 * peak) ** 2, (0.03 * peak) ** 2
    g = _gaussian_1d()
    mu_a, mu_b = _filter_valid(a, g), _filter_valid(b, g)
    var_a = _filter_valid(a * a, g) - mu_a**2
    var_b = _filter_valid(b * b, g) - mu_b**2
    cov = _filter_valid(a * b, g) - mu_a * mu_b
    ssim_map = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return float(ssim_map.mean())


def ssim_y(sr: np.ndarray, hr: np.ndarray, shave: int) -> float:
    """SSIM on MATLAB's Y channel of two 8-bit RGB (or grey) images, border `shave` cut."""
    _check_pair(sr, hr)
    return ssim_gray(_shave(rgb_to_y(sr), shave), _shave(rgb_to_y(hr), shave))


def liif_benchmark_psnr(sr: np.ndarray, hr: np.ndarray, shave: int) -> float:
    """LIIF's benchmark PSNR of two unrounded [0, 1] RGB images (H, W, 3)."""
    _check_pair(sr, hr)
    diff = np.asarray(sr, dtype=np.float64) - np.asarray(hr, dtype=np.float64)
    if diff.ndim == 3:
        diff = diff @ _LIIF_Y
    mse = float(np.mean(_shave(diff, shave) ** 2))
    return math.inf if mse == 0 else -10.0 * math.log10(mse)


def modcrop(img: np.ndarray, scale: int) -> np.ndarray:
    """Crop the bottom/right so both sides are multiples of `scale` (the papers' ground truth)."""
    h, w = img.shape[:2]
    return img[: h - h % scale, : w - w % scale]
