"""Upload checks before an SR job is queued: bytes, PNG/JPEG signatures, pixels from the header,
the output the job would write; the file is written once under a server-chosen name."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from aisci.web.images import TooLarge, check_image, safe_stem, save_upload, sr_geometry
from tools.sr.errors import BadImage


def _png(w=32, h=24) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (10, 200, 30)).save(buf, "PNG")
    return buf.getvalue()


def _jpeg(w=32, h=24) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (10, 200, 30)).save(buf, "JPEG")
    return buf.getvalue()


def test_png_and_jpeg_pass_with_their_size():
    png = check_image(_png(), "photo.png", 10**6, 10**6)
    jpg = check_image(_jpeg(), "../../etc/photo.jpeg", 10**6, 10**6)
    assert (png.kind, png.width, png.height, png.stem) == ("png", 32, 24, "photo")
    assert (jpg.kind, jpg.stem) == ("jpeg", "photo")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "the uploaded image is empty"),
        (b"GIF89a" + b"\0" * 20, "expected a PNG or JPEG image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "expected a PNG or JPEG image"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage", "the image data is damaged or unsupported"),
    ],
)
def test_bad_uploads_get_one_line(data, message):
    with pytest.raises(BadImage, match=message) as exc:
        check_image(data, "x.png", 10**6, 10**6)
    assert "\n" not in str(exc.value)


def test_byte_and_pixel_limits():
    with pytest.raises(TooLarge, match="over the limit of 5e-05 MB"):
        check_image(_png(), "x.png", 50, 10**6)
    with pytest.raises(BadImage, match="32x24 = 768 pixels is over the limit of 700"):
        check_image(_png(), "x.png", 10**6, 700)


def test_a_decompression_bomb_is_refused_from_its_header():
    buf = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buf, "PNG")  # a small file of 400 MP
    assert len(buf.getvalue()) < 10**6
    with pytest.raises(BadImage, match="decompression bomb"):
        check_image(buf.getvalue(), "bomb.png", 10**7, 4_000_000)
    buf = io.BytesIO()
    Image.new("1", (3000, 2000)).save(buf, "PNG")  # under Pillow's own bound, over ours
    with pytest.raises(BadImage, match="3000x2000 = 6,000,000 pixels is over the limit of 4,000,000"):
        check_image(buf.getvalue(), "big.png", 10**7, 4_000_000)


def test_the_sizes_the_sr_tool_reads_and_writes():
    # The demo downscales the image (cropped to a multiple of a fixed scale) and restores it.
    assert sr_geometry(101, 50, 4, "demo", any_scale=False) == ((25, 12), (100, 48))
    assert sr_geometry(100, 50, 2.5, "demo", any_scale=True) == ((40, 20), (100, 50))
    # Upscale enlarges it as given.
    assert sr_geometry(100, 50, 4, "upscale", any_scale=False) == ((100, 50), (400, 200))
    assert sr_geometry(100, 50, 3.5, "upscale", any_scale=True) == ((100, 50), (350, 175))


def test_saved_under_a_fresh_safe_name(tmp_path):
    image = check_image(_png(), "my photo;rm -rf.png", 10**6, 10**6)
    a, b = save_upload(image, tmp_path), save_upload(image, tmp_path)
    assert a != b and a.parent == b.parent == tmp_path and a.name.startswith("my_photo_rm_-rf-")
    assert a.read_bytes() == image.data and not list(tmp_path.glob(".*"))
    assert safe_stem(None) == "image" and safe_stem("...") == "image"
