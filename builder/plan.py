"""Deterministic planning: selection -> (split, shard, key, idx, filename) per sample.

The split is grouped: every sample of one group (a well, or a source image where the source has no wells;
crops always inherit their source image's group) lands in the same split. Groups are visited in a seeded hash
order and each goes to validation when that brings its labels closer to the validation fraction, so small
classes still get validation samples without ever splitting a group.

File names keep the original's scheme, `path = cytoimagenet/<label>` and `filename = <label>-<n>.png` (n the
image's number in its class, in binary), for every ordinary label. A label is ordinary unless it contains `/`, `\\`
or `~`, a control or format character, starts with `.` (so also `.` and `..`), or is over LABEL_PART_BYTES (200)
bytes of UTF-8. Any other label is written as its text with each of those characters (and each leading dot) made
`_`, cut to fit, then `~` and 16 hex digits of its SHA-256: `~` never occurs in an ordinary name, so the two kinds
never meet, and the hash keeps `a/b` apart from `a_b` and from each other. So every path is `cytoimagenet/` and
one component, each component within 255 bytes (the file-name limit of ext4, APFS, NTFS and tar/zip tools), never
hidden, and distinct labels get distinct folders and files."""

from __future__ import annotations

import hashlib
import unicodedata

import numpy as np
import pandas as pd

from cytoimagenet.catalog.source import safe_id
from cytoimagenet.errors import UserError
from cytoimagenet.seeding import hash_order


def split_groups(selection: pd.DataFrame, fraction: float, seed: int) -> pd.Series:
    """'train' or 'validation' per row of `selection`, constant within (source_id, group)."""
    group = selection["source_id"] + "/" + selection["group"]
    codes, groups = pd.factorize(group)
    labels, label_codes = np.unique(selection["label"].to_numpy(str), return_inverse=True)
    target = fraction * np.bincount(label_codes, minlength=len(labels))
    val = np.zeros(len(labels))
    # per group: its labels and how many rows of each
    pair = pd.DataFrame({"g": codes, "l": label_codes}).value_counts().sort_index()
    g_index = pair.index.get_level_values(0).to_numpy()
    l_index = pair.index.get_level_values(1).to_numpy()
    counts = pair.to_numpy()
    bounds = np.searchsorted(g_index, np.arange(len(groups) + 1))
    order = np.argsort(hash_order(pd.Series(groups), seed, "split"), kind="stable")
    in_val = np.zeros(len(groups), bool)
    for g in order:
        ls, cs = l_index[bounds[g]:bounds[g + 1]], counts[bounds[g]:bounds[g + 1]]
        gain = np.abs(val[ls] + cs - target[ls]) - np.abs(val[ls] - target[ls])
        if gain.sum() < 0:
            in_val[g] = True
            val[ls] += cs
    return pd.Series(np.where(in_val[codes], "validation", "train"), index=selection.index)


MAX_NAME_BYTES = 255
LABEL_PART_BYTES = 200  # the rest of a file name, '-<binary number>.png', fits in what is left
_REWRITTEN = "~"  # marks a rewritten label name; no ordinary name contains it
_SEPARATORS = frozenset("/\\~")
_HASH_DIGITS = 16


def _bad_char(ch: str) -> bool:
    return ch in _SEPARATORS or unicodedata.category(ch) in ("Cc", "Cf", "Cs")


def label_component(label: str) -> str:
    """The folder / file-name stem of a label: the label itself when ordinary (module docstring), else a rewrite."""
    raw = label.encode("utf-8", "surrogatepass")
    if label and not label.startswith(".") and len(raw) <= LABEL_PART_BYTES and not any(map(_bad_char, label)):
        return label
    head = "".join("_" if _bad_char(ch) else ch for ch in label)
    head = "_" * (len(head) - len(head.lstrip("."))) + head.lstrip(".")
    budget = LABEL_PART_BYTES - len(_REWRITTEN) - _HASH_DIGITS
    head = head.encode("utf-8")[:budget].decode("utf-8", "ignore")  # cut on a character boundary
    return head + _REWRITTEN + hashlib.sha256(raw).hexdigest()[:_HASH_DIGITS]


def label_components(labels: pd.Series) -> pd.Series:
    """label_component of each label, computed once per distinct label; refuses a (never yet seen) hash clash."""
    names = {label: label_component(label) for label in pd.unique(labels)}
    if len(set(names.values())) != len(names):
        clash = pd.Series(list(names)).groupby(pd.Series(list(names.values()))).agg(list)
        pair = clash[clash.map(len) > 1].iloc[0]
        raise UserError(f"labels {pair[0]!r} and {pair[1]!r} map to one file name; rename one in the source metadata")
    return labels.map(names)


def plan(selection: pd.DataFrame, entries: dict, *, seed: int, fraction: float, shard_size: int) -> pd.DataFrame:
    """One row per sample to write, with split, shard and names. Crop columns pass through when present."""
    df = selection.copy()
    if "crop" not in df.columns:
        df["crop"] = False
        df["crop_index"] = -1
        df["n_crops"] = 0
    df["split"] = split_groups(df, fraction, seed)
    suffix = np.where(df["crop"], "_c" + df["crop_index"].astype(str), "")
    dir_name = df["source_id"].map(lambda s: entries[s].dir_name)
    df["idx"] = dir_name + "-" + df["sample_id"]
    df["key"] = (df["source_id"] + "_" + df["sample_id"] + suffix).map(safe_id)
    dup = df["key"].duplicated(keep=False)
    if dup.any():
        raise UserError(f"two samples map to the same key {df.loc[dup, 'key'].iloc[0]!r}; sample ids must differ in [A-Za-z0-9_-]")
    # the original's file naming: class folder, '<label>-<binary of the image number in its class>.png'
    df = df.sort_values(["label", "key"], kind="stable")
    number = df.groupby("label").cumcount().to_numpy()
    width = max(8, int(number.max()).bit_length() if len(df) else 8)
    safe_label = label_components(df["label"])
    df["path"] = "cytoimagenet/" + safe_label
    df["filename"] = safe_label + "-" + pd.Series([np.binary_repr(n, width) for n in number], index=df.index) + ".png"
    # shards: within a split, samples in a seeded hash order so every shard mixes classes and sources
    df["order"] = hash_order(df["key"], seed, "shard")
    df = df.sort_values(["split", "order", "key"], kind="stable").reset_index(drop=True)
    position = df.groupby("split").cumcount().to_numpy()
    df["shard"] = df["split"] + "-" + pd.Series(position // shard_size).map("{:06d}".format)
    return df.drop(columns=["order"])
