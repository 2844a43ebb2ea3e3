"""BBBC020: murine bone-marrow derived macrophages, DAPI nuclei and CD11b cell surface.

Native layout: `BBBC020_v1_images/<image>/<image>_c1.TIF` (DAPI) and `<image>_c5.TIF` (CD11b), plus a
composite `<image>_(c1+c5).TIF` that the distribution adds and that is not a channel.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry
from cytoimagenet.errors import UserError

ORIGINAL = "stan-hua/CytoImageNet"
INFO = f"{ORIGINAL} datasets_info.csv (bbbc_macrophage)"

ENTRY = SourceEntry(
    id="bbbc020",
    database="Broad Bioimage Benchmark Collection",
    name="Murine bone-marrow derived macrophages",
    dir_name="bbbc020",
    homepage="https://bbbc.broadinstitute.org/BBBC020",
    licence="CC-BY-NC-SA-3.0",
    citation=layouts.BBBC_CITATION,
    modality="fluorescence",
    channels=["DAPI", "CD11b"],
    organism="mouse",
    cell_type="macrophage",
    adapter="read",
    layout="BBBC020_v1_images/<image>/<image>_c1.TIF, <image>_c5.TIF (the _(c1+c5) composite is skipped)",
    note=(
        "Each channel file is its own sample, as in the original (one image per file): c1 labelled nucleus, "
        "c5 cell surface; both share the field's split group. The c1+c5 composite repeats the two and is not used."
    ),
    evidence={
        "layout": (
            f"{ORIGINAL} scripts/data_processing/create_history.py (bbbc020: <image>/<file>.TIF, one file per "
            f"sample); {INFO} (notes: third channel is a merged image of the first and second)"
        ),
        "channels": f"{INFO} (channels f_nucleus, f_cell_surface; c1 and c5 in that order)",
        "labels": f"{INFO} (mouse, macrophage, cell_component nucleus and cell surface)",
        "licence": (
            "CC BY-NC-SA 3.0, as two public readers restate the BBBC020 page: RonnieHappy/NOSTOS "
            "src/nostos/validation/external_nuclei_bbbc020.py (SOURCE = "
            "'https://bbbc.broadinstitute.org/BBBC020'; its result payload records dataset BBBC020v1 with license "
            "'CC BY-NC-SA 3.0') and rsiegemit/fluorostats methods_paper/data/repositories_guide.md at 40ad26a "
            "('Licensing: Varies per set (CC BY 3.0; CC BY-NC-SA 3.0 for BBBC020; ...)'; its table: 'BBBC020 | "
            "Murine bone-marrow macrophages, DAPI + CD11b | ... | CC BY-NC-SA 3.0'); the BBBC020 page itself was "
            "not reachable with the project's tools. Against it: one public audit table lists BBBC020 as CC0 but "
            "also BBBC041 as CC0, which BBBC041's readers contradict (CC BY-NC-SA 3.0), so it is not taken; the "
            "earlier catalogue's CC BY 3.0 had no source"
        ),
        "download": f"{INFO} (download: BBBC020_v1_images.zip)",
        "organism": INFO,
        "cell_type": INFO,
        "microscopy": f"{INFO} (microscopy fluorescence)",
    },
    download=Download(
        route="https",
        files=[DownloadFile(url="https://data.broadinstitute.org/bbbc/BBBC020/BBBC020_v1_images.zip",
                            path="BBBC020_v1_images.zip")],
        instructions="unknown: the distributor's size and checksum are not published where reachable here",
        evidence=INFO,
    ),
)

PATTERN = r"(?:[^/]+/)*(?P<image>[^/]+)/(?P=image)_(?P<channel>[cC][15])\.(?i:tif)"
STAINS = {"c1": ("DAPI", "nucleus"), "c5": ("CD11b", "cell surface")}


def read(folder: Path) -> pd.DataFrame:
    files = layouts.scan(folder, PATTERN)
    layouts.require_files(files, folder, PATTERN, "<image>_c1/_c5 images")
    files["channel"] = files["channel"].str.lower()
    dup = files.duplicated(["image", "channel"], keep=False)
    if dup.any():
        raise UserError(
            f"two files claim the same sample and channel: {files.loc[dup, 'path'].head(2).tolist()}; "
            "the file-name pattern does not separate them"
        )
    out = pd.concat(
        [
            layouts.file_samples(files[files["channel"] == token], name, "fluorescence").assign(cell_visible=visible)
            for token, (name, visible) in STAINS.items()
        ],
        ignore_index=True,
    )
    return layouts.finish(out, ["image", "channel"], ["image"])
