"""IDR idr0088: Phenomic profiling of 1,008 small molecules (Cox et al.).

Native layout: idr0088-screen*-annotation.csv + *plates.tsv; plate folders of cellvoyager files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="idr0088",
    database="Image Data Resource",
    name="Phenomic profiling of 1,008 small molecules (Cox et al.)",
    dir_name="idr0088",
    homepage="https://github.com/IDR/idr0088-cox-phenomicprofiling",
    licence="CC-BY-NC-4.0",  # was: CC BY-NC 4.0
    citation=(
        "Cox MJ, Jaensch S, Van de Waeter J, et al. Tales of 1,008 small molecules: phenomic profiling "
        "through live-cell imaging in a panel of reporter cell lines. Sci Rep 10:13262 (2020)"
    ),
    modality="fluorescence",
    channels=["BFP", "GFP", "RFP"],
    organism="human",
    cell_type=None,
    adapter="read",
    layout="idr0088-screen*-annotation.csv + *plates.tsv; plate folders of cellvoyager files",
    note=(
        "Cell Voyager 7000 naming assumed (..._<well>_T0001F<field>L01A..Z01C<ch>.tif); C01-C03 assumed BFP "
        "segmentation, GFP and RFP markers (verify). Cell lines (HepG2, A549, WPMY1) per the annotation."
    ),
)

CHANNELS = {"01": "BFP", "02": "GFP", "03": "RFP"}


def read(folder: Path) -> pd.DataFrame:
    return layouts.idr_screen_records(folder, naming="cellvoyager", channels=CHANNELS)
