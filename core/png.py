"""The release's PNG codec for readers: the IHDR header and 8-bit grayscale pixels of a shard's PNG member.

Below the loaders and the validator, which both decode through it, so the validator checks what a loader reads."""

from __future__ import annotations

import functools
import io
import threading
from typing import Union

import numpy as np
import pyarrow as pa
from PIL import Image

from cytoimagenet.errors import UserError


class UnsafeShard(UserError):
    """A shard holds something a CytoImageNet release never does; nothing from it is decoded."""


DECODERS = ("auto", "wuffs", "pil")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_wuffs = threading.local()


@functools.lru_cache(maxsize=None)
def wuffs_available() -> bool:
    try:
        import pywuffs  # noqa: F401
    except ImportError:
        return False
    return True


def _wuffs_decoder():
    # one decoder object per thread: it is reused across images and is not meant to be shared
    decoder = getattr(_wuffs, "decoder", None)
    if decoder is None:
        from pywuffs import ImageDecoderType, PixelFormat
        from pywuffs.aux import ImageDecoder, ImageDecoderConfig

        config = ImageDecoderConfig()
        config.enabled_decoders = [ImageDecoderType.PNG]
        config.pixel_format = PixelFormat.Y
        decoder = _wuffs.decoder = ImageDecoder(config)
    return decoder


def png_header(data, key: str = "?") -> tuple[int, int, int, int]:
    """(width, height, bit depth, colour type) from the IHDR chunk, which a PNG must start with."""
    if len(data) < 33 or bytes(data[:8]) != _PNG_SIGNATURE or bytes(data[12:16]) != b"IHDR":
        raise UserError(f"sample {key!r}: png member is not a PNG (bad signature or no IHDR)")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"), data[24], data[25]


def decode_png(data: Union[bytes, memoryview], key: str = "?", decoder: str = "auto") -> np.ndarray:
    """8-bit grayscale pixels (H, W) uint8 of a PNG member.

    The pixel count is checked against ``PIL.Image.MAX_IMAGE_PIXELS`` from the header, before any decoding.
    8-bit grayscale PNGs (every image of a release) are decoded by Wuffs when ``pywuffs`` is installed: a
    memory-safe decoder built for untrusted input, bit-identical to Pillow here and ~1.6x faster, which matters
    because PNG decoding is most of a training stream's CPU time. Anything else, or without pywuffs, goes to
    Pillow's PNG plugin alone: RGB/palette become luminance, 16-bit is scaled to 8 bit here, so nothing downstream
    ever resamples a 16-bit Pillow image."""
    width, height, depth, colour = png_header(data, key)
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and width * height > limit:
        raise UnsafeShard(f"sample {key!r}: png is {width}x{height}, over PIL.Image.MAX_IMAGE_PIXELS ({limit}); "
                          "raise that limit deliberately if the image is genuine")
    if decoder != "pil" and depth == 8 and colour == 0 and (decoder == "wuffs" or wuffs_available()):
        # bytes, exactly: pywuffs' other overload takes a str *file path*, and a bytearray would be converted to one
        result = _wuffs_decoder().decode(data if isinstance(data, bytes) else bytes(data))
        if result.error_message:
            raise UserError(f"sample {key!r}: png does not decode (wuffs: {result.error_message})")
        pixels = result.pixbuf
        return pixels.reshape(pixels.shape[0], pixels.shape[1])
    return _decode_pil(data, key)


def _decode_pil(data, key: str) -> np.ndarray:
    try:
        im = Image.open(io.BytesIO(data), formats=("PNG",))
        # one read for the whole member instead of 64 kB blocks through Python
        im.decodermaxblock = max(im.decodermaxblock, len(data))
    except Image.DecompressionBombError as exc:
        raise UnsafeShard(f"sample {key!r}: {exc} (PIL.Image.MAX_IMAGE_PIXELS is {Image.MAX_IMAGE_PIXELS}); "
                          "raise that limit deliberately if the image is genuine") from None
    except Exception as exc:
        raise UserError(f"sample {key!r}: png does not decode ({type(exc).__name__}: {exc})") from None
    try:
        if im.mode == "L":
            im.load()
            return _pixels(im)
        if im.mode in ("I;16", "I;16B", "I;16L", "I"):
            wide = np.asarray(im, dtype=np.float32)
            return np.rint(np.clip(wide, 0, 65535) * (255.0 / 65535.0)).astype(np.uint8)
        return np.asarray(im.convert("L"))
    except Exception as exc:
        raise UserError(f"sample {key!r}: png does not decode ({type(exc).__name__}: {exc})") from None


def _pixels(im: Image.Image) -> np.ndarray:
    """A read-only (H, W) view of an 8-bit image's pixels, without copying when Pillow can export them.

    ``np.asarray`` copies through ``Image.tobytes`` (~8% of a 512 px PNG decode); the Arrow C data interface
    shares the decoded buffer instead, whenever the image is one contiguous block (all but huge images)."""
    try:
        flat = pa.array(im).to_numpy(zero_copy_only=True)
        return flat.reshape(im.height, im.width)
    except (AttributeError, TypeError, ValueError, NotImplementedError, pa.ArrowException):
        return np.asarray(im)
