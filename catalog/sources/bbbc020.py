"""BBBC020: murine bone-marrow derived macrophages, DAPI nuclei and CD11b cell surface.

Native layout: `BBBC020_v1_images/<image>/<image>_c1.TIF` (DAPI) and `<image>_c5.TIF` (CD11b), plus a
composite `<image>_(c1+c5).TIF` that the distribution adds and that is not a channel.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="bbbc020",
    database="Broad Bioimage Benchmark Collection",
    name="Murine bone-marrow derived macrophages",
    dir_name="bbbc020",
    homepage="https://bbbc.broadinstitute.org/BBBC020",
    licence="CC-BY-3.0",  # was: CC BY 3.0 (verify)
    citation=layouts.BBBC_CITATION + " (verify the contributors' publication on the BBBC page)",
    modality="fluorescence",
    channels=["DAPI", "CD11b"],
    organism="mouse",
    cell_type="macrophage",
    adapter="read",
    layout="BBBC020_v1_images/<image>/<image>_c1.TIF, <image>_c5.TIF (the _(c1+c5) composite is skipped)",
    note="The c1+c5 composite repeats the two channels and is not used. Citation and licence: verify.",
)

PATTERN = r"(?:[^/]+/)*(?P<image>[^/]+)/(?P=image)_(?P<channel>[cC][15])\.(?i:tif)"


def read(folder: Path) -> pd.DataFrame:
    files = layouts.scan(folder, PATTERN)
    layouts.require_files(files, folder, PATTERN, "<image>_c1/_c5 images")
    samples = layouts.pivot_channels(files, ["image"], {"c1": "DAPI", "c5": "CD11b"})
    samples["cell_visible"] = "nucleus|cell surface"
    return layouts.finish(samples, ["image"], ["image"])
