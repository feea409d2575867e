"""RCAN: Residual Channel Attention Network (Zhang et al., ECCV 2018).

Module paths and parameter names follow the authors' release so that their `RCAN_BIX{s}.pt`
state dicts load with `strict=True`. Input and output are RGB in 0-255 (NCHW, float).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from tools.sr.layers import MeanShift, PixelShuffleUpsampler, conv3x3


@dataclass(frozen=True)
class RCANConfig:
    """Hyperparameters; the defaults are the released models' (10 groups x 20 blocks, 64 features)."""

    scale: int = 2
    n_resgroups: int = 10
    n_resblocks: int = 20
    n_feats: int = 64
    reduction: int = 16
    rgb_range: float = 255.0


class CALayer(nn.Module):
    """Channel attention: global average pool -> C/r -> ReLU -> C -> sigmoid, then rescale x."""

    def __init__(self, channels: int, reduction: int):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.conv_du = nn.Sequential(
            nn.Conv2d(channels, channels // reduction, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels // reduction, channels, 1),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.conv_du(self.avg_pool(x))


class RCAB(nn.Module):
    """Residual channel attention block: conv, ReLU, conv, channel attention, plus the input."""

    def __init__(self, n_feats: int, reduction: int):
        super().__init__()
        self.body = nn.Sequential(
            conv3x3(n_feats, n_feats), nn.ReLU(inplace=True), conv3x3(n_feats, n_feats), CALayer(n_feats, reduction)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + x


class ResidualGroup(nn.Module):
    """`n_resblocks` RCABs and a conv, with a short skip connection."""

    def __init__(self, n_feats: int, reduction: int, n_resblocks: int):
        super().__init__()
        blocks: list[nn.Module] = [RCAB(n_feats, reduction) for _ in range(n_resblocks)]
        blocks.append(conv3x3(n_feats, n_feats))
        self.body = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + x


class RCAN(nn.Module):
    """RCAN: head conv, residual-in-residual body (long skip), pixel-shuffle tail; mean shift around."""

    def __init__(self, config: RCANConfig = RCANConfig()):
        super().__init__()
        self.config = config
        c = config.n_feats
        self.sub_mean = MeanShift(config.rgb_range, sign=-1)
        self.add_mean = MeanShift(config.rgb_range, sign=1)
        self.head = nn.Sequential(conv3x3(3, c))
        groups: list[nn.Module] = [
            ResidualGroup(c, config.reduction, config.n_resblocks) for _ in range(config.n_resgroups)
        ]
        groups.append(conv3x3(c, c))
        self.body = nn.Sequential(*groups)
        self.tail = nn.Sequential(PixelShuffleUpsampler(config.scale, c), conv3x3(c, 3))

    @property
    def scale(self) -> int:
        return self.config.scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.head(self.sub_mean(x))
        res = self.body(x) + x
        return self.add_mean(self.tail(res))
