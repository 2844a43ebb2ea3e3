"""Image standardisation and quality control: numpy in, numpy out, no I/O except in `read_channel`.

The original pipeline truncated 12/16-bit data to 8 bit before normalising; here every channel is read at its
stored depth and normalised in float32, so dim 16-bit channels keep their dynamic range."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

# A microscopy field is rarely above 10k x 10k; anything far larger is refused before decoding, from the size its
# header declares, so a few kilobytes claiming gigapixels never cost gigabytes.
MAX_PIXELS = 16384 * 16384
# A stack (FLEX, z/time series) may hold several such planes, but not without bound: one task holds it in memory.
MAX_STACK_PIXELS = 4 * MAX_PIXELS
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


def split_plane(ref: str) -> tuple[str, int | None]:
    """'file.tif#2' names plane 2 of a multi-page or multi-channel file; 'file.tif' the whole (single) plane."""
    path, sep, plane = ref.rpartition("#")
    if sep and plane.isdigit():
        return path, int(plane)
    return ref, None


def _tiff_planes(path: Path, plane: int | None) -> tuple[list[np.ndarray], int]:
    import tifffile

    with tifffile.TiffFile(path) as tif:
        series = tif.series[0]
        # refused from the declared shape, before a byte of pixel data is read
        axes = series.axes
        plane_pixels = int(np.prod([n for n, a in zip(series.shape, axes) if a in "YX"] or series.shape[-2:]))
        if plane_pixels > MAX_PIXELS or int(np.prod(series.shape)) > MAX_STACK_PIXELS:
            raise UnreadableImage(
                f"refused before decoding: declared shape {series.shape} ({axes}) exceeds the pixel limit "
                f"({MAX_PIXELS} a plane, {MAX_STACK_PIXELS} a stack); a decompression bomb or a mislabelled file"
            )
        page = tif.pages[0]
        bits = int(getattr(page, "bitspersample", 8 * series.dtype.itemsize))
        if bits == 1:
            raise UnreadableImage(_BILEVEL)
        _check_dtype(series.dtype)
        if plane is None and len(tif.pages) == 1 and len(series.shape) == 2:
            planes = [page.asarray()]
        else:
            # planes of a stack: pages (ZYX/CYX/TYX...) or samples (YXS); everything but Y and X is a plane axis
            data = series.asarray()
            axes = series.axes
            yx = [axes.index("Y"), axes.index("X")]
            other = [i for i in range(data.ndim) if i not in yx]
            planes = np.moveaxis(data, other + yx, list(range(data.ndim))).reshape(-1, data.shape[yx[0]], data.shape[yx[1]])
            if plane is not None:
                if plane >= len(planes):
                    raise UnreadableImage(f"plane {plane} requested, file has {len(planes)}")
                planes = planes[plane:plane + 1]
            else:
                planes = list(planes)
    if int(np.prod(planes[0].shape)) > MAX_PIXELS:
        raise UnreadableImage(f"{planes[0].shape} exceeds the {MAX_PIXELS}-pixel limit")
    for p in planes:
        _check_finite(p)
    return planes, bits


_BILEVEL = "1-bit (bilevel) image: a mask or thresholded export, not a microscopy channel"


def _check_dtype(dtype: np.dtype) -> None:
    """Pixel types a channel can be normalised from: unsigned/signed integers and real floats."""
    if np.dtype(dtype).kind not in "uif":
        raise UnreadableImage(f"unsupported pixel type {np.dtype(dtype)}: expected integer or real-valued samples")


def _check_finite(arr: np.ndarray) -> None:
    # NaN or inf makes every percentile NaN and the merged image garbage: refuse the file instead
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise UnreadableImage(f"non-finite pixel values (NaN or inf) in a {arr.dtype} image")


def read_planes(path: Path, plane: int | None = None) -> tuple[list[np.ndarray], int]:
    """Read a file's planes at their stored bit depth: one plane when `plane` is given or the file holds one,
    else every plane of the stack (channels of a FLEX or multi-page TIFF), each merged as a channel.
    Returns (list of 2-D arrays, bit depth as stored: 8, 12, 16, 32).

    TIFF (and Opera FLEX, which is TIFF) through tifffile; PNG, JPEG, BMP through Pillow, 16-bit PNG kept at 16
    bits; RGB(A) becomes the mean of its colour planes. Raises UnreadableImage with the reason only: the caller
    names the file the way its user knows it."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableImage("missing file")
    if path.stat().st_size == 0:
        raise UnreadableImage("empty file (0 bytes)")
    suffix = path.suffix.lower()
    try:
        if suffix in (".tif", ".tiff", ".flex"):
            planes, bits = _tiff_planes(path, plane)
            return [_to_gray(p, path) for p in planes], bits
        else:
            with warnings.catch_warnings():
                # Pillow only warns between MAX_IMAGE_PIXELS and twice that; here the limit is a limit
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(path) as im:
                    if im.width * im.height > MAX_PIXELS:
                        raise UnreadableImage(
                            f"refused before decoding: declared size {im.width}x{im.height} exceeds the "
                            f"{MAX_PIXELS}-pixel limit; a decompression bomb or a mislabelled file"
                        )
                    if im.mode == "1":
                        raise UnreadableImage(_BILEVEL)
                    im.load()
                    arr = np.asarray(im)
            _check_dtype(arr.dtype)
            _check_finite(arr)
            bits = 8 * arr.dtype.itemsize if arr.dtype.kind in "ui" else 32
            if arr.ndim == 3 and plane is not None:
                if plane >= arr.shape[-1]:
                    raise UnreadableImage(f"plane {plane} requested, image has {arr.shape[-1]} colour planes")
                arr = arr[..., plane]
    except UnreadableImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnreadableImage(f"refused before decoding: {exc}") from None
    except Exception as exc:  # every decoder failure means the same thing to the build: quarantine the file
        raise UnreadableImage(f"{type(exc).__name__}: {exc}") from None
    if arr.size == 0:
        raise UnreadableImage("empty image")
    return [_to_gray(arr, path)], bits


def read_channel(path: Path, plane: int | None = None) -> tuple[np.ndarray, int]:
    """One 2-D channel: a single-plane file, or the named plane of a stack."""
    planes, bits = read_planes(path, plane)
    if len(planes) != 1:
        raise UnreadableImage(f"{len(planes)} planes; name one as 'file#N'")
    return planes[0], bits


def _histogram(x: np.ndarray) -> np.ndarray | None:
    """Counts per value for 8/16-bit images (O(n), no sort); None for other dtypes."""
    if x.dtype in (np.uint8, np.uint16):
        return np.bincount(x.ravel(), minlength=256 if x.dtype == np.uint8 else 65536)
    return None


def percentiles(x: np.ndarray, qs, counts: np.ndarray | None = None) -> np.ndarray:
    """np.percentile(x, qs) with its default linear interpolation. For 8/16-bit images the order statistics are
    read off the histogram instead of a sort: the same values, several times faster on megapixel fields."""
    counts = _histogram(x) if counts is None else counts
    if counts is None:
        return np.percentile(x, qs)
    n = int(counts.sum())
    # numpy's own arithmetic for method="linear", operation for operation, so results match to the last bit
    q = np.true_divide(np.asarray(qs, np.float64), 100)
    virtual = (n - 1) * q
    lo = np.floor(virtual).astype(np.int64)
    gamma = virtual - lo
    lo = np.clip(lo, 0, n - 1)
    cum = np.cumsum(counts)
    a = np.searchsorted(cum, lo, side="right").astype(np.float64)
    b = np.searchsorted(cum, np.minimum(lo + 1, n - 1), side="right").astype(np.float64)
    diff = b - a
    return np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)


def normalise(channel: np.ndarray, low: float = 0.1, high: float = 99.9) -> np.ndarray:
    """Map a channel's [low, high] percentiles to [0, 1] (clipped), in float32. A flat channel maps to 0."""
    lo, hi = percentiles(channel, (low, high))
    if hi <= lo:
        return np.zeros(channel.shape, np.float32)
    scale = np.float32(1.0 / (hi - lo))
    if channel.dtype in (np.uint8, np.uint16):
        # one table lookup instead of four full-image float passes; the table holds the same float32 values
        values = np.arange(256 if channel.dtype == np.uint8 else 65536, dtype=np.float32)
        table = np.clip((values - np.float32(lo)) * scale, 0.0, 1.0)
        return table[channel]
    out = (channel.astype(np.float32) - np.float32(lo)) * scale
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
    counts = _histogram(image)
    lo, p75, hi = percentiles(image, (0.1, 75, 99.9), counts)
    if lo == hi:
        return "uniform: 0.1th percentile equals 99.9th percentile"
    unique = np.count_nonzero(counts) if counts is not None else np.unique(image).size
    if unique <= 2:
        return "binary: two unique pixel values"
    if p75 == 0:
        return "dim: 75th percentile is 0"
    return None


def encode_png(image: np.ndarray, compress_level: int = 6) -> bytes:
    """8-bit grayscale PNG. Pillow writes no timestamps, so equal arrays give equal bytes."""
    buf = io.BytesIO()
    Image.fromarray(image, mode="L").save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()


SCALINGS = (1 / 2, 1 / 4, 1 / 8, 1 / 16)
MIN_CROP_SIDE = 70


def crop_boxes(height: int, width: int, n: int, rng: np.random.Generator) -> list[tuple[float, int, int, int, int]]:
    """Up to n crops, one per distinct quadrant: (scaling, x_min, x_max, y_min, y_max).

    The crop is scaling*height by scaling*width, scaling a random choice of 1/2, 1/4, 1/8, 1/16 among those whose
    crop is at least 70 px a side, placed at a random position inside its quadrant. Fewer than n when the image
    is too small for any 70 px crop."""
    allowed = [s for s in SCALINGS if int(height * s) >= MIN_CROP_SIDE and int(width * s) >= MIN_CROP_SIDE]
    if not allowed:
        return []
    quadrants = rng.permutation(4)[:n]
    boxes = []
    for q in quadrants:
        s = allowed[int(rng.integers(len(allowed)))]
        ch, cw = int(height * s), int(width * s)
        qy, qx = (q // 2) * (height // 2), (q % 2) * (width // 2)
        qh, qw = height // 2 if q // 2 == 0 else height - height // 2, width // 2 if q % 2 == 0 else width - width // 2
        y = qy + int(rng.integers(qh - ch + 1))
        x = qx + int(rng.integers(qw - cw + 1))
        boxes.append((float(s), int(x), int(x + cw), int(y), int(y + ch)))
    return boxes
