"""BBBC013: U2OS cytoplasm-to-nucleus translocation of FKHR-EGFP under PI3K inhibitors.

Native layout: `BBBC013_v1_images_bmp/Channel<1|2>-<index>-<row>-<col>.BMP`, 8-bit BMP, one field per well of
a 96-well plate; Channel 1 is the FKHR-GFP reporter, Channel 2 the DNA stain.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry

ORIGINAL = "stan-hua/CytoImageNet"
BASE = "https://data.broadinstitute.org/bbbc/BBBC013/"

ENTRY = SourceEntry(
    id="bbbc013",
    database="Broad Bioimage Benchmark Collection",
    name="Human U2OS cells cytoplasm-nucleus translocation",
    dir_name="bbbc013",
    homepage="https://bbbc.broadinstitute.org/BBBC013",
    licence="CC-BY-3.0",
    citation=layouts.BBBC_CITATION,
    modality="fluorescence",
    channels=["DNA"],
    organism="human",
    cell_type="u2os",
    adapter="read",
    layout="BBBC013_v1_images_bmp/Channel2-<index>-<row>-<col>.BMP (DNA; the Channel1 FKHR-GFP reporter is not read)",
    note=(
        "Only the DNA channel is read: the original's notes exclude the FKHR-EGFP channel, whose nuclear or "
        "cytoplasmic signal depends on the inhibitor dose (its metadata still listed the Channel1 files under "
        "the nucleus label, which this adapter does not repeat). The original assigned no compound labels; "
        "the wortmannin / LY294002 plate map is not read."
    ),
    evidence={
        "layout": (
            f"{ORIGINAL} annotations/bbbc013_metadata.csv at aec7751 (192 files 'Channel<1|2>-NN-R-CC.BMP' in "
            "BBBC013_v1_images_bmp)"
        ),
        "channels": (
            "https://bbbc.broadinstitute.org/BBBC013 as quoted by public BBBC readers ('Channel 1 = FKHR-GFP; "
            f"Channel 2 = DNA', 8-bit BMP, 640 x 640); {ORIGINAL} annotations/datasets_info.csv at aec7751 "
            "(channels f_nucleus; notes 'Excluded channel (FKHR-EGFP)')"
        ),
        "labels": f"{ORIGINAL} annotations/bbbc013_metadata.csv at aec7751 (human, U-2 OS, nucleus)",
        "licence": (
            "CC BY 3.0 as restated by public BBBC013 readers (GitHub code search: 'BBBC013v1 (CC BY 3.0)'); "
            "the BBBC013 page itself was not reachable with the project's tools"
        ),
        "download": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (download: BBBC013_v1_images_bmp.zip)",
        "organism": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (organism human)",
        "cell_type": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (cell_type u2os)",
        "microscopy": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (microscopy fluorescence)",
    },
    download=Download(
        route="https",
        files=[DownloadFile(url=BASE + "BBBC013_v1_images_bmp.zip", path="BBBC013_v1_images_bmp.zip")],
        instructions="unknown: no size or checksum reachable for the zip",
        evidence=(
            f"{ORIGINAL} annotations/datasets_info.csv at aec7751; {ORIGINAL} annotations/bbbc013_metadata.csv "
            "at aec7751 (the zip unpacked to BBBC013_v1_images_bmp/)"
        ),
    ),
)

PATTERN = r"(?:[^/]+/)*Channel(?P<channel>[12])-(?P<index>\d+)-(?P<row>[A-Ha-h])-(?P<col>\d+)\.(?i:bmp)"


def read(folder: Path) -> pd.DataFrame:
    files = layouts.scan(folder, PATTERN)
    layouts.require_files(files, folder, PATTERN, "ChannelN-*.BMP images")
    files["well"] = layouts.norm_well(files["row"].str.upper() + files["col"])
    samples = layouts.pivot_channels(files, ["well"], {"2": "DNA"})
    samples["cell_visible"] = "nucleus"
    return layouts.finish(samples, ["well"], ["well"])
