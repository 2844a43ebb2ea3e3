"""Checks and conversions for features tables: one row per image, metadata columns plus ``features``."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from cytoimagenet.errors import UserError

FEATURES = "features"


def require_columns(df: pd.DataFrame, columns: Iterable[str], source: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        have = ", ".join(map(str, df.columns[:12])) + (", ..." if len(df.columns) > 12 else "")
        raise UserError(
            f"{source}: missing column {missing[0]!r}"
            + (f" (and {', '.join(map(repr, missing[1:]))})" if len(missing) > 1 else "")
            + f"; it has: {have}"
        )


def features_matrix(df: pd.DataFrame, source: str = "features table", column: str = FEATURES) -> np.ndarray:
    """The ``features`` column as a float64 (n, d) matrix; ragged or non-finite rows are a user error."""
    require_columns(df, [column], source)
    values = df[column].to_numpy()
    if len(values) == 0:
        return np.zeros((0, 0))
    lengths = np.fromiter((np.size(v) if v is not None else 0 for v in values), dtype=np.int64, count=len(values))
    if (lengths != lengths[0]).any() or lengths[0] == 0:
        bad = int(np.argmax(lengths != lengths[0])) if lengths[0] else 0
        raise UserError(
            f"{source}: column {column!r} must hold equal-length, non-empty vectors; row {bad} has "
            f"{lengths[bad]} values where row 0 has {lengths[0]}"
        )
    x = np.array(values.tolist(), dtype=np.float64)
    finite = np.isfinite(x).all(axis=1)
    if not finite.all():
        bad = int(np.argmin(finite))
        raise UserError(f"{source}: row {bad} of column {column!r} has NaN or infinite values")
    return x


def aggregate_features(
    df: pd.DataFrame, keys: list[str], how: str = "mean", source: str = "features table"
) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per distinct ``keys`` combination (sorted), with the mean or median feature of its rows."""
    if len(df) == 0:
        raise UserError(f"{source}: no rows left to aggregate by {', '.join(keys)}")
    return aggregate_matrix(df[keys], features_matrix(df, source), how)


def aggregate_matrix(keys: pd.DataFrame, x: np.ndarray, how: str = "mean") -> tuple[pd.DataFrame, np.ndarray]:
    """Group the rows of ``x`` by the columns of ``keys`` (sorted groups); mean or median per group."""
    if how not in ("mean", "median"):
        raise UserError(f"unknown aggregate {how!r}: use 'mean' or 'median'")
    cols = list(keys.columns)
    group = keys.groupby(cols, sort=True, dropna=False).ngroup().to_numpy()
    n_groups = int(group.max()) + 1
    order = np.argsort(group, kind="stable")
    sizes = np.bincount(group, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    xs = x[order]
    if how == "mean":
        agg = np.add.reduceat(xs, starts, axis=0) / sizes[:, None]
    elif (sizes == sizes[0]).all():
        # the usual case (every treatment or well has the same number of images): one vectorised median
        agg = np.median(xs.reshape(n_groups, sizes[0], -1), axis=1)
    else:
        agg = np.stack([np.median(block, axis=0) for block in np.split(xs, starts[1:])])
    first = keys.assign(_g=group).drop_duplicates("_g").sort_values("_g").drop(columns="_g")
    return first.reset_index(drop=True), agg
