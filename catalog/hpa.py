"""Kaggle Human Protein Atlas competitions (kaggle_hpa, kaggle_hpa_single): a train.csv of image ids and
integer localisation classes, and one PNG per stain `train/{id}_{green,red,blue,yellow}.png` (the folder the
original CytoImageNet read: stan-hua/CytoImageNet scripts/merge_channels.py, rev aec7751)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping, Optional

import pandas as pd

from cytoimagenet.catalog.source import read_csv
from cytoimagenet.errors import UserError

REFERENCE = {"red": "microtubules", "blue": "nucleus", "yellow": "endoplasmic reticulum"}


def records(
    folder: Path,
    *,
    csv_name: str,
    id_col: str,
    target_col: str,
    classes: Mapping[int, Optional[str]],
    image_dir: str,
    ext: str = "png",
    separator: str = r"[ |]",
) -> pd.DataFrame:
    """Kaggle HPA competitions: a CSV of image Id and integer localisation classes, and one file per stain
    `{Id}_{green,red,blue,yellow}.png`. The green channel is the protein whose localisation is the label;
    the other three are reference stains shared by every image. They are kept apart: one sample merges the
    reference stains (labelled with what they stain), another is the protein channel alone (labelled with
    its localisations). Both share the image's split group."""
    path = folder / csv_name
    table = read_csv(path, [id_col, target_col])
    ids = table[id_col].astype(str).str.strip()

    def names(value):
        if not isinstance(value, str):
            return None
        out = []
        for tok in re.split(separator, value.strip()):
            if not tok:
                continue
            try:
                name = classes[int(tok)]
            except (ValueError, KeyError):
                raise UserError(f"{path}: {target_col} {value!r} has an unknown class {tok!r}") from None
            if name:  # None: a class that names no structure (HPA single-cell "Negative")
                out.append(name)
        return "|".join(out) or None

    targets = table[target_col].map(names)
    prefix = f"{image_dir}/" if image_dir else ""
    ref = pd.DataFrame(
        {
            "sample_id": ids + "-reference",
            "group": ids,
            "cell_visible": "|".join(REFERENCE.values()),
            "source_files": [[f"{prefix}{i}_{c}.{ext}" for c in REFERENCE] for i in ids],
            "channels": [list(REFERENCE.values())] * len(ids),
        }
    )
    protein = pd.DataFrame(
        {
            "sample_id": ids + "-protein",
            "group": ids,
            "cell_visible": targets,
            "source_files": [[f"{prefix}{i}_green.{ext}"] for i in ids],
            "channels": [["protein"]] * len(ids),
        }
    )
    out = pd.concat([ref, protein], ignore_index=True)
    return out.sort_values("sample_id", kind="stable").reset_index(drop=True)
