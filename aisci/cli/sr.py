"""`aisci sr` and `aisci sr-eval`: the SR zoo from the command line (`aisci weights` is in weights.py).

The CLI is the user's own use, so any readable path is accepted here; the folder restrictions
belong to the agent's tool (tools/run_sr_model.py), whose arguments come from an LLM.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from aisci.cli.app import SAMPLE, Quiet, app, console
from aisci.cli.app import err_console as err
from aisci.cli.progress import Reporter


def _sr_config(device: str | None = None, dtype: str | None = None, chop: bool = True, tile: int | None = None):
    from agent.settings import get_settings

    config = get_settings().sr_config()
    updates = {"chop": chop, "tile": tile}
    if device:
        updates["device"] = device
    if dtype:
        updates["dtype"] = dtype
    return config.model_copy(update=updates)


def _default_set5() -> Path:
    from agent.settings import get_settings

    configured = get_settings().set5_dir
    if configured:
        return Path(configured)
    # A development checkout keeps the shared test data beside the repository.
    return Path(__file__).resolve().parents[2] / "shared" / "testdata" / "sr" / "set5"


def _print_result(result) -> None:
    table = Table(title=f"{result.model} ({result.mode})", show_header=False)
    table.add_column("field")
    table.add_column("value", overflow="fold")
    table.add_row("scale", f"x{result.scale:g}: {result.input_size[0]}x{result.input_size[1]} -> "
                  f"{result.output_size[0]}x{result.output_size[1]}")
    table.add_row("device", f"{result.device}, {result.dtype}, {result.method}")
    table.add_row("time", f"{result.seconds:.2f} s, peak memory {result.peak_memory_mb:.0f} MB")
    if result.metrics:
        m = result.metrics
        table.add_row("model", f"PSNR {m.psnr:.2f} dB, SSIM {m.ssim:.4f}")
        table.add_row("bicubic", f"PSNR {m.psnr_bicubic:.2f} dB, SSIM {m.ssim_bicubic:.4f}")
    for key, value in result.paths.model_dump().items():
        if value:
            table.add_row(key, escape(value))
    console.print(table)
    for note in result.notes:
        err.print(f"note: {escape(note)}")


def _json_result(result) -> dict:
    data = result.model_dump(mode="json")
    paths = data["paths"]
    metrics = data["metrics"]
    out = {
        "model": data["model"], "scale": data["scale"], "device": data["device"], "dtype": data["dtype"],
        "seconds": data["seconds"], "peak_memory_mb": data["peak_memory_mb"],
        "paths": {"input": paths["input"], "output": paths["output"], "comparison": paths["comparison"]},
        "metrics": None if metrics is None else {k: metrics[k] for k in ("psnr", "ssim", "psnr_bicubic", "ssim_bicubic")},
    }
    return out



@app.command("sr")
def sr(
    model: Annotated[str, typer.Argument(help="Zoo model name, e.g. SISR-RCAN-4x or SISR-Any-LIIF-EDSR.")],
    image: Annotated[Path | None, typer.Argument(help="The image to upscale (with --demo: the ground truth).")] = None,
    scale: Annotated[float | None, typer.Option(help="Upscaling factor (LIIF: any from 1 to 30).")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default AISCI_OUTPUT_DIR).")] = None,
    device: Annotated[str | None, typer.Option(help="auto, cpu, cuda or cuda:N (default AISCI_DEVICE).")] = None,
    dtype: Annotated[str | None, typer.Option(help="auto, float32, float16 or bfloat16 (CUDA only).")] = None,
    demo: Annotated[
        str | None,
        typer.Option(help="Take IMAGE as ground truth: downscale, restore, compare with bicubic "
                          "(no IMAGE: the bundled test chart)."),
    ] = None,
    chop: Annotated[bool, typer.Option("--chop/--no-chop", help="HAN/RCAN: the authors' quadrant chop.")] = True,
    tile: Annotated[int | None, typer.Option(help="HAN/RCAN: overlapping tiles of this LR size instead.")] = None,
    weights: Annotated[Path | None, typer.Option(help="Use this weights file (verified first).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    quiet: Quiet = False,
) -> None:
    """Upscale IMAGE with a zoo model (CUDA if available, else CPU); --demo measures it too."""
    from tools.sr.demo import run_demo, upscale
    from tools.sr.errors import BadImage

    config = _sr_config(device, dtype, chop, tile)
    out_dir = out or config.output_dir
    if demo is not None:
        demo_image = None if demo in ("", SAMPLE) else Path(demo)
        if image is not None and demo_image is not None and image != demo_image:
            raise BadImage(f"two images given ({image} and --demo {demo_image}); give one")
        with Reporter(console=err, quiet=quiet) as progress:
            result = run_demo(model, image or demo_image, scale, out_dir=out_dir, config=config,
                              progress=progress, weights=weights)
    else:
        if image is None:
            raise BadImage("IMAGE is required (or use --demo to run on the bundled test chart)")
        with Reporter(console=err, quiet=quiet) as progress:
            result = upscale(model, image, scale, out_dir=out_dir, config=config, progress=progress, weights=weights)
    if as_json:
        print(json.dumps(_json_result(result), indent=2))
    else:
        _print_result(result)

@app.command("sr-eval")
def sr_eval(
    model: Annotated[str, typer.Argument(help="Zoo model name.")],
    folder: Annotated[Path | None, typer.Argument(help="Benchmark folder: HR/ and LR_bicubic/X<s>/.")] = None,
    set5: Annotated[bool, typer.Option("--set5", help="Use Set5 (AISCI_SET5_DIR or the shared test data).")] = False,
    scale: Annotated[list[float] | None, typer.Option(help="Scale(s) to test (default: the model's; LIIF 2, 3, 4).")] = None,
    device: Annotated[str | None, typer.Option(help="auto, cpu, cuda or cuda:N.")] = None,
    chop: Annotated[bool, typer.Option("--chop/--no-chop", help="HAN/RCAN: the authors' quadrant chop.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    quiet: Quiet = False,
) -> None:
    """PSNR/SSIM of a model on a benchmark folder, measured with the model's paper protocol."""
    from tools.sr.demo import get_runner
    from tools.sr.errors import BadImage
    from tools.sr.evaluate import evaluate_folder, mean_rows, protocol_of
    from tools.sr.zoo import get_spec

    if set5 and folder is not None:
        raise BadImage("give either --set5 or a folder, not both")
    folder = folder or (_default_set5() if set5 else None)
    if folder is None:
        raise BadImage("give a benchmark folder (HR/ and LR_bicubic/X<s>/) or --set5")
    if not folder.is_dir():
        raise BadImage(f"{folder}: not a folder (set AISCI_SET5_DIR to your Set5 copy)")
    spec = get_spec(model)
    scales = [spec.check_scale(s) for s in scale] if scale else ([2.0, 3.0, 4.0] if spec.any_scale else [float(spec.scale)])
    config = _sr_config(device, None, chop, None)
    with Reporter(console=err, quiet=quiet) as progress:
        runner, _ = get_runner(spec, config, progress=progress)
    rows = evaluate_folder(runner, folder, scales, config.max_image_pixels)
    means = mean_rows(rows)
    if as_json:
        print(json.dumps({"model": spec.name, "dataset": str(folder), "protocol": protocol_of(runner),
                          "device": str(runner.device), "rows": [r.model_dump() for r in rows], "mean": means},
                         indent=2))
        return
    table = Table(title=f"{spec.name} on {folder.name} ({runner.device})", caption=protocol_of(runner))
    for column in ("image", "scale", "PSNR", "SSIM", "bicubic PSNR", "bicubic SSIM", "seconds"):
        table.add_column(column)
    for r in rows:
        table.add_row(r.image, f"x{r.scale:g}", f"{r.psnr:.2f}", f"{r.ssim:.4f}", f"{r.psnr_bicubic:.2f}",
                      f"{r.ssim_bicubic:.4f}", f"{r.seconds:.2f}")
    for s, m in means.items():
        table.add_row("[bold]mean[/bold]", f"x{s}", f"{m['psnr']:.2f}", f"{m['ssim']:.4f}", f"{m['psnr_bicubic']:.2f}",
                      f"{m['ssim_bicubic']:.4f}", f"{m['seconds']:.2f}")
    console.print(table)
