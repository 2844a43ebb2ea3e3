"""Resize and rotate one grayscale image: numpy in, numpy out, no I/O.

What the original CytoImageNet training did (Keras ``ImageDataGenerator(rotation_range=360, fill_mode="reflect")``
after ``load_img(target_size=(224, 224))``): squash the image to the model size, then rotate it by a uniform random
angle about its centre with bilinear interpolation in float32, filling the corners by reflection
(``scipy.ndimage`` mode "reflect", i.e. ``dcba|abcd``, the edge pixel repeated).

Here the same result is one pass over few pixels:

1. an integer box-average reduction (factor ``floor(side / size)`` per axis; exact area averaging, the cheap
   anti-alias) -- a 512 px image at 224 is first averaged 2x2 to 256;
2. one bilinear warp that combines the remaining scale (between 1x and 2x) with the rotation, computed on float32
   pixels, corners filled by the same symmetric reflection (the image is padded by reflection, as OpenCV's
   ``BORDER_REFLECT`` and numpy's "symmetric" do, far enough that the warp never samples outside it);
3. rounding to uint8 only at the very end, when uint8 is asked for (with OpenCV the 8-bit warp gives those very
   bytes directly: see ``resize_rotate_uint8``).

The warp runs on OpenCV (``cv2.warpAffine``) when it is installed: it is ~4x faster than Pillow's ``transform``,
which is the difference between meeting and missing the streaming throughput targets (see benchmarks/). OpenCV's
bilinear interpolation is computed in float32 (OpenCV 4 places samples on a 1/32-pixel grid; OpenCV 5.0, measured here,
is within 0.001 grey level of exact bilinear). Without OpenCV the
same geometry runs on Pillow (mode "F", float32, exact coordinates) after padding by reflection.

Angles are in degrees, counter-clockwise as displayed (rows downwards), so 90 degrees equals ``np.rot90(image)``.
Non-square images are squashed to a square, as Keras' ``target_size`` did.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

try:  # optional accelerator: see the module docstring
    import cv2
except ImportError:  # pragma: no cover - exercised where OpenCV is absent
    cv2 = None

BACKENDS = ("cv2", "pil")


def default_backend() -> str:
    return "cv2" if cv2 is not None else "pil"


def _reduce_factors(h: int, w: int, size: int) -> tuple[int, int]:
    return max(1, h // size), max(1, w // size)


def reduced_shape(h: int, w: int, size: int) -> tuple[int, int]:
    """(height, width) of an (h, w) image after the box reduction for ``size`` (step 1 above): what a release's
    training-size shard for ``size`` stores (builder/shard.py)."""
    ky, kx = _reduce_factors(h, w, size)
    return h // ky, w // kx


def _box_reduce(image: np.ndarray, size: int, backend: str, work: Optional["Workspace"] = None) -> np.ndarray:
    """The integer box-average reduction (step 1 above); with OpenCV and ``work``, into a reused buffer."""
    if image.ndim != 2:
        raise ValueError(f"expected a (H, W) grayscale image, got shape {image.shape}")
    h, w = image.shape
    ky, kx = _reduce_factors(h, w, size)
    if ky == 1 and kx == 1:
        return image
    hh, ww = h // ky * ky, w // kx * kx
    # crop the remainder symmetrically so the reduced image keeps the original centre
    y0, x0 = (h - hh) // 2, (w - ww) // 2
    image = image[y0:y0 + hh, x0:x0 + ww]
    if backend == "cv2":
        dst = work.get("small", (hh // ky, ww // kx), np.uint8) if work is not None else None
        small = cv2.resize(image, (ww // kx, hh // ky), dst=dst, interpolation=cv2.INTER_AREA)
        if dst is not None:
            _into(dst, small)
            return dst
        return small
    return image.reshape(hh // ky, ky, ww // kx, kx).mean(axis=(1, 3), dtype=np.float32)


def inverse_matrix(src_h: int, src_w: int, size: int, angle: float) -> np.ndarray:
    """2x3 matrix taking output pixel (x, y) to source pixel coordinates (pixel centres at integers)."""
    sy, sx = src_h / size, src_w / size
    t = math.radians(angle)
    c, s = math.cos(t), math.sin(t)
    # output -> rotate back about the centre -> scale to the source grid (plain floats: this runs per sample)
    a, b, d, e = sx * c, -sx * s, sy * s, sy * c
    co = (size - 1) / 2.0
    return np.array([[a, b, (src_w - 1) / 2.0 - (a + b) * co],
                     [d, e, (src_h - 1) / 2.0 - (d + e) * co]], dtype=np.float64)


class Workspace:
    """Scratch buffers reused from one image to the next.

    A stream warps thousands of images of a few sizes: allocating the reduced and padded copies afresh for each
    costs page faults and cold memory. Buffers grow to the largest image seen and are handed out as contiguous
    views of their first pixels."""

    def __init__(self):
        self._buffers: dict[str, np.ndarray] = {}

    def get(self, role: str, shape: tuple[int, int], dtype) -> np.ndarray:
        n = shape[0] * shape[1]
        buf = self._buffers.get(role)
        if buf is None or buf.size < n or buf.dtype != dtype:
            buf = self._buffers[role] = np.empty(max(n, 1), dtype)
        return buf[:n].reshape(shape)


def resize_rotate(image: np.ndarray, size: int, angle: float = 0.0, *, out: Optional[np.ndarray] = None,
                  scale: Optional[float] = None, backend: Optional[str] = None,
                  work: Optional[Workspace] = None) -> np.ndarray:
    """``image`` (H, W) uint8 -> (size, size) float32, rotated by ``angle`` degrees with reflection fill.

    Values stay in 0..255, or are multiplied by ``scale`` (e.g. 1/255; applied before the warp, with which it
    commutes). ``out``, when given, is a C-contiguous (size, size) float32 array written in place; ``work`` keeps
    intermediate buffers between calls (one per thread)."""
    backend = backend or default_backend()
    if out is None:
        out = np.empty((size, size), np.float32)
    rotating = angle % 360 != 0
    if backend == "cv2" and rotating:
        _warp_cv2(image, size, angle, out, scale, work or Workspace())
        return out
    small = _box_reduce(image, size, backend)
    h, w = small.shape
    src = small.astype(np.float32)
    if scale is not None:
        src *= np.float32(scale)
    if backend == "cv2":
        if (h, w) == (size, size):
            out[...] = src
        else:
            _into(out, cv2.resize(src, (size, size), dst=out, interpolation=cv2.INTER_LINEAR))
        return out
    out[...] = _warp_pil(src, size, angle)
    return out


def resize_rotate_uint8(image: np.ndarray, size: int, angle: float = 0.0, *, out: Optional[np.ndarray] = None,
                        backend: Optional[str] = None, work: Optional[Workspace] = None) -> np.ndarray:
    """``resize_rotate`` rounded to uint8 (round half to even): the same bytes as rounding its float32 result.

    With OpenCV and a rotation, the warp runs on the uint8 pixels directly: OpenCV's 8-bit bilinear warp weighs
    the same four neighbours with 15-bit fixed-point weights and rounds once at the end, which gives exactly the
    rounded float32 warp (tested on 20 million pixels: no byte differs; tests/loaders/test_augment.py checks it)
    while skipping the float conversion and the final cast, ~10% of a stream's work besides decoding."""
    backend = backend or default_backend()
    if out is None:
        out = np.empty((size, size), np.uint8)
    if backend == "cv2" and angle % 360 != 0:
        _warp_cv2(image, size, angle, out, None, work or Workspace(), uint8=True)
        return out
    warped = resize_rotate(image, size, angle, backend=backend, work=work)
    if cv2 is not None:
        # values are within 0..255, so OpenCV's saturating |x| cast is exactly "round half to even, to uint8"
        _into(out, cv2.convertScaleAbs(warped, dst=out))
    else:
        np.rint(warped, out=warped)
        out[...] = warped
    return out


def _warp_cv2(image: np.ndarray, size: int, angle: float, out: np.ndarray, scale: Optional[float],
              work: Workspace, uint8: bool = False) -> None:
    small = _box_reduce(image, size, "cv2", work)
    h, w = small.shape
    m = inverse_matrix(h, w, size, angle)
    # reflecting the border into a padded copy first keeps every sample of the warp inside the image: OpenCV then
    # takes its fast interior path for all pixels instead of testing each one (~25% of the warp)
    pad = _pad_for(m, h, w, size)
    m[:, 2] += pad
    shape = (h + 2 * pad, w + 2 * pad)
    padded8 = work.get("padded8", shape, np.uint8)
    _into(padded8, cv2.copyMakeBorder(small, pad, pad, pad, pad, cv2.BORDER_REFLECT, dst=padded8))
    if uint8:
        src = padded8
    else:
        src = work.get("padded", shape, np.float32)
        if scale is None:
            np.copyto(src, padded8)
        else:
            np.multiply(padded8, np.float32(scale), out=src)
    # every sample lies inside the padded image, so the border mode never applies: replicate is OpenCV's cheapest
    # (~15% faster than reflect for 8-bit images)
    _into(out, cv2.warpAffine(src, m, (size, size), dst=out, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_REPLICATE))


def _into(out: np.ndarray, result: np.ndarray) -> None:
    # OpenCV writes into dst= (and returns that very object) only when its type and shape fit exactly, and
    # silently allocates otherwise
    if result is not out:
        out[...] = result


def _pad_for(m: np.ndarray, h: int, w: int, size: int) -> int:
    """Pixels of reflection that cover every position the rotated output window samples (plus the bilinear
    neighbour): the window's corners reach |A| * size/2 from the centre."""
    reach_x = (abs(m[0, 0]) + abs(m[0, 1])) * size / 2.0
    reach_y = (abs(m[1, 0]) + abs(m[1, 1])) * size / 2.0
    return int(math.ceil(max(0.0, reach_x - w / 2.0, reach_y - h / 2.0))) + 2


def _warp_pil(src: np.ndarray, size: int, angle: float) -> np.ndarray:
    from PIL import Image

    h, w = src.shape
    m = inverse_matrix(h, w, size, angle)
    pad = _pad_for(m, h, w, size)
    padded = np.pad(src, pad, mode="symmetric")
    # Pillow samples pixel centres at +0.5: shift the matrix into its convention, and into the padded frame
    a, b, c = m[0]
    d, e, f = m[1]
    c_pil = c + pad + 0.5 - 0.5 * (a + b)
    f_pil = f + pad + 0.5 - 0.5 * (d + e)
    warped = Image.fromarray(padded).transform(
        (size, size), Image.Transform.AFFINE, (a, b, c_pil, d, e, f_pil), resample=Image.Resampling.BILINEAR)
    return np.asarray(warped, dtype=np.float32)
