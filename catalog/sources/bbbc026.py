"""BBBC026: co-culture of human hepatocytes and murine fibroblasts, Hoechst-stained nuclei.

Native layout: one 8-bit PNG per field, `<plate>_<well>_s<site>_w1<GUID>.png`
(e.g. `ADSASS092408-GHAD2-D6-20x_A01_s1_w1D751105E-2D33-485F-9FF9-061C4CB2F27A.png`): 96 wells, 9 sites each.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry

ORIGINAL = "stan-hua/CytoImageNet"
META = f"{ORIGINAL} annotations/bbbc026_metadata.csv (commit aec7751)"

ENTRY = SourceEntry(
    id="bbbc026",
    database="Broad Bioimage Benchmark Collection",
    name="Human Hepatocyte and Murine Fibroblast cells - Co-culture experiment",
    dir_name="bbbc026",
    homepage="https://bbbc.broadinstitute.org/BBBC026",
    licence="CC-BY-3.0",
    citation=(
        "Logan DJ, Shan J, Bhatia SN, Carpenter AE. Quantifying co-cultured cell phenotypes in "
        "high-throughput using pixel-based classification. Methods 96:6-11 (2016); " + layouts.BBBC_CITATION
    ),
    modality="fluorescence",
    channels=["Hoechst"],
    organism="human|mouse",
    cell_type="hepatocyte|fibroblast",
    adapter="read",
    layout="<plate>_<well>_s<site>_w1<GUID>.png, one channel per field (any folder)",
    note="Both cell types share every field, so both organisms label every image. The sites of a well share a split group.",
    evidence={
        "layout": f"{META} (864 files <plate>_<well>_s<site>_w1<GUID>.png directly under the source folder)",
        "channels": f"{ORIGINAL} datasets_info.csv (bbbc_coculture: channels f_nucleus, format png)",
        "labels": f"{META} (organism human|mouse, cell_type hepatocyte|fibroblast, cell_component nucleus)",
        "licence": "NFDI4BIOIMAGE/training _sources/authors/anne_e._carpenter.md (BBBC026: Licensed CC-BY-3.0)",
        "download": f"{ORIGINAL} datasets_info.csv (download: BBBC026_v1_images.zip)",
        "organism": META,
        "cell_type": META,
        "microscopy": f"{ORIGINAL} datasets_info.csv (microscopy 'fluorescence (?)'; a Hoechst stain)",
    },
    download=Download(
        route="https",
        files=[DownloadFile(url="https://data.broadinstitute.org/bbbc/BBBC026/BBBC026_v1_images.zip",
                            path="BBBC026_v1_images.zip")],
        instructions=(
            "unknown: size, checksum, and whether the zip holds a top folder (the adapter finds the PNGs at any depth)"
        ),
        evidence=f"{ORIGINAL} datasets_info.csv",
    ),
)

# the channel-and-GUID tail is optional: a copy renamed to <plate>_<well>_s<site>.png still reads
PATTERN = r"(?:[^/]+/)*(?P<image>(?P<plate>[^/]+)_(?P<well>[A-Pa-p]\d{2})_s(?P<site>\d+)(?:_w1[^/]*)?)\.(?i:png)"


def read(folder: Path) -> pd.DataFrame:
    files = layouts.scan(folder, PATTERN)
    layouts.require_files(files, folder, PATTERN, "<plate>_<well>_s<site>_w1<GUID>.png images")
    files["well"] = layouts.norm_well(files["well"])
    files["site"] = "s" + files["site"]
    samples = layouts.file_samples(files, "Hoechst", "fluorescence")
    samples["cell_visible"] = "nucleus"
    return layouts.finish(samples, ["plate", "well", "site"], ["plate", "well"])
