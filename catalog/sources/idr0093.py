"""IDR idr0093: Genome-wide siRNA screen of cell size and RNA production (Müller et al.).

Native layout: idr0093-screen*-annotation.csv + *plates.tsv; plate folders of cellvoyager files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="idr0093",
    database="Image Data Resource",
    name="Genome-wide siRNA screen of cell size and RNA production (Müller et al.)",
    dir_name="idr0093",
    homepage="https://github.com/IDR/idr0093-mueller-perturbation",
    licence="CC-BY-4.0",  # was: CC BY 4.0
    citation=(
        "Müller M, Pelkmans L, Berry S. High content genome-wide siRNA screen to investigate the coordination"
        " of cell size and RNA production. Sci Data 8:162 (2021) (verify journal)"
    ),
    modality="fluorescence",
    channels=["C01", "C02", "C03", "C04", "C05"],
    organism="human",
    cell_type=None,
    adapter="read",
    layout="idr0093-screen*-annotation.csv + *plates.tsv; plate folders of cellvoyager files",
    note=(
        "CellVoyager CV7000 naming assumed (verify); stains DAPI, PCNA, EU (nascent RNA), succinimidyl ester;"
        " their C-order is to verify, so channels keep their C-numbers."
    ),
)

CHANNELS = {"01": "C01", "02": "C02", "03": "C03", "04": "C04", "05": "C05"}


def read(folder: Path) -> pd.DataFrame:
    return layouts.idr_screen_records(folder, naming="cellvoyager", channels=CHANNELS)
