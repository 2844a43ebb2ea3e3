"""BBBC021: MCF-7 cells treated with a compound library, three channels (DAPI, Tubulin, Actin).

Native layout: `BBBC021_v1_image.csv` with one row per field of view naming a 16-bit TIFF per channel
(`Image_FileName_<ch>`, `Image_PathName_<ch>` as `WeekN/WeekN_<plate>`), each plate unzipped into
`<plate>/` (e.g. `Week1_22123/`), and `BBBC021_v1_moa.csv` (compound, concentration, moa).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry, read_csv

ORIGINAL = "stan-hua/CytoImageNet"
INFO = f"{ORIGINAL} datasets_info.csv (bbbc_mcf7_profile)"
BASE = "https://data.broadinstitute.org/bbbc/BBBC021/"
# the 55 plates, as BBBC021_v1_images_<plate>.zip names them
PLATES = (
    "Week1_22123", "Week1_22141", "Week1_22161", "Week1_22361", "Week1_22381", "Week1_22401", "Week2_24121",
    "Week2_24141", "Week2_24161", "Week2_24361", "Week2_24381", "Week2_24401", "Week3_25421", "Week3_25441",
    "Week3_25461", "Week3_25681", "Week3_25701", "Week3_25721", "Week4_27481", "Week4_27521", "Week4_27542",
    "Week4_27801", "Week4_27821", "Week4_27861", "Week5_28901", "Week5_28921", "Week5_28961", "Week5_29301",
    "Week5_29321", "Week5_29341", "Week6_31641", "Week6_31661", "Week6_31681", "Week6_32061", "Week6_32121",
    "Week6_32161", "Week7_34341", "Week7_34381", "Week7_34641", "Week7_34661", "Week7_34681", "Week8_38203",
    "Week8_38221", "Week8_38241", "Week8_38341", "Week8_38342", "Week9_39206", "Week9_39221", "Week9_39222",
    "Week9_39282", "Week9_39283", "Week9_39301", "Week10_40111", "Week10_40115", "Week10_40119",
)

ENTRY = SourceEntry(
    id="bbbc021",
    database="Broad Bioimage Benchmark Collection",
    name="Human MCF7 cells - compound-profiling experiment",
    dir_name="bbbc021",
    homepage="https://bbbc.broadinstitute.org/BBBC021",
    licence="unknown",
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
    note=(
        "The original labelled phenotype with the MOA of BBBC021_v1_moa.csv (DMSO as none) and kept the set "
        "for external validation only."
    ),
    evidence={
        "layout": (
            f"{ORIGINAL} scripts/data_curation/clean_metadata.py (create_metadata reads BBBC021_v1_image.csv, "
            "BBBC021_v1_moa.csv and BBBC021_v1_compound.csv; Image_FileName_/Image_PathName_ DAPI, Tubulin, Actin; "
            f"Image_Metadata_Plate_DAPI, Image_Metadata_Well_DAPI, Replicate, Image_Metadata_Compound, "
            f"Image_Metadata_Concentration); {INFO} (one zip per plate, BBBC021_v1_images_<WeekN_plate>.zip)"
        ),
        "channels": f"{INFO} (channels f_nucleus, f_actin, f_b_tubulin)",
        "labels": (
            f"{ORIGINAL} scripts/data_curation/clean_metadata.py (phenotype = moa lowercased, dmso -> none; "
            "cell_component nucleus|actin|microtubules; fix_column_headers: 'Keep BBBC021 for external validation')"
        ),
        "licence": (
            "unknown: no licence is stated; public readers record the images as AstraZeneca's copyright with no "
            "open licence: rsiegemit/fluorostats methods_paper/data/repositories_guide.md at 40ad26a ('BBBC021 is "
            "AstraZeneca copyright with no open license — flag before redistribution'), and two further public "
            "READMEs ('Images and ground truth are copyright AstraZeneca Pharmaceuticals'; 'eval-only/ restricted "
            "sources. BBBC021 is copyright AstraZeneca Pharmaceuticals'; repositories not resolvable with the "
            "search tools). The BBBC021 page itself was not reachable with the project's tools; the earlier "
            "catalogue's CC BY-NC-SA 3.0 had no source and is contradicted. Cost: none for CytoImageNet "
            "(evaluation only, never published); a demo release states unknown terms"
        ),
        "download": INFO,
        "organism": INFO,
        "cell_type": f"{INFO} (cell_type MCF7)",
        "microscopy": f"{INFO} (microscopy 'fluorescence (?)')",
    },
    download=Download(
        route="https",
        files=[DownloadFile(url=BASE + "BBBC021_v1_image.csv", path="BBBC021_v1_image.csv"),
               DownloadFile(url=BASE + "BBBC021_v1_moa.csv", path="BBBC021_v1_moa.csv")]
        + [DownloadFile(url=f"{BASE}BBBC021_v1_images_{plate}.zip", path=f"BBBC021_v1_images_{plate}.zip")
           for plate in PLATES],
        instructions="unknown: sizes and checksums are not published where reachable here",
        evidence=f"{INFO} (the 55 zip URLs); BBBC021_v1_image.csv and BBBC021_v1_moa.csv beside them on the same server",
    ),
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
