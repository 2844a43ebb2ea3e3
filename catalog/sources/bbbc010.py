"""BBBC010: C. elegans live/dead assay, worms infected with E. faecalis, with or without ampicillin.

Native layout: `BBBC010_v2_images/<plate-prefix>_<well>_w<1|2>_<GUID>.tif`; w1 brightfield, w2 the
fluorescent stain of dead worms. Per the BBBC page, columns 1-12 are the positive control (ampicillin:
worms survive) and columns 13-24 the negative control (no antibiotic: worms die).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="bbbc010",
    database="Broad Bioimage Benchmark Collection",
    name="C. elegans live/dead assay",
    dir_name="bbbc010",
    homepage="https://bbbc.broadinstitute.org/BBBC010",
    licence="CC-BY-3.0",  # was: CC BY 3.0 (verify)
    citation=(
        "Moy TI, Conery AL, Larkins-Ford J, et al. High-throughput screen for novel antimicrobials using a "
        "whole animal infection model. ACS Chem Biol 4(7):527-533 (2009); " + layouts.BBBC_CITATION
    ),
    modality="fluorescence|brightfield",
    channels=["brightfield", "dead stain"],
    organism="nematode",
    cell_type=None,
    adapter="read",
    layout="BBBC010_v2_images/<prefix>_<well>_w<1|2>_<GUID>.tif (w1 brightfield, w2 fluorescence)",
    note=(
        "Brightfield (w1) and fluorescence (w2) of a well are separate samples in one split group. "
        "Column-to-control mapping from the BBBC page; citation and licence: verify."
    ),
)

PATTERN = r"(?:[^/]+/)*[^/]*_(?P<well>[A-Pa-p]\d{2})_w(?P<channel>[12])_[^/]*\.(?i:tif)"


def read(folder: Path) -> pd.DataFrame:
    files = layouts.scan(folder, PATTERN)
    layouts.require_files(files, folder, PATTERN, "worm images")
    files["well"] = layouts.norm_well(files["well"])
    samples = layouts.pivot_channels(
        files, ["well"], {"1": "brightfield", "2": "dead stain"}, brightfield=["1"]
    )
    treated = samples["well"].str[1:].astype(int) <= 12
    samples["compound"] = treated.map({True: "ampicillin", False: None})
    samples["phenotype"] = treated.map({True: "alive", False: "dead"})
    return layouts.finish(samples, ["well"], ["well"])
