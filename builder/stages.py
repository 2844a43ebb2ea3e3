"""Cached stage tables: a stage's output is kept in the build work folder beside the hash of what it was
computed from, and re-used while that hash stands. Hashes cover content, never times, so a kill-and-rerun and
an uninterrupted build make the same tables."""

from __future__ import annotations

import hashlib
import inspect
import json
from pathlib import Path
from typing import Callable

import pandas as pd
import pyarrow as pa

from cytoimagenet.io import parquet_bytes, write_bytes_atomic, write_text_atomic

# native metadata files an adapter may read: hashed by content (image files are covered by the shard tasks)
METADATA_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".json", ".xml"}
METADATA_DEPTH = 2


def digest(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def source_fingerprint(source, folder: Path) -> str:
    """Hash of a source's catalog entry, its adapter's code and the content of its metadata files."""
    h = hashlib.sha256()
    h.update(source.entry.model_dump_json().encode())
    if source._read is not None:
        h.update(inspect.getsource(inspect.getmodule(source._read)).encode())
    folder = Path(folder)
    found = []
    for depth in range(METADATA_DEPTH + 1):
        pattern = "/".join(["*"] * (depth + 1))
        found += [p for p in folder.glob(pattern) if p.suffix.lower() in METADATA_SUFFIXES and p.is_file()]
    for path in sorted(found):
        h.update(str(path.relative_to(folder)).encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def cached_table(work: Path, name: str, key: str, compute: Callable[[], pd.DataFrame]) -> tuple[pd.DataFrame, bool]:
    """(table, reused). The table is `work/<name>.parquet`, valid while `work/<name>.hash` holds `key`."""
    table_path, hash_path = work / f"{name}.parquet", work / f"{name}.hash"
    if table_path.is_file() and hash_path.is_file() and hash_path.read_text().strip() == key:
        return pd.read_parquet(table_path), True
    df = compute()
    write_bytes_atomic(table_path, parquet_bytes(pa.Table.from_pandas(df, preserve_index=False)))
    write_text_atomic(hash_path, key + "\n")
    return df, False
