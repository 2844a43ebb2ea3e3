"""BBBC041: P. vivax (malaria) infected human blood smears, Giemsa-stained, with cell bounding boxes.

Native layout: `malaria/training.json` and `malaria/test.json`, lists of {"image": {"checksum", "pathname":
"/images/<uuid>.png", "shape"}, "objects": [{"category": ..., "bounding_box": {"minimum": {"r", "c"},
"maximum": {"r", "c"}}}]}, the images under `malaria/images/` (PNG or JPG, RGB). One record per object box:
the smear's file with the box as its source region (catalog/source.py REGION_COLUMNS), r rows and c columns.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import REGION_COLUMNS, Download, DownloadFile, SourceEntry, warn
from cytoimagenet.errors import UserError

ORIGINAL = "stan-hua/CytoImageNet"

ENTRY = SourceEntry(
    id="bbbc041",
    database="Broad Bioimage Benchmark Collection",
    name="P. vivax (malaria) infected human blood smears",
    dir_name="bbbc041",
    homepage="https://bbbc.broadinstitute.org/BBBC041",
    licence="CC-BY-NC-SA-3.0",
    citation=(
        "Hung J, Carpenter A. Applying faster R-CNN for object detection on malaria images. CVPR Workshops "
        "(2017); " + layouts.BBBC_CITATION
    ),
    modality="brightfield",
    channels=["RGB"],
    organism="human",
    adapter="read",
    layout="malaria/{training,test}.json + malaria/images/<uuid>.png|jpg",
    note=(
        "One sample per object box, as the original cropped them: the box is rows minimum.r:maximum.r and columns "
        "minimum.c:maximum.c of its smear (half-open, the original's numpy slice), cut out before the builder "
        "standardises it, and labelled with the box's category as cell_type; every category, 'difficult' "
        "included, as the original skipped none. Sample id '<image uuid>_<n>', n the box's position (from 1) in "
        "the image's objects list, as the original numbered its crop files; group = the smear, so the boxes of "
        "one smear never straddle train/validation. An image listing no boxes gives no sample (a warning says "
        "how many). RGB is converted to grayscale by the builder, as the original averaged colours."
    ),
    evidence={
        "layout": (
            f"{ORIGINAL} scripts/data_curation/crop_bb.py (reads malaria/training.json and malaria/test.json, "
            "image.pathname '/images/<name>', objects[].bounding_box.minimum/maximum r and c, objects[].category; "
            "'x_start = annotation[\"bounding_box\"][\"minimum\"][\"r\"]', 'x_end = ...[\"maximum\"][\"r\"]', "
            "'y_start = ...[\"minimum\"][\"c\"]', 'y_end = ...[\"maximum\"][\"c\"]', "
            "and img_crop is img sliced x_start:x_end on its first (row) axis, y_start:y_end on its second (column) "
            "axis: r are rows, c columns, maxima exclusive; crops named "
            "'<name>_{img_num}.png' with img_num counted from 1 over objects)"
        ),
        "channels": f"{ORIGINAL} datasets_info.csv (bbbc_malaria: channels brightfield; format png, jpg)",
        "labels": (
            f"{ORIGINAL} scripts/data_curation/crop_bb.py (cell_type = objects[].category, lowercased, per crop: "
            "'label = annotation[\"category\"].lower()'; no category skipped: 'for annotation in x[\"objects\"]:' "
            "crops every object, 'difficult' included); "
            f"{ORIGINAL} scripts/model_pretraining.py ('trophozoite' is a CytoImageNet class); the seven "
            "categories (red blood cell, trophozoite, ring, schizont, gametocyte, leukocyte, difficult) as public "
            "readers of the JSON list them (repository not recorded); unknown: the "
            "original's bbbc041_metadata.csv is a Git LFS object missing from the mirror, so which categories "
            "survived its label thresholds is not known"
        ),
        "licence": "FZJ-INM1-BDA/celldetection README.md ('https://bbbc.broadinstitute.org/BBBC041 (CC BY-NC-SA 3.0)')",
        "download": f"{ORIGINAL} datasets_info.csv (download: https://data.broadinstitute.org/bbbc/BBBC041/malaria.zip)",
        "organism": f"{ORIGINAL} datasets_info.csv (organism human)",
        "cell_type": f"{ORIGINAL} scripts/data_curation/crop_bb.py",
        "microscopy": f"{ORIGINAL} datasets_info.csv (microscopy brightfield)",
    },
    download=Download(
        route="https",
        files=[DownloadFile(url="https://data.broadinstitute.org/bbbc/BBBC041/malaria.zip", path="malaria.zip")],
        instructions="unknown: the distributor's size and checksum are not published where reachable here",
        evidence=f"{ORIGINAL} datasets_info.csv; the zip holds malaria/ ({ORIGINAL} scripts/data_curation/crop_bb.py reads <dir>/malaria/)",
    ),
)


def _coordinate(value, path: Path, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise UserError(f"{path}: {where}: bounding box coordinate {value!r} is not a whole number of pixels")
    return int(value)


def _boxes(path: Path) -> tuple[list[tuple], int]:
    """(one row per object box: pathname, n, category and the region minimum.r, minimum.c, maximum.r, maximum.c,
    i.e. y0, x0, y1, x1 in REGION_COLUMNS' order; the number of images listing no box)."""
    try:
        entries = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(entries, list):
        raise UserError(f"{path}: expected a list of images, found {type(entries).__name__}")
    rows, unboxed = [], 0
    for i, entry in enumerate(entries):
        try:
            pathname = entry["image"]["pathname"]
            objects = entry.get("objects") or []
        except (KeyError, TypeError, AttributeError):
            raise UserError(f"{path}: entry {i} lacks image.pathname") from None
        unboxed += not objects
        # n counts from 1 over the image's objects, as the original numbered its crops
        for n, obj in enumerate(objects, start=1):
            where = f"entry {i} ({pathname}) object {n}"
            try:
                category = str(obj["category"])
                low, high = obj["bounding_box"]["minimum"], obj["bounding_box"]["maximum"]
                corners = (low["r"], low["c"], high["r"], high["c"])
            except (KeyError, TypeError):
                raise UserError(f"{path}: {where} lacks category or bounding_box.minimum/maximum r and c") from None
            rows.append((pathname, n, category, *(_coordinate(v, path, where) for v in corners)))
    return rows, unboxed


def read(folder: Path) -> pd.DataFrame:
    rows, unboxed, found = [], 0, False
    for name in ("training.json", "test.json"):
        path = folder / "malaria" / name
        if path.is_file():
            found = True
            boxes, empty = _boxes(path)
            rows += boxes
            unboxed += empty
    if not found:
        raise UserError(f"{folder / 'malaria'}: neither training.json nor test.json found")
    if not rows:
        raise UserError(f"{folder / 'malaria'}: training.json and test.json list no object boxes, hence no samples")
    out = pd.DataFrame(rows, columns=["pathname", "box", "category", *REGION_COLUMNS])
    out["path"] = "malaria/" + out["pathname"].str.lstrip("/")
    out["image"] = out["path"].str.rsplit("/", n=1).str[-1].str.rsplit(".", n=1).str[0]
    out["box_id"] = out["image"] + "_" + out["box"].astype(str)
    # the box's category is its cell type, as the original labelled each crop
    out["cell_type"] = out["category"]
    out = layouts.file_samples(out, "RGB")
    out = layouts.finish(out, ["box_id"], ["image"])
    if unboxed:
        warn(out, f"{folder / 'malaria'}: {unboxed} image(s) list no object boxes, hence no sample")
    return out.drop(columns=["category", "box"])
