"""BBBC026: co-culture of human hepatocytes and murine fibroblasts, Hoechst-stained nuclei.

Native layout: `BBBC026_v1_images/*.png`, one single-channel image per field.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="bbbc026",
    database="Broad Bioimage Benchmark Collection",
    name="Human Hepatocyte and Murine Fibroblast cells - Co-culture experiment",
    dir_name="bbbc026",
    homepage="https://bbbc.broadinstitute.org/BBBC026",
    licence="CC-BY-3.0",  # was: CC BY 3.0 (verify)
    citation=(
        "Logan DJ, Shan J, Bhatia SN, Carpenter AE. Quantifying co-cultured cell phenotypes in "
        "high-throughput using pixel-based classification. Methods 96:6-11 (2016); " + layouts.BBBC_CITATION
    ),
    modality="fluorescence",
    channels=["Hoechst"],
    organism="human|mouse",
    cell_type="hepatocyte|fibroblast",
    adapter="read",
    layout="BBBC026_v1_images/<name>.png, one channel per image",
    note="Both cell types share every field, so both organisms label every image. Licence: verify.",
)

PATTERN = r"(?:[^/]+/)*(?P<image>[^/]+)\.(?i:png)"


def read(folder: Path) -> pd.DataFrame:
    files = layouts.scan(folder, PATTERN)
    layouts.require_files(files, folder, PATTERN, "PNG images")
    samples = layouts.file_samples(files, "Hoechst")
    samples["cell_visible"] = "nucleus"
    return layouts.finish(samples, ["image"], ["image"])
