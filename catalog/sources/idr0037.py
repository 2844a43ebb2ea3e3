"""IDR idr0037: HipSci iPSC cell morphology (Vigilante et al.).

Native layout: screenA/idr0037-screenA-annotation.csv (Plate = experiment_NN, Well, Characteristics [Cell Line],
Channels ...) and screenA/idr0037-screenA-plates.tsv (plate, server path of the Operetta measurement's
`Images/Index.idx.xml`). The images lie beside that index, Harmony-named `r<RR>c<CC>f<FF>p01-ch<1-4>sk1fk1fl1.tiff`,
16-bit: ch1 DAPI, ch2 Alexa 488 (EdU), ch3 CellMask, ch4 bright field. 29 of the 69 plates are kept in
idr0034-kilpinen-hipsci's fileset, not idr0037's.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import idr_experiments as idr
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry, label_column

STUDY = "idr0037-vigilante-hipsci"
REPO = f"IDR/{STUDY}"
ANNOTATION = "screenA/idr0037-screenA-annotation.csv"
PLATES = "screenA/idr0037-screenA-plates.tsv"
# the commit the original pinned in its datasets_info.csv, and the one read for these facts
RAW = f"https://raw.githubusercontent.com/{REPO}/2fa65c5bf6a752f1d76c019282ec6e9dc201e30b/"

CHANNELS = {"1": "DAPI", "2": "Alexa 488", "3": "CellMask", "4": "Brightfield"}
BRIGHTFIELD = ("4",)

ENTRY = SourceEntry(
    id="idr0037",
    database="Image Data Resource",
    name="HipSci iPSC cell morphology (Vigilante et al.)",
    dir_name="idr0037",
    homepage="https://github.com/IDR/idr0037-vigilante-hipsci",
    licence="CC-BY-4.0",
    citation=(
        "Vigilante A, Laddach A, Moens N, et al. Identifying extrinsic versus intrinsic drivers of variation "
        "in cell behavior in human iPSC lines from healthy donors. Cell Rep 26(8):2078-2087 (2019)"
    ),
    modality="fluorescence|brightfield",
    channels=list(CHANNELS.values()),
    organism="human",
    cell_type="pluripotent stem cell",
    adapter="read",
    layout=(
        f"{ANNOTATION} + {PLATES} (plate -> .../Images/Index.idx.xml); "
        "Images/r<RR>c<CC>f<FF>p01-ch<1-4>sk1fk1fl1.tiff beside the index, 16-bit"
    ),
    note=(
        "Operetta plates, 9 fields a well. Channels 1-3 (DAPI nuclei, Alexa 488 EdU, CellMask plasma membrane) "
        "merge into the fluorescence sample of a field; channel 4 (bright field, cell outline) is a sample of "
        "its own, in the same split group (the well). Plates listed under idr0034-kilpinen-hipsci's fileset are "
        "read from ROOT/idr0037/idr0034-kilpinen-hipsci/... The cell line (HPSI...) is the phenotype label, as "
        "in the original."
    ),
    evidence={
        "layout": (
            f"{REPO} {PLATES} (Index.idx.xml paths, 29 under idr0034-kilpinen-hipsci), screenA/readers.txt "
            "(loci.formats.in.OperettaReader), idr0037-study.txt (Raw Image Organization: 69 plates, 9 fields, 4 "
            "channels); stan-hua/CytoImageNet scripts/data_processing/preprocessor.py (idr0037: "
            "<field>-ch<n>sk1fk1fl1.tiff under images/)"
        ),
        "channels": (
            f"{REPO} screenA/idr0037-screenA-renderdef.yml (1 DAPI, 2 Alexa 488, 3 CellMask, 4 Brightfield); "
            f"{ANNOTATION} column Channels; stan-hua/CytoImageNet scripts/data_processing/preprocessor.py (merged "
            "ch1-ch3 only)"
        ),
        "labels": (
            f"{REPO} {ANNOTATION} columns Characteristics [Cell Line], Channels; stan-hua/CytoImageNet "
            "annotations/datasets_info.csv (idr0037: cell_type pluripotent stem cell, the cell lines as phenotype)"
        ),
        "licence": f"{REPO} idr0037-study.txt (Study License CC BY 4.0)",
        "download": f"{idr.DOWNLOAD_URLS} (idr0037 and idr0034 rows); {REPO} {PLATES}",
        "organism": f"{REPO} idr0037-study.txt (Study Organism Homo sapiens)",
        "cell_type": (
            "stan-hua/CytoImageNet annotations/datasets_info.csv (idr0037 cell_type: pluripotent stem cell); "
            f"{REPO} {ANNOTATION} column Characteristics [Cell Type] (induced pluripotent stem cell)"
        ),
        "microscopy": (
            f"{REPO} screenA/idr0037-screenA-renderdef.yml (channel 4 Brightfield), {ANNOTATION} column Channels "
            "(Brightfield:cell outline); idr0037-study.txt (Screen Imaging Method fluorescence microscopy)"
        ),
    },
    download=Download(
        route="idr",
        tree=f"{idr.IDR_FTP}{STUDY}/",
        files=[
            DownloadFile(url=RAW + ANNOTATION, path=ANNOTATION),
            DownloadFile(url=RAW + PLATES, path=PLATES),
        ],
        instructions=(
            "Mirror the study folder into ROOT/idr0037/ (images/<measurement>/Images/ at its top); the 29 plates "
            "kept in https://ftp.ebi.ac.uk/pub/databases/IDR/idr0034-kilpinen-hipsci/ go to "
            "ROOT/idr0037/idr0034-kilpinen-hipsci/<same path>."
        ),
        evidence=f"{idr.DOWNLOAD_URLS} (idr0037, idr0034 rows); {REPO} {PLATES}",
    ),
)


def read(folder: Path) -> pd.DataFrame:
    out, ann, path = idr.screen_records(
        folder, STUDY, naming="harmony", channels=CHANNELS, brightfield=BRIGHTFIELD
    )
    out["phenotype"] = label_column(out, "Characteristics [Cell Line]", path, label="phenotype").values
    listed = label_column(out, "Channels", path, label="cell_visible")
    parsed = {v: idr.stains(v) for v in pd.unique(listed.astype(object))}
    # channel order of the Channels cell is ch1..ch4 (the study's rendering settings name them in that order)
    fluorescence = {v: "|".join(w for _, words in p[:3] for w in words) or None for v, p in parsed.items()}
    brightfield = {v: "|".join(p[3][1]) if len(p) > 3 else None for v, p in parsed.items()}
    is_bf = out["microscopy"] == "brightfield"
    out["cell_visible"] = listed.astype(object).map(fluorescence).where(~is_bf, listed.astype(object).map(brightfield))
    return out
