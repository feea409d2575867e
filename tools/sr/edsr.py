"""EDSR-baseline without upsampling: the feature encoder of EDSR-baseline-LIIF (Lim et al., 2017).

Parameter names follow LIIF's checkpoint (`encoder.*`). The checkpoint carries `sub_mean` and
`add_mean` (rgb_range 1) but LIIF's encoder never applies them; they exist here only so the
checkpoint loads strictly.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from tools.sr.layers import MeanShift, conv3x3


@dataclass(frozen=True)
class EDSRConfig:
    """Hyperparameters; the defaults are EDSR-baseline's (16 blocks, 64 features)."""

    n_resblocks: int = 16
    n_feats: int = 64
    res_scale: float = 1.0


class ResBlock(nn.Module):
    """conv, ReLU, conv, scaled, plus the input (no batch norm)."""

    def __init__(self, n_feats: int, res_scale: float):
        super().__init__()
        self.body = nn.Sequential(conv3x3(n_feats, n_feats), nn.ReLU(inplace=True), conv3x3(n_feats, n_feats))
        self.res_scale = res_scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        res = self.body(x)
        if self.res_scale != 1:
            res = res * self.res_scale
        return res + x


class EDSREncoder(nn.Module):
    """Head conv and residual body with a long skip; outputs `n_feats` channels at input size."""

    def __init__(self, config: EDSRConfig = EDSRConfig()):
        super().__init__()
        self.config = config
        c = config.n_feats
        self.sub_mean = MeanShift(1.0, sign=-1)
        self.add_mean = MeanShift(1.0, sign=1)
        self.head = nn.Sequential(conv3x3(3, c))
        blocks: list[nn.Module] = [ResBlock(c, config.res_scale) for _ in range(config.n_resblocks)]
        blocks.append(conv3x3(c, c))
        self.body = nn.Sequential(*blocks)

    @property
    def out_dim(self) -> int:
        return self.config.n_feats

    @property
    def receptive_radius(self) -> int:
        """Pixels of context one output feature depends on in each direction (3x3 convs)."""
        return 2 * self.config.n_resblocks + 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.head(x)
        return self.body(x) + x
