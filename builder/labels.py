"""Weak-label assignment with stratified downsampling, as the CytoImageNet method describes, without the
original's bugs.

- Label text is normalised once, when an adapter's records are standardised (catalog.source.norm_label; the rules
  are in catalog/label_text.py): Unicode NFC, control characters removed and whitespace collapsed, lowercase,
  at most 100 characters per token (a longer token keeps 91 characters, then '…' and 8 hex digits of its
  SHA-256, so long tokens that share a beginning stay apart). Nothing here rewrites the text again.
- A label is a (category, token) pair: a `|`-separated token of one label column. Tokens match exactly (the
  original's regex substring match took "rab5a" rows for "rab5" and crashed on "("). The rows of a label are the
  rows holding its token in its own column, so a compound called "Human" or "Nucleus" is never absorbed into the
  organism "human" or the stained structure "nucleus".
- Names: a label is named by its token, as the original named its classes (gene tokens already end in
  " targeted", catalog.source.gene_tokens). Where one token is a candidate in several categories, the first of
  them in DESIGN order (organism, cell_type, cell_visible, phenotype, compound, gene, sirna) keeps the bare token
  and each other one is named "<token> (<category>)", e.g. "human" (organism) and "human (compound)". Should that
  name be some other label's bare token, " (<category>)" is appended again until it is not. Names depend only on
  which pairs are candidates, never on row order or seed; a clash suffix may take a name past the 100-character
  token cap (at most 115 characters).
- Candidates have >= min_per_class rows; they are visited from the rarest (ties by name); an image already
  assigned is not reused; a label left with < min_per_class unused rows is skipped.
- > 10,000 rows: stratified pre-sample of 10,000 on (dataset, organism, cell_type); > max_per_class: stratified
  sample of max_per_class on (organism, cell_type, cell_visible, sirna, compound, phenotype) minus the label's
  own column. Strata get largest-remainder quotas with at least one row each while the budget allows (the
  original's proportional rounding gave singleton strata zero rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cytoimagenet.seeding import hash_order
from cytoimagenet.format import CATEGORIES

PRESAMPLE = 10_000
PRESAMPLE_STRATA = ("source_id", "organism", "cell_type")
FINAL_STRATA = ("organism", "cell_type", "cell_visible", "sirna", "compound", "phenotype")


def _arrow_strings(values: pd.Series):
    """The column as one arrow string array: zero-copy for pandas' arrow-backed `str` columns (no Python string
    per cell), a conversion for object columns (an all-missing object column would otherwise be typed null)."""
    import pyarrow as pa

    arr = None
    if values.dtype != object:
        arr = pa.array(values, from_pandas=True)
        if isinstance(arr, pa.ChunkedArray):
            # one chunk, so that dictionary_encode gives one array of codes into one dictionary
            arr = arr.combine_chunks()
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            arr = None
    if arr is None:
        arr = pa.array(values.to_numpy(object), type=pa.string(), from_pandas=True)
    return arr


def _column_tokens(values: pd.Series):
    """(rows, codes, tokens) of one label column: one entry per distinct token per row, the token as an int32
    code into `tokens` (an arrow array of the column's distinct tokens). Codes, not strings: the long table of a
    2.7M-row table has ~13M entries, and a Python string each was most of assign_labels' peak memory."""
    import pyarrow.compute as pc

    lists = pc.split_pattern(_arrow_strings(values), "|")
    tokens = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    rows = pc.list_parent_indices(lists)
    del lists
    keep = pc.and_(pc.is_valid(tokens), pc.not_equal(tokens, ""))
    encoded = pc.dictionary_encode(pc.filter(tokens, keep))
    del tokens
    rows = pc.filter(rows, keep).to_numpy().astype(np.int64)
    codes = encoded.indices.to_numpy().astype(np.int32)
    dictionary = encoded.dictionary
    # parent indices come in row order, so a repeated token can only repeat within a row
    if len(rows) > 1 and (rows[1:] == rows[:-1]).any():
        # first occurrences, in their order (as drop_duplicates keeps them)
        first = np.sort(np.unique(rows * len(dictionary) + codes, return_index=True)[1])
        rows, codes = rows[first], codes[first]
    return rows, codes, dictionary


def token_table(records: pd.DataFrame) -> pd.DataFrame:
    """Long table (row, column, token): one line per distinct token per row per label column.
    Split with pyarrow's string kernels: no Python call per cell, which matters at 2.7M rows x 7 columns."""
    parts = []
    for col in CATEGORIES:
        rows, codes, dictionary = _column_tokens(records[col])
        parts.append(pd.DataFrame({
            "row": rows,
            "column": col,
            "token": dictionary.take(codes).to_numpy(zero_copy_only=False),
        }))
    return pd.concat(parts, ignore_index=True)


def candidate_labels(long: pd.DataFrame, min_per_class: int) -> pd.DataFrame:
    """label, category, token, count (rows holding the token in that category's column), one row per (category,
    token) pair with count >= min_per_class; named as the module docstring says; rarest first, ties by name."""
    per_pair = long.groupby(["column", "token"]).size().rename("count").reset_index()
    return _name_candidates(per_pair, min_per_class)


def _name_candidates(per_pair: pd.DataFrame, min_per_class: int) -> pd.DataFrame:
    """candidate_labels from the counts per (column, token) pair, in any order."""
    order = {c: i for i, c in enumerate(CATEGORIES)}
    cands = per_pair[per_pair["count"] >= min_per_class].rename(columns={"column": "category"})
    cands = cands.assign(_order=cands["category"].map(order))
    cands = cands.sort_values(["token", "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)
    bare = ~cands["token"].duplicated().to_numpy()
    suffix = " (" + cands["category"] + ")"
    label = cands["token"].where(bare, cands["token"] + suffix)
    taken = set(cands["token"])
    while True:
        # a disambiguated name that is some other label's bare token ("x (compound)" as a compound's own name)
        clash = ~bare & label.isin(taken).to_numpy()
        if not clash.any():
            break
        label = label.where(~clash, label + suffix)
    cands.insert(0, "label", label)
    cands = cands[["label", "category", "token", "count"]]
    return cands.sort_values(["count", "label"], kind="stable").reset_index(drop=True)


def allocate(stratum_sizes: np.ndarray, budget: int, tiebreak: np.ndarray) -> np.ndarray:
    """Largest-remainder quotas that sum to min(budget, total), each <= its stratum size, and >= 1 for every
    stratum while the budget allows. `tiebreak` orders strata that tie (and which strata get a row when
    there are more strata than budget: the largest first)."""
    sizes = stratum_sizes.astype(np.int64)
    total = int(sizes.sum())
    if budget >= total:
        return sizes.copy()
    k = len(sizes)
    if budget <= k:
        order = np.lexsort((tiebreak, -sizes))
        quota = np.zeros(k, np.int64)
        quota[order[:budget]] = 1
        return quota
    # one row per stratum first, then the rest proportionally to what each stratum has left
    quota = np.ones(k, np.int64)
    left = sizes - 1
    rest = budget - k
    exact = rest * left / left.sum()
    base = np.minimum(np.floor(exact).astype(np.int64), left)
    quota += base
    remaining = rest - int(base.sum())
    if remaining:
        room = left - base
        remainder = np.where(room > 0, exact - base, -1.0)
        order = np.lexsort((tiebreak, -remainder))
        order = order[room[order] > 0]
        # each eligible stratum takes at most one extra; loop only if caps leave budget over (rare)
        while remaining:
            take = order[:remaining]
            quota[take] += 1
            remaining -= len(take)
            room = sizes - quota
            order = order[room[order] > 0]
    return quota


def stratified_sample(frame: pd.DataFrame, columns, budget: int, rank: np.ndarray) -> np.ndarray:
    """Positions (into frame) of a stratified sample of `budget` rows. Within a stratum rows are taken in
    `rank` order (a hash of seed and sample key), so the choice is deterministic and independent of row order."""
    if budget >= len(frame):
        return np.arange(len(frame))
    cols = list(columns)
    if cols:
        # strata in sorted order of their values (missing values form their own stratum)
        codes = frame.groupby(cols, dropna=False, sort=True).ngroup().to_numpy()
    else:
        codes = np.zeros(len(frame), np.int64)
    sizes = np.bincount(codes)
    quota = allocate(sizes, budget, np.arange(len(sizes)))
    # position of each row within its stratum when ordered by rank
    order = np.lexsort((rank, codes))
    start = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    within = np.empty(len(frame), np.int64)
    within[order] = np.arange(len(frame)) - start[codes[order]]
    return np.flatnonzero(within < quota[codes])


def _label_rows(records: pd.DataFrame, min_per_class: int):
    """The candidates, and the rows of each (its token in its own column) as one int64 array sorted by candidate
    then row, with each candidate's [start, end) in it. Built from integer codes: no long table of strings, no
    merge, and each column's codes are released before the next column is split."""
    per_col = {}
    per_pair = []
    for col in CATEGORIES:
        rows, codes, dictionary = _column_tokens(records[col])
        counts = np.bincount(codes, minlength=len(dictionary))
        hit = np.flatnonzero(counts >= min_per_class)
        per_col[col] = (rows, codes, hit)
        per_pair.append(pd.DataFrame({
            "column": col,
            "token": dictionary.take(hit).to_numpy(zero_copy_only=False),
            "code": hit,
            "count": counts[hit],
        }))
    per_pair = pd.concat(per_pair, ignore_index=True)
    cands = _name_candidates(per_pair[["column", "token", "count"]], min_per_class)
    if cands.empty:
        return cands, np.empty(0, np.int64), np.zeros(1, np.int64)
    # candidate position of each (column, code) pair
    position = pd.Series(np.arange(len(cands)), index=pd.MultiIndex.from_frame(cands[["category", "token"]]))
    code_pos = position.reindex(pd.MultiIndex.from_frame(per_pair[["column", "token"]])).to_numpy()
    n = len(records)
    keys = []
    for col in CATEGORIES:
        rows, codes, hit = per_col.pop(col)
        mine = (per_pair["column"] == col).to_numpy()
        lut = np.full(int(codes.max()) + 1 if len(codes) else 0, -1, np.int64)
        lut[per_pair["code"].to_numpy()[mine]] = code_pos[mine]
        cand = lut[codes] if len(codes) else np.empty(0, np.int64)
        take = cand >= 0
        keys.append(cand[take] * n + rows[take])
        del rows, codes, cand, take
    key = np.sort(np.concatenate(keys))
    del keys
    cand, rows = np.divmod(key, n) if n else (key, key)
    del key
    bounds = np.searchsorted(cand, np.arange(len(cands) + 1))
    return cands, rows, bounds


def _rank(records: pd.DataFrame, seed: int, chunk: int = 1 << 18) -> np.ndarray:
    """hash_order of every record's key, a chunk at a time: the hash is per value, so chunks give the same ranks
    without a full-length column of key strings (and its salted copy) at once."""
    return np.concatenate([np.empty(0, np.uint64)] + [
        hash_order(records["source_id"].iloc[a:a + chunk] + "/" + records["sample_id"].iloc[a:a + chunk], seed, "label")
        for a in range(0, len(records), chunk)])


def _empty(records: pd.DataFrame) -> pd.DataFrame:
    return records.iloc[0:0].assign(label=pd.Series(dtype=object), category=pd.Series(dtype=object)).reset_index(drop=True)


def assign_labels(records: pd.DataFrame, min_per_class: int, max_per_class: int, seed: int) -> pd.DataFrame:
    """The selection: records rows that received a label, with `label` and `category` columns added."""
    # positions throughout (iloc), so the caller's index does not matter and the table is not copied
    candidates, label_rows, bounds = _label_rows(records, min_per_class)
    if candidates.empty:  # no label reaches min_per_class: the caller says so to the user
        return _empty(records)
    rank_all = _rank(records, seed)
    column_at = {c: records.columns.get_loc(c) for c in set(PRESAMPLE_STRATA) | set(FINAL_STRATA)}
    used = np.zeros(len(records), bool)
    chosen_rows, chosen_label, chosen_cat = [], [], []
    for i, (label, category) in enumerate(zip(candidates["label"], candidates["category"])):
        rows = label_rows[bounds[i]:bounds[i + 1]]
        rows = rows[~used[rows]]
        if len(rows) < min_per_class:
            continue
        if len(rows) > PRESAMPLE and PRESAMPLE > max_per_class:
            frame = records.iloc[rows, [column_at[c] for c in PRESAMPLE_STRATA]]
            rows = rows[np.sort(stratified_sample(frame, PRESAMPLE_STRATA, PRESAMPLE, rank_all[rows]))]
        if len(rows) > max_per_class:
            strata = [c for c in FINAL_STRATA if c != category]
            frame = records.iloc[rows, [column_at[c] for c in strata]]
            rows = rows[np.sort(stratified_sample(frame, strata, max_per_class, rank_all[rows]))]
        used[rows] = True
        chosen_rows.append(rows)
        chosen_label.append(np.full(len(rows), label, dtype=object))
        chosen_cat.append(np.full(len(rows), category, dtype=object))
    del label_rows, rank_all, used
    if not chosen_rows:
        return _empty(records)
    rows = np.concatenate(chosen_rows)
    out = records.iloc[rows].copy()
    out["label"] = np.concatenate(chosen_label)
    out["category"] = np.concatenate(chosen_cat)
    return out.sort_values(["label", "source_id", "sample_id"], kind="stable").reset_index(drop=True)
