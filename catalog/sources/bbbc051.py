"""BBBC051: human kidney cortex cells, 3D nuclear (DAPI) stain, cell types by folder.

Native layout: one folder per cell type, `<cell type>/All_3D/object_<id>_<x>__<y>__<z>_<n>.tif`, each file a
32x32 volume of 7 z-planes of one nucleus; `groundtruthlabels.txt` beside them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry, warn

ORIGINAL = "stan-hua/CytoImageNet"
META = f"{ORIGINAL} annotations/bbbc051_metadata.csv (commit aec7751)"

ENTRY = SourceEntry(
    id="bbbc051",
    database="Broad Bioimage Benchmark Collection",
    name="Human kidney cortex cells",
    dir_name="bbbc051",
    homepage="https://bbbc.broadinstitute.org/BBBC051",
    licence="unknown",
    citation=(
        "Woloshuk A, Khochare S, Almulhim AF, et al. In situ classification of cell types in human kidney "
        "tissue using 3D nuclear staining. Cytometry A 99(7):707-721 (2021); " + layouts.BBBC_CITATION
    ),
    modality="fluorescence",
    channels=["stack"],
    organism="human",
    cell_type=None,
    adapter="read",
    layout="<cell type>/All_3D/object_*.tif (7-plane 32x32 nucleus volumes)",
    note=(
        "The cell type is the folder, named as the original named it (CD31glom and CD31int endothelial, "
        "CD45.* white blood cell, Nestin podocyte ...); a folder outside that map is a recorded warning. Each "
        "file is one z-stack, listed as 'stack' so the builder merges its planes; the original read the file "
        "with PIL (its first plane): unknown which plane a faithful rebuild should keep."
    ),
    evidence={
        "layout": f"{META} (path /ferrero/stan_data/bbbc051/<folder>/All_3D, filename object_*_<n>.tif)",
        "channels": f"{ORIGINAL} datasets_info.csv (bbbc_kidney: channels f_nucleus; notes: 3D images, 7 z-slices)",
        "labels": f"{META} (cell_type per folder, cell_component nucleus)",
        "licence": (
            "unknown: the BBBC051 page is not reachable here and no public copy of its licence line was found "
            "(catalogued before as CC BY 3.0 without a source). MedMNIST/MedMNIST README.md releases TissueMNIST, "
            "which is derived from BBBC051, under 'Creative Commons Attribution 4.0 International (CC BY 4.0)': "
            "that is MedMNIST's licence for its derivative, not a statement of BBBC051's own terms, so it is not "
            "taken. Searched: GitHub file search (exact strings 'BBBC051', 'We used image set BBBC0', "
            "'neighboring rights to BBBC'), BBBC loader libraries, NFDI4BIOIMAGE/training's BBBC entries, and the "
            "pages/docs/code search corpora. Cost: a release using it states unknown terms for it"
        ),
        "download": f"{ORIGINAL} datasets_info.csv (Images.zip, groundtruthlabels.txt)",
        "organism": META,
        "cell_type": META,
        "microscopy": f"{ORIGINAL} datasets_info.csv (microscopy confocal; a fluorescence stain)",
    },
    download=Download(
        route="https",
        files=[
            DownloadFile(url="https://data.broadinstitute.org/bbbc/BBBC051/Images.zip", path="Images.zip"),
            DownloadFile(url="https://data.broadinstitute.org/bbbc/BBBC051/groundtruthlabels.txt",
                         path="groundtruthlabels.txt"),
        ],
        instructions=(
            "unknown: whether Images.zip holds the cell-type folders at its top or under Images/; the adapter "
            "finds <cell type>/All_3D/ at any depth"
        ),
        evidence=f"{ORIGINAL} datasets_info.csv (bbbc_kidney download)",
    ),
)

# folder -> cell type, as the original's metadata named them
CELL_TYPES = {
    "CD31glom": "endothelial",
    "CD31int": "endothelial",
    "CD45": "white blood cell",
    "CD45.0": "white blood cell",
    "CD45.1": "white blood cell",
    "CD45.2": "white blood cell",
    "CD_CNT": "collecting duct",
    "DCT": "distal convoluted tubule",
    "Nestin": "podocyte",
    "S1S2": "proximal tubule segments",
    "S2S3": "proximal tubule segments",
    "TAL": "thick ascending limb",
}
PATTERN = r"(?:[^/]+/)*(?P<kind>[^/]+)/All_3D/(?P<object>object_[^/]+)\.(?i:tiff?)"


def read(folder: Path) -> pd.DataFrame:
    files = layouts.scan(folder, PATTERN)
    layouts.require_files(files, folder, PATTERN, "<cell type>/All_3D/object_*.tif volumes")
    samples = layouts.file_samples(files, "stack", "fluorescence")
    samples["cell_type"] = samples["kind"].map(CELL_TYPES)
    samples["cell_visible"] = "nucleus"
    out = layouts.finish(samples, ["kind", "object"], ["kind", "object"])
    unknown = sorted(set(out.loc[out["cell_type"].isna(), "kind"]))
    if unknown:
        warn(out, f"{folder}: cell-type folder(s) {unknown} are not in bbbc051.CELL_TYPES; no cell_type label for them")
    return out
