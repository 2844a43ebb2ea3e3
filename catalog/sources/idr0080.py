"""IDR idr0080: Cell health CRISPR perturbations, Cell Painting (Way et al.).

Native layout: idr0080-screen*-annotation.csv + *plates.tsv; plate folders of harmony files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="idr0080",
    database="Image Data Resource",
    name="Cell health CRISPR perturbations, Cell Painting (Way et al.)",
    dir_name="idr0080",
    homepage="https://github.com/IDR/idr0080-way-perturbation",
    licence="CC0-1.0",  # was: CC0 1.0
    citation=(
        "Way GP, Kost-Alimova M, Shibue T, et al. Predicting cell health phenotypes using image-based "
        "morphology profiling. Mol Biol Cell 32(9):995-1005 (2021)"
    ),
    modality="fluorescence",
    channels=["DNA", "ER", "RNA", "AGP", "Mito"],
    organism="human",
    cell_type=None,
    adapter="read",
    layout="idr0080-screen*-annotation.csv + *plates.tsv; plate folders of harmony files",
    note=(
        "Cell lines A549, ES2, HCC44 per the annotation. Phenix (Harmony) naming assumed and ch1..ch5 order "
        "assumed DNA, ER, RNA, AGP, Mito (verify); the annotation lists the stains per well."
    ),
)

CHANNELS = {"1": "DNA", "2": "ER", "3": "RNA", "4": "AGP", "5": "Mito"}


def read(folder: Path) -> pd.DataFrame:
    return layouts.idr_screen_records(folder, naming="harmony", channels=CHANNELS)
