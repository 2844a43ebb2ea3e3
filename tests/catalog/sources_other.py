"""Fixtures of the Kaggle, Recursion, Cell Image Library and Segebarth et al. 2020 sources in their real layouts.

FIXTURES[id](root, size) writes ROOT/<id>/ as the source's download unpacks (folder names, file names,
metadata headers) and returns that folder; pixels are synthetic (textured, at the source's format and bit
depth), `size` px a side. Where the rows come from is said per fixture: rows copied from the original
CytoImageNet's annotations (stan-hua/CytoImageNet annotations/, revision named), from the distributors'
READMEs (recursionpharma/rxrx-datasets <id>/README.md: schema and example paths) and from the study's
repository (matjesg/bioimage_analysis); a value no file at hand gives is marked "made up" where it is written.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Callable

import pandas as pd

from catalog_fixtures import write_image


def _csv(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue())


# ---------------------------------------------------------------------------------------------------------
# Kaggle cell cycle: annotations/kag_cell_cycle_metadata.csv (rev b0e57cf) names these files and folders

CELL_CYCLE_FILES = (
    ("interphase", "IMG_1667-1.jpg"), ("interphase", "IMG_1667-2.jpg"),
    ("mitosis", "IMG_1675-1.jpg"), ("mitosis", "IMG_1681-1.jpg"),
)


def kaggle_cell_cycle(root: Path, size: int) -> Path:
    folder = root / "kaggle_cell_cycle"
    for phase, name in CELL_CYCLE_FILES:
        write_image(folder / "nematode cells" / "nematode cells" / phase / name, mode="RGB", size=size)
    return folder


# ---------------------------------------------------------------------------------------------------------
# Kaggle leukemia (C-NMC 2019). Training names: annotations/kag_leukemia_metadata.csv (rev aec7751; the fold of
# each name is made up: the original flattened the folds). Preliminary-test rows: annotations/kag_leukemia_val.csv
# (rev b0e57cf), the labels CSV of validation_data/. Final-test names <n>.bmp as the Kaggle archive numbers them.

LEUKEMIA_TRAIN = (("fold_0", "all", "UID_16_11_1_all"), ("fold_0", "all", "UID_16_12_1_all"),
                  ("fold_1", "hem", "UID_H10_100_1_hem"))
LEUKEMIA_PRELIM = (("UID_57_29_1_all.bmp", "1.bmp", 1), ("UID_H49_35_1_hem.bmp", "4.bmp", 0))
LEUKEMIA_FINAL = ("1.bmp",)


def kaggle_leukemia(root: Path, size: int) -> Path:
    folder = root / "kaggle_leukemia"
    base = folder / "C-NMC_Leukemia"
    for fold, cls, name in LEUKEMIA_TRAIN:
        write_image(base / "training_data" / fold / cls / f"{name}.bmp", mode="RGB", size=size)
    _csv(base / "validation_data" / "C-NMC_test_prelim_phase_data_labels.csv", ["Patient_ID", "new_names", "labels"],
         [list(r) for r in LEUKEMIA_PRELIM])
    for _, new_name, _ in LEUKEMIA_PRELIM:
        write_image(base / "validation_data" / "C-NMC_test_prelim_phase_data" / new_name, mode="RGB", size=size)
    for name in LEUKEMIA_FINAL:
        write_image(base / "testing_data" / "C-NMC_test_final_phase_data" / name, mode="RGB", size=size)
    return folder


# ---------------------------------------------------------------------------------------------------------
# Kaggle HPA: train.csv rows copied from annotations/kag_hpa_2019_train.csv (rev ca0ce11) and
# annotations/kag_hpa_singlecell_2021_train.csv (rev b0e57cf); images train/{id}_{stain}.png

HPA_ROWS = (("00070df0-bbc3-11e8-b2bc-ac1f6b6435d0", "16 0"), ("000a6c98-bb9b-11e8-b2b9-ac1f6b6435d0", "7 1 2 0"))
HPA_SINGLE_ROWS = (("5c27f04c-bb99-11e8-b2b9-ac1f6b6435d0", "8|5|0"), ("5fb643ee-bb99-11e8-b2b9-ac1f6b6435d0", "14|0"))
HPA_STAINS = ("green", "red", "blue", "yellow")


def _hpa(root: Path, source_id: str, header: list[str], rows, bits: int, size: int) -> Path:
    folder = root / source_id
    _csv(folder / "train.csv", header, [list(r) for r in rows])
    for image_id, _ in rows:
        for stain in HPA_STAINS:
            write_image(folder / "train" / f"{image_id}_{stain}.png", bits=bits, size=size)
    return folder


def kaggle_hpa(root: Path, size: int) -> Path:
    return _hpa(root, "kaggle_hpa", ["Id", "Target"], HPA_ROWS, 8, size)


def kaggle_hpa_single(root: Path, size: int) -> Path:
    # bit depth 16: the catalog's note; the 2021 competition's PNG depth is not evidenced at hand
    return _hpa(root, "kaggle_hpa_single", ["ID", "Label"], HPA_SINGLE_ROWS, 16, size)


# ---------------------------------------------------------------------------------------------------------
# Recursion: headers are the READMEs' metadata schemas (recursionpharma/rxrx-datasets <id>/README.md), the
# experiment/plate/well/site of each row the README's example path; sirna ids and treatments are values the
# original listed for the dataset (annotations/datasets_info.csv rev aec7751); site_id/well_id spell out
# experiment_plate_well(_site) (their exact format is made up).

def _site(exp: str, plate: int, well: str, site: int) -> list:
    return [f"{exp}_{plate}_{well}_{site}", f"{exp}_{plate}_{well}", exp.split("-")[0], exp, plate, well, site]


RXRX1_HEADER = ["site_id", "well_id", "cell_type", "dataset", "experiment", "plate", "well", "site", "well_type",
                "sirna", "sirna_id"]
RXRX1_ROWS = [_site("HUVEC-1", 1, "M23", 2)[:3] + ["train", "HUVEC-1", 1, "M23", 2, "treatment", "s8645", 2],
              _site("HUVEC-1", 1, "M23", 1)[:3] + ["train", "HUVEC-1", 1, "M23", 1, "treatment", "s8645", 2],
              _site("HUVEC-1", 1, "B02", 1)[:3] + ["train", "HUVEC-1", 1, "B02", 1, "negative_control", "EMPTY", 1138]]
RXRX2_HEADER = ["site_id", "well_id", "cell_type", "experiment", "plate", "well", "site", "treatment", "treatment_conc"]
RXRX2_ROWS = [_site("HUVEC-1", 1, "AA02", 2) + ["BMP-2", "0.1"], _site("HUVEC-1", 1, "AA02", 1) + ["BMP-2", "0.1"],
              _site("HUVEC-1", 1, "AA03", 1) + ["", ""]]
RXRX19_HEADER = ["site_id", "well_id", "cell_type", "experiment", "plate", "well", "site", "disease_condition",
                 "treatment", "treatment_conc", "SMILES"]
RXRX19A_ROWS = [_site("HRCE-1", 1, "AA02", 2) + ["Active SARS-CoV-2", "Remdesivir (GS-5734)", "1.0", ""],
                _site("HRCE-1", 1, "AA03", 1) + ["Mock", "", "", ""],
                _site("VERO-1", 1, "AA02", 1) + ["UV Inactivated SARS-CoV-2", "Chloroquine", "0.3", ""]]
RXRX19B_ROWS = [_site("HUVEC-1", 1, "AA02", 1) + ["storm-severe", "Lapatinib", "1.0", ""],
                _site("HUVEC-1", 1, "AA03", 1) + ["healthy", "", "", ""],
                _site("HUVEC-1", 1, "AB02", 1) + ["", "", "", ""]]


def _recursion(root: Path, source_id: str, top: str, metadata: str, header, rows, n_channels: int, size: int) -> Path:
    folder = root / source_id
    _csv(folder / top / metadata, header, rows)
    table = pd.DataFrame(rows, columns=header)
    for exp, plate, well, site in zip(table["experiment"], table["plate"], table["well"], table["site"]):
        for w in range(1, n_channels + 1):
            write_image(folder / top / "images" / exp / f"Plate{plate}" / f"{well}_s{site}_w{w}.png", size=size)
    return folder


def rxrx1(root: Path, size: int) -> Path:
    return _recursion(root, "rxrx1", "rxrx1", "metadata.csv", RXRX1_HEADER, RXRX1_ROWS, 6, size)


def rxrx2(root: Path, size: int) -> Path:
    # the README's file name; the original's copy was rxrx2/metadata.csv (both are read)
    return _recursion(root, "rxrx2", "rxrx2", "rxrx2-metadata.csv", RXRX2_HEADER, RXRX2_ROWS, 6, size)


def rxrx19a(root: Path, size: int) -> Path:
    return _recursion(root, "rxrx19a", "RxRx19a", "metadata.csv", RXRX19_HEADER, RXRX19A_ROWS, 5, size)


def rxrx19b(root: Path, size: int) -> Path:
    return _recursion(root, "rxrx19b", "rxrx19b", "metadata.csv", RXRX19_HEADER, RXRX19B_ROWS, 6, size)


# ---------------------------------------------------------------------------------------------------------
# CIL kinome atlas: <CIL id>.tif, ids and groups from annotations/cil_kinome_mapping.csv (rev b0e57cf); 53366 is
# CAMK, 53464 AGC, 54049 TK. 99999 is not an atlas id (made up): it must be left out. The TIFFs' channel count
# and depth are not evidenced: two 8-bit planes (nucleus, protein per datasets_info.csv) are written.

CIL_IDS = ("53366", "53464", "54049")


def cil_kinome(root: Path, size: int) -> Path:
    folder = root / "cil_kinome"
    for i in CIL_IDS + ("99999",):
        write_image(folder / f"{i}.tif", size=size, pages=2)
    return folder


# ---------------------------------------------------------------------------------------------------------
# Segebarth et al. 2020: image_mapping.xlsx with the columns the study's notebooks read (ID, name, area,
# training, experiment, condition). lab-mue rows 1025 (Ext) and 1031 (Ret), area PVT, experiment Test, not
# training: matjesg/bioimage_analysis Source_data/Figure_5_source_data/quantifications_mue.csv and
# notebooks/fig_5_S9_S10_quantification.ipynb. lab-wue1 0001 and 0004 are training images (Source_data/
# training_datasets/lab-wue1/images/); their area, condition and experiment values are made up from the key.
# lab-inns1 1114 (a training image id there) ships no images. IDs are numbers, as Excel stores them.

SEGEBARTH_ROWS = (
    (1, "lab-wue1", "DG", 1, "Exp1", "H"),
    (4, "lab-wue1", "CA1", 1, "Exp1", "+"),
    (1025, "lab-mue", "PVT", None, "Test", "Ext"),
    (1031, "lab-mue", "PVT", None, "Test", "Ret"),
    (1114, "lab-inns1", "IL", 1, "Test", "Ctrl"),
)
SEGEBARTH_SHIPPED = ("lab-wue1", "lab-mue")


def segebarth2020(root: Path, size: int) -> Path:
    folder = root / "segebarth2020"
    base = folder / "bioimage_data"
    base.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(list(SEGEBARTH_ROWS), columns=["ID", "name", "area", "training", "experiment", "condition"])
    table.to_excel(base / "image_mapping.xlsx", index=False)
    for image_id, lab, *_ in SEGEBARTH_ROWS:
        if lab in SEGEBARTH_SHIPPED:
            write_image(base / lab / "images" / f"{image_id:04d}.tif", bits=16, size=size)
            # analysed regions sit beside the images: never samples
            write_image(base / lab / "regions" / f"{image_id:04d}.tif", bits=8, size=size)
    return folder


FIXTURES: dict[str, Callable[[Path, int], Path]] = {
    "kaggle_cell_cycle": kaggle_cell_cycle,
    "kaggle_leukemia": kaggle_leukemia,
    "kaggle_hpa": kaggle_hpa,
    "kaggle_hpa_single": kaggle_hpa_single,
    "rxrx1": rxrx1,
    "rxrx2": rxrx2,
    "rxrx19a": rxrx19a,
    "rxrx19b": rxrx19b,
    "cil_kinome": cil_kinome,
    "segebarth2020": segebarth2020,
}
