"""IDR idr0009: Early secretory pathway siRNA screen (Simpson et al.).

Native layout: screen{A,B}/idr0009-screenX-annotation.csv + -plates.tsv (name, plate folder); Olympus ScanR
folders 20150507-VSVG/VSVG/<plate>/data/--W<well>--P<pos>--Z00000--T00000--<stain>.tif.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import idr
from cytoimagenet.catalog.source import Download, SourceEntry

REPO = "IDR/idr-metadata"
STUDY = "idr0009-simpson-secretion"
SCANR = "https://downloads.openmicroscopy.org/images/ScanR/idr0009/0307-10--2007-05-30/data/"
DOWNLOAD_URLS = ("https://raw.githubusercontent.com/will-moore/idr.openmicroscopy.org/refs/heads/"
                 "update_download_urls/_data/download_urls.tsv (uod/idr/filesets -> https://ftp.ebi.ac.uk/pub/databases/IDR)")

ENTRY = SourceEntry(
    id="idr0009",
    database="Image Data Resource",
    name="Early secretory pathway siRNA screen (Simpson et al.)",
    dir_name="idr0009",
    homepage=f"https://github.com/{REPO}/tree/master/{STUDY}",
    licence="CC-BY-4.0",
    citation=(
        "Simpson JC, Joggerst B, Laketa V, et al. Genome-wide RNAi screening identifies human proteins with a"
        " regulatory function in the early secretory pathway. Nat Cell Biol 14(7):764-774 (2012)"
    ),
    modality="fluorescence",
    channels=["DNA", "VSVG surface", "VSVG-CFP"],
    organism="human",
    cell_type="hela",
    adapter="read",
    layout="screenX/*-annotation.csv + *-plates.tsv (name, folder); ScanR <plate>/data/--W..--P..--Z..--T..--<stain>.tif",
    note=(
        "One field per well, three stains: nucleus-dapi, pm-647 (surface VSVG), vsvg-cfp, merged in that order "
        "as the original did. The ScanR well index counts row by row (W00001 = A1, W00025 = B1 on 384-well "
        "plates), IDR's usual numbering. "
        "The original kept only wells with Quality Control 'pass' (datasets_info.csv notes); the builder's QC "
        "runs on pixels instead, so failed wells are not dropped here."
    ),
    evidence={
        "layout": f"{REPO} {STUDY}/screenA/idr0009-screenA-plates.tsv (plate folders); {SCANR} (file names); "
                  "IDR/idr-utils scripts/misc_files/384WellPlateNumbersAndLocations.xlsx (well numbering 1-384 "
                  "row by row); "
                  "stan-hua/CytoImageNet scripts/data_processing/preprocessor.py (idr0009 under 20150507-VSVG/VSVG/)",
        "channels": "stan-hua/CytoImageNet scripts/data_processing/preprocessor.py (nucleus-dapi, pm-647, vsvg-cfp); "
                    f"{REPO} {STUDY}/idr0009-study.txt (1 field per well, 3 channels)",
        "labels": f"{REPO} {STUDY}/screenA/idr0009-screenA-bulkmap-config.yml (Gene Symbol, siRNA Identifier, "
                  f"Phenotype N, Characteristics [Cell Line]); {REPO} {STUDY}/screenA/idr0009-screenA-processed.txt; "
                  "stan-hua/CytoImageNet annotations/datasets_info.csv (gene symbols as labels)",
        "licence": f"{REPO} {STUDY}/idr0009-study.txt (Study License CC BY 4.0)",
        "download": DOWNLOAD_URLS,
        "organism": "stan-hua/CytoImageNet annotations/datasets_info.csv (human)",
        "cell_type": "stan-hua/CytoImageNet annotations/datasets_info.csv (hela)",
        "microscopy": "stan-hua/CytoImageNet annotations/datasets_info.csv (fluorescence)",
    },
    download=Download(
        route="idr",
        tree=f"https://ftp.ebi.ac.uk/pub/databases/IDR/{STUDY}/",
        files=[
            {"url": f"https://raw.githubusercontent.com/{REPO}/HEAD/{STUDY}/screenA/idr0009-screenA-annotation.csv.gz",
             "path": "screenA/idr0009-screenA-annotation.csv.gz", "unpack": False},
            {"url": f"https://raw.githubusercontent.com/{REPO}/HEAD/{STUDY}/screenA/idr0009-screenA-plates.tsv",
             "path": "screenA/idr0009-screenA-plates.tsv"},
            {"url": f"https://raw.githubusercontent.com/{REPO}/HEAD/{STUDY}/screenB/idr0009-screenB-annotation.csv",
             "path": "screenB/idr0009-screenB-annotation.csv"},
            {"url": f"https://raw.githubusercontent.com/{REPO}/HEAD/{STUDY}/screenB/idr0009-screenB-plates.tsv",
             "path": "screenB/idr0009-screenB-plates.tsv"},
        ],
        total_bytes=3_250_000_000_000,
        instructions="the whole study tree is mirrored: about 3.25 TB (idr0009-study.txt Total Tb, screens A and B)",
        evidence=f"{DOWNLOAD_URLS}; {REPO} {STUDY}/screenA/idr0009-screenA-plates.tsv; {REPO} {STUDY}/idr0009-study.txt",
    ),
)

CHANNELS = {"nucleus-dapi": "DNA", "pm-647": "VSVG surface", "vsvg-cfp": "VSVG-CFP"}
LABELS = {
    "organism": ["Characteristics [Organism]"],
    "cell_type": ["Characteristics [Cell Line]"],
    "gene": ["Gene Symbol"],
    "sirna": ["siRNA Identifier"],
}


def read(folder: Path) -> pd.DataFrame:
    return idr.idr_screen_records(folder, naming="scanr", channels=CHANNELS, labels=LABELS, visible="Channels",
                                  plate_columns=24)
