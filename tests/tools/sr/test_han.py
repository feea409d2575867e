"""HAN: the authors' reference outputs, parameter count, checkpoint layout, layer attention."""

from __future__ import annotations

import pytest
import torch
from sr_support import relative_error

from tools.sr.han import HAN, HANConfig, LayerAttention
from tools.sr.tiling import forward_chop


@pytest.mark.parametrize("name", ["han_x2_small", "han_x4_small"])
def test_reproduces_official_outputs(goldens, name):
    manifest, load = goldens
    c = manifest[name]["config"]
    data = load(name)
    model = HAN(HANConfig(scale=c["scale"], n_resgroups=c["n_resgroups"], n_resblocks=c["n_resblocks"],
                          n_feats=c["n_feats"], reduction=c["reduction"])).eval()
    model.load_state_dict(data["state_dict"], strict=True)
    assert model.csa.gamma.item() == pytest.approx(0.7) and model.la.gamma.item() == pytest.approx(0.4)
    with torch.inference_mode():
        out = model(data["input"])
        chopped = forward_chop(model, data["chop_input"], model.scale)
        whole = model(data["chop_input"])
    assert relative_error(out, data["output"]) < 1e-4
    assert relative_error(chopped, data["chop_output"]) < 1e-4
    assert relative_error(chopped, data["chop_output"]) < 1e-6 < relative_error(whole, data["chop_output"])


@pytest.mark.parametrize(("scale", "section"), [(2, "HAN x2"), (4, "HAN x4")])
def test_full_size_matches_official_keys_and_count(official_keys, scale, section):
    with torch.device("meta"):
        model = HAN(HANConfig(scale=scale))
    expected = official_keys[section]
    got = [(k, tuple(v.shape)) for k, v in model.state_dict().items()]
    assert got == expected["keys"]
    assert sum(p.numel() for p in model.parameters()) == expected["params"]
    assert expected["params"] == {2: 15_924_057, 4: 16_071_769}[scale]
    # The released models stack 11 stage outputs (10 groups + the body conv).
    assert model.last_conv.in_channels == 11 * 64


def test_layer_attention_is_stable_for_large_energies():
    # Energies of real feature maps are huge; the attention must stay finite and row-stochastic.
    la = LayerAttention()
    with torch.no_grad():
        la.gamma.fill_(1.0)
    feats = torch.randn(1, 11, 8, 16, 16) * 1e3
    out = la(feats)
    assert out.shape == (1, 11 * 8, 16, 16)
    assert torch.isfinite(out).all()
