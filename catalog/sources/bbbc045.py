"""BBBC045: human white blood cells imaged by stain-free imaging flow cytometry (montages of cells)."""

from __future__ import annotations

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry

ORIGINAL = "stan-hua/CytoImageNet"
INFO = f"{ORIGINAL} datasets_info.csv (bbbc_wbc)"

ENTRY = SourceEntry(
    id="bbbc045",
    database="Broad Bioimage Benchmark Collection",
    name="Human White Blood Cells",
    dir_name="bbbc045",
    homepage="https://bbbc.broadinstitute.org/BBBC045",
    licence="unknown",
    citation=(
        "Nassar M, Doan M, Filby A, et al. Label-free identification of white blood cells using machine "
        "learning. Cytometry A 95(8):836-842 (2019); " + layouts.BBBC_CITATION
    ),
    modality="fluorescence|brightfield",
    channels=["brightfield", "darkfield", "fluorescence"],
    organism="human",
    cell_type="white blood cell",
    adapter=None,
    layout="Stained_Montages/<donor folders>/<cell type>/..._<channel>.tif (1650x1650 montages of 900 cells)",
    note=(
        "Not adaptable: the original cut a fixed region (rows 0-715, columns 0-825) of each montage per "
        "channel file, mapped from its own file names back to Stained_Montages/ paths; those paths (donor "
        "folder names, which channel number is brightfield, darkfield or fluorescence) are in no source "
        "reachable here (its bbbc045_metadata.csv is a Git LFS object missing from the mirror), and a sample "
        "of a crop region needs box columns the records do not have yet."
    ),
    evidence={
        "layout": (
            f"{ORIGINAL} scripts/data_processing/preprocessor.py (preprocess_bbbc045: Stained_Montages/<parts>/"
            "<name>_<channel>.tif, crop [0:715, 0:825]); Stained_Montages.zip holds TIFF montages of 900 cells "
            "with cell-type folders per donor (MorphoReg data notes found by search; repository not recorded)"
        ),
        "channels": f"{INFO} (channels fluorescence, brightfield, darkfield); unknown: their channel numbers",
        "labels": (
            f"{INFO} (cell_type white blood cell (b-cell), (t-cell), (eosinophil), (monocyte), (neutrophil)); "
            f"{ORIGINAL} scripts/data_curation/clean_metadata.py (fix_labels maps them to 'white blood cell')"
        ),
        "licence": (
            "unknown: the BBBC045 page is not reachable here and no public copy of its licence line was found "
            "(catalogued before as CC BY 3.0 without a source). Searched: GitHub file search (exact strings "
            "'BBBC045', 'BBBC045v1', 'We used image set BBBC0', 'neighboring rights to BBBC'), BBBC loader "
            "libraries (mario-koddenbrock/bbbc_datasets, psteinb/b3get), NFDI4BIOIMAGE/training's BBBC entries, "
            "and the pages/docs/code search corpora. Cost: a release using it states unknown terms for it"
        ),
        "download": f"{INFO} (download: Stained_Montages.zip)",
        "organism": INFO,
        "cell_type": INFO,
        "microscopy": f"{INFO} (microscopy fluorescence, brightfield, darkfield)",
    },
    download=Download(
        route="https",
        files=[DownloadFile(url="https://data.broadinstitute.org/bbbc/BBBC045/Stained_Montages.zip",
                            path="Stained_Montages.zip")],
        instructions="unknown: size and checksum are not published where reachable here",
        evidence=INFO,
    ),
)
