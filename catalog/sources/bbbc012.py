"""BBBC012: C. elegans infection marker (clec-60 GFP in the intestine, mCherry in the pharynx, brightfield).

Native layout: one TIFF per well and channel, `<date>OranePlt<n>_<well>_w<1|2|3>_[<GUID>].tif`; w1 brightfield,
w2 GFP (the clec-60 infection marker, intestine), w3 mCherry (pharynx).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry

ORIGINAL = "stan-hua/CytoImageNet"
WORMSEG = "Arierrot/WormSegmentation"
BASE = "https://data.broadinstitute.org/bbbc/BBBC012/"

ENTRY = SourceEntry(
    id="bbbc012",
    database="Broad Bioimage Benchmark Collection",
    name="C. elegans infection marker",
    dir_name="bbbc012",
    homepage="https://bbbc.broadinstitute.org/BBBC012",
    licence="CC0-1.0",
    citation=layouts.BBBC_CITATION,
    modality="fluorescence|brightfield",
    channels=["brightfield", "GFP", "mCherry"],
    organism="nematode",
    adapter="read",
    layout="<plate>_<well>_w<1|2|3>_[<GUID>].tif (w1 brightfield, w2 GFP, w3 mCherry)",
    note=(
        "Brightfield (w1) is a sample of its own; the two fluorescence channels merge, labelled "
        "intestine|pharynx as the original labelled them. The original's wildtype / infected phenotypes are "
        "not assigned: which well holds which is unknown."
    ),
    evidence={
        "layout": (
            f"{WORMSEG} dataset/ (BBBC012 files 101210OranePlt2_<well>_w<1|2|3>_[<GUID>].tif) and README.md "
            "(images from BBBC012v1)"
        ),
        "channels": f"{WORMSEG} README.md (w1 brightfield, w2 GFP clec-60, w3 mCherry pharynx)",
        "labels": (
            f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (cell_component intestine|pharynx; phenotype "
            "wildtype 72 / infected 48); unknown: the per-image phenotype, since the original's "
            "annotations/bbbc012_metadata.csv is a Git LFS object missing from the mirror; costs the phenotype "
            "labels of this source"
        ),
        "licence": (
            "CC0, as restated by the Broad's Piximi documentation: piximi/documentation "
            "piximi-documentation/pages/technical/example-datasets.md ('The *C. elegans* data were provided by "
            "Javier Irazoqui as BBBC012 in the Broad Bioimage Benchmark Collection ... *C. elegans* license: CC0 "
            "(https://creativecommons.org/publicdomain/zero/1.0/)'); the BBBC012 page itself was not reachable "
            "with the project's tools"
        ),
        "download": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (download: BBBC012_v1_images.zip)",
        "organism": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (organism nematode)",
        "cell_type": "unknown: no cell type applies to whole worms; the original assigned none",
        "microscopy": (
            f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (microscopy brightfield and fluorescence); "
            f"{WORMSEG} README.md"
        ),
    },
    download=Download(
        route="https",
        files=[DownloadFile(url=BASE + "BBBC012_v1_images.zip", path="BBBC012_v1_images.zip")],
        instructions=(
            "unknown: no size or checksum reachable for the zip, nor the name of the folder it unpacks to "
            "(the adapter finds the files at any depth)"
        ),
        evidence=f"{ORIGINAL} annotations/datasets_info.csv at aec7751",
    ),
)

PATTERN = r"(?:[^/]+/)*(?P<plate>[^/_]+)_(?P<well>[A-Pa-p]\d{2})_w(?P<channel>[123])_[^/]*\.(?i:tif)"
CHANNELS = {"1": "brightfield", "2": "GFP", "3": "mCherry"}


def read(folder: Path) -> pd.DataFrame:
    files = layouts.scan(folder, PATTERN)
    layouts.require_files(files, folder, PATTERN, "<plate>_<well>_w<n>_[GUID].tif images")
    files["well"] = layouts.norm_well(files["well"])
    samples = layouts.pivot_channels(files, ["plate", "well"], CHANNELS, brightfield=["1"])
    samples["cell_visible"] = samples["microscopy"].map({"fluorescence": "intestine|pharynx"})
    return layouts.finish(samples, ["plate", "well"], ["plate", "well"])
