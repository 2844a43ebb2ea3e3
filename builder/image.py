"""Image standardisation and quality control: numpy in, numpy out, no I/O except in `read_channel`.

The original pipeline truncated 12/16-bit data to 8 bit before normalising; here every channel is read at its
stored depth and normalised in float32, so dim 16-bit channels keep their dynamic range."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from cytoimagenet.format import MAX_PIXELS

# A microscopy field is rarely above 10k x 10k; anything far larger (MAX_PIXELS, the release format's plane limit) is
# refused before decoding, from the size its header declares, so a few kilobytes claiming gigapixels never cost
# gigabytes.
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


def _series_planes(series, axes: str, rgb: bool) -> np.ndarray:
    """A series' data as (planes, Y, X). Everything but Y and X is a plane axis (pages of ZYX/CYX/TYX, samples of
    YXS), except the samples of an RGB photometric: those are the colours of one plane, averaged into it."""
    data = series.asarray()
    if rgb and "S" in axes and data.shape[axes.index("S")] in (3, 4):
        s = axes.index("S")
        colour = np.take(data, [0, 1, 2], axis=s).astype(np.float32)
        data, axes = colour.mean(axis=s), axes[:s] + axes[s + 1:]
    yx = [axes.index("Y"), axes.index("X")]
    other = [i for i in range(data.ndim) if i not in yx]
    return np.moveaxis(data, other + yx, list(range(data.ndim))).reshape(-1, data.shape[yx[0]], data.shape[yx[1]])


def _palette_lookup(page, indices: np.ndarray) -> np.ndarray:
    """A palette TIFF's indices mapped through its colour map: the gray level of a gray palette, else the mean
    of the colours (indices are not intensities: reading them as such scrambles the image)."""
    cmap = np.asarray(page.colormap)  # (3, 2**bits), 16-bit colour values
    if cmap.ndim == 1:
        cmap = np.stack([cmap] * 3)
    colours = cmap[:, np.clip(indices, 0, cmap.shape[1] - 1)]
    if (colours[0] == colours[1]).all() and (colours[1] == colours[2]).all():
        return colours[0]
    return colours.astype(np.float32).mean(axis=0)


def _tiff_planes(path: Path, plane: int | None) -> tuple[list[np.ndarray], int]:
    import tifffile

    with tifffile.TiffFile(path) as tif:
        first = tif.series[0]
        # a file of many series (one per page, as some acquisition software writes stacks) is one stack of
        # planes, never its first page alone; series of another plane size are previews or thumbnails
        shape_yx = tuple(n for n, a in zip(first.shape, first.axes) if a in "YX") or first.shape[-2:]
        series = [s for s in tif.series
                  if (tuple(n for n, a in zip(s.shape, s.axes) if a in "YX") or s.shape[-2:]) == shape_yx]
        # refused from the declared shapes, before a byte of pixel data is read
        plane_pixels = int(np.prod(shape_yx))
        total = sum(int(np.prod(s.shape)) for s in series)
        if plane_pixels > MAX_PIXELS or total > MAX_STACK_PIXELS:
            raise UnreadableImage(
                f"refused before decoding: declared shape {first.shape} ({first.axes}) x {len(series)} series exceeds "
                f"the pixel limit ({MAX_PIXELS} a plane, {MAX_STACK_PIXELS} a stack); a decompression bomb or a "
                "mislabelled file"
            )
        page = tif.pages[0]
        bits = int(getattr(page, "bitspersample", 8 * first.dtype.itemsize))
        if bits == 1:
            raise UnreadableImage(_BILEVEL)
        _check_dtype(first.dtype)
        photometric = getattr(page, "photometric", None)
        if photometric == tifffile.PHOTOMETRIC.PALETTE and getattr(page, "colormap", None) is not None:
            if len(series) != 1 or len(tif.pages) != 1:
                raise UnreadableImage("a palette (indexed-colour) TIFF of several pages: no single intensity rule")
            return [_palette_lookup(page, page.asarray())], 16
        if photometric in (tifffile.PHOTOMETRIC.SEPARATED, tifffile.PHOTOMETRIC.YCBCR, tifffile.PHOTOMETRIC.CIELAB):
            raise UnreadableImage(f"{photometric.name} colour TIFF: convert it to grayscale or RGB first")
        rgb = photometric == tifffile.PHOTOMETRIC.RGB
        if plane is None and len(tif.pages) == 1 and len(first.shape) == 2:
            planes = [page.asarray()]
        else:
            stack = np.concatenate([_series_planes(s, s.axes, rgb) for s in series])
            if plane is not None:
                if plane >= len(stack):
                    raise UnreadableImage(f"plane {plane} requested, file has {len(stack)}")
                stack = stack[plane:plane + 1]
            planes = list(stack)
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


_TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def _is_tiff(path: Path) -> bool:
    # by content, not by name: a TIFF saved as .png (or a PNG or GIF saved as .tif) is read by what it is
    with open(path, "rb") as fh:
        return fh.read(4) in _TIFF_MAGIC


def _is_dv(path: Path) -> bool:
    # DeltaVision (Priism MRC variant): the header's DV id -16224 at byte 96, in either byte order
    with open(path, "rb") as fh:
        head = fh.read(98)
    return len(head) == 98 and head[96:98] in (b"\xa0\xc0", b"\xc0\xa0")


def _dv_planes(path: Path, plane: int | None) -> tuple[list[np.ndarray], int]:
    """DeltaVision planes at full depth, in (time, z, wavelength) order: a single-time, single-z file's planes
    are its channels in the header's wavelength order. Refused from the header's declared size before reading."""
    from mrc import DVFile

    with DVFile(path) as dv:
        sizes = dv.sizes
        plane_pixels = sizes["Y"] * sizes["X"]
        if plane_pixels > MAX_PIXELS or int(np.prod(list(sizes.values()))) > MAX_STACK_PIXELS:
            raise UnreadableImage(
                f"refused before decoding: declared sizes {sizes} exceed the pixel limit "
                f"({MAX_PIXELS} a plane, {MAX_STACK_PIXELS} a stack); a decompression bomb or a mislabelled file"
            )
        _check_dtype(dv.dtype)
        data = dv.asarray(squeeze=False)
        order = [list(sizes).index(a) for a in ("T", "Z", "C", "Y", "X")]
        stack = np.transpose(data, order).reshape(-1, sizes["Y"], sizes["X"])
        if plane is not None:
            if plane >= len(stack):
                raise UnreadableImage(f"plane {plane} requested, file has {len(stack)}")
            stack = stack[plane:plane + 1]
        # copies: the reader memory-maps the file, which closes with it
        planes = [np.array(p) for p in stack]
        bits = 8 * dv.dtype.itemsize if dv.dtype.kind in "ui" else 32
    for p in planes:
        _check_finite(p)
    return planes, bits


def _intensities(im: Image.Image) -> Image.Image:
    """Pillow image modes whose raw values are not intensities, converted to ones that are: palette indices
    (PNG, GIF, BMP) through their palette (gray palettes to their gray levels), CMYK (JPEG) to RGB by its ink
    model (the mean of the ink planes would be an inverted image), and other colour spaces to RGB."""
    if im.mode in ("P", "PA"):
        if im.mode == "PA" or "transparency" in im.info:
            im = im.convert("RGBA")
        else:
            im = im.convert("RGB")
        arr = np.asarray(im)
        if (arr[..., 0] == arr[..., 1]).all() and (arr[..., 1] == arr[..., 2]).all():
            return im.getchannel("R")
        return im
    if im.mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        return im.convert("RGB")
    return im


def read_planes(path: Path, plane: int | None = None) -> tuple[list[np.ndarray], int]:
    """Read a file's planes at their stored bit depth: one plane when `plane` is given or the file holds one,
    else every plane of the stack (channels of a FLEX or multi-page TIFF), each merged as a channel.
    Returns (list of 2-D arrays, bit depth as stored: 8, 12, 16, 32).

    TIFF (and Opera FLEX, which is TIFF; recognised by content, whatever the name) through tifffile; DeltaVision
    (.dv, by its header's DV id) through mrc, planes in time/z/wavelength order; PNG, JPEG,
    BMP, GIF through Pillow, 16-bit PNG kept at 16 bits; RGB(A) becomes the mean of its colour planes, palette
    images their palette's intensities, CMYK its RGB rendering; a file of one series per page is a stack. Raises UnreadableImage with the reason only: the caller
    names the file the way its user knows it."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableImage("missing file")
    if path.stat().st_size == 0:
        raise UnreadableImage("empty file (0 bytes)")
    try:
        if _is_tiff(path):
            planes, bits = _tiff_planes(path, plane)
            return [_to_gray(p, path) for p in planes], bits
        if _is_dv(path):
            return _dv_planes(path, plane)
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
                    arr = np.asarray(_intensities(im))
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
