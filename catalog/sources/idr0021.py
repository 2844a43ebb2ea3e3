"""IDR idr0021: Pericentriolar material organisation (Lawo et al.).

Native layout: idr0021-experiment*-annotation.csv (Dataset Name, Image Name) + image files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="idr0021",
    database="Image Data Resource",
    name="Pericentriolar material organisation (Lawo et al.)",
    dir_name="idr0021",
    homepage="https://github.com/IDR/idr0021-lawo-pericentriolarmaterial",
    licence="CC-BY-4.0",  # was: CC BY 4.0 (verify)
    citation=(
        "Lawo S, Hasegan M, Gupta GD, Pelletier L. Subdiffraction imaging of centrosomes reveals higher-order"
        " organizational features of pericentriolar material. Nat Cell Biol 14(11):1148-1158 (2012)"
    ),
    modality="fluorescence",
    channels=["stack"],
    organism="human",
    cell_type=None,
    adapter="read",
    layout="idr0021-experiment*-annotation.csv (Dataset Name, Image Name) + image files",
    note=(
        "An IDR experiment (no plates): each annotated image is one multi-channel (z-)stack file, found by "
        "its Image Name. Licence: verify."
    ),
)


def read(folder: Path) -> pd.DataFrame:
    return layouts.idr_project_records(folder, container="stack")
