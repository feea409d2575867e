"""Reading images: kinds of images handled, and everything that must be refused before decoding."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from tools.sr.errors import BadImage
from tools.sr.images import assemble, read_image, rgb_to_tensor, save_png, tensor_to_rgb

LIMIT = 1_000_000


def _save(tmp_path, name, img: Image.Image) -> str:
    path = tmp_path / name
    img.save(path)
    return path


def test_rgb_roundtrip(tmp_path):
    arr = np.random.default_rng(0).integers(0, 256, (9, 7, 3), dtype=np.uint8)
    loaded = read_image(_save(tmp_path, "a.png", Image.fromarray(arr)), LIMIT)
    assert loaded.rgb.shape == (9, 7, 3) and not loaded.grey and loaded.alpha is None
    assert np.array_equal(tensor_to_rgb(rgb_to_tensor(loaded.rgb)), arr)


def test_grey_becomes_rgb_and_back(tmp_path):
    arr = np.arange(64, dtype=np.uint8).reshape(8, 8)
    loaded = read_image(_save(tmp_path, "g.png", Image.fromarray(arr, "L")), LIMIT)
    assert loaded.grey and loaded.rgb.shape == (8, 8, 3)
    assert np.array_equal(loaded.rgb[..., 1], arr)
    assert assemble(loaded.rgb, loaded).mode == "L"


def test_sixteen_bit_grey_is_reduced(tmp_path):
    arr = (np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000)
    loaded = read_image(_save(tmp_path, "g16.png", Image.fromarray(arr)), LIMIT)
    assert loaded.grey and loaded.rgb.dtype == np.uint8
    assert loaded.rgb[..., 0].max() == round(63000 / 257)


def test_alpha_is_kept_aside_and_resized(tmp_path):
    rgba = np.zeros((8, 8, 4), dtype=np.uint8)
    rgba[..., 3] = 128
    loaded = read_image(_save(tmp_path, "a.png", Image.fromarray(rgba, "RGBA")), LIMIT)
    assert loaded.alpha is not None and loaded.alpha.shape == (8, 8)
    out = assemble(np.zeros((16, 16, 3), dtype=np.uint8), loaded)
    assert out.mode == "RGBA" and out.size == (16, 16)
    assert np.asarray(out)[..., 3].min() == 128


def test_palette_image(tmp_path):
    img = Image.fromarray(np.zeros((8, 8, 3), dtype=np.uint8)).convert("P")
    loaded = read_image(_save(tmp_path, "p.png", img), LIMIT)
    assert loaded.rgb.shape == (8, 8, 3)


def test_over_the_pixel_limit_is_refused_before_decoding(tmp_path):
    path = _save(tmp_path, "big.png", Image.new("RGB", (2000, 1000)))
    with pytest.raises(BadImage, match="over the limit"):
        read_image(path, LIMIT)


def test_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("this is text, not pixels")
    with pytest.raises(BadImage, match="not an image file"):
        read_image(path, LIMIT)


def test_truncated_image(tmp_path):
    path = _save(tmp_path, "t.png", Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)))
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(BadImage, match="damaged"):
        read_image(path, LIMIT)


@pytest.mark.parametrize("kind", ["missing", "folder", "empty", "fifo"])
def test_not_regular_files(tmp_path, kind):
    path = tmp_path / "x.png"
    if kind == "folder":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "fifo":
        os.mkfifo(path)
    expected = {"missing": "no such file", "folder": "folder", "empty": "empty", "fifo": "special file"}[kind]
    with pytest.raises(BadImage, match=expected):
        read_image(path, LIMIT)


def test_too_small(tmp_path):
    with pytest.raises(BadImage, match="too small"):
        read_image(_save(tmp_path, "s.png", Image.new("RGB", (3, 10))), LIMIT)


def test_save_png_is_atomic(tmp_path):
    out = save_png(Image.new("RGB", (4, 4)), tmp_path / "sub" / "o.png")
    assert out.is_file() and [p.name for p in out.parent.iterdir()] == ["o.png"]
