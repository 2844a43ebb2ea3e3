"""IDR idr0067: Yeast meiosis nuclear remodelling (King et al.).

Native layout: idr0067-experiment*-annotation.csv (Dataset Name, Image Name) + image files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="idr0067",
    database="Image Data Resource",
    name="Yeast meiosis nuclear remodelling (King et al.)",
    dir_name="idr0067",
    homepage="https://github.com/IDR/idr0067-king-yeastmeiosis",
    licence="CC-BY-4.0",  # was: CC BY 4.0 (verify)
    citation=(
        "King GA, Goodman JS, Schick JG, et al. Meiotic cellular rejuvenation is coupled to nuclear "
        "remodeling in budding yeast. eLife 8:e47156 (2019)"
    ),
    modality="fluorescence",
    channels=["stack"],
    organism="yeast",
    cell_type=None,
    adapter="read",
    layout="idr0067-experiment*-annotation.csv (Dataset Name, Image Name) + image files",
    note=(
        "An IDR experiment: each image is a time-lapse (z-)stack file, found by its Image Name; plane and "
        "time-point choice is left to the builder (to decide). Licence: verify."
    ),
)


def read(folder: Path) -> pd.DataFrame:
    return layouts.idr_project_records(folder, container="stack")
