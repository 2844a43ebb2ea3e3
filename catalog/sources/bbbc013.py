"""BBBC013: U2OS cytoplasm-to-nucleus translocation of FKHR-EGFP under PI3K inhibitors.

Native layout: `BBBC013_v1_images_bmp/Channel<1|2>-<index>-<row>-<col>.BMP`, 8-bit, 96 wells: one
channel the FKHR-EGFP reporter, the other a nuclear stain.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="bbbc013",
    database="Broad Bioimage Benchmark Collection",
    name="Human U2OS cells cytoplasm-nucleus translocation",
    dir_name="bbbc013",
    homepage="https://bbbc.broadinstitute.org/BBBC013",
    licence="CC-BY-3.0",  # was: CC BY 3.0 (verify)
    citation=layouts.BBBC_CITATION,
    modality="fluorescence",
    channels=["Channel1", "Channel2"],
    organism="human",
    cell_type="u2os",
    adapter="read",
    layout="BBBC013_v1_images_bmp/Channel<1|2>-<index>-<row>-<col>.BMP",
    note=(
        "Both fluorescence channels are merged. The wortmannin / LY294002 dose per well is in the BBBC "
        "plate map, not in the file names; compound labels are left out until that map is read. "
        "Licence: verify."
    ),
)

PATTERN = r"(?:[^/]+/)*Channel(?P<channel>[12])-(?P<index>\d+)-(?P<row>[A-Ha-h])-(?P<col>\d+)\.(?i:bmp)"


def read(folder: Path) -> pd.DataFrame:
    files = layouts.scan(folder, PATTERN)
    layouts.require_files(files, folder, PATTERN, "ChannelN-*.BMP images")
    files["well"] = layouts.norm_well(files["row"].str.upper() + files["col"])
    samples = layouts.pivot_channels(files, ["well"], {"1": "Channel1", "2": "Channel2"})
    samples["cell_visible"] = "nucleus"
    return layouts.finish(samples, ["well"], ["well"])
