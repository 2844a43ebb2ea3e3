"""Kaggle: Human Protein Atlas Image Classification (2018), 28 localisation classes.

Native layout: `train.csv` (Id, Target: space-separated class numbers) and `train/{Id}_{green,red,blue,
yellow}.png`, 8-bit 512x512: green the protein, red microtubules, blue nucleus, yellow ER.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import hpa
from cytoimagenet.catalog.source import Download, SourceEntry

ENTRY = SourceEntry(
    id="kaggle_hpa",
    database="Kaggle",
    name="Human Protein Atlas Image Classification",
    dir_name="kaggle_hpa",
    homepage="https://www.kaggle.com/c/human-protein-atlas-image-classification",
    licence="LicenseRef-Kaggle-Competition",
    citation=(
        "Ouyang W, Winsnes CF, Hjelmare M, et al. Analysis of the Human Protein Atlas Image Classification "
        "competition. Nat Methods 16(12):1254-1261 (2019)"
    ),
    modality="fluorescence",
    channels=["protein", "microtubules", "nucleus", "endoplasmic reticulum"],
    organism="human",
    adapter="read",
    layout="train.csv (Id, Target) + train/{Id}_{green,red,blue,yellow}.png",
    note=(
        "The protein (green) channel is kept apart: each image gives a reference-stain sample (red, blue, "
        "yellow merged; cell_visible = those stains) and a protein sample (green; cell_visible = its "
        "localisations), in one split group. train.csv names no cell line: the original labelled every image "
        "u2os (datasets_info.csv), which the distribution does not support, so no cell_type is given."
    ),
    evidence={
        "layout": "stan-hua/CytoImageNet annotations/kag_hpa_2019_train.csv (rev ca0ce11: train.csv columns Id, "
                  "Target, space-separated) and scripts/merge_channels.py (rev 2415cf9: kag_hpa/train/)",
        "channels": "https://www.kaggle.com/c/human-protein-atlas-image-classification/data (green protein, red "
                    "microtubules, blue nucleus, yellow ER); stan-hua/CytoImageNet annotations/datasets_info.csv "
                    "(rev aec7751): f_protein, f_microtubules, f_nucleus, f_ER",
        "labels": "stan-hua/CytoImageNet annotations/datasets_info.csv (rev aec7751), cell_component: the 28 "
                  "localisation classes 0..27 in order, the protein channel predicting them",
        "licence": "https://www.kaggle.com/c/human-protein-atlas-image-classification/rules (competition data: "
                   "the competition's rules bind its use); a competition: stan-hua/CytoImageNet "
                   "annotations/datasets_info.csv download 'kaggle competitions download -c ...'",
        "download": "stan-hua/CytoImageNet annotations/datasets_info.csv (rev aec7751), column download",
        "organism": "stan-hua/CytoImageNet annotations/datasets_info.csv (rev aec7751): human",
        "cell_type": "unknown: train.csv names no cell line; costs the cell_type label of this source",
        "microscopy": "stan-hua/CytoImageNet annotations/datasets_info.csv (rev aec7751): confocal (fluorescence)",
    },
    download=Download(
        route="kaggle",
        kaggle="competitions/human-protein-atlas-image-classification",
        instructions="accept the competition's rules on Kaggle first; the archive unpacks to train.csv and train/",
        evidence="stan-hua/CytoImageNet annotations/datasets_info.csv (rev aec7751), column download",
    ),
)

CLASSES = {
    0: "nucleoplasm", 1: "nuclear membrane", 2: "nucleoli", 3: "nucleoli fibrillar center",
    4: "nuclear speckles", 5: "nuclear bodies", 6: "endoplasmic reticulum", 7: "golgi apparatus",
    8: "peroxisomes", 9: "endosomes", 10: "lysosomes", 11: "intermediate filaments", 12: "actin filaments",
    13: "focal adhesion sites", 14: "microtubules", 15: "microtubule ends", 16: "cytokinetic bridge",
    17: "mitotic spindle", 18: "microtubule organizing center", 19: "centrosome", 20: "lipid droplets",
    21: "plasma membrane", 22: "cell junctions", 23: "mitochondria", 24: "aggresome", 25: "cytosol",
    26: "cytoplasmic bodies", 27: "rods & rings",
}


def read(folder: Path) -> pd.DataFrame:
    return hpa.records(
        folder, csv_name="train.csv", id_col="Id", target_col="Target", classes=CLASSES, image_dir="train"
    )
