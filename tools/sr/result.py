"""`SRResult`: what one SR run produced (the CLI's --json and the agent tool's answer)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class SRPaths(BaseModel):
    """Files written by the run."""

    input: str = Field(description="The low-resolution input the model saw (PNG).")
    output: str = Field(description="The model's output (PNG).")
    comparison: str = Field(description="Side-by-side comparison with labels and a zoomed crop (PNG).")
    ground_truth: str | None = Field(None, description="Demo only: the original image the input was made from.")
    bicubic: str | None = Field(None, description="Plain bicubic upscaling of the input, same size as the output.")


class SRMetrics(BaseModel):
    """Quality against the ground truth (demo runs only)."""

    psnr: float = Field(description="PSNR (dB) of the model output vs the ground truth.")
    ssim: float = Field(description="SSIM of the model output vs the ground truth.")
    psnr_bicubic: float = Field(description="PSNR (dB) of plain bicubic upscaling vs the ground truth.")
    ssim_bicubic: float = Field(description="SSIM of plain bicubic upscaling vs the ground truth.")
    protocol: str = Field(
        "Y channel of MATLAB rgb2ycbcr on 8-bit images, border shave = ceil(scale)",
        description="How the numbers were measured.",
    )


class SRResult(BaseModel):
    """One run of a zoo model on one image."""

    model: str
    arch: str
    scale: float
    device: str
    dtype: str
    seconds: float = Field(description="Model time (load and I/O excluded).")
    peak_memory_mb: float = Field(description="CUDA: peak allocated; CPU: the process's peak resident memory.")
    paths: SRPaths
    metrics: SRMetrics | None = None
    mode: Literal["demo", "upscale"]
    input_size: tuple[int, int] = Field(description="(width, height) of the model's input.")
    output_size: tuple[int, int] = Field(description="(width, height) of the output.")
    method: str = Field(description="How the image was processed: whole, official chop, tiles, query batches.")
    source_image: str = Field(description="The image the user gave (or the bundled sample).")
    weights: str = Field(description="The official weights file used.")
    notes: list[str] = Field(default_factory=list)
