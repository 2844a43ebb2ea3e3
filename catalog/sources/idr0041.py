"""IDR idr0041: Mitotic cell atlas (Cai et al.).

Native layout: idr0041-experiment*-annotation.csv (Dataset Name, Image Name) + image files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="idr0041",
    database="Image Data Resource",
    name="Mitotic cell atlas (Cai et al.)",
    dir_name="idr0041",
    homepage="https://github.com/IDR/idr0041-cai-mitoticatlas",
    licence="CC-BY-4.0",  # was: CC BY 4.0 (verify)
    citation=(
        "Cai Y, Hossain MJ, Hériché JK, et al. Experimental and computational framework for a dynamic protein"
        " atlas of human cell division. Nature 561(7723):411-415 (2018)"
    ),
    modality="fluorescence",
    channels=["stack"],
    organism="human",
    cell_type="hela",
    adapter="read",
    layout="idr0041-experiment*-annotation.csv (Dataset Name, Image Name) + image files",
    note=(
        "An IDR experiment: each image is a 4D (z, time) multi-channel stack file, found by its Image Name; "
        "plane and time-point choice is left to the builder (to decide). Licence: verify."
    ),
)


def read(folder: Path) -> pd.DataFrame:
    return layouts.idr_project_records(folder, container="stack")
