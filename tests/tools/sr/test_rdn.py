"""RDN encoder: named configurations, dense connections, receptive radius."""

from __future__ import annotations

import pytest
import torch

from tools.sr.rdn import RDNEncoder


def test_config_b_shapes():
    with torch.device("meta"):
        enc = RDNEncoder.named("B")
    assert len(enc.RDBs) == 16 and len(enc.RDBs[0].convs) == 8
    assert enc.RDBs[0].LFF.in_channels == 64 + 8 * 64
    assert enc.GFF[0].in_channels == 16 * 64
    assert enc.receptive_radius == 131


def test_receptive_radius_bounds_dependence():
    torch.manual_seed(0)
    enc = RDNEncoder.named("T", G0=4).eval()
    n = 2 * enc.receptive_radius + 3
    x = torch.rand(1, 3, n, n)
    y = x.clone()
    c = n // 2
    y[0, :, c, c] += 1.0
    with torch.inference_mode():
        diff = (enc(x) - enc(y)).abs().sum(1)[0]
    rows, _ = torch.nonzero(diff > 0, as_tuple=True)
    assert rows.min() >= c - enc.receptive_radius and rows.max() <= c + enc.receptive_radius


def test_unknown_config():
    with pytest.raises(ValueError, match="unknown RDN configuration"):
        RDNEncoder.named("Z")
