"""HDF5 access shared by the task readers that need it (COOS-7, CyCLOPS' DeepLoc files); h5py stays optional."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from cytoimagenet.errors import UserError


def h5py_module(what: str):
    try:
        import h5py
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise UserError(f"reading {what} needs h5py: pip install h5py") from exc
    return h5py


def read_rows(path: str | Path, dataset: str, indices, what: str) -> np.ndarray:
    """Rows ``indices`` of ``dataset`` in ``path``, in the order given."""
    h5py = h5py_module(what)
    indices = np.asarray(indices)
    order = np.argsort(indices)
    with h5py.File(path, "r") as f:
        # h5py fancy indexing wants increasing indices
        block = np.asarray(f[dataset][np.sort(indices).tolist()])
    out = np.empty_like(block)
    out[order] = block
    return out


def iter_rows(data_dir: str | Path, table: pd.DataFrame, dataset: str, what: str, chunk: int) -> Iterator[np.ndarray]:
    """The ``dataset`` row of each table row (``file``, ``index`` columns), ``chunk`` rows read at a time. Rows come
    in table order where each chunk holds its files' rows together (tables sorted by file are)."""
    for start in range(0, len(table), chunk):
        part = table.iloc[start:start + chunk]
        for file, rows in part.groupby("file", sort=False):
            yield from read_rows(Path(data_dir) / file, dataset, rows["index"].to_numpy(), what)


def file_order(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of an HDF5-backed table (``file``, ``index`` columns) grouped by file in index order, which ``iter_rows``
    reads fastest; a table without a ``file`` column (CyCLOPS' TIFF tree) is returned as it is."""
    if "file" not in table.columns:
        return table
    return table.sort_values(["file", "index"], kind="stable").reset_index(drop=True)
