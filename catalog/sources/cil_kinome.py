"""Cell Image Library: the kinome atlas (HeLa cells, one image per kinase localisation), used by CytoImageNet.

Native layout: each CIL image is served as `<CIL id>.zip`, unpacking to `<CIL id>.tif` (one TIFF holding its
channels); the original kept the 908 TIFFs flat in its `cil_kinome/` folder. Which kinase group each CIL id
shows is not in the files: it comes from the original's `annotations/cil_kinome_mapping.csv` (file_name
`<id>.zip`, kinase group), copied below as id ranges.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, SourceEntry, warn

ORIGINAL = "stan-hua/CytoImageNet"
MAPPING = f"{ORIGINAL} annotations/cil_kinome_mapping.csv (rev b0e57cf)"

ENTRY = SourceEntry(
    id="cil_kinome",
    database="Cell Image Library",
    name="Kinome Atlas",
    dir_name="cil_kinome",
    homepage="http://cellimagelibrary.org/pages/kinome_atlas",
    licence="unknown",
    citation=(
        "Cell Image Library, Kinome Atlas collection (http://cellimagelibrary.org/pages/kinome_atlas), "
        "CIL ids 53366-54562"
    ),
    modality="fluorescence",
    channels=["all channels"],
    organism="human",
    cell_type="hela",
    adapter="read",
    layout="<CIL id>.tif (from <CIL id>.zip), anywhere under the folder; kinase groups from the original's mapping",
    note=(
        "Partly adaptable: the images are read, and labelled with their kinase group ('agc kinase' ...) as "
        "cell_visible, as the original did, from its mapping of the 908 CIL ids; the kinase gene of each image "
        "and the stain of each channel are in no file at hand, so neither becomes a label. TIFFs of ids outside "
        "the mapping are not part of the atlas and are left out, with a warning."
    ),
    evidence={
        "layout": f"{ORIGINAL} annotations/cil_kinome_metadata.csv (rev aec7751: path cil_kinome/, files "
                  f"<id>.tif) and {MAPPING} (file_name <id>.zip)",
        "channels": f"{ORIGINAL} annotations/datasets_info.csv (rev aec7751): tiff, channels f_nucleus, f_protein; "
                    "'organelle markers were co-stained, specifics not given'. Order within the TIFF unknown: "
                    "costs nothing while the file is merged whole",
        "labels": f"{MAPPING} (kinase group per CIL id); {ORIGINAL} annotations/cil_kinome_metadata.csv "
                  "(rev aec7751): cell_component '<group> kinase'",
        "licence": (
            "unknown: the Cell Image Library states a licence per image (a public audit quoting its "
            "/pages/license lists five submitter-chosen options: Public Domain, CC BY, CC BY-NC-SA, CC BY-NC-ND "
            "and Copyrighted; repository not resolvable with the search tools), and the licences of the Kinome "
            "Atlas images could not be read here; searched GitHub file search and the pages/docs search corpora. "
            "Costs publishing: a release that uses this source states its terms as unknown"
        ),
        "download": f"{MAPPING} (one <id>.zip per image); no download URL is recorded by the original",
        "organism": f"{ORIGINAL} annotations/datasets_info.csv (rev aec7751): human, hela",
        "cell_type": f"{ORIGINAL} annotations/datasets_info.csv (rev aec7751): hela",
        "microscopy": f"{ORIGINAL} annotations/datasets_info.csv (rev aec7751): confocal (fluorescence)",
    },
    download=Download(
        route="manual",
        instructions=(
            "download each CIL id 53366-54562 of the kinome atlas as <id>.zip from "
            "http://cellimagelibrary.org/pages/kinome_atlas and unzip into ROOT/cil_kinome/"
        ),
        evidence=MAPPING,
    ),
)

# (first CIL id, last CIL id, kinase group): every id in a range is in the mapping, gaps are not.
GROUP_RANGES = (
    (53366, 53381, "CAMK"), (53382, 53385, "Other"), (53386, 53387, "CAMK"), (53425, 53431, "CAMK"),
    (53434, 53435, "CAMK"), (53437, 53437, "CAMK"), (53440, 53442, "CAMK"), (53444, 53452, "CAMK"),
    (53454, 53456, "CAMK"), (53464, 53475, "AGC"), (53477, 53490, "AGC"), (53492, 53513, "AGC"),
    (53515, 53519, "AGC"), (53521, 53549, "AGC"), (53551, 53552, "AGC"), (53554, 53558, "AGC"),
    (53560, 53571, "AGC"), (53574, 53577, "AGC"), (53579, 53583, "AGC"), (53586, 53594, "Atypical"),
    (53596, 53609, "Atypical"), (53611, 53611, "Atypical"), (53613, 53623, "Atypical"),
    (53625, 53627, "Atypical"), (53631, 53632, "Atypical"), (53635, 53643, "Atypical"),
    (53646, 53648, "Atypical"), (53650, 53650, "Atypical"), (53651, 53661, "CK1"), (53663, 53667, "CK1"),
    (53669, 53671, "CK1"), (53673, 53675, "CMGC"), (53677, 53678, "CMGC"), (53680, 53680, "CMGC"),
    (53682, 53703, "CMGC"), (53705, 53705, "CMGC"), (53707, 53713, "CMGC"), (53715, 53720, "CMGC"),
    (53722, 53725, "CMGC"), (53727, 53730, "CMGC"), (53732, 53745, "CMGC"), (53747, 53758, "CMGC"),
    (53760, 53781, "CMGC"), (53783, 53783, "CMGC"), (53786, 53790, "CMGC"), (53791, 53796, "NDK"),
    (53798, 53807, "NDK"), (53809, 53815, "Other"), (53817, 53837, "Other"), (53839, 53843, "Other"),
    (53845, 53869, "Other"), (53871, 53878, "Other"), (53880, 53889, "Other"), (53891, 53893, "Other"),
    (53895, 53898, "Other"), (53900, 53912, "Other"), (53914, 53939, "Other"), (53941, 53942, "PKL"),
    (53944, 53952, "PKL"), (53954, 53954, "PKL"), (53955, 53960, "RGC"), (53961, 53980, "STE"),
    (53981, 53982, "TKL"), (53983, 53996, "STE"), (53999, 54030, "STE"), (54031, 54032, "CAMK"),
    (54033, 54036, "STE"), (54037, 54038, "CAMK"), (54039, 54048, "STE"), (54049, 54109, "TK"),
    (54111, 54164, "TK"), (54167, 54187, "TK"), (54189, 54200, "TK"), (54201, 54247, "TKL"),
    (54249, 54278, "TKL"), (54279, 54280, "CAMK"), (54282, 54289, "CAMK"), (54291, 54306, "CAMK"),
    (54308, 54339, "CAMK"), (54341, 54342, "CAMK"), (54344, 54347, "CAMK"), (54350, 54352, "CAMK"),
    (54354, 54354, "CAMK"), (54360, 54360, "CMGC"), (54362, 54362, "Atypical"), (54364, 54364, "Atypical"),
    (54503, 54503, "TK"), (54504, 54504, "TKL"), (54506, 54506, "Atypical"), (54507, 54507, "TKL"),
    (54510, 54510, "Atypical"), (54511, 54511, "TKL"), (54512, 54512, "CAMK"), (54513, 54513, "Other"),
    (54515, 54518, "TK"), (54519, 54519, "Other"), (54520, 54523, "PKL"), (54524, 54524, "Other"),
    (54525, 54525, "RGC"), (54526, 54527, "TKL"), (54528, 54529, "NDK"), (54530, 54530, "RGC"),
    (54531, 54531, "TK"), (54533, 54533, "Atypical"), (54534, 54536, "Other"), (54537, 54537, "AGC"),
    (54538, 54539, "TK"), (54540, 54541, "Other"), (54544, 54545, "TK"), (54562, 54562, "Atypical"),
)
PATTERN = r"(?:[^/]+/)*(?P<image>\d{5})\.(?i:tiff?)"


def groups() -> pd.Series:
    """CIL id (as text) -> kinase group, from GROUP_RANGES."""
    pairs = [(str(i), g) for first, last, g in GROUP_RANGES for i in range(first, last + 1)]
    return pd.Series(dict(pairs), dtype=object)


def read(folder: Path) -> pd.DataFrame:
    files = layouts.scan(folder, PATTERN)
    layouts.require_files(files, folder, PATTERN, "kinome atlas TIFFs (<CIL id>.tif)")
    group = files["image"].map(groups())
    samples = layouts.file_samples(files[group.notna()], "all channels", "fluorescence")
    samples["cell_visible"] = group[group.notna()].str.lower() + " kinase"
    out = layouts.finish(samples, ["image"], ["image"])
    stray = files.loc[group.isna(), "path"]
    if len(stray):
        warn(out, f"{folder}: {len(stray)} TIFF(s) not in the kinome atlas mapping left out, e.g. {stray.iloc[0]}")
    return out
