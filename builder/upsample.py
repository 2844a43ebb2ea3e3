"""Upsampling small classes with crops, as the original did: classes under max_per_class gain crops of their
images, 1 to 4 per image (fewer as the class grows), one per quadrant. Only the number of crops per image is
planned here; where each crop falls is drawn in the shard task from the sample key, once the image's size is known."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cytoimagenet.seeding import hash_order

MAX_CROPS_PER_IMAGE = 4


def crops_per_image(class_size: int, max_per_class: int) -> int:
    """ceil((max - n) / n), between 1 and 4: a class of 250 gets 3 crops per image, one of 600 gets 1."""
    if class_size >= max_per_class:
        return 0
    return int(min(MAX_CROPS_PER_IMAGE, max(1, -(-(max_per_class - class_size) // class_size))))


def plan_crops(selection: pd.DataFrame, max_per_class: int, seed: int) -> pd.DataFrame:
    """The selection with crop rows appended: `crop` (bool), `crop_index` (0..3, -1 for whole images) and
    `n_crops` (crops planned for the row's source image). A class grows to at most max_per_class samples;
    crops are spread over its images in a seeded order, every image's first crop before any image's second."""
    whole = selection.assign(crop=False, crop_index=-1, n_crops=0)
    sizes = selection.groupby("label")["sample_id"].transform("size").to_numpy()
    k = np.array([crops_per_image(int(n), max_per_class) for n in sizes], np.int64)
    if not k.any():
        return whole
    rep = np.repeat(np.arange(len(selection)), k)
    crops = selection.iloc[rep].copy()
    crops["crop"] = True
    crops["crop_index"] = np.arange(len(rep)) - np.repeat(np.cumsum(k) - k, k)
    crops["rank"] = hash_order(crops["source_id"] + "/" + crops["sample_id"], seed, "crop")
    need = max_per_class - sizes[rep]
    crops["need"] = need
    crops = crops.sort_values(["label", "crop_index", "rank"], kind="stable")
    keep = crops.groupby("label").cumcount().to_numpy() < crops["need"].to_numpy()
    crops = crops[keep].drop(columns=["rank", "need"])
    n_crops = crops.groupby(["source_id", "sample_id"])["crop_index"].transform("size")
    crops["n_crops"] = n_crops.to_numpy()
    whole = whole.merge(
        crops.groupby(["source_id", "sample_id"]).size().rename("planned").reset_index(), how="left",
        on=["source_id", "sample_id"],
    )
    whole["n_crops"] = whole["planned"].fillna(0).astype(np.int64)
    whole = whole.drop(columns=["planned"])
    out = pd.concat([whole, crops], ignore_index=True)
    return out.sort_values(["label", "source_id", "sample_id", "crop_index"], kind="stable").reset_index(drop=True)
