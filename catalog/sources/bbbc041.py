"""BBBC041: P. vivax (malaria) infected human blood smears, Giemsa-stained, with cell bounding boxes.

Native layout: `malaria/training.json` and `malaria/test.json`, lists of {"image": {"pathname":
"/images/<uuid>.png", ...}, "objects": [{"category": "red blood cell" | "trophozoite" | "ring" | "schizont" |
"gametocyte" | "leukocyte" | "difficult", "bounding_box": ...}]}, images under `malaria/images/`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry
from cytoimagenet.errors import UserError

ENTRY = SourceEntry(
    id="bbbc041",
    database="Broad Bioimage Benchmark Collection",
    name="P. vivax (malaria) infected human blood smears",
    dir_name="bbbc041",
    homepage="https://bbbc.broadinstitute.org/BBBC041",
    licence="CC-BY-NC-SA-3.0",  # was: CC BY-NC-SA 3.0 (verify)
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
        "Whole smears are samples (the original cropped cells from the boxes; crops are the builder's job). "
        "cell_type lists the blood cells present, phenotype the parasite stages present ('uninfected' when "
        "none). RGB is converted to grayscale by the builder. Licence: verify."
    ),
)

STAGES = {"ring", "trophozoite", "schizont", "gametocyte"}
CELLS = {"red blood cell": "red blood cell", "leukocyte": "white blood cell"}


def read(folder: Path) -> pd.DataFrame:
    rows = []
    for name in ("training.json", "test.json"):
        path = folder / "malaria" / name
        if not path.is_file():
            continue
        try:
            entries = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}: not valid JSON ({exc})") from None
        for i, entry in enumerate(entries):
            try:
                pathname = entry["image"]["pathname"]
                categories = {o["category"] for o in entry.get("objects", [])}
            except (KeyError, TypeError):
                raise UserError(f"{path}: entry {i} lacks image.pathname or objects[].category") from None
            rows.append((pathname, categories))
    if not rows:
        raise UserError(f"{folder / 'malaria'}: neither training.json nor test.json found")
    out = pd.DataFrame(rows, columns=["pathname", "categories"])
    out["path"] = "malaria/" + out["pathname"].str.lstrip("/")
    out["image"] = out["path"].str.rsplit("/", n=1).str[-1].str.rsplit(".", n=1).str[0]
    out["cell_type"] = out["categories"].map(lambda c: "|".join(sorted(CELLS[k] for k in c if k in CELLS)) or None)
    out["phenotype"] = out["categories"].map(
        lambda c: "|".join(sorted(f"{s} stage" for s in c & STAGES)) or "uninfected"
    )
    out = layouts.file_samples(out, "RGB")
    return layouts.finish(out, ["image"], ["image"])
