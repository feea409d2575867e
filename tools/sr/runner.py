"""Running a zoo model on an image tensor: device, precision, chop/tiles, LIIF query batches,
and a retry with smaller pieces when CUDA runs out of memory.

CPU runs in float32. CUDA runs under autocast (float16 by default, bfloat16 on request) with
`channels_last` tensors; HAN's layer attention stays in float32 (its energies overflow fp16), and a
half-precision result that is not finite is recomputed in float32.
"""

from __future__ import annotations

import math
import resource
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field

import torch

from prompts.progress import Progress
from tools.sr.errors import BadDevice, SRError
from tools.sr.liif import LIIF, coord_axis
from tools.sr.tiling import forward_chop, forward_tiles
from tools.sr.zoo import ModelSpec

_DTYPES = {"float32": torch.float32, "fp32": torch.float32, "float16": torch.float16, "fp16": torch.float16,
           "half": torch.float16, "bfloat16": torch.bfloat16, "bf16": torch.bfloat16}
TILE_MARGIN = 16  # LR pixels of context around each HAN/RCAN tile
LIIF_ENCODER_TILE = 768  # LIIF encodes larger inputs in exact tiles of this size


def resolve_device(name: str = "auto") -> torch.device:
    """'auto' -> CUDA when available, else CPU; 'cpu', 'cuda', 'cuda:N' as given (checked)."""
    name = (name or "auto").strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise BadDevice(f"unknown device {name!r} (expected auto, cpu, cuda or cuda:N)") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise BadDevice(f"device {name!r} asked for, but this machine has no usable CUDA GPU (use cpu or auto)")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise BadDevice(f"device {name!r} does not exist ({torch.cuda.device_count()} CUDA device(s))")
    elif device.type != "cpu":
        raise BadDevice(f"device {name!r} is not supported (expected auto, cpu, cuda or cuda:N)")
    return device


def resolve_dtype(device: torch.device, name: str = "auto") -> torch.dtype:
    """'auto' -> float16 on CUDA, float32 on CPU. Half precision is refused on the CPU (slow there)."""
    name = (name or "auto").strip().lower()
    if name == "auto":
        return torch.float16 if device.type == "cuda" else torch.float32
    if name not in _DTYPES:
        raise BadDevice(f"unknown precision {name!r} (expected auto, float32, float16 or bfloat16)")
    dtype = _DTYPES[name]
    if device.type == "cpu" and dtype != torch.float32:
        raise BadDevice(f"precision {name} is only offered on CUDA; the CPU runs float32")
    if dtype == torch.bfloat16 and not torch.cuda.is_bf16_supported():
        raise BadDevice("this GPU does not support bfloat16; use float16 or float32")
    return dtype


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).replace("torch.", "")


@dataclass
class RunStats:
    """How a run went: time, memory, and how the image was split."""

    seconds: float = 0.0
    peak_memory_mb: float = 0.0
    dtype: str = "float32"
    method: str = "whole"
    notes: list[str] = field(default_factory=list)


OnStep = Callable[[int, int], None]  # (pieces done, pieces in all; 0 when not known ahead)


def _counted(forward, on_step: OnStep | None, total: int = 0):
    """`forward`, reporting each call to `on_step` (a tile, a quadrant of the chop)."""
    if on_step is None:
        return forward
    done = 0

    def call(x):
        nonlocal done
        y = forward(x)
        done += 1
        on_step(done, total)
        return y

    return call


def rcan_predict(model, x01: torch.Tensor, chop: bool = True, tile: int | None = None, batch_quadrants: bool = False,
                 on_step: OnStep | None = None):
    """HAN/RCAN on a [0, 1] image: scaled to 0-255 as they expect, returned in [0, 1] (unclamped).
    `on_step` hears of each piece (tile or quadrant) as it is done."""
    scale = model.scale
    x = x01 * 255.0
    if tile:
        pieces = math.ceil(x.shape[-2] / tile) * math.ceil(x.shape[-1] / tile)
        y = forward_tiles(_counted(model, on_step, pieces), x, scale, tile, TILE_MARGIN)
    elif chop:
        y = forward_chop(_counted(model, on_step), x, scale, batch_quadrants=batch_quadrants)
    else:
        y = model(x)
    return y.float() / 255.0


def liif_predict(
    model: LIIF, x01: torch.Tensor, out_h: int, out_w: int, query_batch: int = 30000, encoder_tile: int | None = None,
    on_step: OnStep | None = None,
) -> torch.Tensor:
    """LIIF at an exact target size: (1, 3, out_h, out_w) in [0, 1]. Queries are decoded in batches,
    coordinates made per batch, so memory is bounded by `query_batch`, not by the output size."""
    inp = (x01 - 0.5) / 0.5
    h, w = inp.shape[-2:]
    encoder = model.encoder
    if encoder_tile and max(h, w) > encoder_tile:
        # Exact: a margin of the receptive radius gives every kept feature its full context.
        feat = forward_tiles(encoder, inp, 1, encoder_tile, encoder.receptive_radius)
    else:
        feat = model.gen_feat(inp)
    feat_hw = (feat.shape[-2], feat.shape[-1])
    # Every query of one image has the same cell (2/out_h, 2/out_w): its term goes into the table.
    table = model.decoder_table(feat, cell=(2 / out_h, 2 / out_w))
    del feat
    device = table.device
    rows, cols = coord_axis(out_h, device), coord_axis(out_w, device)
    total = out_h * out_w
    out = torch.empty(3, total, device=device, dtype=torch.float32)
    for start in range(0, total, query_batch):
        idx = torch.arange(start, min(start + query_batch, total), device=device)
        coord = torch.stack([rows[idx // out_w], cols[idx % out_w]], dim=-1).unsqueeze(0)
        pred = model.query(table, feat_hw, coord)
        out[:, start : start + idx.numel()] = pred[0].t()
        if on_step is not None:
            on_step(start // query_batch + 1, math.ceil(total / query_batch))
    return (out * 0.5 + 0.5).clamp_(0, 1).view(1, 3, out_h, out_w)


def _is_out_of_memory(exc: BaseException) -> bool:
    # cuDNN and some kernels report allocation failures as plain RuntimeErrors.
    text = str(exc).lower()
    return isinstance(exc, torch.cuda.OutOfMemoryError) or "out of memory" in text or "can't allocate memory" in text


def reset_peak_rss() -> bool:
    """Reset the process's peak resident set size (Linux: write 5 to /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float:
    """The process's peak resident memory (MB) since the last reset (VmHWM), or since it started."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class SRRunner:
    """A loaded zoo model on a device, ready to upscale [0, 1] RGB tensors."""

    def __init__(self, spec: ModelSpec, model, device: torch.device, dtype: torch.dtype, chop: bool = True,
                 tile: int | None = None, query_batch: int | None = None):
        self.spec = spec
        self.device = device
        self.dtype = dtype
        self.chop = chop
        self.tile = tile
        # Small batches keep LIIF's decoder in the CPU caches; a GPU wants large ones.
        self.query_batch = query_batch or (30000 if device.type == "cuda" else 4096)
        self.model = model.to(device).eval()
        if device.type == "cuda":
            self.model = self.model.to(memory_format=torch.channels_last)

    def output_size(self, h: int, w: int, scale: float) -> tuple[int, int]:
        """Output (height, width) for an input of h x w at `scale`."""
        if self.spec.any_scale:
            return max(1, round(h * scale)), max(1, round(w * scale))
        return h * self.spec.scale, w * self.spec.scale

    def _autocast(self, dtype: torch.dtype):
        if self.device.type == "cuda" and dtype != torch.float32:
            return torch.autocast("cuda", dtype=dtype)
        return nullcontext()

    def _forward(self, x01: torch.Tensor, out_hw: tuple[int, int], dtype: torch.dtype, tile: int | None,
                 query_batch: int, on_step: OnStep | None = None) -> torch.Tensor:
        x = x01.to(self.device)
        if self.device.type == "cuda":
            x = x.contiguous(memory_format=torch.channels_last)
        with torch.inference_mode(), self._autocast(dtype):
            if isinstance(self.model, LIIF):
                return liif_predict(self.model, x, *out_hw, query_batch=query_batch,
                                    encoder_tile=tile or LIIF_ENCODER_TILE, on_step=on_step)
            return rcan_predict(self.model, x, chop=self.chop, tile=tile,
                                batch_quadrants=self.device.type == "cuda", on_step=on_step)

    def run(self, x01: torch.Tensor, scale: float, out_hw: tuple[int, int] | None = None,
            progress: Progress | None = None) -> tuple[torch.Tensor, RunStats]:
        """Upscale a (1, 3, H, W) [0, 1] tensor; returns the CPU float32 output and the run's stats.
        `progress` hears of each piece (tile, quadrant, query batch) as it is done."""
        stage = f"run {self.spec.name} on {self.device}"
        on_step = (lambda done, total: progress(stage, done, total)) if progress else None
        out_hw = out_hw or self.output_size(x01.shape[-2], x01.shape[-1], scale)
        stats = RunStats(dtype=dtype_name(self.dtype))
        tile, query_batch, dtype = self.tile, self.query_batch, self.dtype
        if not self.spec.any_scale:
            stats.method = f"tiles {tile}px" if tile else ("chop (official)" if self.chop else "whole image")
        else:
            stats.method = f"query batches of {query_batch}"
        cuda = self.device.type == "cuda"
        if cuda:
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
        else:
            reset_peak_rss()
        start = time.perf_counter()
        attempt = 0
        while True:
            attempt += 1
            try:
                y = self._forward(x01, out_hw, dtype, tile, query_batch, on_step)
            except (torch.cuda.OutOfMemoryError, RuntimeError) as exc:
                if not _is_out_of_memory(exc):
                    raise
                h, w = x01.shape[-2:]
                if not cuda:
                    raise SRError(f"not enough memory for a {w}x{h} input at x{scale:g} on the CPU; "
                                  "use a smaller image or scale") from None
                if attempt >= 8:
                    raise SRError(f"out of GPU memory on {self.device} even with small pieces; try --device cpu") from None
                torch.cuda.empty_cache()
                if self.spec.any_scale:
                    query_batch = max(1024, query_batch // 2)
                    tile = max(64, (tile or LIIF_ENCODER_TILE) // 2)
                    stats.method = f"query batches of {query_batch}, encoder tiles {tile}px"
                else:
                    tile = max(32, (tile or 2 ** math.floor(math.log2(max(min(h, w), 64)))) // 2)
                    stats.method = f"tiles {tile}px (after out-of-memory)"
                stats.notes.append(f"CUDA out of memory: retried with {stats.method}")
                continue
            if dtype != torch.float32 and not bool(torch.isfinite(y).all()):
                # Half precision overflowed somewhere: the float32 result is the trustworthy one.
                stats.notes.append(f"{dtype_name(dtype)} overflowed; recomputed in float32")
                dtype = torch.float32
                stats.dtype = "float32"
                continue
            break
        if cuda:
            torch.cuda.synchronize(self.device)
            stats.peak_memory_mb = torch.cuda.max_memory_allocated(self.device) / 2**20
        else:
            stats.peak_memory_mb = peak_rss_mb()
            stats.notes.append("peak memory on the CPU is the process's peak resident set size during the run")
        stats.seconds = time.perf_counter() - start
        return y.float().cpu(), stats


def make_runner(spec: ModelSpec, model, device: str = "auto", dtype: str = "auto", chop: bool = True,
                tile: int | None = None, query_batch: int | None = None) -> SRRunner:
    """An SRRunner with device and precision resolved from their names."""
    dev = resolve_device(device)
    return SRRunner(spec, model, dev, resolve_dtype(dev, dtype), chop=chop, tile=tile, query_batch=query_batch)
