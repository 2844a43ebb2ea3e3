"""RxRx19b (Recursion): HUVEC under COVID-19 cytokine-storm cocktails and approved drugs, six channels.

Native layout (rxrx19b-images.zip and rxrx19b-metadata.zip unpack into `rxrx19b/`): `rxrx19b/metadata.csv`
(site_id, well_id, cell_type, experiment, plate, well, site, disease_condition, treatment, treatment_conc,
SMILES) and one 8-bit 2048x2048 PNG per channel at `rxrx19b/images/{experiment}/Plate{plate}/{well}_s1_w{1..6}.png`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import recursion
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="rxrx19b",
    database="Recursion",
    name="RxRx19b",
    dir_name="rxrx19b",
    homepage="https://www.rxrx.ai/rxrx19b",
    licence="CC-BY-4.0",
    citation=(
        "Cuccarese MF, Earnshaw BA, Heiser K, et al. Functional immune mapping with deep-learning enabled "
        "phenomics applied to immunomodulatory and COVID-19 drug discovery. bioRxiv 2020.08.02.233064 (2020)"
    ),
    modality="fluorescence",
    channels=list(recursion.SIX_CHANNELS),
    organism="human",
    cell_type="huvec",
    adapter="read",
    layout="rxrx19b/metadata.csv; 8-bit PNG per channel at "
           "rxrx19b/images/{experiment}/Plate{plate}/{well}_s1_w{1..6}.png",
    note=(
        "disease_condition (healthy, storm-severe; blank = no cytokines, no label) is the phenotype; treatment "
        "the compound."
    ),
    evidence={
        "layout": "recursionpharma/rxrx-datasets rxrx19b/README.md (metadata.csv schema, image paths, site always 1); "
                  "stan-hua/CytoImageNet scripts/preprocessor.py (rev 8fd9a83: rxrx19b/metadata.csv, rxrx19b/images/)",
        "channels": recursion.SIX_CHANNELS_EVIDENCE.format(id="rxrx19b"),
        "labels": "recursionpharma/rxrx-datasets rxrx19b/README.md (disease_condition, treatment columns); "
                  + recursion.CELL_VISIBLE_EVIDENCE,
        "licence": "recursionpharma/rxrx-datasets rxrx19b/README.md (License: CC BY 4.0)",
        "download": recursion.DOWNLOAD_EVIDENCE.format(id="rxrx19b"),
        "organism": "stan-hua/CytoImageNet annotations/datasets_info.csv (rev aec7751): human, huvec",
        "cell_type": "metadata.csv column cell_type (HUVEC, recursionpharma/rxrx-datasets rxrx19b/README.md)",
        "microscopy": "stan-hua/CytoImageNet annotations/datasets_info.csv (rev aec7751): fluorescence",
    },
    download=recursion.download("rxrx19b", "rxrx19b", "409 GB"),
)

CELL_VISIBLE = "|".join(recursion.SIX_CHANNELS)


def read(folder: Path) -> pd.DataFrame:
    out = recursion.records(folder, ENTRY.channels, top="rxrx19b")
    out = recursion.label(out, "disease_condition", as_="phenotype")
    out = recursion.label(out, "treatment", as_="compound")
    out["cell_visible"] = CELL_VISIBLE
    return out
