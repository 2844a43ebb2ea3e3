"""CyCLOPS yeast protein localisation (Koh et al. 2015; Kraus et al. 2017): leave-one-out 11-NN.

Single-cell crops, GFP (protein) + RFP (cytoplasm marker), one localisation class per crop. DEAD and GHOST are
states of the cell, not localisations, and are dropped; SPINDLEPOLE is merged into SPINDLE, as in the
original evaluation. Labels are compared case-insensitively.

Leave-one-out excludes the query by its identity (its row in the filtered table), never by assuming the
query is its own first neighbour: with duplicated crops, or ties at similarity 1, the first neighbour need not
be the query, and dropping "the first" would then drop a real neighbour and keep the query.

The features table needs a ``label`` column (one row per crop).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cytoimagenet.errors import UserError

from ..knn import Metric, accuracy_summary, encode_labels, exclude_self, knn_classify
from ..table import features_matrix, require_columns

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
