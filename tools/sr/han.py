"""HAN: Holistic Attention Network (Niu et al., ECCV 2020).

RCAN's head, residual groups and tail (same parameter names) plus a layer attention module (`la`)
over the stacked outputs of every body stage and a channel-spatial attention module (`csa`) on the
last one. Parameter names follow the authors' `HAN_BIX{s}.pt`. RGB in 0-255, NCHW float.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

import torch
from torch import nn

from tools.sr.layers import MeanShift, PixelShuffleUpsampler, conv3x3
from tools.sr.rcan import ResidualGroup


@dataclass(frozen=True)
class HANConfig:
    """Hyperparameters; the defaults are the released models' (10 groups x 20 blocks, 64 features)."""

    scale: int = 2
    n_resgroups: int = 10
    n_resblocks: int = 20
    n_feats: int = 64
    reduction: int = 16
    rgb_range: float = 255.0


class LayerAttention(nn.Module):
    """Layer attention (LAM): an N x N attention between the N stacked stage outputs."""

    def __init__(self):
        super().__init__()
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        b, n, c, h, w = feats.shape
        # The energies are sums over C*H*W squares: far beyond fp16's range, so this small N x N
        # attention always runs in float32 (it costs two thin matrix products).
        no_autocast = torch.autocast("cuda", enabled=False) if feats.is_cuda else nullcontext()
        with no_autocast:
            q = feats.reshape(b, n, -1).float()
            energy = torch.bmm(q, q.transpose(1, 2))
            energy = energy.amax(dim=-1, keepdim=True) - energy
            attention = torch.softmax(energy, dim=-1)
            out = torch.bmm(attention, q).view(b, n, c, h, w)
            out = (self.gamma * out).to(feats.dtype) + feats
        return out.reshape(b, n * c, h, w)


class ChannelSpatialAttention(nn.Module):
    """Channel-spatial attention (CSAM): a 3x3x3 conv over (C, H, W), sigmoid, scaled by gamma."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv3d(1, 1, 3, padding=1)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        attention = torch.sigmoid(self.conv(x.unsqueeze(1))) * self.gamma
        return x * attention.reshape(x.shape) + x


class HAN(nn.Module):
    """HAN: RCAN-style residual groups whose stage outputs are fused by layer attention."""

    def __init__(self, config: HANConfig = HANConfig()):
        super().__init__()
        self.config = config
        c = config.n_feats
        self.sub_mean = MeanShift(config.rgb_range, sign=-1)
        self.add_mean = MeanShift(config.rgb_range, sign=1)
        self.head = nn.Sequential(conv3x3(3, c))
        stages: list[nn.Module] = [
            ResidualGroup(c, config.reduction, config.n_resblocks) for _ in range(config.n_resgroups)
        ]
        stages.append(conv3x3(c, c))
        self.body = nn.Sequential(*stages)
        self.csa = ChannelSpatialAttention()
        self.la = LayerAttention()
        # One input slice per body stage: n_resgroups + 1 = 11 for the released models.
        self.last_conv = conv3x3(c * (config.n_resgroups + 1), c)
        self.last = conv3x3(2 * c, c)
        self.tail = nn.Sequential(PixelShuffleUpsampler(config.scale, c), conv3x3(c, 3))

    @property
    def scale(self) -> int:
        return self.config.scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.head(self.sub_mean(x))
        res = x
        outputs = []
        for stage in self.body:
            res = stage(res)
            outputs.append(res)
        # The authors stack the newest stage first.
        stacked = torch.stack(outputs[::-1], dim=1)
        fused = self.last_conv(self.la(stacked))
        res = self.last(torch.cat([self.csa(res), fused], dim=1)) + x
        return self.add_mean(self.tail(res))
