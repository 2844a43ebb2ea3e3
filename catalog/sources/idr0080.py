"""IDR idr0080: Cell health CRISPR perturbations, Cell Painting (Way et al.).

Native layout: screenA/idr0080-screenA-annotation.csv (Plate, Well, Characteristics [Cell Line], Gene
Identifier, Gene Symbol, Control Type, Channels, Comment [Image]) and screenA/idr0080-screenA-plates.tsv (9 raw
plates `<plate>__<date>-MeasurementN` and their 9 illumination-corrected copies `<plate>_illum_corrected`, each
a server folder with the Phenix export under `Images/`): `r<RR>c<CC>f<FF>p01-ch<1-5>sk1fk1fl1.tiff`, 16-bit,
ch1 DNA, ch2 ER, ch3 nucleoli and cytoplasmic RNA, ch4 AGP, ch5 mitochondria.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import idr_experiments as idr
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry, label_column

STUDY = "idr0080-way-perturbation"
REPO = f"IDR/{STUDY}"
ANNOTATION = "screenA/idr0080-screenA-annotation.csv"
PLATES = "screenA/idr0080-screenA-plates.tsv"
# the commit the original pinned in its datasets_info.csv, and the one read for these facts
RAW = f"https://raw.githubusercontent.com/{REPO}/74e537fecaa4690f0c98cb1e9a64b45d103de3e3/"

CHANNELS = {"1": "DNA", "2": "ER", "3": "RNA", "4": "AGP", "5": "Mito"}
# what each stain shows, in the original's words (datasets_info cell_component, one entry a channel)
VISIBLE = "nucleus|er|nucleoli|cytoplasmic rna|actin|golgi apparatus|plasma membrane|mitochondria"
CORRECTED = r"_illum_corrected$"

ENTRY = SourceEntry(
    id="idr0080",
    database="Image Data Resource",
    name="Cell health CRISPR perturbations, Cell Painting (Way et al.)",
    dir_name="idr0080",
    homepage="https://github.com/IDR/idr0080-way-perturbation",
    licence="CC0-1.0",
    citation=(
        "Way GP, Kost-Alimova M, Shibue T, et al. Predicting cell health phenotypes using image-based "
        "morphology profiling. Mol Biol Cell 32(9):995-1005 (2021)"
    ),
    modality="fluorescence",
    channels=list(CHANNELS.values()),
    organism="human",
    cell_type=None,
    adapter="read",
    layout=f"{ANNOTATION} + {PLATES}; <plate folder>/Images/r<RR>c<CC>f<FF>p01-ch<1-5>sk1fk1fl1.tiff, 16-bit",
    note=(
        "Cell Painting, 9 fields a well, 5 channels merged. Cell lines A549, ES2, HCC44 per row. The gene label "
        "is the CRISPR target (Gene Symbol where a Gene Identifier is given; cutting controls such as Chr2 and "
        "'no reagent' wells have none). Wells the annotation marks 'empty well' are left out. A raw plate and "
        "its illumination-corrected copy image the same wells and share split groups. unknown: which of the two "
        "copies the original used (its 3456 images are one set of 9 plates x 384)."
    ),
    evidence={
        "layout": (
            f"{REPO} {PLATES}, scripts/illumcorrect_plate_symlinks.sh (<plate>/Images/ of the corrected copies), "
            f"idr0080-study.txt (9 plates, 384 wells, 9 sites, 5 channels); {idr.DOWNLOAD_URLS} (idr0080 row: "
            ".../SQ00014610__2016-06-16T00_38_35-Measurement2/Images/Index.idx.xml); stan-hua/CytoImageNet "
            "scripts/data_processing/preprocessor.py (idr0080: <field>-ch<1-5>sk1fk1fl1.tiff)"
        ),
        "channels": (
            f"{REPO} screenA/rendering_settings/channel_labels.yml (1 DNA, 2 endoplasmic reticulum, 3 nucleoli "
            f"and cytoplasmic RNA, 4 AGP, 5 mitochondria); {ANNOTATION} column Channels"
        ),
        "labels": (
            f"{REPO} {ANNOTATION} columns Characteristics [Cell Line], Gene Identifier, Gene Symbol, Control Type, "
            "Channels, Comment [Image]; stan-hua/CytoImageNet annotations/datasets_info.csv (idr0080: a549, es2, "
            "hcc44; cell_component per channel; the 51 targeted genes by Ensembl id)"
        ),
        "licence": f"{REPO} idr0080-study.txt (Study License CC0 1.0)",
        "download": f"{idr.DOWNLOAD_URLS} (idr0080 row); {REPO} {PLATES}",
        "organism": f"{REPO} idr0080-study.txt (Study Organism Homo sapiens)",
        "cell_type": f"{REPO} {ANNOTATION} column Characteristics [Cell Line] (A549, ES2, HCC44)",
        "microscopy": f"{REPO} idr0080-study.txt (Screen Imaging Method fluorescence microscopy)",
    },
    download=Download(
        route="idr",
        tree=f"{idr.IDR_FTP}{STUDY}/",
        total_bytes=2_000_000_000_000,  # the study file's "Total Tb: 2"
        files=[
            DownloadFile(url=RAW + ANNOTATION, path=ANNOTATION),
            DownloadFile(url=RAW + PLATES, path=PLATES),
        ],
        instructions=(
            "Mirror the study folder into ROOT/idr0080/ (20200316-s3/ and 20200923-illumcorrected/ at its top) and "
            "put the two metadata files under screenA/."
        ),
        evidence=f"{idr.DOWNLOAD_URLS} (uod/idr/filesets -> https://ftp.ebi.ac.uk/pub/databases/IDR); {REPO} {PLATES}",
    ),
)


def read(folder: Path) -> pd.DataFrame:
    out, _, path = idr.screen_records(
        folder, STUDY, naming="harmony", channels=CHANNELS, plate_group=CORRECTED
    )
    if "Comment [Image]" in out.columns:
        empty = out["Comment [Image]"].astype("string").str.contains("empty well", regex=False).fillna(False)
        out = out[~empty.to_numpy(bool)].copy()
    out["cell_type"] = label_column(out, "Characteristics [Cell Line]", path, label="cell_type").values
    target = label_column(out, "Gene Identifier", path, label="gene").astype("string").str.strip()
    symbol = label_column(out, "Gene Symbol", path, label="gene").astype(object)
    out["gene"] = symbol.where((target.notna() & (target != "")).to_numpy(bool), None).values
    listed = label_column(out, "Channels", path, label="cell_visible")
    out["cell_visible"] = [VISIBLE if isinstance(v, str) and v.strip() else None for v in listed]
    return out
