"""IDR idr0093: Genome-wide siRNA screen of cell size and RNA production (Müller et al.).

Native layout: screenA/idr0093-screenA-annotation.csv + -plates.tsv (path to each plate's .wpi, name);
plate folders below 20200910-rsync/ and 20200901-rsync/ of CellVoyager <plate>_<well>_T0001F..C<ch>.tif.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import idr
from cytoimagenet.catalog.source import Download, SourceEntry

REPO = "IDR/idr0093-mueller-perturbation"
STUDY = "idr0093-mueller-perturbation"
DOWNLOAD_URLS = ("https://raw.githubusercontent.com/will-moore/idr.openmicroscopy.org/refs/heads/"
                 "update_download_urls/_data/download_urls.tsv (uod/idr/filesets -> https://ftp.ebi.ac.uk/pub/databases/IDR)")

ENTRY = SourceEntry(
    id="idr0093",
    database="Image Data Resource",
    name="Genome-wide siRNA screen of cell size and RNA production (Müller et al.)",
    dir_name="idr0093",
    homepage=f"https://github.com/{REPO}",
    licence="CC-BY-4.0",
    citation=(
        "Müller M, Pelkmans L, Berry S. High content genome-wide siRNA screen to investigate the coordination"
        " of cell size and RNA production. IDR, doi:10.17867/10000157"
    ),
    modality="fluorescence",
    channels=["DAPI", "PCNA", "EU", "SE"],
    organism="human",
    cell_type="hela",
    adapter="read",
    layout="screenA/*-annotation.csv + *-plates.tsv (.wpi path, name); CellVoyager <plate>_<well>_T0001F..C<ch>.tif",
    note=(
        "C01-C04 are DAPI (DNA), Alexa568 (PCNA), EU-Alexa488 (nascent RNA), Alexa647 (succinimidyl ester). "
        "unknown: the study says 5 channels per site but names 4 stains; a C05 file is not merged, which costs "
        "nothing unless C05 is a fifth stain. The annotation is distributed gzipped and read as it is. "
        "The study has no journal publication in its study file (Study PubMed ID empty); the data DOI is cited. "
        "A well's siRNA label joins its pooled siRNA Pool Identifier 1..3."
    ),
    evidence={
        "layout": f"{REPO} screenA/idr0093-screenA-plates.tsv and screenA/idr0093-screenA-bulk.yml (columns: path, "
                  f"name); {REPO} idr0093-study.txt (Yokogawa CV7000, 9 sites per well)",
        "channels": f"{REPO} screenA/rendering_settings.yml (1 DAPI (DNA), 2 Alexa568 (PCNA), 3 EU-Alexa488 (Nascent "
                    f"RNA), 4 Alexa647 (Succinimidyl ester)); {REPO} idr0093-study.txt (Raw Image Organization)",
        "labels": f"{REPO} screenA/idr0093-screenA-bulkmap-config.yml (Gene Symbol, siRNA Pool Identifier 1, "
                  "Characteristics [Cell Line], Channels); stan-hua/CytoImageNet annotations/datasets_info.csv "
                  "(siRNA ids such as s10427 as labels)",
        "licence": f"{REPO} idr0093-study.txt (Study License CC BY 4.0)",
        "download": DOWNLOAD_URLS,
        "organism": "stan-hua/CytoImageNet annotations/datasets_info.csv (human)",
        "cell_type": "stan-hua/CytoImageNet annotations/datasets_info.csv (hela)",
        "microscopy": f"{REPO} idr0093-study.txt (spinning disk confocal microscopy)",
    },
    download=Download(
        route="idr",
        tree=f"https://ftp.ebi.ac.uk/pub/databases/IDR/{STUDY}/",
        files=[
            {"url": f"https://raw.githubusercontent.com/{REPO}/HEAD/screenA/idr0093-screenA-annotation.csv.gz",
             "path": "screenA/idr0093-screenA-annotation.csv.gz", "unpack": False},
            {"url": f"https://raw.githubusercontent.com/{REPO}/HEAD/screenA/idr0093-screenA-plates.tsv",
             "path": "screenA/idr0093-screenA-plates.tsv"},
            {"url": f"https://raw.githubusercontent.com/{REPO}/HEAD/screenA/idr0093-screenA-bulk.yml",
             "path": "screenA/idr0093-screenA-bulk.yml"},
        ],
        instructions="the whole study tree is mirrored; unknown: its size (idr0093-study.txt leaves Total Tb empty)",
        evidence=f"{DOWNLOAD_URLS}; {REPO} screenA/idr0093-screenA-plates.tsv",
    ),
)

CHANNELS = {"01": "DAPI", "02": "PCNA", "03": "EU", "04": "SE"}
LABELS = {
    "organism": ["Characteristics [Organism]"],
    "cell_type": ["Characteristics [Cell Line]"],
    "gene": ["Gene Symbol"],
    "sirna": ["siRNA Pool Identifier 1", "siRNA Pool Identifier"],
}


def read(folder: Path) -> pd.DataFrame:
    return idr.idr_screen_records(folder, naming="cellvoyager", channels=CHANNELS, labels=LABELS, visible="Channels")
