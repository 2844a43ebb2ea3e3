"""IDR idr0016: Bioactive compound Cell Painting profiling (Wawer et al.).

Native layout: screenA/idr0016-screenA-annotation.csv; one folder per plate and stain, <plate>-<stain>/
(Hoechst, ERSyto, ERSytoBleed, Ph_golgi, Mito), of ImageXpress <prefix>_<well>_s<site>_w<n><GUID>.tif files.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import idr
from cytoimagenet.catalog.source import Download, SourceEntry
from cytoimagenet.errors import UserError

REPO = "IDR/idr0016-wawer-bioactivecompoundprofiling"
STUDY = "idr0016-wawer-bioactivecompoundprofiling"
DOWNLOAD_URLS = ("https://raw.githubusercontent.com/will-moore/idr.openmicroscopy.org/refs/heads/"
                 "update_download_urls/_data/download_urls.tsv (uod/idr/filesets -> https://ftp.ebi.ac.uk/pub/databases/IDR)")

ENTRY = SourceEntry(
    id="idr0016",
    database="Image Data Resource",
    name="Bioactive compound Cell Painting profiling (Wawer et al.)",
    dir_name="idr0016",
    homepage=f"https://github.com/{REPO}",
    licence="CC0-1.0",
    citation=(
        "Wawer MJ, Li K, Gustafsdottir SM, et al. Toward performance-diverse small-molecule libraries for "
        "cell-based phenotypic screens using multiplexed high-dimensional profiling. Proc Natl Acad Sci USA "
        "111(30):10911-10916 (2014)"
    ),
    modality="fluorescence",
    channels=["DNA", "ER", "RNA", "AGP", "Mito"],
    organism="human",
    cell_type="u2os",
    adapter="read",
    layout="screenA/idr0016-screenA-annotation.csv; <plate>-<stain>/ folders of ImageXpress _<well>_s<site>_w<n> files",
    note=(
        "The plate list points at IDR-generated .screen files, not folders, so the <plate>-<stain> folders are "
        "found wherever they lie under the source folder. Channel w1..w5 = Hoechst (DNA), ERSyto (ER), "
        "ERSytoBleed (RNA), Ph_golgi (AGP), Mito. The original's pseudolabel was Compound Group "
        "(datasets_info.csv notes); it is read as the compound category beside Compound Name. unknown: the "
        "form of the Channels cells (the annotation is not in the stored snapshot), so cell_visible may be empty "
        "(a recorded warning)."
    ),
    evidence={
        "layout": "IDR/idr-utils scripts/gen_screens_0016_0036/make_screen.py (<PLATE>-<CHANNEL> folders of "
                  "<tag>_<well>_<s field>_<w n uuid>.tif, wells a01-p24, fields s1-s6) and make_all (folders "
                  f"2016-02-19-screens-cellimagelibrary/, 2017-07-14-cellimagelibrary-60newplates/); {REPO} "
                  "generate_screens/stats.txt (files per plate and stain); stan-hua/CytoImageNet "
                  "scripts/data_processing/preprocessor.py (idr0016 reads <plate>-<stain>/)",
        "channels": f"{REPO} rename_dirs_BBBC022_v1_image.py (w1 Hoechst, w2 ERSyto, w3 ERSytoBleed, w4 Ph_golgi, "
                    "w5 Mito, as BBBC022's OrigHoechst/OrigER/OrigSyto/OrigPh_golgi/OrigMito columns)",
        "labels": f"{REPO} screenA/idr0016-screenA-bulkmap-config.yml (Compound Name, Compound Group, Characteristics "
                  "[Cell Line], Channels); stan-hua/CytoImageNet annotations/datasets_info.csv (Compound Group as "
                  "pseudolabel)",
        "licence": f"{REPO} idr0016-study.txt (Study License CC0 1.0)",
        "download": DOWNLOAD_URLS,
        "organism": f"{REPO} idr0016-study.txt (Study Organism Homo sapiens)",
        "cell_type": f"{REPO} idr0016-study.txt (Human U2OS cells)",
        "microscopy": f"{REPO} idr0016-study.txt (fluorescence microscopy, ImageXpress Micro)",
    },
    download=Download(
        route="idr",
        tree=f"https://ftp.ebi.ac.uk/pub/databases/IDR/{STUDY}/",
        files=[
            {"url": f"https://raw.githubusercontent.com/{REPO}/HEAD/screenA/idr0016-screenA-annotation.csv",
             "path": "screenA/idr0016-screenA-annotation.csv"},
        ],
        instructions=("the whole study tree is mirrored; the plates are its 2016-02-19-screens-cellimagelibrary/ and "
                      "2017-07-14-cellimagelibrary-60newplates/; unknown: its size (idr0016-study.txt states none)"),
        evidence=f"{DOWNLOAD_URLS}; IDR/idr-utils scripts/gen_screens_0016_0036/make_all",
    ),
)

STAINS = {"Hoechst": "DNA", "ERSyto": "ER", "ERSytoBleed": "RNA", "Ph_golgi": "AGP", "Mito": "Mito"}
_DIR = re.compile(r"^(?P<plate>\d+)-(?P<channel>" + "|".join(STAINS) + r")$")
_FILE = re.compile(r"[^/]*_(?P<well>[A-Pa-p]\d{2})_s(?P<field>\d+)_w\d[^/]*\.tiff?", re.IGNORECASE)
LABELS = {
    "organism": ["Characteristics [Organism]"],
    "cell_type": ["Characteristics [Cell Line]"],
    "compound": ["Compound Name"],
}


def read(folder: Path) -> pd.DataFrame:
    ann = idr.read_idr_annotation(folder, ["Plate", "Well"], labels=LABELS, visible="Channels",
                                  carry=["Compound Group"])
    from cytoimagenet.catalog.layouts import norm_well

    ann["Well"] = norm_well(ann["Well"])
    if "Compound Group" in ann.columns:
        # the original's pseudolabel (e.g. "BIO", "DOS - Click Library") joins the compound name
        group = ann.pop("Compound Group")
        ann["compound"] = [
            "|".join(v for v in (c, g) if isinstance(v, str) and v.strip()) or None
            for c, g in zip(ann["compound"], group)
        ]
    rows = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        m = _DIR.match(Path(dirpath).name)
        if not m:
            continue
        rel = Path(dirpath).relative_to(folder).as_posix()
        for name in sorted(filenames):
            f = _FILE.fullmatch(name)
            if f:
                rows.append({**m.groupdict(), **f.groupdict(), "path": f"{rel}/{name}"})
    if not rows:
        raise UserError(
            f"{folder}: no <plate>-<stain> folder ({', '.join(STAINS)}) with ImageXpress files; download the plates")
    files = pd.DataFrame(rows)
    annotated = files["plate"].isin(set(ann["Plate"]))
    if not annotated.any():
        raise UserError(
            f"{folder}: none of the plate folders ({', '.join(sorted(files['plate'].unique())[:3])} ...) is a plate "
            "of the annotation CSV; download the study's screenA/idr0016-screenA-annotation.csv")
    return idr.idr_file_records(files[annotated], ann, channels=STAINS)
