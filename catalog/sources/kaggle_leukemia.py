"""Kaggle: Leukemia Classification (C-NMC 2019, ISBI challenge): segmented white blood cells, ALL vs normal.

Native layout of the Kaggle archive, `C-NMC_Leukemia/`:
- `training_data/fold_<k>/{all,hem}/UID_<patient>_<image>_<cell>_<all|hem>.bmp` (healthy donors' patient ids
  start with H), labelled by their folder;
- `validation_data/C-NMC_test_prelim_phase_data/<n>.bmp`, labelled by
  `validation_data/C-NMC_test_prelim_phase_data_labels.csv` (Patient_ID: the cell's original UID_ name,
  new_names: <n>.bmp, labels: 1 ALL, 0 normal);
- `testing_data/C-NMC_test_final_phase_data/<n>.bmp`, without labels.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, SourceEntry, label_column, read_csv, warn
from cytoimagenet.errors import UserError

ORIGINAL = "stan-hua/CytoImageNet"

ENTRY = SourceEntry(
    id="kaggle_leukemia",
    database="Kaggle",
    name="Leukemia Classification",
    dir_name="kaggle_leukemia",
    homepage="https://www.kaggle.com/andrewmvd/leukemia-classification",
    licence="unknown",
    citation=(
        "Gupta A, Gupta R. ALL Challenge dataset of ISBI 2019 (C-NMC 2019). The Cancer Imaging Archive (2019). "
        "doi:10.7937/tcia.2019.dc64i46r"
    ),
    modality="brightfield",
    channels=["RGB"],
    organism="human",
    cell_type="white blood cell",
    adapter="read",
    layout="C-NMC_Leukemia/{training_data/fold_<k>/{all,hem}/UID_*.bmp, validation_data/C-NMC_test_prelim_phase_data"
           "/<n>.bmp + _labels.csv, testing_data/C-NMC_test_final_phase_data/<n>.bmp}",
    note=(
        "Training cells are labelled by folder, preliminary-test cells by the labels CSV (as the original did), "
        "final-test cells carry no phenotype (the original kept them, with organism and cell type only). A "
        "patient's cells form one split group, across training and preliminary test."
    ),
    evidence={
        "layout": f"{ORIGINAL} scripts/unzipper.py (rev 69ec370: C-NMC_Leukemia/validation_data/"
                  "C-NMC_test_prelim_phase_data/, labels 1 -> all/, else hem/) and annotations/kag_leukemia_val.csv "
                  "(rev b0e57cf: Patient_ID, new_names, labels); training_data/fold_<k>/{all,hem} and "
                  "testing_data/C-NMC_test_final_phase_data as public code reading the Kaggle archive names them "
                  "(found by find_string, repository not named by the index)",
        "channels": f"{ORIGINAL} annotations/datasets_info.csv (rev aec7751): bmp, brightfield (RGB stained smears)",
        "labels": f"{ORIGINAL} annotations/kag_leukemia_metadata.csv (rev aec7751): phenotype leukemia (all) / "
                  "wildtype (hem) / none (unlabelled test images); cell_type 'white blood cell' per "
                  "scripts/data_curation/clean_metadata.py fix_labels",
        "licence": (
            "unknown: the Kaggle page's licence could not be read here, nor TCIA's for C-NMC 2019; public readers "
            "found by GitHub file search for 'andrewmvd/leukemia-classification' say it has none ('License was "
            "not specified at source, access is free and public and a citation upon usage was requested'; 'Not "
            "formally specified; usage is public with attribution requested'; repositories not resolvable with "
            "the search tools). Costs publishing: a release that uses this source states its terms as unknown"
        ),
        "download": f"{ORIGINAL} annotations/datasets_info.csv (rev aec7751): kaggle datasets download -d "
                    "andrewmvd/leukemia-classification",
        "organism": f"{ORIGINAL} annotations/datasets_info.csv (rev aec7751): human, bone marrow of 118 patients",
        "cell_type": f"{ORIGINAL} scripts/data_curation/clean_metadata.py fix_labels (white blood cell)",
        "microscopy": f"{ORIGINAL} annotations/datasets_info.csv (rev aec7751): brightfield",
    },
    download=Download(
        route="kaggle",
        kaggle="datasets/andrewmvd/leukemia-classification",
        instructions="the archive unpacks to C-NMC_Leukemia/",
        evidence=f"{ORIGINAL} annotations/datasets_info.csv (rev aec7751), column download",
    ),
)

BASE = "C-NMC_Leukemia"
TRAIN = (
    r"(?:[^/]+/)*training_data/(?P<fold>fold_\d+)/(?P<cls>all|hem)/"
    r"(?P<image>UID_(?P<patient>H?\d+)_[^/]*)\.(?i:bmp)"
)
PRELIM_DIR = "validation_data/C-NMC_test_prelim_phase_data"
PRELIM_LABELS = "validation_data/C-NMC_test_prelim_phase_data_labels.csv"
FINAL = r"(?:[^/]+/)*testing_data/C-NMC_test_final_phase_data/(?P<image>\d+)\.(?i:bmp)"
# phenotype tokens as the original wrote them (kag_leukemia_metadata.csv)
PHENOTYPES = {"all": "leukemia", "hem": "wildtype"}
PRELIM_CLASSES = {"1": "all", "0": "hem"}


def _prelim(folder: Path) -> pd.DataFrame:
    """Preliminary-test cells named <n>.bmp, labelled by the CSV beside their folder."""
    base = next((b for b in (f"{BASE}/", "") if (folder / f"{b}{PRELIM_LABELS}").is_file()), None)
    if base is None:
        if any(folder.glob(f"**/{PRELIM_DIR}")):
            frame = pd.DataFrame()
            return warn(frame, f"{folder}: {PRELIM_DIR}/ has no {PRELIM_LABELS}; its cells are left out")
        return pd.DataFrame()
    path = folder / f"{base}{PRELIM_LABELS}"
    table = read_csv(path, ["new_names"])
    labels = label_column(table, "labels", path, label="phenotype").astype("string").str.strip()
    origin = label_column(table, "Patient_ID", path, label="patient").astype("string")
    out = pd.DataFrame(index=table.index)
    out["image"] = "prelim-" + table["new_names"].str.rsplit(".", n=1).str[0]
    # the cell's original UID_<patient>_... name keeps its patient in one split group with its training cells
    out["patient"] = origin.str.extract(r"^UID_(H?\d+)_", expand=False).fillna(out["image"])
    out["cls"] = labels.map(PRELIM_CLASSES)
    bad = labels.notna() & out["cls"].isna()
    if bad.any():
        raise UserError(
            f"{path}: labels {labels[bad].iloc[0]!r} (row of {table.loc[bad, 'new_names'].iloc[0]}) is neither 1 "
            "(ALL) nor 0 (normal); fix the row or remove it"
        )
    out["path"] = f"{base}{PRELIM_DIR}/" + table["new_names"].str.strip()
    out.attrs.update(table.attrs)
    return out


def read(folder: Path) -> pd.DataFrame:
    train = layouts.scan(folder, TRAIN)
    prelim = _prelim(folder)
    final = layouts.scan(folder, FINAL)
    final["image"] = "final-" + final["image"]
    final["patient"] = final["image"]  # no patient is given for these cells
    final["cls"] = None
    parts = [p for p in (train, prelim, final) if not p.empty]
    if not parts:
        layouts.require_files(train, folder, TRAIN, "C-NMC cell images")
    files = pd.concat(parts, ignore_index=True)
    samples = layouts.file_samples(files, "RGB")
    samples["phenotype"] = samples["cls"].map(PHENOTYPES)
    out = layouts.finish(samples, ["image"], ["patient"])
    out.attrs.update(prelim.attrs)
    return out
