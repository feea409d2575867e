"""Splitting an image into pieces a model can afford, and stitching the results.

`forward_chop` is the authors' test-time procedure of RCAN/HAN (four overlapping quadrants,
recursively); `forward_tiles` is a regular grid of overlapping tiles for large inputs and for
out-of-memory retries. For purely convolutional encoders (LIIF's) a margin at least the receptive
radius makes tiling exact.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

Forward = Callable[[torch.Tensor], torch.Tensor]


def forward_chop(
    forward: Forward, x: torch.Tensor, scale: int, shave: int = 10, min_size: int = 160000, batch_quadrants: bool = False
) -> torch.Tensor:
    """The official four-quadrant chop: each quadrant is half the image plus `shave` pixels; a
    quadrant of `min_size` pixels or more is chopped again. Results are stitched without blending.

    Channel attention pools over the whole input, so the result differs slightly from one
    whole-image forward; this is what the papers' numbers were measured with.
    """
    b, _, h, w = x.shape
    h_half, w_half = h // 2, w // 2
    h_size, w_size = h_half + shave, w_half + shave
    if h_size >= h or w_size >= w:
        # Too small to chop (the quadrants would be the whole image): one forward is the same.
        return forward(x)
    quadrants = [
        x[:, :, :h_size, :w_size],
        x[:, :, :h_size, w - w_size :],
        x[:, :, h - h_size :, :w_size],
        x[:, :, h - h_size :, w - w_size :],
    ]
    if h_size * w_size < min_size:
        if batch_quadrants:
            outs = list(forward(torch.cat(quadrants, dim=0)).chunk(4, dim=0))
        else:
            outs = [forward(q) for q in quadrants]
    else:
        outs = [forward_chop(forward, q, scale, shave, min_size, batch_quadrants) for q in quadrants]
    H, W = scale * h, scale * w
    hh, wh = scale * h_half, scale * w_half
    hs, ws = scale * h_size, scale * w_size
    out = x.new_empty(b, outs[0].shape[1], H, W, dtype=outs[0].dtype)
    out[:, :, :hh, :wh] = outs[0][:, :, :hh, :wh]
    out[:, :, :hh, wh:] = outs[1][:, :, :hh, ws - W + wh :]
    out[:, :, hh:, :wh] = outs[2][:, :, hs - H + hh :, :wh]
    out[:, :, hh:, wh:] = outs[3][:, :, hs - H + hh :, ws - W + wh :]
    return out


def tile_spans(length: int, tile: int) -> list[tuple[int, int]]:
    """Cover [0, length) with consecutive spans of at most `tile` pixels."""
    return [(start, min(start + tile, length)) for start in range(0, length, tile)]


def forward_tiles(forward: Forward, x: torch.Tensor, scale: int, tile: int, margin: int) -> torch.Tensor:
    """Run `forward` on tiles of `tile` pixels, each read with `margin` pixels of context on every
    side (clipped at the borders); keep each tile's centre. `scale` is the output/input size ratio.
    """
    b, _, h, w = x.shape
    if tile <= 0:
        raise ValueError("tile size must be positive")
    if h <= tile and w <= tile:
        return forward(x)
    out = None
    for top, bottom in tile_spans(h, tile):
        for left, right in tile_spans(w, tile):
            t0, b0 = max(top - margin, 0), min(bottom + margin, h)
            l0, r0 = max(left - margin, 0), min(right + margin, w)
            piece = forward(x[:, :, t0:b0, l0:r0])
            if out is None:
                out = x.new_empty(b, piece.shape[1], h * scale, w * scale, dtype=piece.dtype)
            out[:, :, top * scale : bottom * scale, left * scale : right * scale] = piece[
                :, :, (top - t0) * scale : (bottom - t0) * scale, (left - l0) * scale : (right - l0) * scale
            ]
    return out
