"""IDR idr0081: Adenovirus full-cycle drug screen (Georgi et al.).

Native layout: screen{A,B,D}/idr0081-screenX-annotation.csv + -plates.tsv (path to each plate's MetaXpress .HTD,
name); plate folders below 20200324-owncloud/ of <plate>_<well>_w<1|2>.tif.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import idr
from cytoimagenet.catalog.source import Download, SourceEntry

REPO = "IDR/idr0081-georgi-adenovirus"
STUDY = "idr0081-georgi-adenovirus"

ENTRY = SourceEntry(
    id="idr0081",
    database="Image Data Resource",
    name="Adenovirus full-cycle drug screen (Georgi et al.)",
    dir_name="idr0081",
    homepage=f"https://github.com/{REPO}",
    licence="CC-BY-4.0",
    citation=(
        "Georgi F, Kuttler F, Murer L, et al. A high-content image-based drug screen of clinical compounds "
        "against cell transmission of adenovirus. Sci Data 7:265 (2020)"
    ),
    modality="fluorescence",
    channels=["Hoechst", "GFP"],
    organism="human",
    cell_type="a549",
    adapter="read",
    layout="screenX/*-annotation.csv + *-plates.tsv (.HTD path, name); MetaXpress <plate>_<well>_w<1|2>.tif",
    note=(
        "Reads the UZH ImageXpress screens A, B and D, as the original did (it read <plate>_<well>_w<1|2> files "
        "only); screens C and E are the same plates imaged at EPFL on an IN Cell Analyzer (.xdce) and are left "
        "out, so a plate is never counted twice."
    ),
    evidence={
        "layout": f"{REPO} screenA/idr0081-screenA-plates.tsv, screenA/idr0081-screenA-bulk.yml + bulk.yml "
                  "(columns path, name); stan-hua/CytoImageNet scripts/data_processing/preprocessor.py (idr0081 "
                  "file names <stem>w<1|2>.tif)",
        "channels": f"{REPO} idr0081.yml (channel 1 DAPI, 2 FITC); screenA/idr0081-screenA-annotation.csv "
                    "Channels 'Hoechst:nuclei; GFP:infection'",
        "labels": f"{REPO} screenA/idr0081-screenA-annotation.csv (Characteristics [Organism 1], Characteristics "
                  "[Cell Line], Compound Name, Channels); stan-hua/CytoImageNet annotations/datasets_info.csv "
                  "(compound names as labels)",
        "licence": f"{REPO} idr0081-study.txt (Study License CC BY 4.0)",
        "download": "https://raw.githubusercontent.com/will-moore/idr.openmicroscopy.org/refs/heads/update_download_urls/"
                    "_data/download_urls.tsv (uod/idr/filesets -> https://ftp.ebi.ac.uk/pub/databases/IDR)",
        "organism": f"{REPO} screenA/idr0081-screenA-annotation.csv Characteristics [Organism 1] Homo sapiens",
        "cell_type": f"{REPO} screenA/idr0081-screenA-annotation.csv Characteristics [Cell Line] A549",
        "microscopy": f"{REPO} idr0081-study.txt (fluorescence microscopy)",
    },
    download=Download(
        route="idr",
        tree=f"https://ftp.ebi.ac.uk/pub/databases/IDR/{STUDY}/",
        files=[
            *(
                {"url": f"https://raw.githubusercontent.com/{REPO}/HEAD/screen{s}/idr0081-screen{s}-{f}",
                 "path": f"screen{s}/idr0081-screen{s}-{f}"}
                for s in "ABD" for f in ("annotation.csv", "plates.tsv", "bulk.yml")
            ),
            {"url": f"https://raw.githubusercontent.com/{REPO}/HEAD/bulk.yml", "path": "bulk.yml"},
        ],
        total_bytes=239_300_000_000,
        instructions=("the whole study tree is mirrored (about 0.24 TB, the sum of idr0081-study.txt's Total Tb); "
                      "its EPFL screens C and E (Data_EPFL/) come with it but are not read"),
        evidence="https://raw.githubusercontent.com/will-moore/idr.openmicroscopy.org/refs/heads/update_download_urls/"
                 f"_data/download_urls.tsv; {REPO} screenA/idr0081-screenA-plates.tsv; {REPO} idr0081-study.txt (Screen Size)",
    ),
)

CHANNELS = {"1": "Hoechst", "2": "GFP"}
LABELS = {
    "organism": ["Characteristics [Organism 1]", "Characteristics [Organism]"],
    "cell_type": ["Characteristics [Cell Line]"],
    "compound": ["Compound Name"],
}


def read(folder: Path) -> pd.DataFrame:
    return idr.idr_screen_records(folder, naming="imagexpress", channels=CHANNELS, labels=LABELS,
                                  visible="Channels", screens=("screenA", "screenB", "screenD"))
