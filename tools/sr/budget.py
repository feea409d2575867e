"""How much work one SR run is, and the bound on it.

The pixel caps bound memory, not time: LIIF at ×30 on a 256-pixel image writes 59 million pixels
(under the output cap) and costs about 93 TFLOP, some 25 minutes of a CPU. So every run is costed
before it starts, as output pixels × the model's cost per pixel (plus its encoder's cost per input
pixel), and refused above `SRConfig.max_work_gflop` (AISCI_MAX_SR_GFLOP) with what it would cost and
how to raise the bound. Tool calls, the web app and the CLI all run through `tools.sr.demo`, which
checks this before loading a model.

The costs are FLOPs per pixel measured with `torch.utils.flop_counter` on the zoo's architectures
(exactly linear in pixels; `tests/tools/sr/test_budget.py` measures them again).
"""

from __future__ import annotations

from tools.sr.errors import SRError
from tools.sr.zoo import ModelSpec

# MFLOP per low-resolution (input) pixel of the fixed-scale models (body + their upsampling tail).
MFLOP_PER_INPUT_PIXEL = {
    "SISR-HAN-2x": 31.61, "SISR-HAN-3x": 31.99, "SISR-HAN-4x": 32.83, "SISR-HAN-8x": 37.71,
    "SISR-RCAN-2x": 30.62, "SISR-RCAN-3x": 31.00, "SISR-RCAN-4x": 31.84, "SISR-RCAN-8x": 36.72,
}
# LIIF: the encoder runs once per input pixel, the MLP decoder (local ensemble of 4) per output pixel.
LIIF_ENCODER_MFLOP = {"LIIF-EDSR": 2.436, "LIIF-RDN": 43.93}
LIIF_DECODER_MFLOP = 1.579
# Bounds when AISCI_MAX_SR_GFLOP is not set: a few minutes of a CPU, some seconds of a GPU.
DEFAULT_MAX_GFLOP = {"cpu": 10_000.0, "cuda": 500_000.0}


class TooMuchWork(SRError):
    """An SR run whose estimated work is over the configured bound."""


def estimate_gflop(spec: ModelSpec, input_hw: tuple[int, int], output_hw: tuple[int, int]) -> float:
    """Estimated GFLOP of running `spec` on an input of `input_hw` to an output of `output_hw`."""
    in_px = input_hw[0] * input_hw[1]
    out_px = output_hw[0] * output_hw[1]
    if spec.any_scale:
        mflop = LIIF_ENCODER_MFLOP.get(spec.arch, max(LIIF_ENCODER_MFLOP.values())) * in_px
        mflop += LIIF_DECODER_MFLOP * out_px
    else:
        mflop = MFLOP_PER_INPUT_PIXEL.get(spec.name, max(MFLOP_PER_INPUT_PIXEL.values())) * in_px
    return mflop / 1000.0


def work_limit(max_work_gflop: float | None, device_type: str) -> float:
    """The bound in GFLOP: the configured one, else the default of the device type."""
    if max_work_gflop is not None:
        return float(max_work_gflop)
    return DEFAULT_MAX_GFLOP.get(device_type, DEFAULT_MAX_GFLOP["cpu"])


def check_work(spec: ModelSpec, input_hw: tuple[int, int], output_hw: tuple[int, int], scale: float,
               max_work_gflop: float | None, device_type: str) -> float:
    """The run's estimated GFLOP, or TooMuchWork (one line: what it would cost, the bound, what to do)."""
    work = estimate_gflop(spec, input_hw, output_hw)
    limit = work_limit(max_work_gflop, device_type)
    if work > limit:
        (h, w), (oh, ow) = input_hw, output_hw
        raise TooMuchWork(
            f"{spec.name} at x{scale:g} on {w}x{h} (output {ow}x{oh}) would be about {work:,.0f} GFLOP of work, "
            f"over the limit of {limit:,.0f} GFLOP on {device_type} (AISCI_MAX_SR_GFLOP); use a smaller image "
            "or scale, or raise AISCI_MAX_SR_GFLOP"
        )
    return work
