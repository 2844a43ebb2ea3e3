"""IDR idr0037: HipSci iPSC cell morphology (Vigilante et al.).

Native layout: idr0037-screen*-annotation.csv + *plates.tsv; plate folders of harmony files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="idr0037",
    database="Image Data Resource",
    name="HipSci iPSC cell morphology (Vigilante et al.)",
    dir_name="idr0037",
    homepage="https://github.com/IDR/idr0037-vigilante-hipsci",
    licence="CC-BY-4.0",  # was: CC BY 4.0 (verify)
    citation=(
        "Vigilante A, Laddach A, Moens N, et al. Identifying extrinsic versus intrinsic drivers of variation "
        "in cell behavior in human iPSC lines from healthy donors. Cell Rep 26(8):2078-2087 (2019)"
    ),
    modality="fluorescence",
    channels=["ch1", "ch2", "ch3", "ch4"],
    organism="human",
    cell_type="ipsc",
    adapter="read",
    layout="idr0037-screen*-annotation.csv + *plates.tsv; plate folders of harmony files",
    note=(
        "Operetta (Harmony) naming r..c..f..p..-ch.. assumed (verify); channel stains not named here "
        "(verify). Licence: verify."
    ),
)

CHANNELS = {"1": "ch1", "2": "ch2", "3": "ch3", "4": "ch4"}


def read(folder: Path) -> pd.DataFrame:
    return layouts.idr_screen_records(folder, naming="harmony", channels=CHANNELS)
