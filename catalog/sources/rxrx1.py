"""RxRx1 (Recursion): siRNA knockdowns in four cell types across 51 experiments, six channels.

Native layout (rxrx1-images.zip and rxrx1-metadata.zip unpack into `rxrx1/`): `rxrx1/metadata.csv` (site_id,
well_id, cell_type, dataset, experiment, plate, well, site, well_type, sirna, sirna_id) and one 8-bit
512x512 PNG per channel at `rxrx1/images/{experiment}/Plate{plate}/{well}_s{site}_w{1..6}.png`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import recursion
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="rxrx1",
    database="Recursion",
    name="RxRx1",
    dir_name="rxrx1",
    homepage="https://www.rxrx.ai/rxrx1",
    licence="CC-BY-NC-SA-4.0",
    citation=(
        "Sypetkowski M et al. RxRx1: A Dataset for Evaluating Experimental Batch Correction Methods. "
        "CVPR Workshops (2023)"
    ),
    modality="fluorescence",
    channels=list(recursion.SIX_CHANNELS),
    organism="human",
    adapter="read",
    layout="rxrx1/metadata.csv; 8-bit PNG per channel at "
           "rxrx1/images/{experiment}/Plate{plate}/{well}_s{site}_w{1..6}.png",
    note=(
        "sirna is the label (negative controls carry sirna 'EMPTY': no knockdown, no sirna label); the "
        "original's rxrx1 script (scripts/preprocessor_2.py, rev ea8c54b) copied cell_type into sirna, a bug "
        "not repeated here. A well is a split group."
    ),
    evidence={
        "layout": "recursionpharma/rxrx-datasets rxrx1/README.md (metadata schema, image paths); folder rxrx1/ as "
                  "read by stan-hua/CytoImageNet scripts/preprocessor_2.py (rev ea8c54b)",
        "channels": recursion.SIX_CHANNELS_EVIDENCE.format(id="rxrx1"),
        "labels": "recursionpharma/rxrx-datasets rxrx1/README.md (cell_type, sirna, well_type columns); "
                  + recursion.CELL_VISIBLE_EVIDENCE,
        "licence": "recursionpharma/rxrx-datasets rxrx1/README.md (License: CC BY-NC-SA 4.0, since August 2020)",
        "download": recursion.DOWNLOAD_EVIDENCE.format(id="rxrx1"),
        "organism": "https://arxiv.org/abs/2301.05768 (abstract: images of human cells in 4 cell types)",
        "cell_type": "metadata.csv column cell_type",
        "microscopy": "recursionpharma/rxrx-datasets rxrx1/README.md (fluorescent cellular microscopy)",
    },
    download=recursion.download("rxrx1", "rxrx1", "47 GB"),
)

CELL_VISIBLE = "|".join(recursion.SIX_CHANNELS)


def read(folder: Path) -> pd.DataFrame:
    out = recursion.records(folder, ENTRY.channels, top="rxrx1")
    out = recursion.label(out, "sirna", as_="sirna")
    # negative controls carry sirna "EMPTY": no treatment, so no sirna label
    out["sirna"] = out["sirna"].where(~out["sirna"].astype("string").str.upper().eq("EMPTY").fillna(False), None)
    out["cell_visible"] = CELL_VISIBLE
    return out
