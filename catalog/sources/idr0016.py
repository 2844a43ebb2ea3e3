"""IDR idr0016: Bioactive compound Cell Painting profiling (Wawer et al.).

Native layout: idr0016-screen*-annotation.csv + *plates.tsv; plate folders of imagexpress files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="idr0016",
    database="Image Data Resource",
    name="Bioactive compound Cell Painting profiling (Wawer et al.)",
    dir_name="idr0016",
    homepage="https://github.com/IDR/idr0016-wawer-bioactivecompoundprofiling",
    licence="CC-BY-4.0",  # was: CC BY 4.0 (verify)
    citation=(
        "Wawer MJ, Li K, Gustafsdottir SM, et al. Toward performance-diverse small-molecule libraries for "
        "cell-based phenotypic screens using multiplexed high-dimensional profiling. Proc Natl Acad Sci USA "
        "111(30):10911-10916 (2014)"
    ),
    modality="fluorescence",
    channels=["DNA", "ER", "RNA", "AGP", "Mito"],
    organism="human",
    cell_type="u2os",
    adapter="read",
    layout="idr0016-screen*-annotation.csv + *plates.tsv; plate folders of imagexpress files",
    note=(
        "ImageXpress naming (<prefix>_<well>_s<site>_w<1..5>) assumed, as in BBBC022 from the same lab; "
        "w1..w5 order assumed DNA, ER, RNA, AGP, Mito (verify). Licence: verify."
    ),
)

CHANNELS = {"1": "DNA", "2": "ER", "3": "RNA", "4": "AGP", "5": "Mito"}


def read(folder: Path) -> pd.DataFrame:
    return layouts.idr_screen_records(folder, naming="imagexpress", channels=CHANNELS)
