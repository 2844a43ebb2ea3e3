"""COOS-7 (Lu et al. 2019) protein localisation: 11-NN fitted on the training split, scored on test1..test4.

Features are z-scored with the *training* split's mean and standard deviation only: the test sets are
deliberately shifted (other plates, other time, other instrument), and standardising each with its own
statistics would hide exactly the shift they were built to measure. Distances are cosine on the standardised
features, as everywhere in this suite (``metric='euclidean'`` is available for comparison with scikit-learn's
default).

Native layout: one HDF5 file per split, ``COOS7_v1.1_training.hdf5`` and ``COOS7_v1.1_test1.hdf5`` ..
``_test4.hdf5``, each with ``data`` (N, 2, H, W) uint16 (protein, nucleus) and ``labels`` (N,). The features
table has one row per image with ``split`` (train/test1..test4; ``training`` is accepted) and ``label``;
the reader below adds ``file`` and ``index`` (the row in that file) for feature extraction.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from cytoimagenet.errors import UserError

from ..hdf5 import file_order, h5py_module, iter_rows, read_rows
from ..knn import Metric, accuracy_summary, encode_labels, knn_classify
from ..table import features_matrix, require_columns
from ..task import Points, Task

NAME = "coos7"
TRAIN = "train"
TESTS = ["test1", "test2", "test3", "test4"]
FILES = {
    "train": "COOS7_v1.1_training.hdf5",
    **{t: f"COOS7_v1.1_{t}.hdf5" for t in TESTS},
}
CHANNELS = ["protein", "nucleus"]
REQUIRED_COLUMNS = ["split", "label"]
_ALIASES = {"training": TRAIN, "train": TRAIN, **{t: t for t in TESTS}}
DEFAULT_K = 11


def normalise_splits(splits: pd.Series, source: str) -> pd.Series:
    out = splits.astype(str).str.strip().str.lower().map(_ALIASES)
    if out.isna().any():
        bad = splits[out.isna()].iloc[0]
        raise UserError(f"{source}: unknown split {bad!r} in column 'split'; use train, test1, test2, test3, test4")
    return out


def standardize(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """z-score every matrix with the mean and standard deviation of ``train``."""
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    # a feature constant over the training set carries no information there; divide by 1, not by 0
    std = np.where(std > 0, std, 1.0)
    return [(m - mean) / std for m in (train, *others)]


def evaluate(table: pd.DataFrame, k: int = DEFAULT_K, metric: Metric = "cosine",
             source: str = "features table") -> dict:
    require_columns(table, REQUIRED_COLUMNS, source)
    splits = normalise_splits(table["split"], source)
    x = features_matrix(table, source)
    labels = table["label"].astype(str).to_numpy()
    train = (splits == TRAIN).to_numpy()
    if not train.any():
        raise UserError(f"{source}: no row has split 'train'; COOS-7 fits the kNN on the training split")
    tests = [t for t in TESTS if (splits == t).any()]
    if not tests:
        raise UserError(f"{source}: no row has a test split (test1..test4)")
    codes, classes = encode_labels(labels)
    masks = [(splits == t).to_numpy() for t in tests]
    z = standardize(x[train], *(x[m] for m in masks))
    results = {}
    for t, m, zt in zip(tests, masks, z[1:]):
        pred = knn_classify(zt, z[0], codes[train], k, metric=metric)
        results[t] = accuracy_summary(codes[m], pred, classes)
    return {
        "task": NAME,
        "metric": metric,
        "k": k,
        "standardisation": "z-score with training-split statistics",
        "n_train": int(train.sum()),
        "results": results,
    }


def embedding_points(table: pd.DataFrame, source: str = "features table") -> tuple[np.ndarray, list[str]]:
    require_columns(table, REQUIRED_COLUMNS, source)
    splits = normalise_splits(table["split"], source)
    x = features_matrix(table, source)
    train = (splits == TRAIN).to_numpy()
    return standardize(x[train], x)[1], table["label"].astype(str).tolist()


# --- native layout (I/O) ------------------------------------------------------------------------------


HDF5 = "COOS-7's HDF5 files"


def image_table(data_dir: str | Path) -> pd.DataFrame:
    """One row per image over the split files present: split, label, file, index. Reads labels only."""
    h5py = h5py_module(HDF5)
    data_dir = Path(data_dir)
    frames = []
    for split, name in FILES.items():
        path = data_dir / name
        if not path.exists():
            continue
        with h5py.File(path, "r") as f:
            for key in ("data", "labels"):
                if key not in f:
                    raise UserError(f"{path}: no dataset {key!r}; expected COOS-7 layout (data, labels)")
            labels = np.asarray(f["labels"][...]).reshape(-1)
        frames.append(pd.DataFrame({"split": split, "label": labels, "file": name, "index": np.arange(len(labels))}))
    if not frames or not any(fr["split"].iat[0] == TRAIN for fr in frames if len(fr)):
        raise UserError(f"{data_dir}: no {FILES[TRAIN]} found (COOS-7 needs the training split)")
    return pd.concat(frames, ignore_index=True)


def read_images(data_dir: str | Path, file: str, indices: np.ndarray) -> np.ndarray:
    """(n, 2, H, W) uint16 crops (protein, nucleus) at the given rows of one split file."""
    return read_rows(Path(data_dir) / file, "data", indices, HDF5)


def images(data_dir: str | Path, table: pd.DataFrame, chunk: int = 256) -> Iterable[list[np.ndarray]]:
    """Protein and nucleus crops of each row of ``image_table``, read from the split files ``chunk`` rows at a time."""
    return ([img[0], img[1]] for img in iter_rows(data_dir, table, "data", HDF5, chunk))


def protocol(table: pd.DataFrame, data_dir: Path, *, aggregate: str = "mean", k: int | None = None,
             source: str = "features table", **options) -> tuple[dict, Points]:
    """``evaluate`` (images are not aggregated: ``aggregate`` does not apply); ``data_dir`` holds no other table."""
    kw = dict(options) if k is None else {**options, "k": k}
    result = evaluate(table, source=source, **kw)
    return result, lambda: embedding_points(table, source)


TASK = Task(NAME, image_table, images, protocol, aliases=("coos-7", "coos"), reading_order=file_order)
