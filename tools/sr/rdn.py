"""RDN without upsampling: the feature encoder of RDN-LIIF (Zhang et al., CVPR 2018).

Parameter names follow LIIF's checkpoint (`encoder.SFENet1`, `encoder.RDBs.i.convs.c.conv.0`, ...).
No mean shift.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

# (blocks D, convs per block C, growth rate G) of the authors' named configurations; "T" is the
# reduced configuration of the reference fixtures (testdata/sr/goldens/rdn_liif_small.pt).
RDN_CONFIGS = {"A": (20, 6, 32), "B": (16, 8, 64), "T": (3, 2, 16)}


@dataclass(frozen=True)
class RDNConfig:
    """Hyperparameters; the defaults are config B with G0 = 64, the one LIIF uses."""

    G0: int = 64
    D: int = 16
    C: int = 8
    G: int = 64
    kernel_size: int = 3


class RDBConv(nn.Module):
    """conv + ReLU whose `G` output channels are concatenated to its input (dense connection)."""

    def __init__(self, in_channels: int, growth: int, kernel_size: int):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels, growth, kernel_size, padding=(kernel_size - 1) // 2), nn.ReLU(inplace=True)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, self.conv(x)], dim=1)


class RDB(nn.Module):
    """Residual dense block: C dense convs, 1x1 local feature fusion, plus the input."""

    def __init__(self, G0: int, G: int, C: int, kernel_size: int):
        super().__init__()
        self.convs = nn.Sequential(*[RDBConv(G0 + i * G, G, kernel_size) for i in range(C)])
        self.LFF = nn.Conv2d(G0 + C * G, G0, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.LFF(self.convs(x)) + x


class RDNEncoder(nn.Module):
    """Shallow features, D residual dense blocks, global feature fusion, global skip."""

    def __init__(self, config: RDNConfig = RDNConfig()):
        super().__init__()
        self.config = config
        k, g0 = config.kernel_size, config.G0
        self.SFENet1 = nn.Conv2d(3, g0, k, padding=(k - 1) // 2)
        self.SFENet2 = nn.Conv2d(g0, g0, k, padding=(k - 1) // 2)
        self.RDBs = nn.ModuleList([RDB(g0, config.G, config.C, k) for _ in range(config.D)])
        self.GFF = nn.Sequential(nn.Conv2d(config.D * g0, g0, 1), nn.Conv2d(g0, g0, k, padding=(k - 1) // 2))

    @classmethod
    def named(cls, name: str, G0: int = 64) -> RDNEncoder:
        """Build one of the named configurations ('A', 'B' or the test-size 'T')."""
        if name not in RDN_CONFIGS:
            raise ValueError(f"unknown RDN configuration {name!r}; known: {', '.join(RDN_CONFIGS)}")
        D, C, G = RDN_CONFIGS[name]
        return cls(RDNConfig(G0=G0, D=D, C=C, G=G))

    @property
    def out_dim(self) -> int:
        return self.config.G0

    @property
    def receptive_radius(self) -> int:
        """Pixels of context one output feature depends on in each direction."""
        half = self.config.kernel_size // 2
        return half * (3 + self.config.D * self.config.C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shallow = self.SFENet1(x)
        x = self.SFENet2(shallow)
        outputs = []
        for block in self.RDBs:
            x = block(x)
            outputs.append(x)
        return self.GFF(torch.cat(outputs, dim=1)) + shallow
