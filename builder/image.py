"""Image standardisation and quality control: numpy in, numpy out, no I/O except in `read_channel`.

The original pipeline truncated 12/16-bit data to 8 bit before normalising; here every channel is read at its
stored depth and normalised in float32, so dim 16-bit channels keep their dynamic range."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

# A microscopy field is rarely above 10k x 10k; anything far larger is refused before decoding.
MAX_PIXELS = 16384 * 16384
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class UnreadableImage(Exception):
    """A source file that cannot be decoded; the message says why."""


def _to_gray(arr: np.ndarray, path: Path) -> np.ndarray:
    """Reduce a decoded array to one 2-D plane. RGB(A) becomes the mean of its colour planes: microscopy RGB
    files are pseudo-coloured channel overlays, and luminance weights would favour green arbitrarily."""
    arr = np.squeeze(arr)
    if arr.ndim == 2:
        return arr
    if arr.ndim == 3 and arr.shape[-1] in (3, 4):
        return arr[..., :3].astype(np.float32).mean(axis=-1)
    raise UnreadableImage(f"expected a 2-D grayscale or RGB image, got shape {arr.shape}")


def read_channel(path: Path) -> tuple[np.ndarray, int]:
    """Read one channel file at its stored bit depth. Returns (2-D array, bit depth). Raises UnreadableImage
    with the reason only: the caller names the file the way its user knows it."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableImage("missing file")
    suffix = path.suffix.lower()
    try:
        if suffix in (".tif", ".tiff", ".flex"):
            import tifffile

            with tifffile.TiffFile(path) as tif:
                page = tif.pages[0]
                if int(np.prod(page.shape)) > MAX_PIXELS:
                    raise UnreadableImage(f"{page.shape} exceeds the {MAX_PIXELS}-pixel limit")
                arr = page.asarray()
        else:
            with Image.open(path) as im:
                im.load()
                arr = np.asarray(im)
    except UnreadableImage:
        raise
    except Exception as exc:  # every decoder failure means the same thing to the build: quarantine the file
        raise UnreadableImage(f"{type(exc).__name__}: {exc}") from None
    if arr.size == 0:
        raise UnreadableImage("empty image")
    bit_depth = 8 * arr.dtype.itemsize if arr.dtype.kind in "ui" else 32
    return _to_gray(arr, path), bit_depth


def normalise(channel: np.ndarray, low: float = 0.1, high: float = 99.9) -> np.ndarray:
    """Map a channel's [low, high] percentiles to [0, 1] (clipped), in float32. A flat channel maps to 0."""
    x = channel.astype(np.float32, copy=False)
    lo, hi = np.percentile(x, (low, high))
    if hi <= lo:
        return np.zeros(x.shape, np.float32)
    out = (x - np.float32(lo)) * np.float32(1.0 / (hi - lo))
    return np.clip(out, 0.0, 1.0, out=out)


def merge(channels: list[np.ndarray], low: float = 0.1, high: float = 99.9) -> np.ndarray:
    """Normalise every channel, average them, and quantise to 8-bit grayscale."""
    shapes = {c.shape for c in channels}
    if len(shapes) != 1:
        raise UnreadableImage(f"channels differ in shape: {sorted(shapes)}")
    acc = normalise(channels[0], low, high)
    for c in channels[1:]:
        acc += normalise(c, low, high)
    acc *= np.float32(255.0 / len(channels))
    return np.rint(acc).astype(np.uint8)


def qc_reason(image: np.ndarray) -> str | None:
    """Why an 8-bit image fails quality control, or None. The original's three post-processing rules."""
    lo, p75, hi = np.percentile(image, (0.1, 75, 99.9))
    if lo == hi:
        return "uniform: 0.1th percentile equals 99.9th percentile"
    if np.unique(image).size <= 2:
        return "binary: two unique pixel values"
    if p75 == 0:
        return "dim: 75th percentile is 0"
    return None


def encode_png(image: np.ndarray, compress_level: int = 6) -> bytes:
    """8-bit grayscale PNG. Pillow writes no timestamps, so equal arrays give equal bytes."""
    buf = io.BytesIO()
    Image.fromarray(image, mode="L").save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()
