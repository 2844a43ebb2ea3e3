"""RxRx19a (Recursion): SARS-CoV-2 infection of HRCE and Vero cells under ~1,800 approved drugs, five channels.

Native layout: `metadata.csv` (site_id, well_id, cell_type, experiment, plate, well, site, disease_condition,
treatment, treatment_conc, SMILES) and one 8-bit 1024x1024 PNG per channel at
images/{experiment}/Plate{plate}/{well}_s{site}_w{1..5}.png.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="rxrx19a",
    database="Recursion",
    name="RxRx19a",
    dir_name="rxrx19a",
    homepage="https://www.rxrx.ai/rxrx19a",
    licence="CC-BY-4.0",  # was: CC BY 4.0
    citation=(
        "Heiser K, McLean PF, Davis CT, et al. Identification of potential treatments for COVID-19 through "
        "artificial intelligence-enabled phenomic analysis of human cells infected with SARS-CoV-2. "
        "bioRxiv 2020.04.21.054387 (2020)"
    ),
    modality="fluorescence",
    channels=["w1", "w2", "w3", "w4", "w5"],
    organism="human",
    adapter="read",
    layout="metadata.csv; 8-bit PNG per channel at images/{experiment}/Plate{plate}/{well}_s{site}_w{1..5}.png",
    note=(
        "The dataset does not name the stain of each channel, so channels keep their w1..w5 names. Vero "
        "cells are African green monkey kidney cells and are labelled so. disease_condition (mock, "
        "irradiated, active virus) is the phenotype; treatment the compound."
    ),
)

ORGANISM_BY_CELL_TYPE = {"VERO": "african green monkey"}


def read(folder: Path) -> pd.DataFrame:
    out = layouts.recursion_records(folder, ENTRY.channels)
    if "cell_type" in out.columns:
        out["organism"] = out["cell_type"].astype("string").str.upper().map(ORGANISM_BY_CELL_TYPE).astype(object)
    return out
