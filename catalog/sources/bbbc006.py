"""BBBC006: U2OS cells imaged at 34 focal planes (z-stack) around best focus, Hoechst and phalloidin.

Native layout: one folder per plane, `BBBC006_v1_images_z_<zz>/` (z_16 is in focus), each holding
16-bit TIFFs `mcf-z-stacks-03212011_<well>_s<site>_w<1|2><GUID>.tif` (w1 Hoechst, w2 phalloidin).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="bbbc006",
    database="Broad Bioimage Benchmark Collection",
    name="Human U2OS cells (out of focus)",
    dir_name="bbbc006",
    homepage="https://bbbc.broadinstitute.org/BBBC006",
    licence="CC-BY-3.0",  # was: CC BY 3.0 (verify)
    citation=layouts.BBBC_CITATION,
    modality="fluorescence",
    channels=["Hoechst", "phalloidin"],
    organism="human",
    cell_type="u2os",
    adapter="read",
    layout="BBBC006_v1_images_z_<zz>/<prefix>_<well>_s<site>_w<1|2><GUID>.tif, 16-bit",
    note="All planes of one well share a split group (they image the same cells). Licence: verify.",
)

PATTERN = (
    r"(?P<z>BBBC006_v1_images_z_\d+)/[^/]*_(?P<well>[A-Pa-p]\d{2})_s(?P<site>\d+)_w(?P<channel>[12])[^/]*"
)


def read(folder: Path) -> pd.DataFrame:
    files = layouts.scan(folder, PATTERN)
    layouts.require_files(files, folder, PATTERN, "z-plane images")
    files["z"] = "z" + files["z"].str.rsplit("_", n=1).str[-1]
    files["well"] = layouts.norm_well(files["well"])
    files["site"] = "s" + files["site"]
    samples = layouts.pivot_channels(files, ["z", "well", "site"], {"1": "Hoechst", "2": "phalloidin"})
    samples["cell_visible"] = "nucleus|actin"
    return layouts.finish(samples, ["z", "well", "site"], ["well"])
