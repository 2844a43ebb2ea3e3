"""IDR idr0088: Phenomic profiling of 1,008 small molecules (Cox et al.).

Native layout: screenA/idr0088-screenA-annotation.csv + -plates.tsv (one column: each plate's .wpi path);
plate folders below 20200722-awss3/ of CellVoyager <plate>_<well>_T0001F<field>L01A<acq>Z01C<ch>.tif.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import idr
from cytoimagenet.catalog.source import Download, SourceEntry

REPO = "IDR/idr0088-cox-phenomicprofiling"
STUDY = "idr0088-cox-phenomicprofiling"
DOWNLOAD_URLS = ("https://raw.githubusercontent.com/will-moore/idr.openmicroscopy.org/refs/heads/"
                 "update_download_urls/_data/download_urls.tsv (uod/idr/filesets -> https://ftp.ebi.ac.uk/pub/databases/IDR)")

ENTRY = SourceEntry(
    id="idr0088",
    database="Image Data Resource",
    name="Phenomic profiling of 1,008 small molecules (Cox et al.)",
    dir_name="idr0088",
    homepage=f"https://github.com/{REPO}",
    licence="CC-BY-NC-4.0",
    citation=(
        "Cox MJ, Jaensch S, Van de Waeter J, et al. Tales of 1,008 small molecules: phenomic profiling "
        "through live-cell imaging in a panel of reporter cell lines. Sci Rep 10:13262 (2020)"
    ),
    modality="fluorescence",
    channels=["BFP", "GFP", "RFP"],
    organism="human",
    cell_type=None,
    adapter="read",
    layout="screenA/*-annotation.csv + *-plates.tsv (.wpi paths); CellVoyager <plate>_<well>_T0001F..C<ch>.tif",
    note=(
        "Cell lines A549, HepG2, WPMY1 per well (Characteristics [Cell Line]); what the GFP and RFP channels show "
        "differs per reporter line and is read from the Channels column. The annotation is distributed zipped "
        "(idr0088-screenA-annotation.csv.zip) and read as it is."
    ),
    evidence={
        "layout": f"{REPO} screenA/idr0088-screenA-plates.tsv and screenA/idr0088-screenA-bulk.yml (columns: path); "
                  "stan-hua/CytoImageNet scripts/data_processing/preprocessor.py (idr0088: A0<n>/C0<n> names "
                  "under 20200722-awss3/ds_hcs_02/PhenoPrintScreen/raw_images_for_IDR/)",
        "channels": f"{REPO} scripts/set_channel_names.py (Ch1..Ch3 of the Channels column are channels 1..3); "
                    f"{REPO} idr0088-study.txt (BFP segmentation cassette, GFP- and RFP-tagged markers)",
        "labels": f"{REPO} screenA/idr0088-screenA-annotation.csv.zip (Characteristics [Cell Line], Compound Name, "
                  "Channels); stan-hua/CytoImageNet annotations/datasets_info.csv (compound names as labels)",
        "licence": f"{REPO} idr0088-study.txt (Study License CC BY-NC 4.0)",
        "download": DOWNLOAD_URLS,
        "organism": f"{REPO} screenA/idr0088-screenA-annotation.csv.zip Characteristics [Organism] Homo sapiens",
        "cell_type": f"{REPO} screenA/idr0088-screenA-annotation.csv.zip Characteristics [Cell Line]",
        "microscopy": f"{REPO} idr0088-study.txt (spinning disk confocal microscopy)",
    },
    download=Download(
        route="idr",
        tree=f"https://ftp.ebi.ac.uk/pub/databases/IDR/{STUDY}/",
        files=[
            {"url": f"https://raw.githubusercontent.com/{REPO}/HEAD/screenA/idr0088-screenA-annotation.csv.zip",
             "path": "screenA/idr0088-screenA-annotation.csv.zip", "unpack": False},
            {"url": f"https://raw.githubusercontent.com/{REPO}/HEAD/screenA/idr0088-screenA-plates.tsv",
             "path": "screenA/idr0088-screenA-plates.tsv"},
            {"url": f"https://raw.githubusercontent.com/{REPO}/HEAD/screenA/idr0088-screenA-bulk.yml",
             "path": "screenA/idr0088-screenA-bulk.yml"},
        ],
        total_bytes=5_400_000_000_000,
        instructions="the whole study tree is mirrored: about 5.4 TB (idr0088-study.txt Total Tb)",
        evidence=f"{DOWNLOAD_URLS}; {REPO} screenA/idr0088-screenA-plates.tsv; {REPO} idr0088-study.txt (Screen Size)",
    ),
)

CHANNELS = {"01": "BFP", "02": "GFP", "03": "RFP"}
LABELS = {
    "organism": ["Characteristics [Organism]"],
    "cell_type": ["Characteristics [Cell Line]"],
    "compound": ["Compound Name"],
}


def read(folder: Path) -> pd.DataFrame:
    return idr.idr_screen_records(folder, naming="cellvoyager", channels=CHANNELS, labels=LABELS, visible="Channels")
