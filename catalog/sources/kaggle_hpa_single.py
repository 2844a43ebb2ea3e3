"""Kaggle: Human Protein Atlas Single Cell Classification (2021), image-level weak labels.

Native layout: `train.csv` (ID, Label: '|'-separated class numbers) and `train/{ID}_{green,red,blue,
yellow}.png` (bit depth: unknown, 16-bit assumed by the fixtures; the reader takes either): green the
protein, red microtubules, blue nucleus, yellow ER.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import hpa
from cytoimagenet.catalog.source import Download, SourceEntry

ENTRY = SourceEntry(
    id="kaggle_hpa_single",
    database="Kaggle",
    name="Human Protein Atlas - Single Cell Classification",
    dir_name="kaggle_hpa_single",
    homepage="https://www.kaggle.com/c/hpa-single-cell-image-classification",
    licence="LicenseRef-Kaggle-Competition",
    citation=(
        "Le T, Winsnes CF, Axelsson U, et al. Analysis of the Human Protein Atlas Weakly Supervised "
        "Single-Cell Classification competition. Nat Methods 19(10):1221-1229 (2022)"
    ),
    modality="fluorescence",
    channels=["protein", "microtubules", "nucleus", "endoplasmic reticulum"],
    organism="human",
    adapter="read",
    layout="train.csv (ID, Label) + train/{ID}_{green,red,blue,yellow}.png",
    note=(
        "Protein channel kept apart as for kaggle_hpa. Class 18 'Negative' names no structure and gives no "
        "label (the original counted it as a class 'negative'). train.csv names no cell line, so no "
        "cell_type is given (the original's blanket 'u2os' is not supported by the distribution)."
    ),
    evidence={
        "layout": "stan-hua/CytoImageNet annotations/kag_hpa_singlecell_2021_train.csv (rev b0e57cf: train.csv "
                  "columns ID, Label, '|'-separated) and"
                  " scripts/merge_channels.py (rev aec7751: kag_hpa_single/train/)",
        "channels": "https://www.kaggle.com/c/hpa-single-cell-image-classification/data (green protein, red "
                    "microtubules, blue nucleus, yellow ER); stan-hua/CytoImageNet annotations/datasets_info.csv "
                    "(rev aec7751): f_protein, f_microtubules, f_nucleus, f_ER",
        "labels": "stan-hua/CytoImageNet annotations/datasets_info.csv (rev aec7751), cell_component: the 19 "
                  "classes 0..18 in order, 18 'negative'",
        "licence": "https://www.kaggle.com/c/hpa-single-cell-image-classification/rules (competition data: the "
                   "competition's rules bind its use); a competition: stan-hua/CytoImageNet "
                   "annotations/datasets_info.csv download 'kaggle competitions download -c ...'",
        "download": "stan-hua/CytoImageNet annotations/datasets_info.csv (rev aec7751), column download",
        "organism": "stan-hua/CytoImageNet annotations/datasets_info.csv (rev aec7751): human",
        "cell_type": "unknown: train.csv names no cell line; costs the cell_type label of this source",
        "microscopy": "stan-hua/CytoImageNet annotations/datasets_info.csv (rev aec7751): confocal (fluorescence)",
    },
    download=Download(
        route="kaggle",
        kaggle="competitions/hpa-single-cell-image-classification",
        instructions="accept the competition's rules on Kaggle first; the archive unpacks to train.csv and train/",
        evidence="stan-hua/CytoImageNet annotations/datasets_info.csv (rev aec7751), column download",
    ),
)

CLASSES = {
    0: "nucleoplasm", 1: "nuclear membrane", 2: "nucleoli", 3: "nucleoli fibrillar center",
    4: "nuclear speckles", 5: "nuclear bodies", 6: "endoplasmic reticulum", 7: "golgi apparatus",
    8: "intermediate filaments", 9: "actin filaments", 10: "microtubules", 11: "mitotic spindle",
    12: "centrosome", 13: "plasma membrane", 14: "mitochondria", 15: "aggresome", 16: "cytosol",
    17: "vesicles and punctate cytosolic patterns", 18: None,
}


def read(folder: Path) -> pd.DataFrame:
    return hpa.records(
        folder, csv_name="train.csv", id_col="ID", target_col="Label", classes=CLASSES, image_dir="train"
    )
