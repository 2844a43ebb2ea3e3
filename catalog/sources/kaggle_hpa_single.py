"""Kaggle: Human Protein Atlas Single Cell Classification (2021), image-level weak labels.

Native layout: `train.csv` (ID, Label: '|'-separated class numbers) and `train/{ID}_{green,red,blue,
yellow}.png`, 16-bit (some 8-bit) PNG: green the protein, red microtubules, blue nucleus, yellow ER.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="kaggle_hpa_single",
    database="Kaggle",
    name="Human Protein Atlas - Single Cell Classification",
    dir_name="kaggle_hpa_single",
    homepage="https://www.kaggle.com/c/hpa-single-cell-image-classification",
    licence="unknown",  # was: Kaggle competition rules; HPA images CC BY-SA 3.0 (verify)
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
        "label. Licence: verify."
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
    return layouts.hpa_records(
        folder, csv_name="train.csv", id_col="ID", target_col="Label", classes=CLASSES, image_dir="train"
    )
