"""BBBC022: U2OS Cell Painting of ~1,600 bioactive compounds (20 plates, 5 stains).

Native layout: `BBBC022_v1_image.csv` (one row per field: `Image_FileName_Orig<stain>` and
`Image_PathName_Orig<stain>` per channel, `Image_Metadata_PlateID`, `Image_Metadata_CPD_WELL_POSITION`,
`Image_Metadata_Site`, `Image_Metadata_SOURCE_COMPOUND_NAME`, `Image_Metadata_ASSAY_WELL_ROLE` ...) and one
zip per plate and channel unpacked to `<plate>w<1..5>/` with 16-bit TIFFs `IXMtest_<well>_s<site>_w<n><GUID>.tif`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="bbbc022",
    database="Broad Bioimage Benchmark Collection",
    name="Human U2OS cells - compound cell-painting experiment",
    dir_name="bbbc022",
    homepage="https://bbbc.broadinstitute.org/BBBC022",
    licence="CC0-1.0",  # was: CC0 1.0 (verify)
    citation=(
        "Gustafsdottir SM, Ljosa V, Sokolnicki KL, et al. Multiplex cytological profiling assay to measure "
        "diverse cellular states. PLoS One 8(12):e80999 (2013); Bray MA, Gustafsdottir SM, Rohban MH, et al. "
        "A dataset of images and morphological profiles of 30 000 small-molecule treatments using the Cell "
        "Painting assay. GigaScience 6(12):1-5 (2017); " + layouts.BBBC_CITATION
    ),
    modality="fluorescence",
    channels=["DNA", "ER", "RNA", "AGP", "Mito"],
    organism="human",
    cell_type="u2os",
    adapter="read",
    layout="BBBC022_v1_image.csv; 16-bit TIFF per channel under <plate>w<1..5>/",
    note=(
        "Channel columns are accepted under either naming (OrigDNA/OrigHoechst, OrigRNA/OrigSyto, "
        "OrigAGP/OrigPh_golgi). Mock wells are DMSO-treated and labelled so. Licence: verify."
    ),
)

CHANNELS = {
    "DNA": ("OrigDNA", "OrigHoechst"),
    "ER": ("OrigER",),
    "RNA": ("OrigRNA", "OrigSyto"),
    "AGP": ("OrigAGP", "OrigPh_golgi"),
    "Mito": ("OrigMito",),
}
CELL_VISIBLE = "nucleus|endoplasmic reticulum|nucleolus|cytoplasmic rna|actin|golgi apparatus|plasma membrane|mitochondria"
CSV = "BBBC022_v1_image.csv"


def read(folder: Path) -> pd.DataFrame:
    out = layouts.image_csv_records(
        folder,
        CSV,
        CHANNELS,
        plate=("Image_Metadata_PlateID", "Image_Metadata_Plate"),
        well=("Image_Metadata_CPD_WELL_POSITION", "Image_Metadata_Well"),
        site=("Image_Metadata_Site",),
        compound=("Image_Metadata_SOURCE_COMPOUND_NAME", "Image_Metadata_CPD_SOURCE_COMPOUND_NAME", "Image_Metadata_BROAD_ID"),
        carry=("Image_Metadata_ASSAY_WELL_ROLE",),
    )
    compound = out["compound"] if "compound" in out.columns else pd.Series(None, index=out.index, dtype=object)
    if "Image_Metadata_ASSAY_WELL_ROLE" in out.columns:
        # mock wells received the DMSO vehicle only; the table leaves their compound blank
        mock = out["Image_Metadata_ASSAY_WELL_ROLE"].astype("string").str.strip().str.lower().eq("mock").fillna(False)
        compound = compound.where(~(mock & compound.isna()), "dmso")
    out["compound"] = compound
    out["cell_visible"] = CELL_VISIBLE
    return out
