"""RxRx1 batch effects (Sypetkowski et al. 2023): siRNA classification across held-out experiments.

RxRx1's images of one siRNA look alike within an experiment and differ across experiments (batch effects), so
a kNN that is trained and tested on the same experiments mostly measures the batch. Here whole experiments
are held out and the same features are scored three ways:

- ``raw``: the features as extracted;
- ``centered``: per plate (experiment + plate), minus the mean feature of that plate's negative-control sites
  (``well_type == 'negative_control'``);
- ``tvn``: typical-variation normalisation (Ando et al. 2017): per-plate centering as above, then a whitening
  (PCA, rotated back: ZCA) fitted on the centered negative controls of each ``tvn_scope`` group (default: the
  experiment; 'plate' or 'all' also possible). A plate has only a handful of control sites and features have
  ~1280 dimensions, so the control covariance is regularised as C + eps*I with eps = ``shrink`` times its mean
  eigenvalue (trace/d): directions the controls never vary in are scaled by 1/sqrt(eps), not by infinity.

Normalisation works on sites (one row per image), because the controls are sites; then sites are averaged
(mean or median) into wells, and the wells of ``well_type == 'treatment'`` are classified by their ``sirna``
with a cosine kNN (default k=11) over the training experiments' wells.

Split: ``test_experiments`` when given; otherwise the ``dataset`` column (RxRx1's official split is by
experiment: 33 train, 18 test); where that column is absent or does not name both 'train' and 'test', the
last experiment in sorted order of each cell type with more than one experiment is held out. An experiment is
never on both sides: a ``dataset`` column that splits one is an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cytoimagenet.errors import UserError

from ..knn import Metric, accuracy_summary, encode_labels, knn_classify
from ..native import Unreadable, per_row, read_csv, read_plane
from ..table import aggregate_matrix, features_matrix, require_columns
from ..task import Points, Task

NAME = "rxrx1"
IMAGE_TABLE = "metadata.csv"
IMAGE_COLUMNS = [
    "site_id", "well_id", "cell_type", "dataset", "experiment", "plate", "well", "site",
    "well_type", "sirna", "sirna_id",
]
REQUIRED_COLUMNS = ["experiment", "plate", "well", "well_type", "sirna"]
NEGATIVE, TREATMENT = "negative_control", "treatment"
DEFAULT_K = 11
VARIANTS = ("raw", "centered", "tvn")


# --- normalisation (pure) -----------------------------------------------------------------------------


def _group_codes(keys: pd.DataFrame) -> np.ndarray:
    return keys.groupby(list(keys.columns), sort=True, dropna=False).ngroup().to_numpy()


def center_on_controls(x: np.ndarray, groups: np.ndarray, is_control: np.ndarray) -> np.ndarray:
    """Subtract from every row the mean of the control rows of its group; every group needs a control."""
    groups = np.asarray(groups)
    n_groups = int(groups.max()) + 1
    d = x.shape[1]
    sums = np.zeros((n_groups, d))
    np.add.at(sums, groups[is_control], x[is_control])
    counts = np.bincount(groups[is_control], minlength=n_groups)
    if (counts == 0).any():
        raise ValueError(f"group {int(np.argmin(counts))} has no control row")
    return x - (sums / counts[:, None])[groups]


def whiten_on_controls(
    x: np.ndarray, groups: np.ndarray, is_control: np.ndarray, shrink: float = 0.1
) -> np.ndarray:
    """ZCA-whiten each group with the regularised covariance of its control rows (C + eps*I)."""
    out = np.empty_like(x, dtype=np.float64)
    for g in np.unique(groups):
        rows = groups == g
        ctrl = x[rows & is_control]
        if len(ctrl) < 2:
            raise ValueError(f"group {g} has fewer than 2 control rows")
        mean = ctrl.mean(axis=0)
        # thin SVD of the controls: O(n_ctrl^2 * d), never a d x d eigendecomposition
        _, s, vt = np.linalg.svd((ctrl - mean) / np.sqrt(len(ctrl) - 1), full_matrices=False)
        lam = s**2
        eps = shrink * lam.sum() / x.shape[1]
        if eps <= 0:
            eps = 1.0  # controls all identical: no variation to normalise, keep the scale
        y = x[rows] - mean
        proj = y @ vt.T
        out[rows] = (proj / np.sqrt(lam + eps)) @ vt + (y - proj @ vt) / np.sqrt(eps)
    return out


# --- split --------------------------------------------------------------------------------------------


def split_experiments(
    sites: pd.DataFrame, test_experiments: Sequence[str] | None, source: str
) -> tuple[list[str], list[str], str]:
    experiments = sorted(sites["experiment"].astype(str).unique())
    if test_experiments is not None:
        test = sorted(set(map(str, test_experiments)))
        unknown = [e for e in test if e not in experiments]
        if unknown:
            raise UserError(f"{source}: test experiment {unknown[0]!r} is not in column 'experiment'")
        rule = "test experiments given by the caller"
    elif "dataset" in sites.columns and {"train", "test"} <= set(sites["dataset"].astype(str).str.lower()):
        per = sites.assign(_d=sites["dataset"].astype(str).str.lower()).groupby(
            sites["experiment"].astype(str))["_d"].agg(lambda s: sorted(set(s)))
        mixed = per[per.map(len) > 1]
        if len(mixed):
            raise UserError(
                f"{source}: experiment {mixed.index[0]!r} is in both dataset 'train' and 'test'; "
                "a held-out experiment must be held out whole"
            )
        test = sorted(per[per.map(lambda v: v == ["test"])].index)
        rule = "official RxRx1 split: column 'dataset' (whole experiments)"
    else:
        if "cell_type" in sites.columns:
            by_type = sites.groupby(sites["cell_type"].astype(str))["experiment"].agg(
                lambda s: sorted(set(s.astype(str))))
        else:
            # RxRx1 experiment names are '<CELLTYPE>-<NN>'
            names = pd.Series(experiments)
            by_type = names.groupby(names.str.rsplit("-", n=1).str[0]).agg(sorted)
        test = sorted(exps[-1] for exps in by_type if len(exps) > 1)
        rule = "last experiment (sorted) of each cell type held out"
    train = [e for e in experiments if e not in test]
    if not train or not test:
        raise UserError(
            f"{source}: need experiments on both sides of the split (train {train}, test {test}); "
            "RxRx1 is evaluated on whole held-out experiments"
        )
    return train, test, rule


# --- protocol -----------------------------------------------------------------------------------------


def _normalised(x, sites, variant, tvn_scope, shrink):
    if variant == "raw":
        return x
    is_ctrl = (sites["well_type"].astype(str) == NEGATIVE).to_numpy()
    plates = _group_codes(sites[["experiment", "plate"]].astype(str))
    counts = np.bincount(plates[is_ctrl], minlength=plates.max() + 1)
    if (counts == 0).any():
        key = sites[["experiment", "plate"]].astype(str).iloc[int(np.argmax(plates == np.argmin(counts)))]
        raise _Skip(f"plate {key['experiment']}/{key['plate']} has no negative-control site to center on")
    xc = center_on_controls(x, plates, is_ctrl)
    if variant == "centered":
        return xc
    scope_cols = {"experiment": ["experiment"], "plate": ["experiment", "plate"], "all": []}[tvn_scope]
    scope = _group_codes(sites[scope_cols].astype(str)) if scope_cols else np.zeros(len(sites), dtype=np.int64)
    per = np.bincount(scope[is_ctrl], minlength=scope.max() + 1)
    if (per < 2).any():
        raise _Skip(f"a {tvn_scope} group has fewer than 2 negative-control sites to fit the whitening on")
    return whiten_on_controls(xc, scope, is_ctrl, shrink)


class _Skip(Exception):
    pass


def evaluate(
    sites: pd.DataFrame,
    k: int = DEFAULT_K,
    aggregate: str = "mean",
    test_experiments: Sequence[str] | None = None,
    tvn_scope: str = "experiment",
    shrink: float = 0.1,
    metric: Metric = "cosine",
    source: str = "features table",
) -> dict:
    require_columns(sites, REQUIRED_COLUMNS, source)
    if tvn_scope not in ("experiment", "plate", "all"):
        raise UserError(f"unknown tvn_scope {tvn_scope!r}: use experiment, plate or all")
    sites = sites.reset_index(drop=True)
    x = features_matrix(sites, source)
    train_exp, test_exp, rule = split_experiments(sites, test_experiments, source)

    treated = (sites["well_type"].astype(str) == TREATMENT) & sites["sirna"].notna()
    if not treated.any():
        raise UserError(f"{source}: no site with well_type 'treatment' and a sirna to classify")
    well_keys = ["experiment", "plate", "well"]
    results = {}
    for variant in VARIANTS:
        try:
            xv = _normalised(x, sites, variant, tvn_scope, shrink)
        except _Skip as why:
            results[variant] = {"skipped": str(why)}
            continue
        part = sites.loc[treated, well_keys + ["sirna"]].astype(str)
        wells, wx = aggregate_matrix(part[well_keys], xv[treated.to_numpy()], aggregate)
        wells = wells.merge(part.drop_duplicates(well_keys), on=well_keys, how="left")
        is_test = wells["experiment"].isin(test_exp).to_numpy()
        is_train = wells["experiment"].isin(train_exp).to_numpy()
        codes, classes = encode_labels(wells["sirna"].to_numpy())
        pred = knn_classify(wx[is_test], wx[is_train], codes[is_train], k, metric=metric)
        results[variant] = accuracy_summary(codes[is_test], pred, classes)
        results[variant]["n_train_wells"] = int(is_train.sum())
    return {
        "task": NAME,
        "metric": metric,
        "k": k,
        "aggregate": aggregate,
        "unit": "well (sites aggregated after normalisation)",
        "tvn_scope": tvn_scope,
        "shrink": shrink,
        "split": {"rule": rule, "train_experiments": train_exp, "test_experiments": test_exp},
        "results": results,
    }


def embedding_points(sites: pd.DataFrame, source: str = "features table") -> tuple[np.ndarray, list[str]]:
    require_columns(sites, REQUIRED_COLUMNS, source)
    # coloured by experiment: the picture is about batch effects, and 1,108 siRNA colours say nothing
    return features_matrix(sites, source), sites["experiment"].astype(str).tolist()


# --- native layout (I/O) ------------------------------------------------------------------------------


def image_table(data_dir: str | Path) -> pd.DataFrame:
    return read_csv(Path(data_dir) / IMAGE_TABLE, "metadata table")


def read_images(data_dir: str | Path, table: pd.DataFrame) -> Iterable[list[np.ndarray] | Unreadable]:
    """Six 8-bit channels per site at ``images/{experiment}/Plate{plate}/{well}_s{site}_w{1..6}.png``."""
    data_dir = Path(data_dir)

    def read_row(row) -> list[np.ndarray]:
        base = data_dir / "images" / str(row["experiment"]) / f"Plate{row['plate']}"
        return [read_plane(base / f"{row['well']}_s{row['site']}_w{w}.png") for w in range(1, 7)]

    return per_row(table, read_row)


def protocol(table: pd.DataFrame, data_dir: Path, *, aggregate: str = "mean", k: int | None = None,
             source: str = "features table", **options) -> tuple[dict, Points]:
    """``evaluate`` with the caller's options (``test_experiments``, ``tvn_scope``, ``shrink``, ``metric``)."""
    kw = dict(options) if k is None else {**options, "k": k}
    result = evaluate(table, aggregate=aggregate, source=source, **kw)
    return result, lambda: embedding_points(table, source)


TASK = Task(NAME, image_table, read_images, protocol, aliases=("rxrx-1",))
