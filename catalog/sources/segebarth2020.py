"""Segebarth et al. 2020: cFOS-labelled mouse brain sections from a deep-learning reliability study.

Extra source (not one of the 40 of the released dataset). Native layout of `bioimage_data.zip`:
`image_mapping.xlsx` (ID, name, area, training, experiment, condition) and `lab-<lab>/images/{ID}.tif`;
only lab-wue1 and lab-mue ship their images.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="segebarth2020",
    database="Zenodo",
    name="Data from: On the objectivity, reliability, and validity of deep learning enabled bioimage analyses",
    dir_name="segebarth2020",
    in_cytoimagenet=False,  # a seed of this project, not one of the 40 sources of the published dataset
    homepage="https://zenodo.org/search?q=%22On%20the%20objectivity%2C%20reliability%2C%20and%20validity%20of%20deep%20learning%20enabled%20bioimage%20analyses%22",
    licence="CC0-1.0",  # was: CC0 1.0 (verify)
    citation=(
        "Segebarth D, Griebel M, Stein N, et al. On the objectivity, reliability, and validity of deep "
        "learning enabled bioimage analyses. eLife 9:e59780 (2020)"
    ),
    modality="fluorescence",
    channels=["cFOS"],
    organism="mouse",
    cell_type=None,
    adapter="read",
    layout="image_mapping.xlsx + lab-*/images/{ID}.tif (bioimage_data.zip)",
    note=(
        "Treatment codes are mapped per lab to readable phenotypes (homecage, context control/conditioned, "
        "early/late retrieval ...); rows of labs whose images are not distributed are left out. Homepage is "
        "a search until the record's DOI is filled in; licence and citation: verify."
    ),
)


def read(folder: Path) -> pd.DataFrame:
    return layouts.segebarth_records(folder)
