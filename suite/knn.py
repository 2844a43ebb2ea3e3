"""Exact k-nearest-neighbour search and voting, the one kNN every transfer task shares.

Pure numpy. Similarities come from matrix products over chunks of queries, so memory stays bounded by
``chunk_elements`` whatever the size of the reference set.

Ordering of neighbours, everywhere: most similar first; equal similarities go to the lower reference index.
Equal means equal after rounding to ``SIMILARITY_DECIMALS``: two identical reference vectors can come out of a
BLAS product a few ulps apart, and without the rounding which one is "nearer" would depend on the BLAS build
rather than on the data.

The class vote never looks at label ids to break a tie: most votes wins; among classes with equally many
votes the larger summed similarity wins; if that is equal too, the class of the nearest neighbour wins.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

Metric = Literal["cosine", "euclidean"]

SIMILARITY_DECIMALS = 10
# 2**24 float64 similarities = 128 MiB per chunk; the masks and sort keys add a few times that.
DEFAULT_CHUNK_ELEMENTS = 1 << 24
Z95 = 1.959963984540054

# exclude(query_rows, reference_count) -> bool mask (len(query_rows), reference_count), True = not a neighbour
ExcludeFn = Callable[[np.ndarray], np.ndarray]


def l2_normalize(x: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    # A zero vector has no direction; leaving it at zero gives it similarity 0 to everything
    # instead of NaNs that would poison the sort.
    return x / np.maximum(norms, eps)


def _similarity(q: np.ndarray, r: np.ndarray, metric: Metric, r_sq: np.ndarray | None) -> np.ndarray:
    if metric == "cosine":
        s = q @ r.T
    else:
        # negative squared distance: same ordering as distance, one matrix product
        s = 2.0 * (q @ r.T) - np.einsum("ij,ij->i", q, q)[:, None] - r_sq[None, :]
    return np.round(s, SIMILARITY_DECIMALS, out=s)


def _prepare(query, reference, metric):
    if metric not in ("cosine", "euclidean"):
        raise ValueError(f"unknown metric {metric!r}: use 'cosine' or 'euclidean'")
    q = np.asarray(query, dtype=np.float64)
    r = np.asarray(reference, dtype=np.float64)
    if q.ndim != 2 or r.ndim != 2 or q.shape[1] != r.shape[1]:
        raise ValueError(f"query {q.shape} and reference {r.shape} must be 2-D with the same width")
    if metric == "cosine":
        q, r = l2_normalize(q), l2_normalize(r)
        r_sq = None
    else:
        r_sq = np.einsum("ij,ij->i", r, r)
    return q, r, r_sq


def _chunk_rows(n_ref: int, chunk_elements: int) -> int:
    return max(1, chunk_elements // max(1, n_ref))


def _top_k(sim: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best columns of each row, ordered by (similarity desc, index asc), in O(n) per row.

    argpartition alone picks arbitrarily among ties at the k-th place; instead take everything strictly
    better than the k-th value, then fill with the lowest-index columns equal to it.
    """
    c, n = sim.shape
    neg = -sim
    kth = np.partition(neg, k - 1, axis=1)[:, k - 1 : k]
    better = neg < kth
    equal = neg == kth
    need = k - better.sum(axis=1, keepdims=True)
    take = better | (equal & (np.cumsum(equal, axis=1) <= need))
    rows, cols = np.nonzero(take)  # row-major: columns ascending inside each row
    cols = cols.reshape(c, k)
    s = sim[rows, cols.ravel()].reshape(c, k)
    order = np.argsort(-s, axis=1, kind="stable")  # stable keeps ascending index among equals
    return np.take_along_axis(cols, order, axis=1), np.take_along_axis(s, order, axis=1)


def knn_search(
    query: np.ndarray,
    reference: np.ndarray,
    k: int,
    *,
    metric: Metric = "cosine",
    exclude: ExcludeFn | None = None,
    chunk_elements: int = DEFAULT_CHUNK_ELEMENTS,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (n_query, k) into ``reference`` and their similarities, best first.

    Similarity is cosine similarity, or minus the squared Euclidean distance. Where fewer than k references
    are admissible (``exclude``), the missing places hold index -1 and similarity -inf.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    q, r, r_sq = _prepare(query, reference, metric)
    n_q, n_r = len(q), len(r)
    k_eff = min(k, n_r)
    idx = np.full((n_q, k), -1, dtype=np.int64)
    sims = np.full((n_q, k), -np.inf)
    if n_q == 0 or n_r == 0:
        return idx, sims
    step = _chunk_rows(n_r, chunk_elements)
    for start in range(0, n_q, step):
        rows = np.arange(start, min(start + step, n_q))
        s = _similarity(q[rows], r, metric, r_sq)
        if exclude is not None:
            s[exclude(rows)] = -np.inf
        cols, top = _top_k(s, k_eff)
        cols = np.where(np.isneginf(top), -1, cols)
        idx[rows, :k_eff] = cols
        sims[rows, :k_eff] = top
    return idx, sims


def vote(neighbour_labels: np.ndarray, neighbour_sims: np.ndarray, n_classes: int) -> np.ndarray:
    """Majority vote per row over integer labels (-1 = no neighbour); -1 where a row has no neighbour."""
    labels = np.asarray(neighbour_labels, dtype=np.int64)
    sims = np.asarray(neighbour_sims, dtype=np.float64)
    n, k = labels.shape
    valid = labels >= 0
    row = np.repeat(np.arange(n), k).reshape(n, k)
    flat = (row * n_classes + np.where(valid, labels, 0))[valid]
    counts = np.bincount(flat, minlength=n * n_classes).reshape(n, n_classes)
    # Only classes with equal vote counts are compared on their sums, so no shift is needed for
    # negative (Euclidean) similarities: equal counts add the same shift.
    summed = np.bincount(flat, weights=sims[valid], minlength=n * n_classes).reshape(n, n_classes)
    summed = np.round(summed, SIMILARITY_DECIMALS)
    first = np.full(n * n_classes, k, dtype=np.int64)
    rank = np.tile(np.arange(k), n).reshape(n, k)
    np.minimum.at(first, flat, rank[valid])
    first = first.reshape(n, n_classes)

    best = counts == counts.max(axis=1, keepdims=True)
    s = np.where(best, summed, -np.inf)
    best &= s == s.max(axis=1, keepdims=True)
    pred = np.argmin(np.where(best, first, k + 1), axis=1)
    return np.where(valid.any(axis=1), pred, -1)


def knn_classify(
    query: np.ndarray,
    reference: np.ndarray,
    reference_labels: np.ndarray,
    k: int,
    *,
    metric: Metric = "cosine",
    exclude: ExcludeFn | None = None,
    chunk_elements: int = DEFAULT_CHUNK_ELEMENTS,
) -> np.ndarray:
    """Predicted integer label per query row (-1 where no reference was admissible)."""
    ref_labels = np.asarray(reference_labels, dtype=np.int64)
    n_classes = int(ref_labels.max()) + 1 if len(ref_labels) else 1
    idx, sims = knn_search(query, reference, k, metric=metric, exclude=exclude, chunk_elements=chunk_elements)
    labels = np.where(idx >= 0, ref_labels[np.maximum(idx, 0)], -1)
    # vote per chunk too: the (rows, n_classes) count tables are the other big allocation
    out = np.empty(len(idx), dtype=np.int64)
    step = _chunk_rows(n_classes * 3, chunk_elements)
    for start in range(0, len(idx), step):
        sl = slice(start, start + step)
        out[sl] = vote(labels[sl], sims[sl], n_classes)
    return out


# --- exclusion rules -------------------------------------------------------------------------------


def exclude_self(query_ids: np.ndarray, reference_ids: np.ndarray) -> ExcludeFn:
    """Leave-one-out: a reference is excluded when it *is* the query, judged by id, never by position."""
    return exclude_same(query_ids, reference_ids)


def exclude_same(query_keys: np.ndarray, reference_keys: np.ndarray) -> ExcludeFn:
    qk = np.asarray(query_keys)
    rk = np.asarray(reference_keys)
    return lambda rows: qk[rows][:, None] == rk[None, :]


def exclude_sharing(query_members: np.ndarray, reference_members: np.ndarray) -> ExcludeFn:
    """Excluded when the two rows share any member; members are boolean (n, n_groups) matrices."""
    qm = np.asarray(query_members, dtype=np.float64)
    rm = np.asarray(reference_members, dtype=np.float64)
    return lambda rows: (qm[rows] @ rm.T) > 0


def exclude_any(*rules: ExcludeFn | None) -> ExcludeFn | None:
    live = [r for r in rules if r is not None]
    if not live:
        return None

    def rule(rows: np.ndarray) -> np.ndarray:
        mask = live[0](rows)
        for other in live[1:]:
            mask = mask | other(rows)
        return mask

    return rule


# --- scoring -----------------------------------------------------------------------------------------


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval: unlike the normal approximation it stays inside [0, 1] and is sane at 0 or n."""
    if n <= 0:
        return (float("nan"), float("nan"))
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


NO_PREDICTION = "(no neighbour)"


def accuracy_summary(y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str]) -> dict:
    """Accuracy, Wilson 95% interval, per-class accuracy and confusion matrix over integer labels.

    ``y_pred`` may hold -1 (no admissible neighbour): counted wrong, shown in an extra confusion column.
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    classes = [str(c) for c in classes]
    m = len(classes)
    n = len(y_true)
    correct = int((y_true == y_pred).sum())
    lo, hi = wilson_interval(correct, n)
    has_none = bool((y_pred < 0).any())
    cols = m + 1 if has_none else m
    conf = np.zeros((m, cols), dtype=np.int64)
    np.add.at(conf, (y_true, np.where(y_pred < 0, m, y_pred)), 1)
    support = conf.sum(axis=1)
    per_class = {}
    for i, name in enumerate(classes):
        if support[i]:
            per_class[name] = {"accuracy": float(conf[i, i] / support[i]), "n": int(support[i])}
    return {
        "accuracy": correct / n if n else float("nan"),
        "ci95_low": lo,
        "ci95_high": hi,
        "n": n,
        "correct": correct,
        "per_class": per_class,
        "confusion": {
            "classes": classes,
            "predicted": classes + ([NO_PREDICTION] if has_none else []),
            "matrix": conf.tolist(),
        },
    }


def encode_labels(values, classes: Sequence | None = None) -> tuple[np.ndarray, list]:
    """Integer codes and the class list (sorted unless given); values not in ``classes`` get -1."""
    values = pd.Series(np.asarray(values, dtype=object))
    if classes is None:
        classes = sorted(values.dropna().unique().tolist())
    codes = pd.Categorical(values, categories=list(classes)).codes.astype(np.int64)
    return codes, list(classes)
