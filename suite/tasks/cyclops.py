"""CyCLOPS yeast protein localisation (Koh et al. 2015; Kraus et al. 2017): leave-one-out 11-NN.

Single-cell crops, GFP (protein) + RFP (cytoplasm marker), one localisation class per crop. DEAD and GHOST are
states of the cell, not localisations, and are dropped; SPINDLEPOLE is merged into SPINDLE, as in the
original evaluation. Labels are compared case-insensitively.

Native layouts (``image_table`` finds which one ``--data`` holds):

- the DeepLoc HDF5 files as distributed (Kraus et al. 2017, ``DeepLoc_full_datasets.zip``):
  ``Chong_train_set.hdf5``, ``Chong_valid_set.hdf5``, ``Chong_test_set.hdf5``, each with ``data1`` (N, 8192):
  one 64x64 cell per row, the GFP plane's 4096 pixels then the RFP plane's, row-major; and ``Index1`` (N, 19):
  one-hot localisation in the order of ``LABELS`` (or of an ``Index1_columns`` dataset/attribute when present).
  The three files are pooled: leave-one-out uses every labelled cell.
- the per-class TIFF tree the original CytoImageNet evaluation read (unpacked from those files):
  ``<CLASS>/<CLASS>_<n>_gfp.tif`` and ``<CLASS>/<CLASS>_<n>_rfp.tif``. The folder names the class.

The original evaluation paired labels and files after removing DEAD and GHOST from the label list only, so every
class listed after them got its neighbour's label, and it fed RFP where it meant GFP. Here labels come from each
crop's own folder or one-hot row, and channels by name.

Leave-one-out excludes the query by its identity (its row in the filtered table), never by assuming the
query is its own first neighbour: with duplicated crops, or ties at similarity 1, the first neighbour need not
be the query, and dropping "the first" would then drop a real neighbour and keep the query.

The features table needs a ``label`` column (one row per crop).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cytoimagenet.errors import UserError

from ..hdf5 import file_order, h5py_module, iter_rows
from ..knn import Metric, accuracy_summary, encode_labels, exclude_self, knn_classify
from ..native import read_plane
from ..table import features_matrix, require_columns
from ..task import Points, Task

NAME = "cyclops"
REQUIRED_COLUMNS = ["label"]
CHANNELS = ["gfp", "rfp"]
DROPPED = ("DEAD", "GHOST")
MERGED = {"SPINDLEPOLE": "SPINDLE"}
DEFAULT_K = 11


def clean_labels(table: pd.DataFrame, source: str = "features table") -> tuple[pd.DataFrame, dict]:
    require_columns(table, REQUIRED_COLUMNS, source)
    labels = table["label"].astype(str).str.strip().str.upper().replace(MERGED)
    keep = ~labels.isin(DROPPED)
    out = table[keep.to_numpy()].assign(label=labels[keep].to_numpy())
    book = {
        "n_dropped": {d: int((labels == d).sum()) for d in DROPPED},
        "n_merged": {src: int(table["label"].astype(str).str.strip().str.upper().eq(src).sum()) for src in MERGED},
    }
    if out.empty:
        raise UserError(f"{source}: no crop left after dropping {', '.join(DROPPED)}")
    return out, book


def evaluate(table: pd.DataFrame, k: int = DEFAULT_K, metric: Metric = "cosine",
             source: str = "features table") -> dict:
    table, book = clean_labels(table, source)
    x = features_matrix(table, source)
    codes, classes = encode_labels(table["label"].to_numpy())
    ids = np.arange(len(table))
    pred = knn_classify(x, x, codes, k, metric=metric, exclude=exclude_self(ids, ids))
    return {
        "task": NAME,
        "metric": metric,
        "k": k,
        "protocol": "leave-one-out: the query itself is never a neighbour",
        **book,
        "results": {"loo": accuracy_summary(codes, pred, classes)},
    }


def embedding_points(table: pd.DataFrame, source: str = "features table") -> tuple[np.ndarray, list[str]]:
    table, _ = clean_labels(table, source)
    return features_matrix(table, source), table["label"].tolist()


# --- native layouts (I/O) ------------------------------------------------------------------------------

# the column order of Index1 in the DeepLoc files (DeepLoc's own evaluation code lists them so)
LABELS = ["ACTIN", "BUDNECK", "BUDTIP", "CELLPERIPHERY", "CYTOPLASM", "ENDOSOME", "ER", "GOLGI", "MITOCHONDRIA",
          "NUCLEARPERIPHERY", "NUCLEI", "NUCLEOLUS", "PEROXISOME", "SPINDLE", "SPINDLEPOLE", "VACUOLARMEMBRANE",
          "VACUOLE", "DEAD", "GHOST"]
HDF5_FILES = ["Chong_train_set.hdf5", "Chong_valid_set.hdf5", "Chong_test_set.hdf5"]
CROP = 64
_TIFF_SUFFIXES = (".tif", ".tiff")


HDF5 = "CyCLOPS's DeepLoc HDF5 files"


def _hdf5_label_names(f, path) -> list[str]:
    names = None
    if "Index1_columns" in f:
        names = f["Index1_columns"][...]
    elif "Index1_columns" in f.attrs:
        names = f.attrs["Index1_columns"]
    if names is None:
        return LABELS
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in np.asarray(names).reshape(-1)]
    return [n.strip().upper() for n in names]


def _hdf5_table(data_dir: Path, files: list[str]) -> pd.DataFrame:
    h5py = h5py_module(HDF5)
    frames = []
    for name in files:
        path = data_dir / name
        with h5py.File(path, "r") as f:
            for key in ("data1", "Index1"):
                if key not in f:
                    raise UserError(f"{path}: no dataset {key!r}; expected the DeepLoc layout (data1, Index1)")
            onehot = np.asarray(f["Index1"][...])
            n_pixels = f["data1"].shape[1] if f["data1"].ndim == 2 else -1
            names = _hdf5_label_names(f, path)
        if onehot.ndim != 2 or onehot.shape[1] != len(names):
            raise UserError(f"{path}: Index1 has shape {onehot.shape}; expected (cells, {len(names)}) one-hot labels")
        if n_pixels != 2 * CROP * CROP:
            raise UserError(f"{path}: data1 rows hold {n_pixels} values; expected {2 * CROP * CROP} "
                            f"(GFP then RFP, {CROP}x{CROP} each)")
        hot = onehot > 0
        per_row = hot.sum(axis=1)
        if (per_row != 1).any():
            bad = int(np.flatnonzero(per_row != 1)[0])
            raise UserError(f"{path}: Index1 row {bad} marks {int(per_row[bad])} classes; expected exactly one")
        labels = np.asarray(names, dtype=object)[hot.argmax(axis=1)]
        frames.append(pd.DataFrame({"label": labels, "file": name, "index": np.arange(len(labels))}))
    return pd.concat(frames, ignore_index=True)


def _tiff_table(data_dir: Path) -> pd.DataFrame:
    rows, unpaired = [], []
    for folder in sorted(p for p in data_dir.iterdir() if p.is_dir()):
        stems: dict[str, dict[str, str]] = {}
        for f in sorted(folder.iterdir()):
            if f.suffix.lower() not in _TIFF_SUFFIXES:
                continue
            stem, _, channel = f.stem.rpartition("_")
            if channel.lower() in CHANNELS and stem:
                stems.setdefault(stem, {})[channel.lower()] = f"{folder.name}/{f.name}"
        for stem, chans in stems.items():
            if set(chans) != set(CHANNELS):
                unpaired.append(f"{folder.name}/{stem}")
                continue
            rows.append({"label": folder.name, "image": stem, "gfp": chans["gfp"], "rfp": chans["rfp"]})
    if unpaired:
        raise UserError(f"{data_dir}: {len(unpaired)} crop(s) lack a GFP or RFP file, e.g. {unpaired[0]}_gfp.tif / "
                        "_rfp.tif; every crop needs both channels")
    return pd.DataFrame(rows, columns=["label", "image", "gfp", "rfp"])


def image_table(data_dir: str | Path) -> pd.DataFrame:
    """One row per crop: ``label`` plus where its pixels are (``file``/``index`` for the HDF5 files, ``gfp``/``rfp``
    paths for the TIFF tree). Reads labels only."""
    data_dir = Path(data_dir)
    present = [name for name in HDF5_FILES if (data_dir / name).is_file()]
    table = _hdf5_table(data_dir, present) if present else _tiff_table(data_dir)
    if table.empty:
        raise UserError(f"{data_dir}: no CyCLOPS crops found: expected {', '.join(HDF5_FILES)} (DeepLoc HDF5) or "
                        "class folders of <CLASS>_<n>_gfp.tif / _rfp.tif pairs")
    return table


def read_images(data_dir: str | Path, table: pd.DataFrame, chunk: int = 512):
    """(GFP, RFP) 64x64 planes per row of ``image_table``, in the table's order."""
    data_dir = Path(data_dir)
    if "file" in table.columns:
        for cell in iter_rows(data_dir, table, "data1", HDF5, chunk):
            planes = cell.reshape(2, CROP, CROP)
            yield [planes[0], planes[1]]
        return
    for gfp, rfp in zip(table["gfp"], table["rfp"]):
        yield [read_plane(data_dir / gfp), read_plane(data_dir / rfp)]


def protocol(table: pd.DataFrame, data_dir: Path, *, aggregate: str = "mean", k: int | None = None,
             source: str = "features table", **options) -> tuple[dict, Points]:
    """``evaluate`` (crops are not aggregated: ``aggregate`` does not apply); ``data_dir`` holds no other table."""
    kw = dict(options) if k is None else {**options, "k": k}
    result = evaluate(table, source=source, **kw)
    return result, lambda: embedding_points(table, source)


TASK = Task(NAME, image_table, read_images, protocol, reading_order=file_order)
