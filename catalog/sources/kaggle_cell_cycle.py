"""Kaggle: Cell Cycle Experiments (foldscope images of dividing cells, phone-captured)."""

from __future__ import annotations

from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="kaggle_cell_cycle",
    database="Kaggle",
    name="Cell Cycle Experiments",
    dir_name="kaggle_cell_cycle",
    homepage="https://www.kaggle.com/paultimothymooney/cell-cycle-experiments",
    licence="unknown",  # was: see the Kaggle dataset page (verify)
    citation="Mooney P. Cell Cycle Experiments. Kaggle dataset (verify the original image source)",
    modality="brightfield",
    channels=["RGB"],
    organism=None,
    adapter=None,
    layout="class folders of JPEG images (interphase / mitosis)",
    note=(
        "Not adaptable yet: the folder names and how they map to interphase/mitosis have not been verified. "
        "The original CytoImageNet recorded the organism as nematode; verify before labelling."
    ),
)
