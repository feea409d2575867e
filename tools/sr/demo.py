"""Running a zoo model on an image file, the two ways a user needs it.

- `run_demo`: the image is the ground truth. It is bicubic-downscaled (MATLAB-style, the papers'
  "BI" degradation), restored by the model, and compared with plain bicubic upscaling: PSNR/SSIM
  of both against the original, and a comparison PNG.
- `upscale`: the image is upscaled as given (a user's real use); the comparison shows bicubic
  beside the model.

Both write their PNGs and a result.json into a fresh folder under `out_dir` and return an SRResult.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np

from prompts.files import atomic_write_json
from prompts.progress import Progress
from tools.sr.budget import check_work
from tools.sr.config import SAMPLES_DIR, SRConfig
from tools.sr.errors import BadImage
from tools.sr.figure import comparison_figure
from tools.sr.images import MIN_SIDE, LoadedImage, assemble, read_image, rgb_to_tensor, save_png, tensor_to_rgb
from tools.sr.metrics import modcrop, psnr_y, ssim_y
from tools.sr.resize import imresize
from tools.sr.result import SRMetrics, SRPaths, SRResult
from tools.sr.runner import SRRunner, make_runner, resolve_device, resolve_dtype
from tools.sr.weights import ensure_weights, file_identity, load_model
from tools.sr.zoo import ModelSpec, get_spec

SAMPLE_IMAGE = SAMPLES_DIR / "test-chart.png"
_RUNNERS: OrderedDict[tuple, SRRunner] = OrderedDict()
_RUNNER_CACHE_SIZE = 2


def get_runner(spec: ModelSpec, config: SRConfig, device: str | None = None, weights: Path | None = None,
               progress: Progress | None = None) -> tuple[SRRunner, Path]:
    """A runner with the official weights loaded (installed first if allowed); the last two are kept.

    Nothing about missing weights is remembered: each call looks again, so weights installed while
    a long-running process (chat, a server) waits are used at once. A cached runner is keyed by the
    file's identity (inode, change time, size), so a reinstalled file is loaded afresh."""
    path = ensure_weights(spec, config, weights, progress)
    key = (spec.name, repr(spec.hyperparameters), file_identity(path), device or config.device,
           config.dtype, config.chop, config.tile, config.query_batch)
    if key in _RUNNERS:
        _RUNNERS.move_to_end(key)
        return _RUNNERS[key], path
    runner = make_runner(spec, load_model(spec, path), device or config.device, config.dtype,
                         chop=config.chop, tile=config.tile, query_batch=config.query_batch)
    _RUNNERS[key] = runner
    while len(_RUNNERS) > _RUNNER_CACHE_SIZE:
        _RUNNERS.popitem(last=False)
    return runner, path


def _new_run_dir(out_dir: Path, model: str, stem: str) -> Path:
    safe_stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)[:40] or "image"
    base = Path(out_dir) / "sr" / f"{time.strftime('%Y%m%d-%H%M%S')}-{model}-{safe_stem}"
    for n in range(1000):
        candidate = base if n == 0 else base.with_name(f"{base.name}-{n}")
        try:
            candidate.mkdir(parents=True, exist_ok=False)
            return candidate
        except FileExistsError:
            continue
    raise OSError(f"could not create a fresh run folder under {out_dir}")




def _check_device(config: SRConfig, device: str | None) -> str:
    """Refuse an unusable device or precision before any reading, downloading or writing; returns
    the device type ("cpu" or "cuda")."""
    resolved = resolve_device(device or config.device)
    resolve_dtype(resolved, config.dtype)
    return resolved.type


def _check_output_size(h: int, w: int, config: SRConfig) -> None:
    if h * w > config.max_output_pixels:
        raise BadImage(f"the output would be {w}x{h} = {w * h:,} pixels, over the limit of {config.max_output_pixels:,}")


def _nearest_enlarge(img: np.ndarray, h: int, w: int) -> np.ndarray:
    rows = np.minimum((np.arange(h) * img.shape[0]) // h, img.shape[0] - 1)
    cols = np.minimum((np.arange(w) * img.shape[1]) // w, img.shape[1] - 1)
    return img[rows][:, cols]


def _finish(spec: ModelSpec, runner: SRRunner, stats, run_dir: Path, paths: SRPaths, scale: float, mode: str,
            lr_hw: tuple[int, int], out_hw: tuple[int, int], source: Path, weights: Path,
            metrics: SRMetrics | None, notes: list[str]) -> SRResult:
    result = SRResult(
        model=spec.name, arch=spec.arch, scale=scale, device=str(runner.device), dtype=stats.dtype,
        seconds=round(stats.seconds, 4), peak_memory_mb=round(stats.peak_memory_mb, 1), paths=paths,
        metrics=metrics, mode=mode, input_size=(lr_hw[1], lr_hw[0]), output_size=(out_hw[1], out_hw[0]),
        method=stats.method, source_image=str(source), weights=str(weights), notes=notes + stats.notes,
    )
    atomic_write_json(run_dir / "result.json", result.model_dump(mode="json"))
    return result


def run_demo(model_name: str, image_path: Path | str | None = None, scale: float | None = None,
             out_dir: Path | str | None = None, config: SRConfig | None = None, device: str | None = None,
             progress: Progress | None = None, weights: Path | None = None) -> SRResult:
    """Downscale the image (the ground truth) by `scale`, restore it with the model, and measure the
    model and plain bicubic against the original. `image_path=None` uses the bundled test chart."""
    config = config or SRConfig()
    spec = get_spec(model_name)
    s = spec.check_scale(scale)
    device_type = _check_device(config, device)
    source = Path(image_path) if image_path else SAMPLE_IMAGE
    img = read_image(source, config.max_image_pixels)
    notes = []
    if img.alpha is not None:
        notes.append("the demo compares RGB only; the alpha channel was set aside")
    hr = modcrop(img.rgb, int(s)) if not spec.any_scale else img.rgb
    H, W = hr.shape[:2]
    lr_h, lr_w = (H // int(s), W // int(s)) if not spec.any_scale else (round(H / s), round(W / s))
    if min(lr_h, lr_w) < MIN_SIDE:
        raise BadImage(f"{source}: {img.width}x{img.height} is too small for a x{s:g} demo "
                       f"(the input would be {lr_w}x{lr_h}; at least {MIN_SIDE} pixels a side)")
    _check_output_size(H, W, config)
    check_work(spec, (lr_h, lr_w), (H, W), s, config.max_work_gflop, device_type)
    lr = imresize(hr, size=(lr_h, lr_w))
    runner, wpath = get_runner(spec, config, device, weights, progress)
    sr_t, stats = runner.run(rgb_to_tensor(lr), s, out_hw=(H, W), progress=progress)
    sr = tensor_to_rgb(sr_t)
    bicubic = imresize(lr, size=(H, W))
    shave = math.ceil(s)
    metrics = SRMetrics(psnr=round(psnr_y(sr, hr, shave), 4), ssim=round(ssim_y(sr, hr, shave), 6),
                        psnr_bicubic=round(psnr_y(bicubic, hr, shave), 4),
                        ssim_bicubic=round(ssim_y(bicubic, hr, shave), 6))
    run_dir = _new_run_dir(Path(out_dir or config.output_dir), spec.name, source.stem)
    from PIL import Image

    paths = SRPaths(
        input=str(save_png(Image.fromarray(lr), run_dir / "input.png")),
        output=str(save_png(Image.fromarray(sr), run_dir / "output.png")),
        ground_truth=str(save_png(Image.fromarray(hr), run_dir / "ground_truth.png")),
        bicubic=str(save_png(Image.fromarray(bicubic), run_dir / "bicubic.png")),
        comparison=str(run_dir / "comparison.png"),
    )
    figure = comparison_figure(
        [
            ("Input (low-res)", f"{lr_w}x{lr_h}, shown enlarged", _nearest_enlarge(lr, H, W)),
            ("Bicubic", f"PSNR {metrics.psnr_bicubic:.2f} dB, SSIM {metrics.ssim_bicubic:.4f}", bicubic),
            (spec.name, f"PSNR {metrics.psnr:.2f} dB, SSIM {metrics.ssim:.4f}", sr),
            ("Ground truth", f"{W}x{H}", hr),
        ],
        crop_source=hr,
    )
    save_png(figure, run_dir / "comparison.png")
    return _finish(spec, runner, stats, run_dir, paths, s, "demo", (lr_h, lr_w), (H, W), source, wpath,
                   metrics, notes)


def upscale(model_name: str, image_path: Path | str, scale: float | None = None, out_dir: Path | str | None = None,
            config: SRConfig | None = None, device: str | None = None, progress: Progress | None = None,
            weights: Path | None = None) -> SRResult:
    """Upscale an image as given. Grey stays grey, an alpha channel is resized and kept."""
    config = config or SRConfig()
    spec = get_spec(model_name)
    s = spec.check_scale(scale)
    device_type = _check_device(config, device)
    source = Path(image_path)
    img: LoadedImage = read_image(source, config.max_image_pixels)
    h, w = img.height, img.width
    out_h, out_w = (round(h * s), round(w * s)) if spec.any_scale else (h * int(s), w * int(s))
    _check_output_size(out_h, out_w, config)
    check_work(spec, (h, w), (out_h, out_w), s, config.max_work_gflop, device_type)
    runner, wpath = get_runner(spec, config, device, weights, progress)
    sr_t, stats = runner.run(rgb_to_tensor(img.rgb), s, out_hw=(out_h, out_w), progress=progress)
    sr = tensor_to_rgb(sr_t)
    bicubic = imresize(img.rgb, size=(out_h, out_w))
    run_dir = _new_run_dir(Path(out_dir or config.output_dir), spec.name, source.stem)
    notes = []
    if img.grey:
        notes.append("grey input: run as RGB, written back as grey")
    if img.alpha is not None:
        notes.append("alpha channel resized bicubically and kept")
    paths = SRPaths(
        input=str(save_png(assemble(img.rgb, img), run_dir / "input.png")),
        output=str(save_png(assemble(sr, img), run_dir / "output.png")),
        bicubic=str(save_png(assemble(bicubic, img), run_dir / "bicubic.png")),
        comparison=str(run_dir / "comparison.png"),
    )
    figure = comparison_figure(
        [
            ("Bicubic", f"{w}x{h} -> {out_w}x{out_h}", bicubic),
            (spec.name, f"x{s:g}, {stats.seconds:.2f} s on {runner.device}", sr),
        ]
    )
    save_png(figure, run_dir / "comparison.png")
    return _finish(spec, runner, stats, run_dir, paths, s, "upscale", (h, w), (out_h, out_w), source, wpath,
                   None, notes)
