"""The side-by-side comparison PNG: labelled panels of equal size and, under each, the same
zoomed crop (the most detailed region, marked on the panels) so the difference is visible."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

PANEL_MAX = 420  # widest panel shown, in pixels (larger outputs are shown reduced; crops stay 1:1)
CROP_ZOOM = 3
LABEL_H = 34
PAD = 6


def detail_crop_box(img: np.ndarray, size: int) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the `size` x `size` window with the most gradient energy."""
    h, w = img.shape[:2]
    size = max(8, min(size, h, w))
    grey = img.astype(np.float64).mean(axis=2) if img.ndim == 3 else img.astype(np.float64)
    energy = np.zeros_like(grey)
    energy[:, 1:] += np.abs(np.diff(grey, axis=1))
    energy[1:, :] += np.abs(np.diff(grey, axis=0))
    integral = np.pad(energy.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    sums = integral[size:, size:] - integral[:-size, size:] - integral[size:, :-size] + integral[:-size, :-size]
    top, left = np.unravel_index(int(np.argmax(sums)), sums.shape)
    return int(left), int(top), int(left) + size, int(top) + size


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # very old Pillow: fixed bitmap font
        return ImageFont.load_default()


def comparison_figure(panels: list[tuple[str, str, np.ndarray]], crop_source: np.ndarray | None = None) -> Image.Image:
    """Panels are (title, subtitle, (H, W, 3) uint8 image), all the same size. The crop is chosen
    on `crop_source` (default: the last panel) and shown enlarged under every panel."""
    h, w = panels[0][2].shape[:2]
    for title, _, arr in panels:
        if arr.shape[:2] != (h, w):
            raise ValueError(f"panel {title!r} is {arr.shape[1]}x{arr.shape[0]}, expected {w}x{h}")
    shrink = min(1.0, PANEL_MAX / max(w, h))
    pw, ph = max(1, round(w * shrink)), max(1, round(h * shrink))
    crop_px = max(16, min(h, w, PANEL_MAX // CROP_ZOOM) // 2)
    box = detail_crop_box(crop_source if crop_source is not None else panels[-1][2], crop_px)
    crop_side = box[2] - box[0]
    zoom_side = min(pw, crop_side * CROP_ZOOM)
    col_w = max(pw, zoom_side)
    fig_w = PAD + len(panels) * (col_w + PAD)
    fig_h = PAD + LABEL_H + ph + PAD + zoom_side + PAD
    fig = Image.new("RGB", (fig_w, fig_h), (255, 255, 255))
    draw = ImageDraw.Draw(fig)
    title_font, sub_font = _font(15), _font(12)
    for i, (title, subtitle, arr) in enumerate(panels):
        x = PAD + i * (col_w + PAD)
        draw.text((x, PAD), title, fill=(0, 0, 0), font=title_font)
        draw.text((x, PAD + 17), subtitle, fill=(70, 70, 70), font=sub_font)
        full = Image.fromarray(arr, "RGB")
        shown = full if shrink == 1.0 else full.resize((pw, ph), Image.Resampling.LANCZOS)
        y = PAD + LABEL_H
        fig.paste(shown, (x, y))
        # Mark the crop on the panel.
        bx = [round(v * shrink) for v in box]
        draw.rectangle([x + bx[0], y + bx[1], x + bx[2], y + bx[3]], outline=(255, 40, 40), width=2)
        zoom = full.crop(box).resize((zoom_side, zoom_side), Image.Resampling.NEAREST)
        fig.paste(zoom, (x, y + ph + PAD))
        draw.rectangle([x, y + ph + PAD, x + zoom_side - 1, y + ph + PAD + zoom_side - 1], outline=(255, 40, 40), width=2)
    return fig
