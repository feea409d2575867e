"""The bundled demo image: a synthetic test chart drawn here (public domain, no photographs).

It holds what super-resolution is judged on: text strokes, sharp edges at many angles, a radial
star, a zone plate (fine frequencies), smooth gradients, colour patches and a seeded texture.
`python -m tools.sr.sample_chart` rewrites `samples/test-chart.png` (deterministic).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

SAMPLE_PATH = Path(__file__).resolve().parent / "samples" / "test-chart.png"
WIDTH, HEIGHT = 288, 240  # both multiples of 2, 3, 4 and 8 (ground truth needs no cropping)


def _zone_plate(size: int) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size].astype(np.float64) - (size - 1) / 2
    return 127.5 + 127.5 * np.cos(math.pi * (x**2 + y**2) / (1.6 * size))


def _texture(h: int, w: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.random((h // 4 + 1, w // 4 + 1))
    coarse = np.kron(noise, np.ones((4, 4)))[:h, :w]
    fine = rng.random((h, w))
    return np.clip(90 + 110 * coarse + 50 * fine, 0, 255)


def draw_test_chart() -> Image.Image:
    """Draw the chart (RGB, WIDTH x HEIGHT)."""
    img = np.zeros((HEIGHT, WIDTH, 3), dtype=np.float64)
    # Background: a diagonal colour gradient.
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH] / np.array([HEIGHT, WIDTH]).reshape(2, 1, 1)
    img[..., 0] = 60 + 150 * xx
    img[..., 1] = 70 + 120 * yy
    img[..., 2] = 200 - 120 * xx * yy
    # Zone plate, top right.
    zp = _zone_plate(96)
    img[8:104, 184:280] = zp[..., None]
    # Texture patch with a colour tint, bottom right.
    tex = _texture(72, 96)
    img[160:232, 184:280] = tex[..., None] * np.array([1.0, 0.85, 0.6])
    chart = Image.fromarray(np.clip(np.round(img), 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(chart)
    # Siemens star, top left.
    cx, cy, r = 52, 56, 44
    for k in range(24):
        a0, a1 = 2 * math.pi * k / 24, 2 * math.pi * (k + 0.5) / 24
        pts = [(cx, cy), (cx + r * math.cos(a0), cy + r * math.sin(a0)), (cx + r * math.cos(a1), cy + r * math.sin(a1))]
        draw.polygon(pts, fill=(20, 20, 20))
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(250, 250, 250), width=2)
    # Lines at several angles and widths, middle top.
    for i, angle in enumerate(range(0, 180, 15)):
        a = math.radians(angle)
        x0, y0 = 140, 56
        draw.line([(x0 - 34 * math.cos(a), y0 - 34 * math.sin(a)), (x0 + 34 * math.cos(a), y0 + 34 * math.sin(a))],
                  fill=(255, 255, 255) if i % 2 else (0, 0, 0), width=1 + i % 3)
    # Checkerboards of decreasing period and bar groups.
    for j, period in enumerate((10, 6, 4)):
        x0 = 8 + j * 56
        for yy_ in range(112, 160, period):
            for xx_ in range(x0, x0 + 48, period):
                if ((yy_ - 112) // period + (xx_ - x0) // period) % 2 == 0:
                    draw.rectangle([xx_, yy_, xx_ + period - 1, yy_ + period - 1], fill=(245, 245, 245))
                else:
                    draw.rectangle([xx_, yy_, xx_ + period - 1, yy_ + period - 1], fill=(15, 15, 40))
    # Colour patches with hard edges.
    colours = [(220, 30, 30), (30, 180, 60), (40, 70, 220), (240, 200, 20), (200, 40, 200), (20, 200, 210)]
    for i, colour in enumerate(colours):
        draw.rectangle([8 + i * 28, 168, 8 + i * 28 + 22, 186], fill=colour, outline=(0, 0, 0))
    # Text strokes at three sizes.
    for size, y, text in ((18, 196, "Super-Resolution"), (12, 218, "aisci test chart 0123456789"), (9, 231, "HAN RCAN LIIF x2 x3 x4")):
        font = ImageFont.load_default(size=size)
        draw.text((8, y), text, fill=(10, 10, 10), font=font)
    return chart


if __name__ == "__main__":
    SAMPLE_PATH.parent.mkdir(parents=True, exist_ok=True)
    draw_test_chart().save(SAMPLE_PATH, format="PNG", optimize=True)
    print(SAMPLE_PATH)
