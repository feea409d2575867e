"""Reading, checking and writing images for the SR models.

Checks happen before any decoding work: a regular file, a format Pillow knows, at most
`max_pixels` pixels (read from the header, so a decompression bomb is refused before it expands).
Grey images are run as RGB and written back as grey; an alpha channel is kept aside, resized
bicubically and re-attached; 16-bit images are reduced to 8 bits.
"""

from __future__ import annotations

import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from prompts.files import atomic_file
from tools.sr.errors import BadImage

MIN_SIDE = 4


@dataclass
class LoadedImage:
    """An image ready for a model: 8-bit RGB plus what is needed to write it back the same way."""

    rgb: np.ndarray  # (H, W, 3) uint8
    alpha: np.ndarray | None  # (H, W) uint8
    grey: bool
    mode: str
    path: Path | None = None

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])


def check_regular_file(path: Path) -> Path:
    """`path` if it is an existing regular file (not a folder, device, FIFO or socket), else BadImage."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise BadImage(f"{path}: no such file") from None
    except OSError as exc:
        raise BadImage(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise BadImage(f"{path}: is a folder, not an image file")
    if not stat.S_ISREG(st.st_mode):
        raise BadImage(f"{path}: is a special file (device, FIFO or socket), not an image file")
    if st.st_size == 0:
        raise BadImage(f"{path}: is empty")
    return path


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    if arr.dtype == np.uint8:
        return arr
    if np.issubdtype(arr.dtype, np.integer) and arr.max(initial=0) > 255:
        return np.clip(np.round(arr.astype(np.float64) / 257.0), 0, 255).astype(np.uint8)
    return np.clip(np.round(arr.astype(np.float64)), 0, 255).astype(np.uint8)


def from_pil(img: Image.Image, path: Path | None = None) -> LoadedImage:
    """Split a decoded Pillow image into 8-bit RGB, an optional alpha and a grey flag."""
    mode = img.mode
    alpha = None
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif mode == "PA":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "La", "RGBa"):
        alpha = np.asarray(img.getchannel("A"), dtype=np.uint8).copy()
        img = img.convert("RGB" if img.mode.startswith("RGB") else "L")
    if img.mode == "1":
        img = img.convert("L")
    grey = img.mode in ("L", "I", "I;16", "I;16B", "I;16L", "F")
    if grey:
        plane = _to_uint8(np.asarray(img))
        rgb = np.repeat(plane[:, :, None], 3, axis=2)
    else:
        if img.mode != "RGB":
            img = img.convert("RGB")
        rgb = np.asarray(img, dtype=np.uint8).copy()
    if alpha is not None and not np.any(alpha < 255):
        alpha = None  # fully opaque: nothing to keep
    return LoadedImage(rgb=rgb, alpha=alpha, grey=grey, mode=mode, path=path)


def read_image(path: Path | str, max_pixels: int) -> LoadedImage:
    """Open, check and decode an image file; BadImage with the reason when it cannot be used."""
    path = check_regular_file(Path(path))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise BadImage(
                        f"{path}: {width}x{height} = {width * height:,} pixels is over the limit of "
                        f"{max_pixels:,} (AISCI_MAX_IMAGE_PIXELS)"
                    )
                if min(width, height) < MIN_SIDE:
                    raise BadImage(f"{path}: {width}x{height} is too small (at least {MIN_SIDE} pixels a side)")
                img.seek(0)  # multi-frame files: the first frame
                img.load()
                return from_pil(img, path)
    except UnidentifiedImageError:
        raise BadImage(f"{path}: not an image file Pillow can read (expected PNG, JPEG, BMP, TIFF, WebP, ...)") from None
    except Image.DecompressionBombError as exc:
        raise BadImage(f"{path}: refused as a possible decompression bomb ({exc})") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise BadImage(f"{path}: the image data is damaged or unsupported ({exc})") from None


def rgb_to_tensor(rgb: np.ndarray):
    """(H, W, 3) uint8 -> (1, 3, H, W) float32 tensor in [0, 1]."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1).unsqueeze(0).float().div_(255.0)


def tensor_to_rgb(t) -> np.ndarray:
    """(1, 3, H, W) tensor in [0, 1] -> (H, W, 3) uint8, clamped and rounded as the papers do."""
    arr = t.detach().float().clamp(0, 1).mul(255.0).round().squeeze(0).permute(1, 2, 0).cpu().numpy()
    return arr.astype(np.uint8)


def assemble(rgb: np.ndarray, like: LoadedImage) -> Image.Image:
    """A Pillow image of `rgb` in the input's kind: grey back to grey, alpha resized and re-attached."""
    if like.grey:
        plane = np.clip(np.round(rgb.astype(np.float64).mean(axis=2)), 0, 255).astype(np.uint8)
        out = Image.fromarray(plane, "L")
    else:
        out = Image.fromarray(rgb, "RGB")
    if like.alpha is not None:
        alpha = Image.fromarray(like.alpha, "L").resize(out.size, Image.Resampling.BICUBIC)
        out = out.convert("LA" if like.grey else "RGBA")
        out.putalpha(alpha)
    return out


def save_png(img: Image.Image, path: Path) -> Path:
    """Write a PNG atomically (temp file beside it, then rename)."""
    with atomic_file(path, suffix=".png.part") as (handle, _):
        img.save(handle, format="PNG")
    return path
