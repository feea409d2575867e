"""Benchmark evaluation of a zoo model on a folder laid out like EDSR's benchmarks (Set5, ...):
`HR/<name>.png` and, optionally, `LR_bicubic/X<s>/<name>x<s>.png` (made with MATLAB-style bicubic
from the HR image when missing).

Each model is measured with its paper's protocol:
- HAN/RCAN: ground truth cropped to a multiple of the scale, output rounded to 8 bits, PSNR/SSIM on
  MATLAB's Y channel with shave = scale.
- LIIF: ground truth cropped to LR size x scale, output at exactly that size, LIIF's benchmark PSNR
  on unrounded values (shave = scale); SSIM on MATLAB's Y channel of the rounded output.
Plain bicubic is measured beside it with the MATLAB protocol.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from tools.sr.errors import BadImage
from tools.sr.images import read_image, rgb_to_tensor, tensor_to_rgb
from tools.sr.metrics import liif_benchmark_psnr, modcrop, psnr_y, ssim_y
from tools.sr.resize import imresize
from tools.sr.runner import SRRunner

_IMAGE_SUFFIXES = {".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"}


class EvalRow(BaseModel):
    """One image at one scale."""

    image: str
    scale: float
    psnr: float
    ssim: float
    psnr_bicubic: float
    ssim_bicubic: float
    lr_source: str
    seconds: float


def _lr_for(folder: Path, name: str, scale: int) -> Path | None:
    for suffix in (".png", ".bmp"):
        path = folder / "LR_bicubic" / f"X{scale}" / f"{name}x{scale}{suffix}"
        if path.is_file():
            return path
    return None


def hr_images(folder: Path) -> list[Path]:
    """The ground-truth images of a benchmark folder (HR/ if present, else the folder itself)."""
    hr_dir = folder / "HR" if (folder / "HR").is_dir() else folder
    images = sorted(p for p in hr_dir.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES and p.is_file())
    if not images:
        raise BadImage(f"{folder}: no images found (expected HR/<name>.png and optionally LR_bicubic/X<s>/)")
    return images


def evaluate_image(runner: SRRunner, hr_path: Path, scale: float, folder: Path, max_pixels: int) -> EvalRow:
    """Evaluate one ground-truth image at one scale with the model's paper protocol."""
    spec = runner.spec
    hr_full = read_image(hr_path, max_pixels).rgb
    int_scale = int(scale) if float(scale).is_integer() else None
    lr_path = _lr_for(folder, hr_path.stem, int_scale) if int_scale else None
    if lr_path is not None:
        lr = read_image(lr_path, max_pixels).rgb
        source = str(lr_path)
    else:
        if int_scale:
            base = modcrop(hr_full, int_scale)
            lr = imresize(base, size=(base.shape[0] // int_scale, base.shape[1] // int_scale))
        else:
            lr = imresize(hr_full, size=(math.floor(hr_full.shape[0] / scale), math.floor(hr_full.shape[1] / scale)))
        source = "bicubic (MATLAB-style) from HR"
    lh, lw = lr.shape[:2]
    if spec.any_scale:
        out_h, out_w = round(lh * scale), round(lw * scale)
    else:
        out_h, out_w = lh * spec.scale, lw * spec.scale
    hr = hr_full[:out_h, :out_w]
    if hr.shape[:2] != (out_h, out_w):
        raise BadImage(f"{hr_path}: {hr_full.shape[1]}x{hr_full.shape[0]} is smaller than the x{scale:g} output of {lr_path}")
    sr_t, stats = runner.run(rgb_to_tensor(lr), scale, out_hw=(out_h, out_w))
    sr = tensor_to_rgb(sr_t)
    shave = math.ceil(scale)
    if spec.any_scale:
        sr_float = sr_t[0].clamp(0, 1).permute(1, 2, 0).numpy().astype(np.float64)
        psnr = liif_benchmark_psnr(sr_float, hr.astype(np.float64) / 255.0, shave)
    else:
        psnr = psnr_y(sr, hr, shave)
    bicubic = imresize(lr, size=(out_h, out_w))
    return EvalRow(
        image=hr_path.stem, scale=scale, psnr=psnr, ssim=ssim_y(sr, hr, shave),
        psnr_bicubic=psnr_y(bicubic, hr, shave), ssim_bicubic=ssim_y(bicubic, hr, shave),
        lr_source=source, seconds=stats.seconds,
    )


def protocol_of(runner: SRRunner) -> str:
    """A one-line description of how `evaluate_image` measures this model."""
    if runner.spec.any_scale:
        return "LIIF benchmark PSNR (Y weights /256 on unrounded [0,1], shave = scale); SSIM on MATLAB Y"
    return "MATLAB protocol: Y of rgb2ycbcr on 8-bit images, shave = scale"


def evaluate_folder(runner: SRRunner, folder: Path, scales: list[float], max_pixels: int) -> list[EvalRow]:
    """Every image of `folder` at every scale."""
    rows = []
    for scale in scales:
        for hr_path in hr_images(folder):
            rows.append(evaluate_image(runner, hr_path, scale, folder, max_pixels))
    return rows


def mean_rows(rows: list[EvalRow]) -> dict[str, dict[str, float]]:
    """Mean metrics per scale: {"2": {"psnr": ..., ...}}."""
    out: dict[str, dict[str, float]] = {}
    for scale in sorted({r.scale for r in rows}):
        sel = [r for r in rows if r.scale == scale]
        out[f"{scale:g}"] = {
            key: float(np.mean([getattr(r, key) for r in sel]))
            for key in ("psnr", "ssim", "psnr_bicubic", "ssim_bicubic", "seconds")
        }
    return out
