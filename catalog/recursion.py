"""Recursion RxRx datasets (rxrx1, rxrx2, rxrx19a, rxrx19b): one metadata CSV per dataset, one 8-bit PNG per
channel. Facts from recursionpharma/rxrx-datasets (<dataset>/README.md: metadata schema, image paths, channel
counts) and from the folders the original CytoImageNet read (stan-hua/CytoImageNet
scripts/data_processing/preprocessor.py, get_file_references)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

from cytoimagenet.catalog.source import Download, DownloadFile, label_column, read_csv
from cytoimagenet.errors import UserError

COLUMNS = ["site_id", "experiment", "plate", "well", "site"]

# What each of the six channels shows, in w1..w6 order, as the original recorded it for rxrx1, rxrx2 and
# rxrx19b (stan-hua/CytoImageNet annotations/datasets_info.csv, channels: f_nucleus, f_er, f_actin,
# f_nucleoli, f_mitochondria, f_golgi). The READMEs name no stain per channel, so channels carry the
# structure they show rather than a dye name nobody published beside the files.
SIX_CHANNELS = ("nucleus", "endoplasmic reticulum", "actin", "nucleoli", "mitochondria", "golgi apparatus")
SIX_CHANNELS_EVIDENCE = (
    "stan-hua/CytoImageNet annotations/datasets_info.csv (rev aec7751), channels f_nucleus, f_er, f_actin, "
    "f_nucleoli, f_mitochondria, f_golgi for w1..w6; six channels w1-w6 per site: recursionpharma/rxrx-datasets "
    "{id}/README.md"
)
CELL_VISIBLE_EVIDENCE = (
    "cell_visible: the structures of the six channels, for every six-channel RxRx source alike (the original's "
    "cell_component is empty for RxRx rows in datasets_info.csv rev aec7751: whether it gave one is unknown)"
)
BUCKET = "https://storage.googleapis.com/rxrx"
DOWNLOAD_EVIDENCE = (
    "stan-hua/CytoImageNet annotations/datasets_info.csv (rev aec7751), column download; sizes as stated "
    "(approximately) in recursionpharma/rxrx-datasets {id}/README.md"
)


def download(top: str, stem: str, approx_size: str) -> Download:
    """The two zips of a Recursion dataset, as the original fetched them; they unpack into `top/`."""
    return Download(
        route="https",
        files=[
            DownloadFile(url=f"{BUCKET}/{top}/{stem}-images.zip", path=f"{stem}-images.zip", into="."),
            DownloadFile(url=f"{BUCKET}/{top}/{stem}-metadata.zip", path=f"{stem}-metadata.zip", into="."),
        ],
        instructions=f"images about {approx_size} (README); no checksums are published",
        evidence=DOWNLOAD_EVIDENCE.format(id=top.lower()),
    )


def metadata_path(folder: Path, top: str, names: Sequence[str]) -> Path:
    """The metadata CSV of a download. The zips unpack into one folder named after the dataset (`rxrx1/`,
    `rxrx2/`, `RxRx19a/`, `rxrx19b/`: the folders the original read), holding the CSV beside `images/`; a
    tree unpacked one level up (files straight in the source folder) is read the same."""
    candidates = [f"{top}/{n}" for n in names] + list(names)
    for rel in candidates:
        if (folder / rel).is_file():
            return folder / rel
    raise UserError(
        f"{folder}: none of {', '.join(candidates)} found; unpack the dataset's metadata zip into the source "
        "folder (its CSV sits beside images/)"
    )


def records(folder: Path, channel_names: Sequence[str], *, top: str, metadata: Sequence[str] = ("metadata.csv",)
            ) -> pd.DataFrame:
    """A metadata CSV (site_id, well_id, cell_type, experiment, plate, well, site and, by dataset, sirna,
    disease_condition, treatment, treatment_conc, SMILES) with one PNG per channel at
    images/{experiment}/Plate{plate}/{well}_s{site}_w{1..n}.png beside it. The dataset's own columns are
    passed through for the source module to label from; cell_type goes through label_column, so a file
    without it says so."""
    path = metadata_path(folder, top, metadata)
    meta = read_csv(path, COLUMNS)
    rel_dir = path.parent.relative_to(folder).as_posix()
    prefix = "" if rel_dir == "." else rel_dir + "/"
    out = meta.copy()
    out["sample_id"] = meta["site_id"]
    out["group"] = meta["experiment"] + "_" + meta["plate"].astype(str) + "_" + meta["well"]
    out["cell_type"] = label_column(meta, "cell_type", path, label="cell_type")
    base = (
        prefix + "images/" + meta["experiment"] + "/Plate" + meta["plate"].astype(str) + "/" + meta["well"]
        + "_s" + meta["site"].astype(str)
    )
    out["source_files"] = [[f"{b}_w{w}.png" for w in range(1, len(channel_names) + 1)] for b in base]
    out["channels"] = [list(channel_names)] * len(meta)
    out.attrs.update(meta.attrs)
    out.attrs["metadata_path"] = path
    return out.sort_values("sample_id", kind="stable").reset_index(drop=True)


def label(out: pd.DataFrame, column: str, *, as_: str) -> pd.DataFrame:
    """Copy a native label column into a record label column, through label_column (absent or empty for the
    whole file: a recorded warning, not a silent loss)."""
    values = label_column(out, column, out.attrs["metadata_path"], label=as_)
    out[as_] = values.where(values.astype("string").str.strip().fillna("") != "", None)
    return out
