"""BBBC022: U2OS Cell Painting of ~1,600 bioactive compounds (20 plates, 5 stains).

Native layout: `BBBC022_v1_image.csv` (one row per field: `ImageNumber`, `Image_FileName_Orig<stain>` for
Hoechst, ER, Syto, Ph_golgi and Mito, `Image_Metadata_PlateID`, `Image_Metadata_CPD_WELL_POSITION`,
`Image_Metadata_Site`, `Image_Metadata_ASSAY_WELL_ROLE`, `Image_Metadata_SOURCE_COMPOUND_NAME` ...; a few rows
have too many or too few fields) and one zip per plate and channel, `BBBC022_v1_images_<plate>w<n>.zip`, that
unpacks to `BBBC022_v1_images_<plate>w<n>/` of 16-bit TIFFs `IXMtest_<well>_s<site>_w<n><GUID>.tif`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry, label_column

ORIGINAL = "stan-hua/CytoImageNet"
IDR_SCRIPT = "IDR/idr0016-wawer-bioactivecompoundprofiling rename_dirs_BBBC022_v1_image.py"
PLATES = (
    "20585", "20586", "20589", "20590", "20591", "20592", "20593", "20594", "20595", "20596",
    "20607", "20608", "20625", "20626", "20630", "20633", "20639", "20640", "20641", "20646",
)
BASE = "https://data.broadinstitute.org/bbbc/BBBC022/"

ENTRY = SourceEntry(
    id="bbbc022",
    database="Broad Bioimage Benchmark Collection",
    name="Human U2OS cells - compound cell-painting experiment",
    dir_name="bbbc022",
    homepage="https://bbbc.broadinstitute.org/BBBC022",
    licence="CC0-1.0",
    citation=(
        "Gustafsdottir SM, Ljosa V, Sokolnicki KL, et al. Multiplex cytological profiling assay to measure "
        "diverse cellular states. PLoS One 8(12):e80999 (2013); " + layouts.BBBC_CITATION
    ),
    modality="fluorescence",
    # w1..w5, in the order of the zips' channel numbers
    channels=["Hoechst", "ER", "Syto", "Ph_golgi", "Mito"],
    organism="human",
    cell_type="u2os",
    adapter="read",
    layout="BBBC022_v1_image.csv; 16-bit TIFF per channel under BBBC022_v1_images_<plate>w<1..5>/",
    note=(
        "Malformed rows of BBBC022_v1_image.csv (too many or too few fields) are left out with a warning, as "
        "the original skipped them. Mock wells have no compound in the table and are labelled dmso, the "
        "assay's vehicle."
    ),
    evidence={
        "layout": (
            f"{IDR_SCRIPT} (zips BBBC022_v1_images_<plate>w<1-5>; 'CSV contains a few rows with too few or too "
            f"many fields'); {ORIGINAL} scripts/data_processing/preprocessor.py (reads "
            "BBBC022_v1_images_<PlateID>w<n>/<Image_FileName_*>, skipping bad lines)"
        ),
        "channels": (
            f"{IDR_SCRIPT} (Image_FileName_OrigHoechst w1, OrigER w2, OrigSyto w3, OrigPh_golgi w4, OrigMito w5); "
            f"{ORIGINAL} datasets_info.csv (f_nucleus, f_er, f_nucleoli, f_actin_golgi, f_mitochondria)"
        ),
        "labels": (
            f"{ORIGINAL} datasets_info.csv (bbbc_u2os_cell_painting: human, U-2 OS, cell_component nucleus, ER, "
            "nucleoli, actin|Golgi apparatus, mitochondria); compound from Image_Metadata_SOURCE_COMPOUND_NAME, "
            "role from Image_Metadata_ASSAY_WELL_ROLE; unknown: no citable copy of the CSV's full header was found "
            "(the well, site, role and compound column names come from public readers of the file), and the "
            "original's bbbc022_metadata.csv is a Git LFS object missing from the mirror, so whether it labelled "
            "mock wells dmso is not confirmed"
        ),
        "licence": "https://bbbc.broadinstitute.org/BBBC022 (CC0 waiver, as quoted in haesleinhuepf/BioImageAnalysisNotebooks data/BBBC022_image_data_source.txt)",
        "download": f"{ORIGINAL} datasets_info.csv (download: BBBC022_v1_images_<plate>w<1..5>.zip per plate)",
        "organism": f"{ORIGINAL} datasets_info.csv",
        "cell_type": f"{ORIGINAL} datasets_info.csv",
        "microscopy": f"{ORIGINAL} datasets_info.csv (microscopy: fluorescence)",
    },
    download=Download(
        route="https",
        files=[DownloadFile(url=BASE + "BBBC022_v1_image.csv", path="BBBC022_v1_image.csv")]
        + [
            DownloadFile(url=f"{BASE}BBBC022_v1_images_{plate}w{w}.zip", path=f"BBBC022_v1_images_{plate}w{w}.zip")
            for plate in PLATES
            for w in range(1, 6)
        ],
        instructions="unknown: the BBBC page publishes no sizes or checksums for these zips",
        evidence=(
            f"{ORIGINAL} datasets_info.csv (the 100 zip URLs of the 20 plates); {IDR_SCRIPT} (each zip holds a "
            "folder of its own name, BBBC022_v1_images_<plate>w<n>/)"
        ),
    ),
)

# channel -> (column stems that may carry it, the zip's channel number)
CHANNELS = {
    "Hoechst": (("OrigHoechst", "OrigDNA"), 1),
    "ER": (("OrigER",), 2),
    "Syto": (("OrigSyto", "OrigRNA"), 3),
    "Ph_golgi": (("OrigPh_golgi", "OrigAGP"), 4),
    "Mito": (("OrigMito",), 5),
}
CELL_VISIBLE = "nucleus|er|nucleoli|actin|golgi apparatus|mitochondria"
CSV = "BBBC022_v1_image.csv"
COMPOUND = ("Image_Metadata_SOURCE_COMPOUND_NAME", "Image_Metadata_CPD_SOURCE_COMPOUND_NAME")
ROLE = "Image_Metadata_ASSAY_WELL_ROLE"


def read(folder: Path) -> pd.DataFrame:
    out = layouts.image_csv_records(
        folder,
        CSV,
        {name: stems for name, (stems, _) in CHANNELS.items()},
        plate=("Image_Metadata_PlateID", "Image_Metadata_Plate"),
        well=("Image_Metadata_CPD_WELL_POSITION", "Image_Metadata_Well"),
        site=("Image_Metadata_Site",),
        carry=(*COMPOUND, ROLE),
        dirs={name: f"BBBC022_v1_images_{{plate}}w{w}" for name, (_, w) in CHANNELS.items()},
        skip_bad_rows=True,
    )
    compound = label_column(out, COMPOUND, folder / CSV, label="compound")
    role = label_column(out, [ROLE], folder / CSV, label="well role (mock = vehicle)")
    # mock wells received the DMSO vehicle only; the table leaves their compound blank
    mock = role.astype("string").str.strip().str.lower().eq("mock").fillna(False)
    out["compound"] = compound.where(~(mock & compound.isna()), "dmso")
    out["cell_visible"] = CELL_VISIBLE
    return out.drop(columns=[c for c in (*COMPOUND, ROLE) if c in out.columns])
