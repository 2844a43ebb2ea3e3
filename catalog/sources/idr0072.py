"""IDR idr0072: Subcellular localisation reference library (Schormann et al.).

Native layout: idr0072-screen*-annotation.csv + *plates.tsv; plate folders of flex files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="idr0072",
    database="Image Data Resource",
    name="Subcellular localisation reference library (Schormann et al.)",
    dir_name="idr0072",
    homepage="https://github.com/IDR/idr0072-schormann-subcellref",
    licence="CC-BY-4.0",  # was: CC BY 4.0 (verify)
    citation=(
        "Schormann W, Hariharan S, Andrews DW. A reference library for assigning protein subcellular "
        "localizations by image-based machine learning. J Cell Biol 219(3):e201904090 (2020)"
    ),
    modality="fluorescence",
    channels=["all channels"],
    organism="human",
    cell_type="mcf10a",
    adapter="read",
    layout="idr0072-screen*-annotation.csv + *plates.tsv; plate folders of flex files",
    note=(
        "Opera FLEX files (RRRCCCFFF.flex, all channels in one file) in the plate folders that screenA-"
        "plates.tsv names. Licence: verify."
    ),
)


def read(folder: Path) -> pd.DataFrame:
    return layouts.idr_screen_records(folder, naming="flex", channels={}, container="all channels")
