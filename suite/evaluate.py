"""Evaluate precomputed features on a transfer task: the I/O edge around the pure protocols in ``tasks``.

The features parquet has one row per image with the columns of the task's own image table plus ``features``
(a list column of floats): for BBBC021 those of ``BBBC021_v1_image.csv``, for RxRx1 those of
``metadata.csv``, for COOS-7 ``split`` and ``label``, for CyCLOPS ``label``. The task's other tables (BBBC021's
``BBBC021_v1_moa.csv``) are read from the data folder. No image is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from cytoimagenet.errors import UserError

from .knn import l2_normalize
from .registry import get_task as resolve_task
from .report import jsonable, write_report
from .table import FEATURES

AGGREGATES = ("mean", "median")


def read_features(path: str | Path) -> pd.DataFrame:
    """The features parquet as a DataFrame whose ``features`` cells are rows of one float matrix.

    The list column is converted in one piece (flatten + reshape), not cell by cell: RxRx1 has 125k sites of
    1,280 floats, and per-cell conversion would cost minutes and gigabytes of Python objects.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_file():
        raise UserError(f"features file {path} does not exist: pass a parquet file with a 'features' column")
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not parquet
        raise UserError(f"{path}: not a readable parquet file ({type(exc).__name__}: {str(exc).splitlines()[0]})") from exc
    if FEATURES not in table.column_names:
        raise UserError(f"{path}: missing column {FEATURES!r} (one list of floats per image)")
    col = table.column(FEATURES).combine_chunks()
    rest = table.drop_columns([FEATURES]).to_pandas()
    if not (pa.types.is_list(col.type) or pa.types.is_large_list(col.type) or pa.types.is_fixed_size_list(col.type)):
        raise UserError(f"{path}: column {FEATURES!r} has type {col.type}; it must be a list of floats per image")
    n = len(col)
    if col.null_count:
        raise UserError(f"{path}: column {FEATURES!r} is empty (null) in {col.null_count} row(s)")
    flat = col.flatten().to_numpy(zero_copy_only=False)
    if n and flat.size % n == 0 and (pa.types.is_fixed_size_list(col.type) or
                                     (np.diff(col.offsets.to_numpy()) == flat.size // n).all()):
        matrix = flat.astype(np.float64, copy=False).reshape(n, flat.size // n)
        rest[FEATURES] = list(matrix)
    else:
        # ragged: keep the cells as they are and let the protocol name the first bad row
        rest[FEATURES] = col.to_pandas().to_numpy()
    return rest


def evaluate_table(
    task: str,
    data_dir: str | Path,
    table: pd.DataFrame,
    aggregate: str = "mean",
    *,
    k: int | None = None,
    method: str = "features",
    source: str = "",
    **options,
) -> tuple[dict, object]:
    """Score one features table (the task's image table + ``features``) on one task.
    Returns (result, points) where ``points()`` gives the 2-D embedding inputs for the report."""
    spec = resolve_task(task)
    if spec.fixed_k is not None and k not in (None, spec.fixed_k):
        raise UserError(spec.fixed_k_why)
    if aggregate not in AGGREGATES:
        raise UserError(f"unknown aggregate {aggregate!r}: use mean or median")
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise UserError(f"data folder {data_dir} does not exist")
    result, points = spec.protocol(table, data_dir, aggregate=aggregate, k=k, source=source or method, **options)
    result = {
        "task": result["task"],
        "method": method,
        "data_dir": str(data_dir),
        "n_rows": int(len(table)),
        **{key: v for key, v in result.items() if key != "task"},
    }
    return result, points


def evaluate_features(
    task: str,
    data_dir: str | Path,
    features_parquet: str | Path,
    aggregate: str = "mean",
    *,
    k: int | None = None,
    method: str | None = None,
    out_dir: str | Path | None = None,
    **options,
) -> dict:
    """Score one features file on one task; with ``out_dir``, also write the report there.

    ``k`` overrides the task's neighbour count (BBBC021 is 1-NN by definition and ignores it); ``method``
    names the feature-extraction method in the report (default: the file's stem); ``options`` go to the
    task's ``evaluate`` (e.g. RxRx1's ``test_experiments``, ``tvn_scope``, ``shrink``).
    """
    resolve_task(task)
    features_parquet = Path(features_parquet)
    table = read_features(features_parquet)
    result, points = evaluate_table(task, data_dir, table, aggregate, k=k, method=method or features_parquet.stem,
                                    source=str(features_parquet), **options)
    result = {"features_file": str(features_parquet), **result}
    if out_dir is not None:
        x, labels = points()
        # every task compares directions (cosine): embed the directions, not the raw magnitudes
        result["report"] = write_report([result], out_dir, embeddings=[(l2_normalize(x), labels)])
    return jsonable(result)


def extract_and_evaluate(
    task: str,
    data_dir: str | Path,
    *,
    weights: str | Path | None = None,
    methods: Sequence[str] | None = None,
    image_size: int = 224,
    batch_size: int = 32,
    aggregate: str = "mean",
    k: int | None = None,
    out_dir: str | Path | None = None,
    save_features: str | Path | None = None,
    progress=None,
    **options,
) -> dict:
    """Extract penultimate-layer features from the task's images in its native layout, for each method, and score
    them. ``weights``: a pretrained ``.keras`` file (``cytoimagenet pretrain``), ImageNet-shaped EfficientNetB0
    weights from a local file, or None for random initialisation (the baseline). Nothing is downloaded."""
    from cytoimagenet.suite.features import METHODS, Extractor, extract_task_features

    spec = resolve_task(task)
    methods = list(methods or METHODS)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise UserError(f"unknown method(s) {unknown}: choose from {', '.join(METHODS)}")
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise UserError(f"data folder {data_dir} does not exist")
    if weights is not None and not Path(weights).is_file():
        raise UserError(f"weights file {weights} does not exist")
    extractor = Extractor(weights=weights, image_size=image_size, batch_size=batch_size)
    table = spec.image_table(data_dir)
    weights_name = Path(weights).name if weights is not None else "random"
    results, embeddings = [], []
    for i, method in enumerate(methods):
        if progress:
            progress(method, i, len(methods))
        feats = extract_task_features(task, data_dir, method, extractor, table=table)
        if save_features is not None:
            import pyarrow as pa
            import pyarrow.parquet as pq

            Path(save_features).mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.Table.from_pandas(feats.assign(features=[np.asarray(f, np.float32) for f in feats["features"]]),
                                                preserve_index=False), Path(save_features) / f"{task}-{method}.parquet")
        result, points = evaluate_table(task, data_dir, feats, aggregate, k=k, method=method,
                                        source=f"{weights_name}:{method}", **options)
        skipped = feats.attrs.get("skipped", [])
        # images left out because a file could not be read: counted and listed, as the builder's quarantine
        results.append({**result, "weights": weights_name, "unreadable_images": len(skipped),
                        "unreadable": list(skipped)})
        if out_dir is not None:
            x, labels = points()
            embeddings.append((l2_normalize(x), labels))
    if progress:
        progress("done", len(methods), len(methods))
    summary = {"task": task, "weights": weights_name, "image_size": image_size, "methods": results}
    if out_dir is not None:
        summary["report"] = write_report(results, out_dir, embeddings=embeddings)
    return jsonable(summary)


__all__ = ["evaluate_features", "evaluate_table", "extract_and_evaluate", "read_features", "resolve_task", "write_report", "AGGREGATES"]
