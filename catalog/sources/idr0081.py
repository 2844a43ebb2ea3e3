"""IDR idr0081: Adenovirus full-cycle drug screen (Georgi et al.).

Native layout: idr0081-screen*-annotation.csv + *plates.tsv; plate folders of imagexpress files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="idr0081",
    database="Image Data Resource",
    name="Adenovirus full-cycle drug screen (Georgi et al.)",
    dir_name="idr0081",
    homepage="https://github.com/IDR/idr0081-georgi-adenovirus",
    licence="CC-BY-4.0",  # was: CC BY 4.0
    citation=(
        "Georgi F, Kuttler F, Murer L, et al. A high-content image-based drug screen of clinical compounds "
        "against cell transmission of adenovirus. Sci Data 7:265 (2020)"
    ),
    modality="fluorescence",
    channels=["w1", "w2"],
    organism="human",
    cell_type="a549",
    adapter="read",
    layout="idr0081-screen*-annotation.csv + *plates.tsv; plate folders of imagexpress files",
    note=(
        "ImageXpress naming <plate>_<well>_w<1|2>.TIF as in the study's example files (UZH plates; plates "
        "imaged on the IN Cell 2200 use another naming and fail loudly). Channels are Hoechst nuclei and the "
        "virus GFP reporter; their w-order is to verify."
    ),
)

CHANNELS = {"1": "w1", "2": "w2"}


def read(folder: Path) -> pd.DataFrame:
    return layouts.idr_screen_records(folder, naming="imagexpress", channels=CHANNELS)
