"""BBBC021 mechanism-of-action: 1-NN cosine over treatment profiles, not-same-compound (NSC) and
not-same-compound-or-batch (NSCB).

Protocol (Ljosa et al. 2013; Ando et al. 2017), as implemented here:

- a treatment is a (compound, concentration) pair; its profile is the mean (or median) feature of its images;
- DMSO images are dropped (DMSO is the vehicle control, not a mechanism), and so are treatments the MOA table
  does not list or lists without a mechanism: 103 treatments remain in the real data;
- NSC: a treatment's neighbour may not be a treatment of the same compound (any concentration);
- NSCB: nor may it share a batch. A batch is the ``WeekN`` prefix of a plate name (``Week4_27481`` -> ``Week4``);
  a treatment's batches are those of all the plates its images are on, and a neighbour is excluded when
  the two batch sets intersect at all (the strict reading: no batch in common, so no shared batch effect);
- a treatment whose mechanism has no admissible treatment left (in the real data, NSCB for mechanisms imaged
  in one batch only) cannot be answered correctly by any feature. It is not scored and is listed under
  ``unanswerable``; it stays available as a neighbour for the others, so it can still attract wrong answers.
  This matches dropping single-batch mechanisms from NSCB (Ando et al. 2017) without making the task easier.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from cytoimagenet.errors import UserError

from ..knn import accuracy_summary, encode_labels, exclude_any, exclude_same, exclude_sharing, knn_search
from ..native import Unreadable, per_row, read_csv, read_plane
from ..table import aggregate_features, require_columns
from ..task import Points, Task
from cytoimagenet.catalog.sources.bbbc021 import IMAGE_COLUMNS as _NATIVE_BBBC021_COLUMNS

NAME = "bbbc021"
IMAGE_TABLE = "BBBC021_v1_image.csv"
MOA_TABLE = "BBBC021_v1_moa.csv"
IMAGE_COLUMNS = list(_NATIVE_BBBC021_COLUMNS)
COMPOUND, CONCENTRATION, PLATE = "Image_Metadata_Compound", "Image_Metadata_Concentration", "Image_Metadata_Plate_DAPI"
# what the protocol needs; the rest of IMAGE_COLUMNS is for reading images
REQUIRED_COLUMNS = [COMPOUND, CONCENTRATION, PLATE]
MOA_COLUMNS = ["compound", "concentration", "moa"]
CONTROL = "DMSO"
# concentrations are joined across two CSVs: compare them rounded, not bit for bit
_CONC_DECIMALS = 9


def batch_of_plate(plates: pd.Series) -> pd.Series:
    batch = plates.astype(str).str.extract(r"^(Week\d+)_", expand=False)
    if batch.isna().any():
        bad = plates[batch.isna()].iloc[0]
        raise UserError(
            f"plate name {bad!r} in column {PLATE!r} does not start with 'WeekN_': "
            "the NSCB batch is read from that prefix"
        )
    return batch


def _concentration(values: pd.Series, where: str) -> pd.Series:
    out = pd.to_numeric(values, errors="coerce")
    bad = out.isna() & values.notna()
    if bad.any():
        raise UserError(f"{where}: {values[bad].iloc[0]!r} is not a number")
    return out.round(_CONC_DECIMALS)


def treatment_profiles(
    images: pd.DataFrame, moa: pd.DataFrame, aggregate: str = "mean", source: str = "features table"
) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """(treatments table, profile matrix, bookkeeping). Treatments: compound, concentration, moa, batches."""
    require_columns(images, REQUIRED_COLUMNS, source)
    require_columns(moa, MOA_COLUMNS, MOA_TABLE)
    images = images.copy()
    is_control = images[COMPOUND].astype(str).str.upper().eq(CONTROL)
    images = images[~is_control]
    images[CONCENTRATION] = _concentration(images[CONCENTRATION], f"{source}, column {CONCENTRATION!r}")
    images["_batch"] = batch_of_plate(images[PLATE])

    table = moa[MOA_COLUMNS].copy()
    table["concentration"] = _concentration(table["concentration"], f"{MOA_TABLE}, column 'concentration'")
    table = table[~table["compound"].astype(str).str.upper().eq(CONTROL)]
    table = table.dropna(subset=["moa"])
    table = table[table["moa"].astype(str).str.strip() != ""]
    dup = table.duplicated(["compound", "concentration"], keep=False)
    if dup.any():
        row = table[dup].iloc[0]
        raise UserError(f"{MOA_TABLE}: treatment ({row['compound']}, {row['concentration']}) is listed twice")

    keyed = images.merge(
        table.rename(columns={"compound": COMPOUND, "concentration": CONCENTRATION}),
        on=[COMPOUND, CONCENTRATION], how="left", validate="many_to_one",
    )
    no_moa = keyed["moa"].isna()
    dropped = (
        keyed.loc[no_moa, [COMPOUND, CONCENTRATION]].drop_duplicates().sort_values([COMPOUND, CONCENTRATION])
    )
    keyed = keyed[~no_moa]
    if keyed.empty:
        raise UserError(f"{source}: no image belongs to a treatment listed with a mechanism in {MOA_TABLE}")

    keys, profiles = aggregate_features(keyed, [COMPOUND, CONCENTRATION], aggregate, source)
    info = keyed.groupby([COMPOUND, CONCENTRATION], sort=True).agg(
        moa=("moa", "first"), batches=("_batch", lambda b: sorted(set(b))), n_images=("moa", "size")
    ).reset_index()
    treatments = keys.merge(info, on=[COMPOUND, CONCENTRATION], how="left")
    treatments = treatments.rename(columns={COMPOUND: "compound", CONCENTRATION: "concentration"})
    book = {
        "n_images": int(len(keyed)),
        "n_control_images_dropped": int(is_control.sum()),
        "treatments_without_moa": [[str(c), float(x)] for c, x in dropped.itertuples(index=False)],
    }
    return treatments, profiles, book


def _one_nn(profiles, treatments, rule, moa_codes, classes) -> dict:
    n = len(treatments)
    rows = np.arange(n)
    excluded = rule(rows)
    same_moa = moa_codes[:, None] == moa_codes[None, :]
    answerable = (same_moa & ~excluded).any(axis=1)
    idx, sims = knn_search(profiles, profiles, 1, exclude=rule)
    nn = idx[:, 0]
    pred = np.where(nn >= 0, moa_codes[np.maximum(nn, 0)], -1)
    out = accuracy_summary(moa_codes[answerable], pred[answerable], classes)
    out["unanswerable"] = [
        {"compound": str(t.compound), "concentration": float(t.concentration), "moa": str(t.moa)}
        for t in treatments[~answerable].itertuples()
    ]
    out["predictions"] = [
        {
            "compound": str(t.compound),
            "concentration": float(t.concentration),
            "moa": str(t.moa),
            "predicted": classes[p] if p >= 0 else None,
            "neighbour": None if j < 0 else [str(treatments.compound.iat[j]), float(treatments.concentration.iat[j])],
            "similarity": None if j < 0 else float(s),
            "scored": bool(a),
        }
        for t, p, j, s, a in zip(treatments.itertuples(), pred, nn, sims[:, 0], answerable)
    ]
    return out


def evaluate(images: pd.DataFrame, moa: pd.DataFrame, aggregate: str = "mean", source: str = "features table") -> dict:
    treatments, profiles, book = treatment_profiles(images, moa, aggregate, source)
    moa_codes, classes = encode_labels(treatments["moa"].astype(str))
    compound_codes, _ = encode_labels(treatments["compound"].astype(str))
    batch_names = sorted({b for bs in treatments["batches"] for b in bs})
    members = np.zeros((len(treatments), len(batch_names)), dtype=bool)
    col = {b: i for i, b in enumerate(batch_names)}
    for i, bs in enumerate(treatments["batches"]):
        members[i, [col[b] for b in bs]] = True

    nsc = exclude_same(compound_codes, compound_codes)
    nscb = exclude_any(nsc, exclude_sharing(members, members))
    return {
        "task": NAME,
        "aggregate": aggregate,
        "metric": "cosine",
        "k": 1,
        "n_treatments": int(len(treatments)),
        **book,
        "results": {
            "NSC": _one_nn(profiles, treatments, nsc, moa_codes, classes),
            "NSCB": _one_nn(profiles, treatments, nscb, moa_codes, classes),
        },
    }


def embedding_points(images: pd.DataFrame, moa: pd.DataFrame, aggregate: str = "mean",
                     source: str = "features table") -> tuple[np.ndarray, list[str]]:
    treatments, profiles, _ = treatment_profiles(images, moa, aggregate, source)
    return profiles, treatments["moa"].astype(str).tolist()


# --- native layout (I/O) ------------------------------------------------------------------------------


def image_table(data_dir: str | Path) -> pd.DataFrame:
    return read_csv(Path(data_dir) / IMAGE_TABLE, "image table")


def read_images(data_dir: str | Path, table: pd.DataFrame) -> Iterable[list[np.ndarray] | Unreadable]:
    """DAPI, Tubulin, Actin per row; ``Image_PathName_*`` is ``WeekN/WeekN_plate`` (or just the plate folder)."""
    data_dir = Path(data_dir)

    def read_row(row) -> list[np.ndarray]:
        chans = []
        for ch in ("DAPI", "Tubulin", "Actin"):
            rel = str(row[f"Image_PathName_{ch}"]).replace("\\", "/").strip("/")
            name = row[f"Image_FileName_{ch}"]
            candidates = [data_dir / rel / name, data_dir / rel.rsplit("/", 1)[-1] / name]
            path = next((c for c in candidates if c.is_file()), candidates[0])
            chans.append(read_plane(path))
        return chans

    return per_row(table, read_row)


def protocol(table: pd.DataFrame, data_dir: Path, *, aggregate: str = "mean", k: int | None = None,
             source: str = "features table", **options) -> tuple[dict, Points]:
    """NSC and NSCB on ``table``, with the MOA table read from ``data_dir``; ``k`` is always 1 (``fixed_k``)."""
    moa = read_csv(Path(data_dir) / MOA_TABLE, "MOA table")
    result = evaluate(table, moa, aggregate=aggregate, source=source)
    return result, lambda: embedding_points(table, moa, aggregate, source)


TASK = Task(NAME, image_table, read_images, protocol, aliases=("bbbc-021",), fixed_k=1,
            fixed_k_why="BBBC021 is scored 1-NN by definition (NSC/NSCB); leave out --k")
