"""BBBC010: C. elegans live/dead assay, worms infected with E. faecalis, with or without ampicillin.

Native layout: `<plate prefix>_<well>_w<1|2>_<GUID>.tif` (e.g.
`1649_1109_0003_Amp5-1_B_20070424_A01_w1_9E84F49F-1B25-4E7E-8040-D1BB2D7E73EA.tif`), 16-bit; w1 brightfield,
w2 the GFP channel. Columns 1-12 are the ampicillin-treated positive controls (worms live), columns 13-24 the
untreated negative controls (worms die).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry

ORIGINAL = "stan-hua/CytoImageNet"
KODDENBROCK = "mario-koddenbrock/bbbc_datasets bbbc_datasets/datasets/bbbc010.py"
BASE = "https://data.broadinstitute.org/bbbc/BBBC010/"

ENTRY = SourceEntry(
    id="bbbc010",
    database="Broad Bioimage Benchmark Collection",
    name="C. elegans live/dead assay",
    dir_name="bbbc010",
    homepage="https://bbbc.broadinstitute.org/BBBC010",
    licence="CC0-1.0",
    citation=(
        "Moy TI, Conery AL, Larkins-Ford J, et al. High-throughput screen for novel antimicrobials using a "
        "whole animal infection model. ACS Chem Biol 4(7):527-533 (2009); " + layouts.BBBC_CITATION
    ),
    modality="fluorescence|brightfield",
    channels=["brightfield", "GFP"],
    organism="nematode",
    cell_type=None,
    adapter="read",
    layout="<prefix>_<well>_w<1|2>_<GUID>.tif, 16-bit (w1 brightfield, w2 GFP)",
    note=(
        "Brightfield (w1) and fluorescence (w2) of a well are separate samples in one split group. Phenotypes "
        "are the original's: wildtype for columns 1-12 (ampicillin, worms live), dead for columns 13-24."
    ),
    evidence={
        "layout": (
            f"{KODDENBROCK} (BBBC010_v2_images.zip, 100 images of a 384-well plate, 16-bit TIF); "
            "AndersenLab/NemaSize figure_replication/Fig_6/generate_Fig_6.py (raw 16-bit TIFs, 696 x 520); "
            "public BBBC010 "
            "readers name files 1649_1109_0003_Amp5-1_B_20070424_<well>_w<1|2>_<GUID>.tif (GitHub code search "
            "for that prefix)"
        ),
        "channels": f"{KODDENBROCK} ('Brightfield (Channel 1) and GFP (Channel 2)')",
        "labels": (
            f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (phenotype wildtype|dead, 50 each; notes 'columns "
            "1-12 are wildtype/alive ... columns 13-24 are dead'); unknown: the original's "
            "annotations/bbbc010_metadata.csv is a Git LFS object missing from the mirror"
        ),
        "licence": (
            "CC0 1.0, as restated from the BBBC010 page: nclack/chucky-benchmarks-data DATA-LICENSES.md ('The C. "
            "elegans brightfield image in `data/bbbc010-v1/` and its preview are shared under CC0 1.0, as stated "
            "on the BBBC010 dataset page (https://bbbc.broadinstitute.org/BBBC010). Credit: Fred Ausubel's "
            "laboratory at Massachusetts General Hospital'); the BBBC010 page itself was not reachable with the "
            "project's tools"
        ),
        "download": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (download: BBBC010_v2_images.zip)",
        "organism": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (organism nematode)",
        "cell_type": "unknown: no cell type applies to whole worms; the original assigned none",
        "microscopy": (
            f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (microscopy brightfield and fluorescence); "
            f"{KODDENBROCK}"
        ),
    },
    download=Download(
        route="https",
        files=[DownloadFile(url=BASE + "BBBC010_v2_images.zip", path="BBBC010_v2_images.zip")],
        instructions=(
            "unknown: no size or checksum reachable for the zip, nor the name of the folder it unpacks to "
            "(the adapter finds the files at any depth)"
        ),
        evidence=f"{ORIGINAL} annotations/datasets_info.csv at aec7751",
    ),
)

PATTERN = r"(?:[^/]+/)*[^/]*_(?P<well>[A-Pa-p]\d{2})_w(?P<channel>[12])_[^/]*\.(?i:tif)"


def read(folder: Path) -> pd.DataFrame:
    files = layouts.scan(folder, PATTERN)
    layouts.require_files(files, folder, PATTERN, "worm images")
    files["well"] = layouts.norm_well(files["well"])
    samples = layouts.pivot_channels(files, ["well"], {"1": "brightfield", "2": "GFP"}, brightfield=["1"])
    treated = samples["well"].str[1:].astype(int) <= 12
    samples["phenotype"] = treated.map({True: "wildtype", False: "dead"})
    return layouts.finish(samples, ["well"], ["well"])
