"""Segebarth et al. 2020: cFOS-labelled mouse brain sections from a deep-learning reliability study.

Extra source (not one of the 40 of the released dataset). Native layout of `bioimage_data.zip`:
`image_mapping.xlsx` (ID, name, area, training, experiment, condition; `name` is the lab, `ID` a number the
images name zero-padded to 4 digits) and `lab-<lab>/images/{ID:04d}.tif`, beside `lab-*/labels/` and
`lab-*/regions/` (model predictions and analysed regions: not samples). Only lab-wue1 and lab-mue ship their
images.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, SourceEntry, require_columns
from cytoimagenet.errors import UserError

DRYAD = "https://doi.org/10.5061/dryad.4b8gtht9d"
ZENODO = "/work/shared/seeds/000_2d0c7dd233a9e272.txt (Zenodo record of the package)"
NOTEBOOK = "matjesg/bioimage_analysis notebooks/fig_3_4_quantification.ipynb"

ENTRY = SourceEntry(
    id="segebarth2020",
    database="Zenodo",
    name="Data from: On the objectivity, reliability, and validity of deep learning enabled bioimage analyses",
    dir_name="segebarth2020",
    in_cytoimagenet=False,  # a seed of this project, not one of the 40 sources of the published dataset
    homepage=DRYAD,
    licence="CC0-1.0",
    citation=(
        "Segebarth D, Griebel M, Stein N, et al. On the objectivity, reliability, and validity of deep "
        "learning enabled bioimage analyses. eLife 9:e59780 (2020). Data: Dryad doi:10.5061/dryad.4b8gtht9d"
    ),
    modality="fluorescence",
    channels=["cFOS"],
    organism="mouse",
    cell_type=None,
    adapter="read",
    layout="[bioimage_data/]image_mapping.xlsx + lab-*/images/{ID:04d}.tif (bioimage_data.zip)",
    note=(
        "Treatment codes are mapped per lab to readable phenotypes (homecage, context control/conditioned, "
        "early/late retrieval ...); rows of labs whose images are not distributed are left out. The images "
        "are single-channel cFOS immunofluorescence, labelled cell_visible c-fos."
    ),
    evidence={
        "layout": f"{NOTEBOOK} (bioimage_data/image_mapping.xlsx read with ID zero-padded to 4 digits, the lab in "
                  "column name, images at bioimage_data/lab-{LAB}/images/{ID}.tif, regions/ beside them); "
                  f"{ZENODO}: only lab-wue1 (283 images) and lab-mue (24) ship their microscopy images",
        "channels": f"{ZENODO} (raw bioimages represent cFOS labeling)",
        "labels": f"{ZENODO} (treatment condition code per lab); matjesg/bioimage_analysis notebooks/"
                  "fig_5_S9_S10_quantification.ipynb (GROUPS per lab: the same codes)",
        "licence": f"{DRYAD} via matjesg/bioimage_analysis README.md (the data are in Dryad); Dryad releases all "
                   "data under CC0: http://www.datadryad.org/using",
        "download": f"matjesg/bioimage_analysis README.md (Dryad repository {DRYAD}); "
                    f"{ZENODO} (file bioimage_data.zip)",
        "organism": f"{ZENODO} (brain areas of mice; zebrafish only in lab-wue2, whose images are not shipped)",
        "cell_type": "unknown: the package names brain areas (column area), not cell types; no cell_type label",
        "microscopy": f"{ZENODO} (bioimage analysis of fluorescent labels)",
    },
    download=Download(
        route="manual",
        instructions=(
            f"download bioimage_data.zip (about 7 GB) from {DRYAD} (or its Zenodo mirror) and unzip it into "
            "ROOT/segebarth2020/; the record lists md5 sums without file names, so none is checked here"
        ),
        evidence=f"matjesg/bioimage_analysis README.md; {ZENODO}",
    ),
)

# Treatment codes per laboratory (the package's own key): the same code means different things in
# different labs ("Ext" is early retrieval in lab-mue, extinction in lab-inns1), so the map is per lab.
CONDITIONS = {
    "lab-wue1": {"h": "homecage", "-": "context control", "+": "context conditioned"},
    "lab-mue": {"ext": "early retrieval", "ret": "late retrieval"},
    "lab-inns1": {"ctrl": "control", "ext": "extinction"},
    "lab-inns2": {"saline": "saline", "l-dopa responder": "l-dopa responder",
                  "l-dopa non-responder": "l-dopa non-responder"},
    "lab-wue2": {"wt": "wildtype", "ko": "gad1b knock-down"},
}
ORGANISMS = {"lab-wue2": "zebrafish"}
COLUMNS = ["ID", "name", "area", "training", "experiment", "condition"]
MAPPING = ("image_mapping.xlsx", "bioimage_data/image_mapping.xlsx")


def _read_xlsx(path: Path) -> dict[str, pd.DataFrame]:
    try:
        return pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
    except ImportError as exc:
        raise UserError(f"reading {path} needs openpyxl: pip install openpyxl") from exc


def _ids(values: pd.Series) -> pd.Series:
    """Excel stores the IDs as numbers (1, 62 ...); the images are named zero-padded to 4 digits."""
    text = values.astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    return text.where(~text.str.fullmatch(r"\d+").fillna(False), text.str.zfill(4)).astype(object)


def read(folder: Path) -> pd.DataFrame:
    """The lab of a row is its `name` (lab-wue1 ...); a row whose name is not a lab falls back to its
    `experiment`, its sheet, then the lab folder that holds an image of that ID. Rows of a lab without an
    images/ folder describe images that are not distributed and are left out; rows whose lab is still unknown
    are kept, so the builder quarantines them by name."""
    path = next((folder / m for m in MAPPING if (folder / m).is_file()), None)
    if path is None:
        raise UserError(f"{folder}: {' or '.join(MAPPING)} not found: unzip bioimage_data.zip into the source folder")
    base = path.parent
    prefix = "" if base == folder else base.relative_to(folder).as_posix() + "/"
    parts = []
    for sheet, table in _read_xlsx(path).items():
        table = table.dropna(how="all")
        if table.empty:
            continue
        require_columns(table, COLUMNS, Path(f"{path} (sheet {sheet!r})"))
        parts.append(table.assign(_sheet=str(sheet).strip().lower()))
    if not parts:
        raise UserError(f"{path}: no rows")
    table = pd.concat(parts, ignore_index=True)
    shipped = {p.parent.name.lower(): p.parent.name for p in base.glob("lab-*/images") if p.is_dir()}
    on_disk: dict[str, str] = {}
    for lab_key in sorted(shipped):
        for f in sorted((base / shipped[lab_key] / "images").glob("*.tif")):
            on_disk.setdefault(f.stem, lab_key)
    ids = _ids(table["ID"])
    lab = pd.Series(None, index=table.index, dtype=object)
    for candidate in (table["name"], table["experiment"], table["_sheet"]):
        named = candidate.astype("string").str.strip().str.lower()
        lab = lab.where(lab.notna() | ~named.isin(list(CONDITIONS)).fillna(False), named)
    lab = lab.where(lab.notna(), ids.map(on_disk)).astype(object)
    keep = lab.isna() | lab.isin(list(shipped))
    table, ids, lab = table[keep], ids[keep], lab[keep].fillna("lab-unknown")
    code = table["condition"].astype("string").str.strip().str.lower()
    phenotype = [CONDITIONS.get(l, {}).get(c) if isinstance(c, str) else None for l, c in zip(lab, code)]
    unknown = sorted(
        {f"{l}:{c}" for l, c, p in zip(lab, code, phenotype) if l in CONDITIONS and isinstance(c, str) and p is None}
    )
    if unknown:
        raise UserError(
            f"{path}: condition code(s) {unknown[:5]} are not in the package's treatment key; "
            "add them to segebarth2020.CONDITIONS"
        )
    out = pd.DataFrame(index=table.index)
    out["lab"] = lab
    out["image"] = ids
    out["phenotype"] = phenotype
    out["organism"] = lab.map(lambda l: ORGANISMS.get(l, "mouse"))
    out["cell_visible"] = "c-fos"
    out["source_files"] = [[f"{prefix}{shipped.get(l, l)}/images/{i}.tif"] for l, i in zip(lab, ids)]
    out["channels"] = [["cFOS"]] * len(out)
    return layouts.finish(out, ["lab", "image"], ["lab", "image"])
