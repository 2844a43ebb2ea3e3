"""RxRx2 (Recursion): HUVEC treated with soluble factors (cytokines, growth factors, toxins), six channels.

Native layout (rxrx2-images.zip and rxrx2-metadata.zip unpack into `rxrx2/`): the metadata CSV (site_id,
well_id, cell_type, experiment, plate, well, site, treatment, treatment_conc) beside one 8-bit 1024x1024 PNG
per channel at `rxrx2/images/{experiment}/Plate{plate}/{well}_s{site}_w{1..6}.png`. The README calls the CSV
`rxrx2-metadata.csv`; the original read `rxrx2/metadata.csv`: both names are read.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import recursion
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="rxrx2",
    database="Recursion",
    name="RxRx2",
    dir_name="rxrx2",
    homepage="https://www.rxrx.ai/rxrx2",
    licence="CC-BY-NC-4.0",
    citation=(
        "Cuccarese MF, Earnshaw BA, Heiser K, et al. Functional immune mapping with deep-learning enabled "
        "phenomics applied to immunomodulatory and COVID-19 drug discovery. bioRxiv 2020.08.02.233064 (2020)"
    ),
    modality="fluorescence",
    channels=list(recursion.SIX_CHANNELS),
    organism="human",
    cell_type="huvec",
    adapter="read",
    layout="rxrx2/metadata.csv (or rxrx2-metadata.csv); 8-bit PNG per channel at "
           "rxrx2/images/{experiment}/Plate{plate}/{well}_s{site}_w{1..6}.png",
    note="The soluble factor (treatment) is the compound label; a blank treatment is untreated and gives none.",
    evidence={
        "layout": "recursionpharma/rxrx-datasets rxrx2/README.md (schema, image paths, rxrx2-metadata.csv); "
                  "stan-hua/CytoImageNet scripts/preprocessor.py (rev d688c44: rxrx2/metadata.csv, rxrx2/images/)",
        "channels": recursion.SIX_CHANNELS_EVIDENCE.format(id="rxrx2"),
        "labels": "recursionpharma/rxrx-datasets rxrx2/README.md (treatment: soluble factor added to the well); "
                  "stan-hua/CytoImageNet annotations/datasets_info.csv (rev aec7751) lists the factors as labels; "
                  + recursion.CELL_VISIBLE_EVIDENCE,
        "licence": "recursionpharma/rxrx-datasets rxrx2/README.md (License: CC BY-NC 4.0)",
        "download": recursion.DOWNLOAD_EVIDENCE.format(id="rxrx2"),
        "organism": "stan-hua/CytoImageNet annotations/datasets_info.csv (rev aec7751): human, huvec",
        "cell_type": "metadata column cell_type (HUVEC, recursionpharma/rxrx-datasets rxrx2/README.md image paths)",
        "microscopy": "stan-hua/CytoImageNet annotations/datasets_info.csv (rev aec7751): fluorescence",
    },
    download=recursion.download("rxrx2", "rxrx2", "195 GB"),
)

CELL_VISIBLE = "|".join(recursion.SIX_CHANNELS)


def read(folder: Path) -> pd.DataFrame:
    out = recursion.records(folder, ENTRY.channels, top="rxrx2", metadata=("metadata.csv", "rxrx2-metadata.csv"))
    out = recursion.label(out, "treatment", as_="compound")
    out["cell_visible"] = CELL_VISIBLE
    return out
