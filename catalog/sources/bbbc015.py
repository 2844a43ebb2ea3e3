"""BBBC015: U2OS Transfluor assay (beta-arrestin-GFP translocation on beta2-adrenergic receptor stimulation).

Native layout: `BBBC015_v1_images/<well-number>_<field>_<channel>.JPG`: wells 49-84 of a 96-well plate (three
replica rows, twelve isoproterenol concentrations), four fields a well, channel 0 and 1 as separate JPEGs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry

ORIGINAL = "stan-hua/CytoImageNet"
BASE = "https://data.broadinstitute.org/bbbc/BBBC015/"

ENTRY = SourceEntry(
    id="bbbc015",
    database="Broad Bioimage Benchmark Collection",
    name="Human U2OS cells transfluor",
    dir_name="bbbc015",
    homepage="https://bbbc.broadinstitute.org/BBBC015",
    licence="unknown",
    citation=layouts.BBBC_CITATION,
    modality="fluorescence",
    channels=["nuclei", "arrestin-GFP"],
    organism="human",
    cell_type="u2os",
    adapter="read",
    layout="BBBC015_v1_images/<well-number>_<field>_<0|1>.JPG (JPEG per field and channel)",
    note=(
        "Both channels of a field merge into one sample, labelled nucleus|cell membrane as the original "
        "labelled every file. The original assigned no compound labels; the isoproterenol concentration per "
        "well is not read. Which of channel 0 and 1 is the green (arrestin-GFP) image comes from the "
        "original's note that the second channel is the GFP-stained arrestin; it changes channel names only, "
        "never the merged image."
    ),
    evidence={
        "layout": (
            "https://bbbc.broadinstitute.org/BBBC015 as quoted by public BBBC readers ('File name structure: "
            "<well-number>_<field>_<channel>.JPG', JPEG, one image for the green and one for the crimson "
            f"channel, 1000 x 768); {ORIGINAL} annotations/bbbc015_metadata.csv at aec7751 (288 files "
            "'NN_F_C.JPG' in BBBC015_v1_images, wells 49-84, fields 1-4, channels 0-1)"
        ),
        "channels": (
            f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (channels f_nucleus|f_cell membrane; notes "
            "'2nd channel is GFP-stained arrestin')"
        ),
        "labels": f"{ORIGINAL} annotations/bbbc015_metadata.csv at aec7751 (human, U-2 OS, nucleus|cell membrane)",
        "licence": (
            "unknown: the BBBC015 page is not reachable with the project's tools and no public copy of its "
            "licence line was found. Searched: GitHub file search (exact strings 'BBBC015', 'BBBC015 (', 'We used "
            "image set BBBC0', 'neighboring rights to BBBC'), BBBC loader libraries "
            "(mario-koddenbrock/bbbc_datasets, psteinb/b3get: no licence fields), NFDI4BIOIMAGE/training's BBBC "
            "entries, piximi/documentation (which gives CC BY 3.0 for BBBC016, a different transfluor set, not "
            "carried over), and the pages/docs/code search corpora. A release that uses bbbc015 states its terms "
            "as unknown"
        ),
        "download": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (download: BBBC015_v1_images.zip)",
        "organism": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (organism human)",
        "cell_type": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (cell_type u2os)",
        "microscopy": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (microscopy fluorescence)",
    },
    download=Download(
        route="https",
        files=[DownloadFile(url=BASE + "BBBC015_v1_images.zip", path="BBBC015_v1_images.zip")],
        instructions="unknown: no size or checksum reachable for the zip",
        evidence=(
            f"{ORIGINAL} annotations/datasets_info.csv at aec7751; {ORIGINAL} annotations/bbbc015_metadata.csv "
            "at aec7751 (the zip unpacked to BBBC015_v1_images/)"
        ),
    ),
)

PATTERN = r"(?:[^/]+/)*(?P<well>\d+)_(?P<field>\d+)_(?P<channel>[01])\.(?i:jpe?g)"


def read(folder: Path) -> pd.DataFrame:
    files = layouts.scan(folder, PATTERN)
    layouts.require_files(files, folder, PATTERN, "<well>_<field>_<channel>.JPG images")
    files["well"] = "w" + files["well"].astype(int).astype(str)
    files["field"] = "f" + files["field"]
    samples = layouts.pivot_channels(files, ["well", "field"], {"0": "nuclei", "1": "arrestin-GFP"})
    samples["cell_visible"] = "nucleus|cell membrane"
    return layouts.finish(samples, ["well", "field"], ["well"])
