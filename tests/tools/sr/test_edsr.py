"""EDSR-baseline encoder: structure, receptive radius, and that the mean shift is not applied."""

from __future__ import annotations

import torch

from tools.sr.edsr import EDSRConfig, EDSREncoder


def test_structure_and_radius():
    enc = EDSREncoder()
    assert len(enc.body) == 17 and enc.out_dim == 64
    assert enc.receptive_radius == 34
    assert not any(p.requires_grad for p in enc.sub_mean.parameters())


def test_receptive_radius_is_exact():
    # Changing one input pixel changes outputs no farther than the receptive radius.
    torch.manual_seed(0)
    enc = EDSREncoder(EDSRConfig(n_resblocks=2, n_feats=8)).eval()
    x = torch.rand(1, 3, 21, 21)
    y = x.clone()
    y[0, :, 10, 10] += 1.0
    with torch.inference_mode():
        diff = (enc(x) - enc(y)).abs().sum(1)[0]
    rows, cols = torch.nonzero(diff > 0, as_tuple=True)
    r = enc.receptive_radius
    assert rows.min() == 10 - r and rows.max() == 10 + r and cols.min() == 10 - r


def test_mean_shift_is_not_applied():
    torch.manual_seed(0)
    enc = EDSREncoder(EDSRConfig(n_resblocks=1, n_feats=4)).eval()
    x = torch.rand(1, 3, 8, 8)
    with torch.inference_mode():
        expected = enc.body(enc.head(x)) + enc.head(x)
        assert torch.equal(enc(x), expected)
