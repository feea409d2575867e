"""RCAN: the authors' reference outputs, parameter count, and checkpoint layout."""

from __future__ import annotations

import pytest
import torch
from sr_support import relative_error

from tools.sr.rcan import RCAN, RCANConfig
from tools.sr.tiling import forward_chop


def small_rcan(config: dict) -> RCAN:
    return RCAN(RCANConfig(scale=config["scale"], n_resgroups=config["n_resgroups"], n_resblocks=config["n_resblocks"],
                           n_feats=config["n_feats"], reduction=config["reduction"])).eval()


@pytest.mark.parametrize("name", ["rcan_x2_small", "rcan_x3_small", "rcan_x4_small"])
def test_reproduces_official_outputs(goldens, name):
    manifest, load = goldens
    data = load(name)
    model = small_rcan(manifest[name]["config"])
    model.load_state_dict(data["state_dict"], strict=True)
    with torch.inference_mode():
        out = model(data["input"])
        chopped = forward_chop(model, data["chop_input"], model.scale)
        whole = model(data["chop_input"])
    assert relative_error(out, data["output"]) < 1e-4
    assert relative_error(chopped, data["chop_output"]) < 1e-4
    # The chop is really the authors' procedure: far closer than a whole-image forward.
    assert relative_error(chopped, data["chop_output"]) < 1e-6 < relative_error(whole, data["chop_output"])


@pytest.mark.parametrize(("scale", "section"), [(2, "RCAN x2"), (4, "RCAN x4")])
def test_full_size_matches_official_keys_and_count(official_keys, scale, section):
    with torch.device("meta"):
        model = RCAN(RCANConfig(scale=scale))
    expected = official_keys[section]
    got = [(k, tuple(v.shape)) for k, v in model.state_dict().items()]
    assert got == expected["keys"]
    assert sum(p.numel() for p in model.parameters()) == expected["params"]
    assert expected["params"] == {2: 15_444_667, 4: 15_592_379}[scale]


def test_mean_shift_constants():
    model = RCAN(RCANConfig(scale=2, n_resgroups=1, n_resblocks=1, n_feats=8, reduction=4))
    assert torch.equal(model.sub_mean.weight.view(3, 3), torch.eye(3))
    assert torch.allclose(model.sub_mean.bias, -255 * torch.tensor([0.4488, 0.4371, 0.4040]))
    assert torch.allclose(model.add_mean.bias, 255 * torch.tensor([0.4488, 0.4371, 0.4040]))


def test_unsupported_scale_is_refused():
    with pytest.raises(ValueError, match="2, 3, 4 or 8"):
        RCAN(RCANConfig(scale=5, n_resgroups=1, n_resblocks=1, n_feats=8, reduction=4))
