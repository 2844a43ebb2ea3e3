"""Small source trees in BBBC021's native layout, written in milliseconds, for the fault tests."""

import struct
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import tifffile

PLATE, WEEK = "Week1_22123", "Week1"
SHAPE = (48, 64)
CHANNELS = ("DAPI", "Tubulin", "Actin")
COLUMNS = ["TableNumber", "ImageNumber", "Image_FileName_DAPI", "Image_PathName_DAPI", "Image_FileName_Tubulin",
           "Image_PathName_Tubulin", "Image_FileName_Actin", "Image_PathName_Actin", "Image_Metadata_Plate_DAPI",
           "Image_Metadata_Well_DAPI", "Replicate", "Image_Metadata_Compound", "Image_Metadata_Concentration"]


def texture(rng, shape=SHAPE, dtype=np.uint16, high=4000):
    return rng.integers(100, high, shape).astype(dtype)


def png_bomb(width: int, height: int) -> bytes:
    """A valid PNG header declaring width x height, with a few bytes of data: gigapixels for a few hundred bytes."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + chunk(b"IEND", b"")


def tiff_bomb(path: Path, side: int = 100_000) -> None:
    """A small TIFF whose header is rewritten to declare side x side pixels."""
    tifffile.imwrite(path, np.zeros((16, 16), np.uint16))
    with tifffile.TiffFile(path) as tif:
        offsets = [tif.pages[0].tags[n].valueoffset for n in ("ImageWidth", "ImageLength")]
    data = bytearray(path.read_bytes())
    for off in offsets:
        data[off:off + 4] = struct.pack("<I", side)
    path.write_bytes(bytes(data))


def clean_source(root: Path, rows: int = 3, compounds=("taxol",), shape=(8, 8)) -> Path:
    """root/bbbc021 with `rows` good fields (one well each), compounds assigned in turn."""
    folder = root / "bbbc021"
    (folder / PLATE).mkdir(parents=True)
    rng = np.random.default_rng(1)
    data = []
    for i in range(rows):
        well = f"{'ABCDEFGH'[i // 12]}{i % 12 + 1:02d}"
        names = [f"{PLATE}_{well}_s1_w{k + 1}.tif" for k in range(3)]
        for n in names:
            tifffile.imwrite(folder / PLATE / n, texture(rng, shape))
        data.append([1, i + 1, names[0], f"{WEEK}/{PLATE}", names[1], f"{WEEK}/{PLATE}", names[2], f"{WEEK}/{PLATE}",
                     PLATE, well, 1, compounds[i % len(compounds)], "1.0"])
    pd.DataFrame(data, columns=COLUMNS).to_csv(folder / "BBBC021_v1_image.csv", index=False)
    return folder
