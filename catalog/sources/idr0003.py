"""IDR idr0003: Yeast proteome plasticity under stress (Breker et al.).

Native layout: screenA/idr0003-screenA-annotation.csv + -plates.tsv (name, folder); Olympus ScanR plate folders
201301120/Images/<condition>/p<N>/ of --W<well>--P<field>--Z00000--T00000--<GFP|Cherry|Transmit>.tif.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import idr
from cytoimagenet.catalog.source import Download, SourceEntry

REPO = "IDR/idr-metadata"
STUDY = "idr0003-breker-plasticity"
DOWNLOAD_URLS = ("https://raw.githubusercontent.com/will-moore/idr.openmicroscopy.org/refs/heads/"
                 "update_download_urls/_data/download_urls.tsv (uod/idr/filesets -> https://ftp.ebi.ac.uk/pub/databases/IDR)")

ENTRY = SourceEntry(
    id="idr0003",
    database="Image Data Resource",
    name="Yeast proteome plasticity under stress (Breker et al.)",
    dir_name="idr0003",
    homepage=f"https://github.com/{REPO}/tree/master/{STUDY}",
    licence="CC-BY-NC-SA-3.0",
    citation=(
        "Breker M, Gymrek M, Schuldiner M. A novel single-cell screening platform reveals proteome plasticity"
        " during yeast stress responses. J Cell Biol 200(6):839-850 (2013)"
    ),
    modality="fluorescence|brightfield",
    channels=["H2B-mCherry", "GFP", "brightfield"],
    organism="yeast",
    cell_type=None,
    adapter="read",
    layout="screenA/*-annotation.csv + *-plates.tsv (name, folder); ScanR --W<well>--P<field>--Z..--T..--<stain>.tif",
    note=(
        "Three fields per well, each a GFP (the tagged protein) + H2B-mCherry (cytosol) fluorescence sample and a "
        "separate brightfield (Transmit) sample. The file names are the Olympus ScanR convention the study's "
        "microscope writes (--W<well index>--P<position>--Z--T--<channel>.tif, as in IDR's ScanR sample of "
        "idr0009) with the channel suffixes the original read (--GFP.tif, --Cherry.tif, --Transmit); if a plate "
        "folder holds other names the adapter fails naming the convention, so nothing is paired wrongly. "
        "Labels as the original's: the stress condition (phenotype), the strain (cell_type); the Gene Symbol "
        "names the GFP-tagged protein, not a perturbation, so it is not a gene label."
    ),
    evidence={
        "layout": f"{REPO} {STUDY}/screenA/idr0003-screenA-plates.tsv (plate folders 201301120/Images/DTT/p1 ...); "
                  f"{REPO} {STUDY}/idr0003-study.txt (imaged on an Olympus ScanR system; three fields per well); "
                  "https://downloads.openmicroscopy.org/images/ScanR/idr0009/0307-10--2007-05-30/data/ (ScanR names "
                  "--W00002--P00001--Z00000--T00000--<channel>.tif); stan-hua/CytoImageNet "
                  "scripts/data_processing/preprocessor.py (idr0003 files <stem>--GFP.tif, --Cherry.tif, --Transmit "
                  f"in Images/<condition>/p<N>/); {REPO} {STUDY}/JCBYeastProteomePlasticity.BULK_ANNOTATION_DTT_p1_p2_p9_only.csv "
                  "(Well Number 1 = A1, 25 = B1)",
        "channels": f"{REPO} {STUDY}/idr0003-study.txt (Raw Image Channels H2B-mCherry: cytosol; GFP: tagged protein; "
                    "bright field/transmitted: cell contour, vacuole)",
        "labels": f"{REPO} {STUDY}/screenA/idr0003-screenA-bulkmap-config.yml (Experimental Condition "
                  "[Environmental Stress], Characteristics [Strain], Channels); stan-hua/CytoImageNet "
                  "annotations/datasets_info.csv (stress conditions as phenotype, strain Y6545 as cell_type)",
        "licence": f"{REPO} {STUDY}/idr0003-study.txt (Study License CC BY-NC-SA 3.0)",
        "download": DOWNLOAD_URLS,
        "organism": f"{REPO} {STUDY}/idr0003-study.txt (5,330 yeast strains, GFP fusion library)",
        "cell_type": "stan-hua/CytoImageNet annotations/datasets_info.csv (cell_type Y6545, the strain)",
        "microscopy": f"{REPO} {STUDY}/idr0003-study.txt (GFP, Cherry and bright field images per field)",
    },
    download=Download(
        route="idr",
        tree=f"https://ftp.ebi.ac.uk/pub/databases/IDR/{STUDY}/",
        files=[
            {"url": f"https://raw.githubusercontent.com/{REPO}/HEAD/{STUDY}/screenA/idr0003-screenA-{f}",
             "path": f"screenA/idr0003-screenA-{f}"}
            for f in ("annotation.csv", "plates.tsv")
        ],
        total_bytes=200_000_000_000,
        instructions="the whole study tree is mirrored: about 0.20 TB (idr0003-study.txt Total Tb)",
        evidence=f"{DOWNLOAD_URLS}; {REPO} {STUDY}/screenA/idr0003-screenA-plates.tsv; {REPO} {STUDY}/idr0003-study.txt",
    ),
)


CHANNELS = {"Cherry": "H2B-mCherry", "GFP": "GFP", "Transmit": "brightfield"}
LABELS = {
    "organism": ["Characteristics [Organism]"],
    "cell_type": ["Characteristics [Strain]"],
    "phenotype": ["Experimental Condition [Environmental Stress]"],
}


def read(folder: Path) -> pd.DataFrame:
    return idr.idr_screen_records(folder, naming="scanr", channels=CHANNELS, brightfield=("Transmit",),
                                  labels=LABELS, visible="Channels", plate_columns=24)

