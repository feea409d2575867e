"""Small building blocks shared by the SR architectures (EDSR-family conventions)."""

from __future__ import annotations

import torch
from torch import nn

# Mean RGB of DIV2K, the training set of every model in the zoo.
DIV2K_RGB_MEAN = (0.4488, 0.4371, 0.4040)


def conv3x3(in_channels: int, out_channels: int, kernel_size: int = 3) -> nn.Conv2d:
    """A same-size convolution with bias (padding k//2), the conv of every EDSR-family model."""
    return nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=True)


class MeanShift(nn.Conv2d):
    """1x1 convolution that subtracts (sign=-1) or adds (sign=+1) the DIV2K mean, scaled to `rgb_range`.

    Kept as a Conv2d so the checkpoints' `sub_mean.weight`/`sub_mean.bias` keys load; the
    parameters are frozen (they are constants, not learned).
    """

    def __init__(self, rgb_range: float, sign: int = -1, mean=DIV2K_RGB_MEAN):
        super().__init__(3, 3, kernel_size=1)
        with torch.no_grad():
            self.weight.copy_(torch.eye(3).view(3, 3, 1, 1))
            self.bias.copy_(sign * rgb_range * torch.tensor(mean))
        for p in self.parameters():
            p.requires_grad_(False)


class PixelShuffleUpsampler(nn.Sequential):
    """conv C->r²C + PixelShuffle(r), repeated log2(scale) times for powers of two, once for 3."""

    def __init__(self, scale: int, n_feats: int):
        layers: list[nn.Module] = []
        if scale in (2, 4, 8):
            for _ in range(scale.bit_length() - 1):
                layers += [conv3x3(n_feats, 4 * n_feats), nn.PixelShuffle(2)]
        elif scale == 3:
            layers += [conv3x3(n_feats, 9 * n_feats), nn.PixelShuffle(3)]
        else:
            raise ValueError(f"upsampler scale must be 2, 3, 4 or 8, not {scale}")
        super().__init__(*layers)
