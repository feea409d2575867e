"""LIIF: reference outputs (small fixtures and the real official checkpoint), coordinates, batching."""

from __future__ import annotations

import pytest
import torch
from sr_support import relative_error

from tools.sr.liif import build_liif, coord_axis, make_coord
from tools.sr.runner import liif_predict
from tools.sr.weights import load_model
from tools.sr.zoo import build_architecture, get_spec


def _outputs(data: dict):
    for key, ref in data.items():
        if key.startswith("output_"):
            h, w = (int(v) for v in key.removeprefix("output_").split("x"))
            yield (h, w), ref


@pytest.mark.parametrize("name", ["edsr_baseline_liif_small", "rdn_liif_small"])
@pytest.mark.parametrize("query_batch", [30000, 97])
def test_reproduces_official_outputs(goldens, name, query_batch):
    manifest, load = goldens
    data = load(name)
    model = build_liif(manifest[name]["model_spec"]).eval()
    model.load_state_dict(data["state_dict"], strict=True)
    sizes = list(_outputs(data))
    assert len(sizes) == 3
    with torch.inference_mode():
        for (h, w), ref in sizes:
            out = liif_predict(model, data["input"], h, w, query_batch=query_batch)
            assert out.shape == ref.shape
            assert relative_error(out, ref) < 1e-4, (name, h, w)


def test_encoder_tiles_are_exact(goldens):
    # With a margin of the receptive radius, tiling the encoder changes nothing.
    manifest, load = goldens
    data = load("rdn_liif_small")
    model = build_liif(manifest["rdn_liif_small"]["model_spec"]).eval()
    model.load_state_dict(data["state_dict"], strict=True)
    with torch.inference_mode():
        whole = liif_predict(model, data["input"], 36, 28)
        tiled = liif_predict(model, data["input"], 36, 28, encoder_tile=5)
    assert torch.allclose(whole, tiled, atol=1e-6)


def test_coordinates_are_pixel_centres():
    assert torch.allclose(coord_axis(4), torch.tensor([-0.75, -0.25, 0.25, 0.75]))
    coord = make_coord(2, 3)
    assert coord.shape == (6, 2)
    assert torch.allclose(coord[1], torch.tensor([-0.5, 0.0]))  # row 0, column 1


@pytest.mark.parametrize(("name", "section", "count"), [
    ("SISR-Any-LIIF-EDSR", "EDSR-baseline-LIIF", 1_567_323),
    ("SISR-Any-LIIF-RDN", "RDN-LIIF", 22_320_835),
])
def test_full_size_matches_official_keys_and_count(official_keys, name, section, count):
    with torch.device("meta"):
        model = build_architecture(get_spec(name))
    expected = official_keys[section]
    assert [(k, tuple(v.shape)) for k, v in model.state_dict().items()] == expected["keys"]
    assert sum(p.numel() for p in model.parameters()) == expected["params"] == count
    assert model.imnet.layers[0].in_features == 580


def test_unknown_encoder_is_refused():
    spec = {"name": "liif", "args": {"encoder_spec": {"name": "swinir", "args": {}},
                                     "imnet_spec": {"name": "mlp", "args": {"out_dim": 3, "hidden_list": [8]}}}}
    with pytest.raises(ValueError, match="edsr-baseline"):
        build_liif(spec)


@pytest.mark.slow
def test_official_checkpoint_reproduces_golden(goldens, liif_weights):
    _, load = goldens
    data = load("edsr_baseline_liif_official")
    model = load_model(get_spec("SISR-Any-LIIF-EDSR"), liif_weights)
    sizes = list(_outputs(data))
    assert [s for s, _ in sizes] == [(96, 80), (120, 100), (144, 120)]
    with torch.inference_mode():
        for (h, w), ref in sizes:
            assert relative_error(liif_predict(model, data["input"], h, w), ref) < 1e-4
