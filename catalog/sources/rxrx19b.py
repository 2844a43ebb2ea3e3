"""RxRx19b (Recursion): HUVEC under COVID-19 cytokine-storm cocktails and approved drugs, six channels.

Native layout: `metadata.csv` (site_id, well_id, cell_type, experiment, plate, well, site, disease_condition,
treatment, treatment_conc, SMILES) and one 8-bit 2048x2048 PNG per channel at
images/{experiment}/Plate{plate}/{well}_s1_w{1..6}.png.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="rxrx19b",
    database="Recursion",
    name="RxRx19b",
    dir_name="rxrx19b",
    homepage="https://www.rxrx.ai/rxrx19b",
    licence="CC-BY-4.0",  # was: CC BY 4.0
    citation=(
        "Cuccarese MF, Earnshaw BA, Heiser K, et al. Functional immune mapping with deep-learning enabled "
        "phenomics applied to immunomodulatory and COVID-19 drug discovery. bioRxiv 2020.08.02.233064 (2020)"
    ),
    modality="fluorescence",
    channels=["Hoechst", "ConA", "Phalloidin", "Syto14", "MitoTracker", "WGA"],
    organism="human",
    cell_type="huvec",
    adapter="read",
    layout="metadata.csv; 8-bit PNG per channel at images/{experiment}/Plate{plate}/{well}_s1_w{1..6}.png",
    note=(
        "Stain names per channel assumed as in RxRx1's six-channel assay (verify). disease_condition "
        "(healthy, storm-severe; blank = no cytokines) is the phenotype; treatment the compound."
    ),
)


def read(folder: Path) -> pd.DataFrame:
    return layouts.recursion_records(folder, ENTRY.channels)
