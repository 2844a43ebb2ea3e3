"""RxRx2 (Recursion): HUVEC treated with soluble factors (cytokines, growth factors, toxins), six channels.

Native layout: `rxrx2-metadata.csv` (site_id, well_id, cell_type, experiment, plate, well, site, treatment,
treatment_conc) and one 8-bit 1024x1024 PNG per channel at images/{experiment}/Plate{plate}/{well}_s{site}_w{1..6}.png.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="rxrx2",
    database="Recursion",
    name="RxRx2",
    dir_name="rxrx2",
    homepage="https://www.rxrx.ai/rxrx2",
    licence="CC-BY-NC-4.0",  # was: CC BY-NC 4.0
    citation=(
        "Cuccarese MF, Earnshaw BA, Heiser K, et al. Functional immune mapping with deep-learning enabled "
        "phenomics applied to immunomodulatory and COVID-19 drug discovery. bioRxiv 2020.08.02.233064 (2020)"
    ),
    modality="fluorescence",
    channels=["Hoechst", "ConA", "Phalloidin", "Syto14", "MitoTracker", "WGA"],
    organism="human",
    cell_type="huvec",
    adapter="read",
    layout="rxrx2-metadata.csv; 8-bit PNG per channel at images/{experiment}/Plate{plate}/{well}_s{site}_w{1..6}.png",
    note="Stain names per channel assumed as in RxRx1's six-channel assay (verify). Soluble factors are the compound label.",
)


def read(folder: Path) -> pd.DataFrame:
    return layouts.recursion_records(folder, ENTRY.channels, metadata="rxrx2-metadata.csv")
