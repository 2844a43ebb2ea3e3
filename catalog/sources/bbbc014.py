"""BBBC014: NF-kB cytoplasm-to-nucleus translocation in MCF7 and A549 cells under TNF-alpha.

Native layout: `BBBC014_v1_images/Channel <1|2>-<index>-<row>-<col>-00.Bmp`, 8-bit BMP, one field per well
of a 96-well plate; Channel 1 is the NF-kB (FITC) reporter, Channel 2 the DAPI nuclear counterstain. Rows
A-D hold MCF7 cells, rows E-H A549 cells.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry

ORIGINAL = "stan-hua/CytoImageNet"
KENSERT = "pharmbio/kensert_CNN generate_dataset_bbbc014.py"
BASE = "https://data.broadinstitute.org/bbbc/BBBC014/"

ENTRY = SourceEntry(
    id="bbbc014",
    database="Broad Bioimage Benchmark Collection",
    name="Human U2OS cells cytoplasm-nucleus translocation (2)",
    dir_name="bbbc014",
    homepage="https://bbbc.broadinstitute.org/BBBC014",
    licence="CC-BY-3.0",
    citation=layouts.BBBC_CITATION,
    modality="fluorescence",
    channels=["DAPI"],
    organism="human",
    cell_type="mcf-7|a549",
    adapter="read",
    layout="BBBC014_v1_images/Channel 2-<index>-<row>-<col>-00.Bmp (DAPI; the Channel 1 NF-kB reporter is not read)",
    note=(
        "Name as in the original CytoImageNet (the cells are MCF7 and A549, not U2OS). Only the DAPI channel "
        "is read: the original excluded the NF-kB channel, whose nuclear or cytoplasmic signal depends on the "
        "TNF-alpha dose. The original labelled every image mcf7|a549; here each well gets the cell line of its "
        "plate half."
    ),
    evidence={
        "layout": (
            f"{ORIGINAL} annotations/bbbc014_metadata.csv at aec7751 (192 files 'Channel <1|2>-NN-R-CC-00.Bmp' "
            f"in BBBC014_v1_images); {KENSERT} (reads BBBC014_v1_images/*.Bmp, 96 wells x 2 channels)"
        ),
        "channels": (
            f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (channels f_nucleus; notes 'Excluded channel of "
            "transcription factor NFKB'); public BBBC014 readers name Channel 2 the nuclei/DAPI and Channel 1 "
            "NF-kB/FITC (GitHub code search: 'Channel 1 = FITC (NF-kB reporter), Channel 2 = DAPI'; "
            "the repository is not resolvable with the project's search tools)"
        ),
        "labels": f"{ORIGINAL} annotations/bbbc014_metadata.csv at aec7751 (human, mcf7|a549, nucleus)",
        "licence": (
            "CC BY 3.0 as restated by public BBBC014 readers (GitHub code search: 'BBBC014v1 (CC BY 3.0)'); "
            "the BBBC014 page itself was not reachable with the project's tools"
        ),
        "download": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (download: BBBC014_v1_images.zip)",
        "organism": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (organism human)",
        "cell_type": (
            f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (cell_type mcf7|a549); {KENSERT} (wells 1-48 "
            "and 49-96 normalised as two cell lines); rows A-D MCF7, E-H A549 as stated by a public BBBC014 "
            "reader (GitHub code search: 'rows A-D MCF7, rows E-H A549')"
        ),
        "microscopy": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (microscopy fluorescence)",
    },
    download=Download(
        route="https",
        files=[DownloadFile(url=BASE + "BBBC014_v1_images.zip", path="BBBC014_v1_images.zip")],
        instructions="unknown: no size or checksum reachable for the zip",
        evidence=(
            f"{ORIGINAL} annotations/datasets_info.csv at aec7751; {ORIGINAL} annotations/bbbc014_metadata.csv "
            "at aec7751 (the zip unpacked to BBBC014_v1_images/)"
        ),
    ),
)

PATTERN = (
    r"(?:[^/]+/)*Channel (?P<channel>[12])-(?P<index>\d+)-(?P<row>[A-Ha-h])-(?P<col>\d+)-(?P<field>\d+)\.(?i:bmp)"
)
CELL_LINES = {**dict.fromkeys("ABCD", "mcf-7"), **dict.fromkeys("EFGH", "a549")}


def read(folder: Path) -> pd.DataFrame:
    files = layouts.scan(folder, PATTERN)
    layouts.require_files(files, folder, PATTERN, "'Channel <1|2>-NN-R-CC-00.Bmp' images")
    files["row"] = files["row"].str.upper()
    files["well"] = layouts.norm_well(files["row"] + files["col"])
    files["field"] = "f" + files["field"]
    samples = layouts.pivot_channels(files, ["well", "field"], {"2": "DAPI"})
    samples["cell_type"] = samples["well"].str[0].map(CELL_LINES)
    samples["cell_visible"] = "nucleus"
    return layouts.finish(samples, ["well", "field"], ["well"])
