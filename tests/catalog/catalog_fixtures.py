"""Helpers that write tiny source trees in the sources' real native layouts (names, columns, bit depths)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import tifffile
from PIL import Image

from cytoimagenet.catalog.registry import get_source
from cytoimagenet.catalog.source import LABEL_COLUMNS, RECORD_COLUMNS


def write_image(path: Path, bits: int = 8, mode: str = "L", size: int = 8) -> Path:
    """A tiny image at the source's bit depth; the content is noise so QC in later stages passes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(abs(hash(path.name)) % 2**32)
    ext = path.suffix.lower()
    if ext in (".tif", ".tiff", ".flex"):
        dtype = np.uint16 if bits == 16 else np.uint8
        tifffile.imwrite(path, rng.integers(0, 2**bits, (size, size), dtype=np.uint64).astype(dtype))
    else:
        if mode == "RGB":
            img = Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8), "RGB")
        elif bits == 16:
            img = Image.fromarray(rng.integers(0, 2**16, (size, size), dtype=np.uint16))
        else:
            img = Image.fromarray(rng.integers(0, 256, (size, size), dtype=np.uint8), "L")
        fmt = {".png": "PNG", ".bmp": "BMP", ".jpg": "JPEG", ".jpeg": "JPEG"}[ext]
        img.save(path, format=fmt)
    return path


def records(source_id: str, folder: Path) -> pd.DataFrame:
    return get_source(source_id).records(folder)


def check_records(df: pd.DataFrame, folder: Path) -> None:
    """The records contract every adapter must meet."""
    assert tuple(df.columns) == RECORD_COLUMNS
    assert len(df) > 0
    assert df["sample_id"].is_unique
    assert df["sample_id"].str.fullmatch(r"[A-Za-z0-9_-]+").all()
    assert list(df["sample_id"]) == sorted(df["sample_id"])
    for col in LABEL_COLUMNS:
        values = df[col].dropna()
        assert (values == values.str.lower()).all(), col
        assert not values.str.contains(r"\|\||^\||\|$").any(), col
    for files, channels in zip(df["source_files"], df["channels"]):
        assert len(files) == len(channels) >= 1
        for f in files:
            assert not f.startswith("/") and "\\" not in f and ".." not in f.split("/")
    assert df["microscopy"].isin(["fluorescence", "brightfield", "fluorescence|brightfield"]).all()


def shuffled_rewrite(csv: Path, seed: int = 1) -> None:
    table = pd.read_csv(csv, dtype=str, keep_default_na=False)
    table.sample(frac=1, random_state=seed).to_csv(csv, index=False)
