"""BBBC005: synthetic (SIMCEP) images of fluorescent cells at known counts and focus blur.

Native layout: `BBBC005_v1_images/SIMCEPImages_<well>_C<count>_F<blur>_s<sample>_w<stain>.TIF`, 8-bit;
w1 is the cell-body stain, w2 the nuclei stain of the same simulated field. F1 marks the in-focus images.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry

ORIGINAL = "stan-hua/CytoImageNet"
PAGE = "https://data.broadinstitute.org/bbbc/BBBC005/"
BASE = "https://data.broadinstitute.org/bbbc/BBBC005/"

ENTRY = SourceEntry(
    id="bbbc005",
    database="Broad Bioimage Benchmark Collection",
    name="Synthetic cells",
    dir_name="bbbc005",
    homepage="https://bbbc.broadinstitute.org/BBBC005",
    licence="CC0-1.0",
    citation=(
        "Lehmussola A, Ruusuvuori P, Selinummi J, Huttunen H, Yli-Harja O. Computational framework for "
        "simulating fluorescence microscope images with cell populations. IEEE Trans Med Imaging "
        "26(7):1010-1016 (2007); " + layouts.BBBC_CITATION
    ),
    modality="fluorescence",
    channels=["cell body", "nuclei"],
    organism="human",
    cell_type="u2os",
    adapter="read",
    layout="BBBC005_v1_images/SIMCEPImages_<well>_C<count>_F1_s<sample>_w<1|2>.TIF (in-focus F1 images only)",
    note=(
        "Simulated images; organism and cell type are the original CytoImageNet's (the simulation matched "
        "BBBC006's U2OS nuclei and cells). Only the in-focus F1 images are read, as the original listed only "
        "F1 files; the blurred copies (F2-F48) of a field add no new cells. The original read those F1 names "
        "from the ground-truth folders, i.e. the segmentation masks; this adapter reads the images."
    ),
    evidence={
        "layout": (
            f"{PAGE} (file name SIMCEPImages_<well>_C<cells>_F<blur>_s<sample>_w<stain>.TIF, 8-bit TIF, "
            f"19,200 files); {ORIGINAL} annotations/bbbc005_metadata.csv at aec7751 (2,400 rows, F1 files only)"
        ),
        "channels": (
            f"{PAGE} ('1 = cell body stain, 2 = nuclei stain'); {ORIGINAL} annotations/bbbc005_metadata.csv "
            "at aec7751 (w1 rows cell body, w2 rows nucleus)"
        ),
        "labels": f"{ORIGINAL} annotations/bbbc005_metadata.csv at aec7751 (human, u2os, cell body / nucleus)",
        "licence": (
            "public BBBC005 notes state the data are released under CC0 (GitHub code search: 'BBBC005 ... "
            "CC0 (Public Domain)'); "
            "the BBBC005 page itself was not reachable with the project's tools, and the repositories "
            "are not resolvable with its search tools"
        ),
        "download": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (download: BBBC005_v1_images.zip)",
        "organism": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (organism human)",
        "cell_type": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (cell_type u2os)",
        "microscopy": f"{PAGE} (simulated fluorescent cell populations)",
    },
    download=Download(
        route="https",
        files=[DownloadFile(url=BASE + "BBBC005_v1_images.zip", path="BBBC005_v1_images.zip")],
        instructions=(
            "unknown: no size or checksum reachable (the page states 1.8 GB); the ground-truth zip holds masks, "
            "not images, and is not needed"
        ),
        evidence=f"{ORIGINAL} annotations/datasets_info.csv at aec7751; {PAGE} (1.8 GB)",
    ),
)

PATTERN = (
    r"BBBC005_v1_images/(?:[^/]+/)*SIMCEPImages_(?P<well>[A-Pa-p]\d{2})_C(?P<count>\d+)_F(?P<blur>\d+)"
    r"_s(?P<sample>\d+)_w(?P<channel>[12])\.(?i:tif)"
)
CHANNELS = {"1": "cell body", "2": "nuclei"}


def read(folder: Path) -> pd.DataFrame:
    files = layouts.scan(folder, PATTERN)
    files = files[files["blur"].astype(int) == 1]
    layouts.require_files(files, folder, PATTERN, "in-focus (F1) SIMCEP images")
    files["well"] = layouts.norm_well(files["well"])
    files["count"] = "C" + files["count"]
    files["sample"] = "s" + files["sample"]
    samples = layouts.pivot_channels(files, ["well", "count", "sample"], CHANNELS)
    samples["cell_visible"] = "cell body|nucleus"
    return layouts.finish(samples, ["well", "count", "sample"], ["well", "count", "sample"])
