"""Kaggle: Cell Cycle Experiments (Foldscope images of dividing cells, captured by phone).

Native layout of the Kaggle archive: `nematode cells/nematode cells/{interphase,mitosis}/IMG_<n>-<k>.jpg`,
the folder naming the cell-cycle phase (90 images: 57 interphase, 33 mitosis in the original's copy).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, SourceEntry

ORIGINAL = "stan-hua/CytoImageNet"

ENTRY = SourceEntry(
    id="kaggle_cell_cycle",
    database="Kaggle",
    name="Cell Cycle Experiments",
    dir_name="kaggle_cell_cycle",
    homepage="https://www.kaggle.com/paultimothymooney/cell-cycle-experiments",
    licence="unknown",
    citation="Mooney P. Cell Cycle Experiments. Kaggle dataset paultimothymooney/cell-cycle-experiments",
    modality="brightfield",
    channels=["RGB"],
    organism="nematode",
    adapter="read",
    layout="nematode cells/nematode cells/{interphase,mitosis}/IMG_<n>-<k>.jpg",
    note=(
        "Phase from the folder (interphase, mitosis); organism nematode and cell_visible nucleus as the "
        "original labelled them. Files sharing a number IMG_<n> (IMG_<n>-<k>) stay in one split group: "
        "whether they come from one capture is unknown, and grouping them costs only split balance."
    ),
    evidence={
        "layout": f"{ORIGINAL} annotations/kag_cell_cycle_metadata.csv (rev b0e57cf): paths kag_cell_cycle/"
                  "nematode cells/nematode cells/{interphase,mitosis}, files IMG_1667-1.jpg ...",
        "channels": f"{ORIGINAL} annotations/datasets_info.csv (rev aec7751): jpg, light microscopy, captured by phone",
        "labels": f"{ORIGINAL} annotations/kag_cell_cycle_metadata.csv (rev b0e57cf): phenotype interphase / "
                  "mitosis from the folder, cell_component nucleus, organism nematode",
        "licence": (
            "unknown: the Kaggle dataset page's licence could not be read here; public readers found by GitHub "
            "file search for 'paultimothymooney/cell-cycle-experiments' name the dataset but none states its "
            "licence. Costs publishing: a release that uses this source states its terms as unknown"
        ),
        "download": f"{ORIGINAL} annotations/datasets_info.csv (rev aec7751): kaggle datasets download -d "
                    "paultimothymooney/cell-cycle-experiments",
        "organism": f"{ORIGINAL} annotations/datasets_info.csv (rev aec7751) and the archive's folder name "
                    "'nematode cells'",
        "cell_type": "unknown: neither the archive nor the original names a cell type; no cell_type label",
        "microscopy": f"{ORIGINAL} annotations/datasets_info.csv (rev aec7751): light (Foldscope), i.e. brightfield",
    },
    download=Download(
        route="kaggle",
        kaggle="datasets/paultimothymooney/cell-cycle-experiments",
        instructions="the archive unpacks to 'nematode cells/nematode cells/'",
        evidence=f"{ORIGINAL} annotations/datasets_info.csv (rev aec7751), column download",
    ),
)

PATTERN = (
    r"(?:[^/]+/)*nematode cells/(?P<phase>interphase|mitosis)/"
    r"(?P<image>(?P<photo>IMG_\d+)(?:-\d+)?)\.(?i:jpe?g)"
)


def read(folder: Path) -> pd.DataFrame:
    files = layouts.scan(folder, PATTERN)
    layouts.require_files(files, folder, PATTERN, "cell-cycle photos")
    samples = layouts.file_samples(files, "RGB")  # microscopy: the entry's, brightfield
    samples["phenotype"] = samples["phase"]
    samples["cell_visible"] = "nucleus"
    # the same IMG_<n>-<k> could in principle sit in both phase folders: the phase keeps the ids apart
    return layouts.finish(samples, ["phase", "image"], ["photo"])
