"""BBBC041: P. vivax (malaria) infected human blood smears, Giemsa-stained, with cell bounding boxes.

Native layout: `malaria/training.json` and `malaria/test.json`, lists of {"image": {"checksum", "pathname":
"/images/<uuid>.png", "shape"}, "objects": [{"category": ..., "bounding_box": {"minimum": {"r", "c"},
"maximum": {"r", "c"}}}]}, the images under `malaria/images/` (PNG or JPG, RGB).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry, warn
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
        "The original cropped every bounding box into its own image labelled with the box's category as "
        "cell_type. The builder cannot crop to a box today (a record names whole files, and box columns would "
        "need the shard task to crop before standardising), so each smear is one sample whose cell_type is "
        "every category its boxes carry: the labels the original's crops of that smear had, at image level. "
        "Cost: about 1,364 samples instead of ~80,000 cell crops, and a smear is labelled trophozoite when one "
        "of its many cells is. RGB is converted to grayscale by the builder, as the original averaged colours."
    ),
    evidence={
        "layout": (
            f"{ORIGINAL} scripts/data_curation/crop_bb.py (reads malaria/training.json and malaria/test.json, "
            "image.pathname '/images/<name>', objects[].bounding_box.minimum/maximum r and c, objects[].category)"
        ),
        "channels": f"{ORIGINAL} datasets_info.csv (bbbc_malaria: channels brightfield; format png, jpg)",
        "labels": (
            f"{ORIGINAL} scripts/data_curation/crop_bb.py (cell_type = objects[].category, lowercased, per crop); "
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


def _entries(path: Path) -> list[tuple[str, list[str]]]:
    try:
        entries = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: not valid JSON ({exc})") from None
    rows = []
    for i, entry in enumerate(entries):
        try:
            pathname = entry["image"]["pathname"]
            categories = [str(o["category"]).strip().lower() for o in entry.get("objects", [])]
        except (KeyError, TypeError):
            raise UserError(f"{path}: entry {i} lacks image.pathname or objects[].category") from None
        rows.append((pathname, categories))
    return rows


def read(folder: Path) -> pd.DataFrame:
    rows = []
    for name in ("training.json", "test.json"):
        path = folder / "malaria" / name
        if path.is_file():
            rows += _entries(path)
    if not rows:
        raise UserError(f"{folder / 'malaria'}: neither training.json nor test.json found")
    out = pd.DataFrame(rows, columns=["pathname", "categories"])
    out["path"] = "malaria/" + out["pathname"].str.lstrip("/")
    out["image"] = out["path"].str.rsplit("/", n=1).str[-1].str.rsplit(".", n=1).str[0]
    # the categories of a smear's boxes are the cell types its crops had in the original
    out["cell_type"] = out["categories"].map(lambda c: "|".join(sorted(set(c))) or None)
    unboxed = int(out["cell_type"].isna().sum())
    out = layouts.file_samples(out, "RGB")
    out = layouts.finish(out, ["image"], ["image"])
    if unboxed:
        warn(out, f"{folder / 'malaria'}: {unboxed} image(s) have no boxes, hence no cell_type label")
    return out.drop(columns=["categories"])
