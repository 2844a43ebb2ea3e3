"""BBBC006: U2OS cells imaged at 34 focal planes (z-stack) around best focus, Hoechst and phalloidin.

Native layout: one zip and folder per plane, `BBBC006_v1_images_z_<zz>/` (z_16 is in focus), each holding
16-bit TIFFs `mcf-z-stacks-03212011_<well>_s<site>_w<1|2><GUID>.tif` (w1 Hoechst, w2 phalloidin).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry

ORIGINAL = "stan-hua/CytoImageNet"
SCHAUB = "Nicholas-Schaub/BBBC006 readme.md"
BASE = "https://data.broadinstitute.org/bbbc/BBBC006/"

ENTRY = SourceEntry(
    id="bbbc006",
    database="Broad Bioimage Benchmark Collection",
    name="Human U2OS cells (out of focus)",
    dir_name="bbbc006",
    homepage="https://bbbc.broadinstitute.org/BBBC006",
    licence="CC0-1.0",
    citation=(
        "Bray MA, Fraser AN, Hasaka TP, Carpenter AE. Workflow and metrics for image quality control in "
        "large-scale high-content screens. J Biomol Screen 17(2):266-274 (2012); " + layouts.BBBC_CITATION
    ),
    modality="fluorescence",
    channels=["Hoechst", "phalloidin"],
    organism="human",
    cell_type="u2os",
    adapter="read",
    layout="BBBC006_v1_images_z_<zz>/mcf-z-stacks-03212011_<well>_s<site>_w<1|2><GUID>.tif, 16-bit",
    note=(
        "The original used the in-focus plane only, so the download is BBBC006_v1_images_z_16.zip; any other "
        "plane folder present is read too. All planes of one well share a split group (they image the same "
        "cells)."
    ),
    evidence={
        "layout": (
            f"{SCHAUB} (zips BBBC006_v1_images_z_<zz>, z_16 in focus, names mcf-z-stacks-03212011_<well>_s<site>"
            f"_w<n>); {ORIGINAL} annotations/bbbc006_metadata.csv at aec7751 (1,536 files in "
            "BBBC006_v1_images_z_16, e.g. mcf-z-stacks-03212011_h15_s1_w2c4ea9a91-6aa9-4dd0-a084-90a3d3c95c4e.tif)"
        ),
        "channels": f"{SCHAUB} ('w1=DAPI/nuclei, w2=phalloidin/cytoskeleton')",
        "labels": (
            f"{ORIGINAL} annotations/bbbc006_metadata.csv at aec7751 (human, U-2 OS, nucleus; channels "
            "f_nucleus|f_actin)"
        ),
        "licence": (
            "public BBBC006 readers state the page's CC0 waiver (GitHub code search: \"The Broad Institute's "
            "BBBC006 page documents the dataset and CC0 waiver\"; another: 'BBBC006v1 U2OS z-stacks, "
            "public-domain dedication'); "
            "the BBBC006 page itself was not reachable with the project's tools, and the repositories "
            "are not resolvable with its search tools"
        ),
        "download": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (download: BBBC006_v1_images_z_16.zip)",
        "organism": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (organism human)",
        "cell_type": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (cell_type u2os)",
        "microscopy": f"{SCHAUB} (DAPI and phalloidin fluorescence channels)",
    },
    download=Download(
        route="https",
        files=[DownloadFile(url=BASE + "BBBC006_v1_images_z_16.zip", path="BBBC006_v1_images_z_16.zip")],
        instructions="unknown: no size or checksum reachable for the zip",
        evidence=(
            f"{ORIGINAL} annotations/datasets_info.csv at aec7751; {ORIGINAL} annotations/bbbc006_metadata.csv "
            "at aec7751 (the zip unpacked to BBBC006_v1_images_z_16/)"
        ),
    ),
)

PATTERN = (
    r"(?P<z>BBBC006_v1_images_z_\d+)/(?:[^/]+/)*[^/]*_(?P<well>[A-Pa-p]\d{2})_s(?P<site>\d+)_w(?P<channel>[12])"
    r"[^/]*\.(?i:tif)"
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
