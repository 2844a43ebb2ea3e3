"""BBBC005: synthetic (SIMCEP) images of fluorescent cells at known counts and focus blur.

Native layout: `BBBC005_v1_images/SIMCEPImages_<well>_C<count>_F<blur>_s<sample>_w<stain>.TIF`, 8-bit;
w1 is the nuclear stain, w2 the cell-body stain of the same simulated field.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="bbbc005",
    database="Broad Bioimage Benchmark Collection",
    name="Synthetic cells",
    dir_name="bbbc005",
    homepage="https://bbbc.broadinstitute.org/BBBC005",
    licence="CC-BY-3.0",  # was: CC BY 3.0 (verify)
    citation=(
        "Lehmussola A, Ruusuvuori P, Selinummi J, Huttunen H, Yli-Harja O. Computational framework for "
        "simulating fluorescence microscope images with cell populations. IEEE Trans Med Imaging "
        "26(7):1010-1016 (2007); " + layouts.BBBC_CITATION
    ),
    modality="fluorescence",
    channels=["nuclei", "cell body"],
    organism="human",
    cell_type="u2os",
    adapter="read",
    layout="BBBC005_v1_images/SIMCEPImages_<well>_C<count>_F<blur>_s<sample>_w<1|2>.TIF",
    note=(
        "Simulated images; organism/cell type as curated by the original CytoImageNet. The blur levels of "
        "one simulated field (same count and sample) form one split group, so a blurred copy never sits in "
        "validation while its sharp original is in train. Licence: verify."
    ),
)

PATTERN = (
    r"(?:[^/]+/)*SIMCEPImages_(?P<well>[A-Pa-p]\d{2})_C(?P<count>\d+)_F(?P<blur>\d+)_s(?P<sample>\d+)"
    r"_w(?P<channel>[12])\.(?i:tif)"
)


def read(folder: Path) -> pd.DataFrame:
    files = layouts.scan(folder, PATTERN)
    layouts.require_files(files, folder, PATTERN, "SIMCEP images")
    samples = layouts.pivot_channels(files, ["well", "count", "blur", "sample"], {"1": "nuclei", "2": "cell body"})
    samples["count"] = "C" + samples["count"]
    samples["blur"] = "F" + samples["blur"]
    samples["sample"] = "s" + samples["sample"]
    samples["cell_visible"] = "nucleus|cell body"
    return layouts.finish(samples, ["well", "count", "blur", "sample"], ["count", "sample"])
