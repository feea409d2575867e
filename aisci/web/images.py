"""Checks on an uploaded image before it is queued: bytes, kind (PNG or JPEG by their signatures) and
pixels (from the header, before any decoding), and the sizes the SR tool would read and write (for
its work bound, `tools.sr.budget`); then it is written once, through `prompts.files`, under a fresh
server-chosen name."""

from __future__ import annotations

import io
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from prompts.files import atomic_write_bytes
from tools.sr.errors import BadImage

PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"


class TooLarge(BadImage):
    """An upload over the byte limit."""


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    kind: str  # "png" or "jpeg"
    width: int
    height: int
    stem: str


def safe_stem(name: str | None) -> str:
    """A file-name stem made only of letters, digits, '-' and '_' (at most 32), from a client's name."""
    stem = Path(str(name or "image")).name.rsplit(".", 1)[0]
    return re.sub(r"[^A-Za-z0-9_-]+", "_", stem)[:32].strip("_") or "image"


def check_bytes(size: int, max_bytes: int, what: str = "upload") -> None:
    if size > max_bytes:
        raise TooLarge(f"the {what} is {size / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:g} MB "
                       "(AISCI_WEB_MAX_UPLOAD_MB)")


def check_image(data: bytes, name: str | None, max_bytes: int, max_pixels: int) -> CheckedImage:
    """The upload as a PNG or JPEG within the limits, else BadImage (one line)."""
    if not data:
        raise BadImage("the uploaded image is empty")
    check_bytes(len(data), max_bytes, "image")
    if data.startswith(PNG):
        kind = "png"
    elif data.startswith(JPEG):
        kind = "jpeg"
    else:
        raise BadImage(f"{safe_stem(name)}: expected a PNG or JPEG image")
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                width, height = img.size
    except Image.DecompressionBombError as exc:
        raise BadImage(f"{safe_stem(name)}: refused as a possible decompression bomb ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - any decoder complaint is a bad image
        raise BadImage(f"{safe_stem(name)}: the image data is damaged or unsupported ({type(exc).__name__})") from None
    if width * height > max_pixels:
        raise BadImage(f"{width}x{height} = {width * height:,} pixels is over the limit of {max_pixels:,} "
                       "(AISCI_WEB_MAX_IMAGE_PIXELS)")
    return CheckedImage(data, kind, width, height, safe_stem(name))


def sr_geometry(height: int, width: int, scale: float, mode: str, any_scale: bool) -> tuple[tuple[int, int], tuple[int, int]]:
    """((h, w) the model reads, (h, w) it writes) for an image of this size, as `tools.sr.demo` does
    it: the demo downscales the image (cropped to a multiple of a fixed scale) and restores it; upscale
    enlarges it as given."""
    if mode == "demo":
        if any_scale:
            return (round(height / scale), round(width / scale)), (height, width)
        s = int(scale)
        h, w = height - height % s, width - width % s
        return (h // s, w // s), (h, w)
    if any_scale:
        return (height, width), (round(height * scale), round(width * scale))
    return (height, width), (height * int(scale), width * int(scale))


def save_upload(image: CheckedImage, folder: Path) -> Path:
    """Write the upload under a fresh name in `folder` (atomically) and return its path."""
    path = Path(folder) / f"{image.stem}-{secrets.token_hex(4)}.{'png' if image.kind == 'png' else 'jpg'}"
    atomic_write_bytes(path, image.data)
    return path
