"""BBBC017: HT29 colon-cancer cells, genome-scale arrayed lentiviral shRNA screen for regulators of mitosis.

Native layout: one folder per 384-well plate and screen arm, `BBBC017_v1_images_NIRHTa<+|->NNN/`, holding one
DIB per field and channel, `<barcode>_<well>f<field>d<0|1|2>.DIB`, and the plate map `BBBC017_v1_metadata.xls`
(sheet Data: `384-Plate#`, `384-well`, `gene name`, `class`, ...). Both arms screen the same library plates,
so a well's hairpin is found by (plate number, well).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import (
    Download, DownloadFile, SourceEntry, label_column, require_columns, warn, warnings_of,
)
from cytoimagenet.errors import UserError

ORIGINAL = "stan-hua/CytoImageNet"
CLEAN = f"{ORIGINAL} scripts/clean_metadata.py at 512091c"
PREPROCESSOR = f"{ORIGINAL} scripts/preprocessor.py at 3d59cb4"
FIREPARSER = "zindy/qupath-extension-fireparser"
BASE = "https://data.broadinstitute.org/bbbc/BBBC017/"
METADATA = "BBBC017_v1_metadata.xls"
FOLDERS = [f"BBBC017_v1_images_NIRHTa{arm}{n:03d}" for arm in "-+" for n in range(1, 15)]

ENTRY = SourceEntry(
    id="bbbc017",
    database="Broad Bioimage Benchmark Collection",
    name="Human HT29 colon-cancer cells shRNAi screen",
    dir_name="bbbc017",
    homepage="https://bbbc.broadinstitute.org/BBBC017",
    licence="unknown",
    citation=(
        "Moffat J, Grueneberg DA, Yang X, et al. A lentiviral RNAi library for human and mouse genes applied "
        "to an arrayed viral high-content screen. Cell 124(6):1283-1298 (2006); " + layouts.BBBC_CITATION
    ),
    modality="fluorescence",
    channels=["Hoechst", "phalloidin", "phospho-histone H3"],
    organism="human",
    cell_type="ht29",
    adapter="read",
    layout=(
        "BBBC017_v1_images_NIRHTa<+|->NNN/<barcode>_<well>f<field>d<0|1|2>.DIB + BBBC017_v1_metadata.xls "
        "(384-Plate#, 384-well, gene name)"
    ),
    note=(
        "The three DIB channels of a field merge into one sample labelled with the well's hairpin target "
        "gene, as the original did; control wells (EMPTY, UNK, shLuc, PGK-GFP) target no gene and get none. "
        "The original dropped the plate map's class column (phenotype), and so does this adapter. The DIBs "
        "are read as BMP (Pillow); unknown: their stored bit depth and whether each holds one plane or an RGB "
        "rendering (an RGB file is read as the mean of its colours), which costs nothing but fidelity of the "
        "fixtures, written as 8-bit grayscale BMP."
    ),
    evidence={
        "layout": (
            f"{FIREPARSER} src/main/java/qupath/ext/fireparser/ui/PatternController.java (pattern "
            "BBBC017_v1_images_NIRHTa[+-]NNN/AS_<n>_<n>_<well>f<field>) and sample_data/fireparser_test_data.zip "
            f"(names AS_09125_050117080001_A01f00 under BBBC017_v1_images_NIRHTa+001/); {PREPROCESSOR} (channel "
            f"files <name>d0.DIB, d1.DIB, d2.DIB); {CLEAN} (plate number = the folder's last 3 digits, well = the "
            "3 characters after the last '_')"
        ),
        "channels": (
            f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (channels f_nucleus, f_actin, f_mitosis, in "
            "that order; d0/d1/d2 taken in the same order); unknown: no source ties each d-index to its stain, "
            "which costs only the channel names, since the three are merged"
        ),
        "labels": (
            f"{CLEAN} (BBBC017_v1_metadata.xls merged on 384-Plate# and 384-well; gene = 'gene name' lowercased; "
            f"phenotype dropped; cell_component nucleus|actin); {ORIGINAL} "
            "annotations/bbbc_human_ht29_shRNAi_screen.xls at b0e57cf (a copy of the plate map: sheet Data, "
            "5,760 rows, 15 plates)"
        ),
        "licence": (
            "unknown: the BBBC017 page is not reachable with the project's tools and no public copy of its "
            "licence line was found. Searched: GitHub file search (exact strings 'BBBC017', 'BBBC017 (', 'We used "
            "image set BBBC0', 'neighboring rights to BBBC'), BBBC loader libraries "
            "(mario-koddenbrock/bbbc_datasets, psteinb/b3get: no licence fields), NFDI4BIOIMAGE/training's BBBC "
            "entries, and the pages/docs/code search corpora. BBBC sets differ, so none is assumed; a release "
            "that uses bbbc017 states its terms as unknown"
        ),
        "download": (
            f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (28 zips BBBC017_v1_images_NIRHTa<+|->001-014.zip; "
            "metadata_download BBBC017_v1_metadata.xls)"
        ),
        "organism": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (organism human)",
        "cell_type": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (cell_type ht29)",
        "microscopy": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (microscopy 'fluorescence (?)')",
    },
    download=Download(
        route="https",
        files=[DownloadFile(url=BASE + METADATA, path=METADATA)]
        + [DownloadFile(url=f"{BASE}{name}.zip", path=f"{name}.zip") for name in FOLDERS],
        instructions="unknown: no sizes or checksums reachable for these files",
        evidence=(
            f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (download and metadata_download); {CLEAN} "
            "(each zip unpacked to its own BBBC017_v1_images_NIRHTa<+|->NNN/ folder)"
        ),
    ),
)

PATTERN = (
    r"BBBC017_v1_images_NIRHTa(?P<arm>[+-])(?P<plate>\d{3})/(?:[^/]+/)*(?P<barcode>[^/]+?)_?"
    r"(?P<well>[A-Pa-p]\d{2})f(?P<field>\d+)d(?P<channel>[012])\.(?i:dib)"
)
ARMS = {"+": "plus", "-": "minus"}
CHANNELS = {"0": "Hoechst", "1": "phalloidin", "2": "phospho-histone H3"}
# plate-map entries of control wells: no gene is targeted
CONTROLS = {"empty", "unk", "shluc", "pgk-gfp"}
MAP_COLUMNS = ["384-Plate#", "384-well"]


def _read_xls(path: Path) -> pd.DataFrame:
    """The plate map's first sheet as strings; xlrd reads the legacy .xls format (numbers come as floats)."""
    if not path.is_file():
        raise UserError(f"{path} not found: download {METADATA} from {BASE} into the source folder")
    try:
        import xlrd
    except ImportError as exc:
        raise UserError(f"reading {path} needs xlrd: pip install xlrd") from exc
    try:
        sheet = xlrd.open_workbook(str(path)).sheet_by_index(0)
    except xlrd.XLRDError as exc:
        raise UserError(f"{path}: not a readable .xls workbook ({exc}); download it again") from exc
    if sheet.nrows == 0:
        raise UserError(f"{path}: the first sheet is empty; download it again")

    def cell(value):
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return None if value == "" else str(value)

    # blank header cells named as pandas names them, so no two columns share the name ''
    header = [str(h).strip() or f"Unnamed: {i}" for i, h in enumerate(sheet.row_values(0))]
    rows = [[cell(v) for v in sheet.row_values(i)] for i in range(1, sheet.nrows)]
    return pd.DataFrame(rows, columns=header, dtype=object)


def read(folder: Path) -> pd.DataFrame:
    files = layouts.scan(folder, PATTERN)
    layouts.require_files(files, folder, PATTERN, "<barcode>_<well>f<field>d<n>.DIB images")
    # '+' and '-' would both become '_' in a sample id: the arm is spelled out
    files["plate"] = "NIRHTa-" + files["arm"].map(ARMS) + "-" + files["plate"]
    files["well"] = layouts.norm_well(files["well"])
    files["field"] = "f" + files["field"]
    samples = layouts.pivot_channels(files, ["plate", "well", "field"], CHANNELS)

    path = folder / METADATA
    raw = _read_xls(path)
    require_columns(raw, MAP_COLUMNS, path)
    gene = label_column(raw, ["gene name"], path, label="gene").astype("string").str.strip()
    plate_map = pd.DataFrame({
        "plate_no": pd.to_numeric(raw["384-Plate#"], errors="coerce"),
        "well": layouts.norm_well(raw["384-well"].astype(str)),
        "gene": gene.where(~gene.str.lower().isin(CONTROLS)).astype(object),
    }).dropna(subset=["plate_no"]).drop_duplicates(["plate_no", "well"])
    plate_map["plate_no"] = plate_map["plate_no"].astype(int)
    samples["plate_no"] = samples["plate"].str[-3:].astype(int)
    out = samples.merge(plate_map, how="left", on=["plate_no", "well"])
    out["cell_visible"] = "nucleus|actin"
    out = layouts.finish(out, ["plate", "well", "field"], ["plate", "well"])
    unmapped = ~out["plate_no"].isin(plate_map["plate_no"])
    if unmapped.any():
        warn(out, f"{path}: plate(s) {sorted(set(out.loc[unmapped, 'plate']))[:3]} are not in the plate map; "
                  "their wells have no gene labels")
    for message in warnings_of(raw):
        warn(out, message)
    return out
