"""Chop and tiles: the official stitching, small inputs, exactness for local operators."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from tools.sr.tiling import forward_chop, forward_tiles, tile_spans


def _nearest_x2(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode="nearest")


def test_chop_of_a_pointwise_model_is_identity_of_whole():
    x = torch.rand(1, 3, 45, 61)
    assert torch.equal(forward_chop(_nearest_x2, x, 2), _nearest_x2(x))


def test_chop_recurses_for_large_inputs():
    calls = []

    def model(x):
        calls.append(tuple(x.shape[-2:]))
        return _nearest_x2(x)

    x = torch.rand(1, 3, 120, 100)
    out = forward_chop(model, x, 2, shave=10, min_size=1000)
    assert torch.equal(out, _nearest_x2(x))
    # 120x100 -> 70x60 -> 45x40 -> 32x30 quadrants: three levels, 4**3 forwards.
    assert len(calls) == 64 and set(calls) == {(32, 30)}


def test_chop_batches_quadrants_when_asked():
    sizes = []

    def model(x):
        sizes.append(x.shape[0])
        return _nearest_x2(x)

    x = torch.rand(1, 3, 40, 40)
    assert torch.equal(forward_chop(model, x, 2, batch_quadrants=True), _nearest_x2(x))
    assert sizes == [4]


def test_tiny_inputs_are_run_whole():
    x = torch.rand(1, 3, 12, 30)  # a quadrant plus shave would exceed the height
    assert torch.equal(forward_chop(_nearest_x2, x, 2), _nearest_x2(x))


def test_tiles_with_receptive_margin_are_exact():
    torch.manual_seed(0)
    conv = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(4, 3, 3, padding=1))
    x = torch.rand(1, 3, 37, 53)
    with torch.inference_mode():
        assert torch.allclose(forward_tiles(conv, x, 1, tile=10, margin=2), conv(x), atol=1e-6)


def test_tile_spans_cover():
    assert tile_spans(10, 4) == [(0, 4), (4, 8), (8, 10)]
