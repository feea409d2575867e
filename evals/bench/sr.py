"""Benchmark of the SR runner: output megapixels/s and peak memory per model, device and dtype.

    python -m evals.bench.sr [--device auto] [--dtype auto] [--size 256] [--models ...] [--out FILE]

Input: a size x size crop of the bundled test chart (tiled), at x2 and x4 (LIIF also x3.5); HAN and
RCAN both with the official chop and with overlapping tiles. Every row counts the model's FLOPs
(torch's FlopCounterMode on the meta device), so a GPU row can be set against the arithmetic floor
(FLOPs / the GPU's dense peak). Weights: the official file where installed; otherwise the
architecture with seeded random weights, labelled "random (speed only)": those rows measure speed,
never output quality.

Comparison with the authors' implementation: for LIIF the authors' query procedure (3x3-unfolded
feature gathered per query, 580-input MLP) is reimplemented here and timed on the same input; HAN
and RCAN run the same operations as the authors' forward and chop (their goldens match exactly), so
the chop rows are that comparison.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from prompts.files import atomic_write_json
from tools.sr.config import SRConfig
from tools.sr.demo import SAMPLE_IMAGE
from tools.sr.liif import LIIF, make_coord
from tools.sr.runner import SRRunner, dtype_name, peak_rss_mb, reset_peak_rss, resolve_device, resolve_dtype
from tools.sr.weights import find_weights, load_model
from tools.sr.zoo import build_architecture, get_spec

# Dense fp16/bf16 tensor-core peaks (TFLOP/s, no sparsity) for the arithmetic floor.
GPU_PEAK_TFLOPS = {"H100 PCIe": 756.0, "H100": 989.4, "H200": 989.4, "A100": 312.0, "L40S": 362.0, "A10": 125.0}
CASES = {
    "SISR-RCAN-2x": [(2, "chop"), (2, "tiles")], "SISR-RCAN-4x": [(4, "chop"), (4, "tiles")],
    "SISR-HAN-2x": [(2, "chop"), (2, "tiles")], "SISR-HAN-4x": [(4, "chop"), (4, "tiles")],
    "SISR-Any-LIIF-EDSR": [(2, "queries"), (3.5, "queries"), (4, "queries")],
    "SISR-Any-LIIF-RDN": [(2, "queries"), (3.5, "queries"), (4, "queries")],
}


def test_input(size: int) -> torch.Tensor:
    """A size x size RGB crop of the bundled test chart (repeated when larger), [0, 1]."""
    chart = np.asarray(Image.open(SAMPLE_IMAGE).convert("RGB"))
    reps = (size // chart.shape[0] + 1, size // chart.shape[1] + 1, 1)
    crop = np.tile(chart, reps)[:size, :size]
    return torch.from_numpy(crop.copy()).permute(2, 0, 1).unsqueeze(0).float() / 255.0


def load_for_bench(name: str, config: SRConfig) -> tuple[torch.nn.Module, str]:
    """(model, weights label): the official file when installed, else seeded random weights."""
    spec = get_spec(name)
    status = find_weights(spec, config)
    if status.path is not None:
        return load_model(spec, status.path), "official"
    torch.manual_seed(0)
    return build_architecture(spec).eval(), "random (speed only)"


def count_flops(name: str, in_hw: tuple[int, int], out_hw: tuple[int, int], method: str) -> float:
    """FLOPs of one run (2 per multiply-add), counted on the meta device."""
    from torch.utils.flop_counter import FlopCounterMode

    from tools.sr.runner import rcan_predict

    with torch.device("meta"):
        model = build_architecture(get_spec(name)).eval()
        x = torch.empty(1, 3, *in_hw)
        with FlopCounterMode(display=False) as counter:
            if isinstance(model, LIIF):
                # Coordinates need real values; the encoder and decoder matmuls are what count.
                feat = model.gen_feat(x)
                fmap = model.first_layer_map(feat)
                q = out_hw[0] * out_hw[1]
                hidden = torch.empty(4, q, fmap.shape[1])
                model.imnet.layers[2:](hidden)
                torch.empty(4, q, 2) @ torch.empty(2, fmap.shape[1])
            else:
                rcan_predict(model, x, chop=(method == "chop"), tile=128 if method == "tiles" else None)
    return float(counter.get_total_flops())


def authors_liif_predict(model: LIIF, x01: torch.Tensor, out_h: int, out_w: int, bsize: int = 30000) -> torch.Tensor:
    """The authors' procedure, written out: unfold the feature to 576 channels, gather it per query
    and ensemble member, run the whole 580-input MLP; coordinates for all queries made up front."""
    feat = model.gen_feat((x01 - 0.5) / 0.5)
    b, c, h, w = feat.shape
    feat = F.unfold(feat, 3, padding=1).view(b, c * 9, h, w)
    feat_coord = make_coord(h, w, feat.device).view(h, w, 2).permute(2, 0, 1).unsqueeze(0)
    coord = make_coord(out_h, out_w, feat.device).unsqueeze(0)
    cell = torch.ones_like(coord)
    cell[..., 0] *= 2 / out_h
    cell[..., 1] *= 2 / out_w
    preds_all = []
    for start in range(0, coord.shape[1], bsize):
        q_c, q_cell = coord[:, start : start + bsize], cell[:, start : start + bsize]
        preds, areas = [], []
        for vx in (-1, 1):
            for vy in (-1, 1):
                c_ = q_c.clone()
                c_[..., 0] += vx / h + 1e-6
                c_[..., 1] += vy / w + 1e-6
                c_.clamp_(-1 + 1e-6, 1 - 1e-6)
                grid = c_.flip(-1).unsqueeze(1)
                q_feat = F.grid_sample(feat, grid, mode="nearest", align_corners=False)[:, :, 0, :].permute(0, 2, 1)
                centre = F.grid_sample(feat_coord, grid, mode="nearest", align_corners=False)[:, :, 0, :].permute(0, 2, 1)
                rel = (q_c - centre) * torch.tensor([h, w], dtype=torch.float32)
                inp = torch.cat([q_feat, rel, q_cell * torch.tensor([h, w], dtype=torch.float32)], dim=-1)
                preds.append(model.imnet(inp))
                areas.append(torch.abs(rel[..., 0] * rel[..., 1]) + 1e-9)
        total = torch.stack(areas).sum(0)
        preds_all.append(sum(p * (a / total).unsqueeze(-1) for p, a in zip(preds, areas[::-1], strict=True)))
    out = torch.cat(preds_all, dim=1) * 0.5 + 0.5
    return out.clamp(0, 1).view(1, out_h, out_w, 3).permute(0, 3, 1, 2)


def gpu_peak_tflops(device: torch.device) -> float | None:
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    for key in sorted(GPU_PEAK_TFLOPS, key=len, reverse=True):
        if key in name:
            return GPU_PEAK_TFLOPS[key]
    return None


def bench_case(runner: SRRunner, x: torch.Tensor, scale: float, repeat: int, warmup: int) -> tuple[float, float, torch.Tensor]:
    """(best seconds, peak memory MB, output) over `repeat` runs after `warmup` untimed ones."""
    for _ in range(warmup):
        runner.run(x, scale)
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        out, stats = runner.run(x, scale)
        best, peak = min(best, stats.seconds), max(peak, stats.peak_memory_mb)
    return best, peak, out


def run(args) -> list[dict]:
    config = SRConfig(weights_dir=args.weights_dir) if args.weights_dir else SRConfig()
    device = resolve_device(args.device)
    dtype = resolve_dtype(device, args.dtype)
    peak_tflops = args.peak_tflops or gpu_peak_tflops(device)
    x = test_input(args.size)
    rows = []
    for name in args.models:
        model, weights = load_for_bench(name, config)
        for scale, method in CASES[name]:
            spec = get_spec(name)
            runner = SRRunner(spec, model, device, dtype, chop=(method == "chop"),
                              tile=128 if method == "tiles" else None)
            seconds, peak, out = bench_case(runner, x, scale, args.repeat, args.warmup)
            out_h, out_w = out.shape[-2:]
            flops = count_flops(name, (args.size, args.size), (out_h, out_w), method)
            row = {
                "model": name, "weights": weights, "device": str(device), "dtype": dtype_name(dtype),
                "scale": scale, "method": method if method != "tiles" else "tiles 128px",
                "input": f"{args.size}x{args.size}", "output": f"{out_w}x{out_h}", "seconds": round(seconds, 4),
                "output_mp_per_s": round(out_h * out_w / 1e6 / seconds, 4), "peak_memory_mb": round(peak, 1),
                "gflop": round(flops / 1e9, 1), "achieved_tflops": round(flops / seconds / 1e12, 3),
            }
            if peak_tflops:
                row["floor_seconds"] = round(flops / (peak_tflops * 1e12), 5)
                row["times_floor"] = round(seconds / row["floor_seconds"], 2)
            if isinstance(model, LIIF) and device.type == "cpu" and not args.skip_authors:
                with torch.inference_mode():
                    reset_peak_rss()
                    start = time.perf_counter()
                    ref = authors_liif_predict(model, x, out_h, out_w)
                    row["authors_seconds"] = round(time.perf_counter() - start, 4)
                    row["authors_peak_memory_mb"] = round(peak_rss_mb(), 1)
                row["speedup_vs_authors"] = round(row["authors_seconds"] / seconds, 2)
                row["max_abs_diff_vs_authors"] = float((ref - out).abs().max())
            rows.append(row)
            print_row(row)
    return rows


COLUMNS = ("model", "weights", "device", "dtype", "scale", "method", "output", "seconds", "output_mp_per_s",
           "peak_memory_mb", "gflop", "achieved_tflops", "times_floor", "authors_seconds", "speedup_vs_authors")


def print_row(row: dict) -> None:
    print(" | ".join(str(row.get(c, "-")) for c in COLUMNS), flush=True)


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--size", type=int, default=256, help="Input side in pixels (the issue's setting: 256).")
    parser.add_argument("--models", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--repeat", type=int, default=1, help="Timed runs per case (best is kept) after a warm-up.")
    parser.add_argument("--warmup", type=int, default=1, help="Untimed runs per case first.")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's).")
    parser.add_argument("--peak-tflops", type=float, default=None, help="GPU dense fp16 peak for the floor.")
    parser.add_argument("--weights-dir", type=Path, default=None)
    parser.add_argument("--skip-authors", action="store_true", help="Do not time the authors' LIIF procedure.")
    parser.add_argument("--out", type=Path, default=Path("aisci-runs/bench/sr.json"))
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(" | ".join(COLUMNS))
    rows = run(args)
    machine = {
        "platform": platform.platform(), "processor": cpu_name(), "cpus": os.cpu_count(),
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }
    atomic_write_json(args.out, {"machine": machine, "size": args.size, "rows": rows})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
