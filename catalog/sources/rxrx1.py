"""RxRx1 (Recursion): siRNA perturbations in four cell types across 51 experiments, six channels.

Native layout: `metadata.csv` (site_id, well_id, cell_type, dataset, experiment, plate, well, site, well_type,
sirna, sirna_id) and one 8-bit 512x512 PNG per channel at `images/{experiment}/Plate{plate}/{well}_s{site}_w{1..6}.png`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog.source import SourceEntry, read_csv

ENTRY = SourceEntry(
    id="rxrx1",
    database="Recursion",
    name="RxRx1",
    dir_name="rxrx1",
    homepage="https://www.rxrx.ai/rxrx1",
    licence="CC-BY-NC-SA-4.0",  # was: CC BY-NC-SA 4.0
    citation=(
        "Sypetkowski M et al. RxRx1: A Dataset for Evaluating Experimental Batch Correction Methods. "
        "CVPR Workshops (2023)"
    ),
    modality="fluorescence",
    channels=["Hoechst", "ConA", "Phalloidin", "Syto14", "MitoTracker", "WGA"],
    organism="human",
    adapter="read",
    layout="metadata.csv; 8-bit PNG per channel at images/{experiment}/Plate{plate}/{well}_s{site}_w{1..6}.png",
)

COLUMNS = ["site_id", "well_id", "cell_type", "dataset", "experiment", "plate", "well", "site", "well_type", "sirna", "sirna_id"]
CELL_VISIBLE = "nucleus|endoplasmic reticulum|actin|nucleolus|mitochondria|golgi apparatus"


def read(folder: Path) -> pd.DataFrame:
    meta = read_csv(folder / "metadata.csv", COLUMNS)
    out = pd.DataFrame(index=meta.index)
    out["sample_id"] = meta["site_id"]
    out["group"] = meta["experiment"] + "_" + meta["plate"].astype(str) + "_" + meta["well"]
    out["cell_type"] = meta["cell_type"]
    out["cell_visible"] = CELL_VISIBLE
    # negative controls carry sirna "EMPTY": no treatment, so no sirna label
    out["sirna"] = meta["sirna"].where(~meta["sirna"].fillna("").str.upper().isin(["EMPTY", ""]))
    base = "images/" + meta["experiment"] + "/Plate" + meta["plate"].astype(str) + "/" + meta["well"] + "_s" + meta["site"].astype(str)
    out["source_files"] = [[f"{b}_w{w}.png" for w in range(1, 7)] for b in base]
    out["channels"] = [list(ENTRY.channels)] * len(meta)
    return out
