"""BBBC021: MCF-7 cells treated with a compound library, three channels (DAPI, Tubulin, Actin).

Native layout: `BBBC021_v1_image.csv` with one row per field of view naming a 16-bit TIFF per channel
(`Image_FileName_<ch>`, `Image_PathName_<ch>` as `WeekN/WeekN_<plate>`), each plate unzipped into
`<plate>/` (e.g. `Week1_22123/`), and `BBBC021_v1_moa.csv` (compound, concentration, moa).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from cytoimagenet.catalog.source import SourceEntry, read_csv

ENTRY = SourceEntry(
    id="bbbc021",
    database="Broad Bioimage Benchmark Collection",
    name="Human MCF7 cells - compound-profiling experiment",
    dir_name="bbbc021",
    homepage="https://bbbc.broadinstitute.org/BBBC021",
    licence="CC-BY-NC-SA-3.0",  # was: CC BY-NC-SA 3.0
    citation=(
        "Caie PD et al. High-content phenotypic profiling of drug response signatures across distinct cancer "
        "cells. Mol Cancer Ther 9(6):1913-26 (2010); Ljosa V, Sokolnicki KL, Carpenter AE. Annotated "
        "high-throughput microscopy image sets for validation. Nat Methods 9(7):637 (2012)"
    ),
    modality="fluorescence",
    channels=["DAPI", "Tubulin", "Actin"],
    organism="human",
    cell_type="mcf-7",
    adapter="read",
    # the BBBC021 transfer-evaluation set: the original kept it out of CytoImageNet so that pretraining never
    # sees the evaluation images
    evaluation_only=True,
    in_cytoimagenet=False,
    layout="BBBC021_v1_image.csv + BBBC021_v1_moa.csv; 16-bit TIFF per channel under <plate>/",
)

CHANNELS = ("DAPI", "Tubulin", "Actin")
# cell_visible: what the three stains show
STAINED = "nucleus|microtubules|actin"
# BBBC021_v1_image.csv's columns, in the file's order (the demo, the fixtures and the transfer task use it too)
IMAGE_COLUMNS = [
    "TableNumber", "ImageNumber",
    "Image_FileName_DAPI", "Image_PathName_DAPI",
    "Image_FileName_Tubulin", "Image_PathName_Tubulin",
    "Image_FileName_Actin", "Image_PathName_Actin",
    "Image_Metadata_Plate_DAPI", "Image_Metadata_Well_DAPI", "Replicate",
    "Image_Metadata_Compound", "Image_Metadata_Concentration",
]
_SITE = re.compile(r"_s(\d+)_", re.IGNORECASE)


def _relative(folder: Path, path_name: str, file_name: str) -> str:
    """The file's path relative to the source folder. The CSV says `Week1/Week1_22123`; the zips unpack
    to `Week1_22123/`. Prefer what exists, else the unpacked form (a missing file is quarantined later)."""
    path_name = str(path_name).replace("\\", "/").strip("/")
    for candidate in (path_name, path_name.rsplit("/", 1)[-1]):
        if (folder / candidate / file_name).exists():
            return f"{candidate}/{file_name}"
    return f"{path_name.rsplit('/', 1)[-1]}/{file_name}"


def read(folder: Path) -> pd.DataFrame:
    images = read_csv(folder / "BBBC021_v1_image.csv", IMAGE_COLUMNS)
    moa_path = folder / "BBBC021_v1_moa.csv"
    moa = read_csv(moa_path, ["compound", "concentration", "moa"]) if moa_path.exists() else None

    out = pd.DataFrame(index=images.index)
    plate = images["Image_Metadata_Plate_DAPI"].astype(str)
    well = images["Image_Metadata_Well_DAPI"].astype(str)
    site = images["Image_FileName_DAPI"].str.extract(_SITE, expand=False)
    site = site.fillna("i" + images["ImageNumber"].astype(str))
    out["sample_id"] = plate + "-" + well + "-s" + site
    out["group"] = plate + "-" + well
    out["compound"] = images["Image_Metadata_Compound"]
    out["cell_visible"] = STAINED
    if moa is not None:
        # concentrations are compared as numbers: the two CSVs may write "1" and "1.0"
        def treatment(compound, concentration):
            return compound.astype(str) + "@" + pd.to_numeric(concentration, errors="coerce").map(repr)

        lookup = dict(zip(treatment(moa["compound"], moa["concentration"]), moa["moa"]))
        out["phenotype"] = treatment(images["Image_Metadata_Compound"], images["Image_Metadata_Concentration"]).map(lookup)
    out["source_files"] = [
        [_relative(folder, images.at[i, f"Image_PathName_{c}"], images.at[i, f"Image_FileName_{c}"]) for c in CHANNELS]
        for i in images.index
    ]
    out["channels"] = [list(CHANNELS)] * len(images)
    return out
