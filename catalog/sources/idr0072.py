"""IDR idr0072: Subcellular localisation reference library (Schormann et al.).

Native layout: two screens, screenA (human MCF 10A) and screenB (mouse NMuMG), each with
screenX/idr0072-screenX-annotation.csv (Plate, Well, Characteristics [Organism], Characteristics [Cell Line],
Comment [Gene Symbol], Experimental Condition [Subcellular Localization], Channels) and
screenX/idr0072-screenX-plates.tsv (plate, server folder). Each folder holds Opera FLEX files named
RRRCCCFFF.flex, every channel (EGFP-tagged marker protein, DRAQ5 DNA) a page of the one file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import idr_experiments as idr
from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry, label_column

STUDY = "idr0072-schormann-subcellref"
REPO = f"IDR/{STUDY}"
# the commit the original pinned in its datasets_info.csv, and the one read for these facts
RAW = f"https://raw.githubusercontent.com/{REPO}/85d154650a26f011b57f13f91e4be11d1f9dde12/"
METADATA = [f"screen{s}/idr0072-screen{s}-{kind}" for s in "AB" for kind in ("annotation.csv", "plates.tsv")]

ENTRY = SourceEntry(
    id="idr0072",
    database="Image Data Resource",
    name="Subcellular localisation reference library (Schormann et al.)",
    dir_name="idr0072",
    homepage="https://github.com/IDR/idr0072-schormann-subcellref",
    licence="CC-BY-4.0",
    citation=(
        "Schormann W, Hariharan S, Andrews DW. A reference library for assigning protein subcellular "
        "localizations by image-based machine learning. J Cell Biol 219(3):e201904090 (2020)"
    ),
    modality="fluorescence",
    channels=["all channels"],
    organism=None,
    cell_type=None,
    adapter="read",
    layout="screen{A,B}/idr0072-screen{A,B}-annotation.csv + *-plates.tsv; plate folders of RRRCCCFFF.flex",
    note=(
        "Opera FLEX files (all channels in one file: EGFP marker, DRAQ5 DNA) in the plate folders the plates "
        "files name. Organism and cell line per row: screenA is human MCF 10A, screenB mouse NMuMG. The "
        "localisation of the tagged marker is cell_visible (the first one listed, as the original chose)."
    ),
    evidence={
        "layout": (
            f"{REPO} screenA/idr0072-screenA-plates.tsv, screenB/idr0072-screenB-plates.tsv (server folders); "
            f"idr0072-study.txt (ImageFileName: one image flex file per well); {idr.DOWNLOAD_URLS} (idr0072 row: "
            "20210420-plates/WS_MCF10A-landmark_library_20180506_Meas_01/001001001.flex)"
        ),
        "channels": (
            f"{REPO} screen{{A,B}} annotation column Channels ('EGFP (protein of interest), DRAQ5 (DNA)'), "
            "screenA/idr0072-screenA-render.yml (1 DRAQ5, 2 EGFP)"
        ),
        "labels": (
            f"{REPO} screen{{A,B}} annotation columns Characteristics [Organism], Characteristics [Cell Line], "
            "Comment [Gene Symbol], Experimental Condition [Subcellular Localization]; stan-hua/CytoImageNet "
            "annotations/datasets_info.csv (idr0072: 'Select first label for subcellular localization')"
        ),
        "licence": f"{REPO} idr0072-study.txt (Study License CC BY 4.0)",
        "download": f"{idr.DOWNLOAD_URLS} (idr0072 row); {REPO} screen{{A,B}}/*-plates.tsv",
        "organism": f"{REPO} screenA annotation (Homo sapiens), screenB annotation (Mus musculus)",
        "cell_type": (
            f"{REPO} idr0072-study.txt (screenA: MCF10A; screenB: NMuMG), the annotations' Characteristics "
            "[Cell Line] (MCF 10A, NMuMG)"
        ),
        "microscopy": f"{REPO} idr0072-study.txt (Screen Imaging Method fluorescence, spinning disk confocal)",
    },
    download=Download(
        route="idr",
        tree=f"{idr.IDR_FTP}{STUDY}/",
        files=[DownloadFile(url=RAW + m, path=m) for m in METADATA],
        instructions=(
            "Mirror the study folder into ROOT/idr0072/ (the <date>-plates/, <date>-ftp/ and 20191127-disk/ "
            "folders at its top) and put the four metadata files under screenA/ and screenB/."
        ),
        evidence=(
            f"{idr.DOWNLOAD_URLS} (uod/idr/filesets -> https://ftp.ebi.ac.uk/pub/databases/IDR); {REPO} *-plates.tsv"
        ),
    ),
)


def read(folder: Path) -> pd.DataFrame:
    out, _, path = idr.screen_records(folder, STUDY, naming="flex", channels={}, container="all channels")
    out["organism"] = layouts.organism_label(
        label_column(out, "Characteristics [Organism]", path, label="organism")).values
    out["cell_type"] = label_column(out, "Characteristics [Cell Line]", path, label="cell_type").values
    out["gene"] = label_column(out, "Comment [Gene Symbol]", path, label="gene").values
    localisation = label_column(out, "Experimental Condition [Subcellular Localization]", path, label="cell_visible")
    out["cell_visible"] = localisation.astype("string").str.split(",").str[0].str.strip().astype(object).values
    return out
