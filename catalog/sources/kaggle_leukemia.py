"""Kaggle: Leukemia Classification (C-NMC 2019, ISBI challenge): segmented B-lymphoblasts, ALL vs normal.

Native layout: `C-NMC_Leukemia/training_data/fold_<k>/{all,hem}/UID_<patient>_<image>_<cell>_<all|hem>.bmp`;
healthy donors' patient ids start with H.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="kaggle_leukemia",
    database="Kaggle",
    name="Leukemia Classification",
    dir_name="kaggle_leukemia",
    homepage="https://www.kaggle.com/andrewmvd/leukemia-classification",
    licence="CC-BY-3.0",  # was: CC BY 3.0 (TCIA C-NMC 2019; verify)
    citation=(
        "Gupta A, Gupta R. ALL Challenge dataset of ISBI 2019 (C-NMC 2019). The Cancer Imaging Archive (2019). "
        "doi:10.7937/tcia.2019.dc64i46r"
    ),
    modality="brightfield",
    channels=["RGB"],
    organism="human",
    cell_type="white blood cell",
    adapter="read",
    layout="C-NMC_Leukemia/training_data/fold_<k>/{all,hem}/UID_<patient>_<image>_<cell>_<all|hem>.bmp",
    note=(
        "Only the labelled training folds are read (the test phases come without per-folder labels). "
        "A patient's cells form one split group. Licence: verify."
    ),
)

PATTERN = (
    r"(?:[^/]+/)*training_data/(?P<fold>fold_\d+)/(?P<cls>all|hem)/"
    r"(?P<image>UID_(?P<patient>H?\d+)_[^/]*)\.(?i:bmp)"
)
PHENOTYPES = {"all": "b-lineage acute lymphoblastic leukemia", "hem": "healthy"}


def read(folder: Path) -> pd.DataFrame:
    files = layouts.scan(folder, PATTERN)
    layouts.require_files(files, folder, PATTERN, "C-NMC cell images")
    samples = layouts.file_samples(files, "RGB")
    samples["phenotype"] = samples["cls"].map(PHENOTYPES)
    return layouts.finish(samples, ["image"], ["patient"])
