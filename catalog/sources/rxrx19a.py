"""RxRx19a (Recursion): SARS-CoV-2 infection of HRCE and Vero cells under ~1,800 approved drugs, five channels.

Native layout (RxRx19a-images.zip and RxRx19a-metadata.zip unpack into `RxRx19a/`): `RxRx19a/metadata.csv`
(site_id, well_id, cell_type, experiment, plate, well, site, disease_condition, treatment, treatment_conc,
SMILES) and one 8-bit 1024x1024 PNG per channel at
`RxRx19a/images/{experiment}/Plate{plate}/{well}_s{site}_w{1..5}.png`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import recursion
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="rxrx19a",
    database="Recursion",
    name="RxRx19a",
    dir_name="rxrx19a",
    homepage="https://www.rxrx.ai/rxrx19a",
    licence="CC-BY-4.0",
    citation=(
        "Heiser K, McLean PF, Davis CT, et al. Identification of potential treatments for COVID-19 through "
        "artificial intelligence-enabled phenomic analysis of human cells infected with SARS-CoV-2. "
        "bioRxiv 2020.04.21.054387 (2020)"
    ),
    modality="fluorescence",
    channels=["w1", "w2", "w3", "w4", "w5"],
    organism="human",
    adapter="read",
    layout="RxRx19a/metadata.csv; 8-bit PNG per channel at "
           "RxRx19a/images/{experiment}/Plate{plate}/{well}_s{site}_w{1..5}.png",
    note=(
        "Five channels, not six: the stain of each is published nowhere beside the files, so channels keep their "
        "w1..w5 names and no cell_visible label is given. disease_condition (mock, irradiated or viral, as the README "
        "puts it) is the phenotype, treatment the compound. Vero cells are labelled african green monkey."
    ),
    evidence={
        "layout": "recursionpharma/rxrx-datasets rxrx19a/README.md (metadata.csv schema, image paths); folder "
                  "RxRx19a/ as read by stan-hua/CytoImageNet scripts/data_processing/preprocessor.py",
        "channels": "recursionpharma/rxrx-datasets rxrx19a/README.md (all five channels w1-w5 make up an image); "
                    "stan-hua/CytoImageNet scripts/data_processing/preprocessor.py (5 files per site). Stain per "
                    "channel unknown: costs the cell_visible label of this source",
        "labels": "recursionpharma/rxrx-datasets rxrx19a/README.md (disease_condition, treatment columns)",
        "licence": "recursionpharma/rxrx-datasets rxrx19a/README.md (License: CC BY 4.0)",
        "download": recursion.DOWNLOAD_EVIDENCE.format(id="rxrx19a"),
        "organism": "recursionpharma/rxrx-datasets rxrx19a/README.md (human renal cortical epithelial cells and "
                    "Vero cells); Vero: African green monkey kidney, https://www.cellosaurus.org/CVCL_0059",
        "cell_type": "metadata.csv column cell_type (HRCE, VERO)",
        "microscopy": "stan-hua/CytoImageNet annotations/datasets_info.csv (rev aec7751): fluorescence",
    },
    download=recursion.download("RxRx19a", "RxRx19a", "445 GB"),
)

ORGANISM_BY_CELL_TYPE = {"VERO": "african green monkey"}


def read(folder: Path) -> pd.DataFrame:
    out = recursion.records(folder, ENTRY.channels, top="RxRx19a")
    out = recursion.label(out, "disease_condition", as_="phenotype")
    out = recursion.label(out, "treatment", as_="compound")
    out["organism"] = out["cell_type"].astype("string").str.upper().map(ORGANISM_BY_CELL_TYPE).astype(object)
    return out
