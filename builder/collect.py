"""The collect stage: the shards' part files concatenated into the release's metadata tables (metadata, labels,
quarantine parquet), and the manifest with the release identity and the software versions that made it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cytoimagenet.builder.reuse import ShardDone, _part_path, _part_schemas
from cytoimagenet.builder.shard import training_shard_entries
from cytoimagenet.builder.writes import _write_bytes, _write_text
from cytoimagenet.format import SPLITS, BuildConfig, Manifest, ShardEntry, release_identity
from cytoimagenet.io import parquet_bytes


def _software() -> dict[str, str]:
    from importlib.metadata import version

    return {p: version(p) for p in ("cytoimagenet", "numpy", "pillow", "tifffile", "pyarrow", "pandas")}


# rows per row group of pyarrow's write_table (its default max_row_group_length): the parts are concatenated into
# row groups of this size, so the file is the one write_table makes of the whole table, byte for byte
ROW_GROUP_ROWS = 1 << 20


def _concat_parts(paths: list[Path], schema: pa.Schema, each: Callable[[pa.Table], None]) -> bytes:
    """The parquet bytes (parquet_bytes' options) of the part files concatenated in order, holding at most one
    row group's rows at a time; `each` sees every part as it is read. Written to memory, then through
    _write_bytes: compressed, the full build's metadata is tens of MB, and its write stays atomic."""
    sink = pa.BufferOutputStream()
    with pq.ParquetWriter(sink, schema, compression="zstd", write_statistics=True, store_schema=False) as writer:
        pending: list[pa.Table] = []
        buffered = written = 0

        def flush(n: int) -> None:
            nonlocal pending, buffered, written
            # one contiguous chunk a row group, as write_table has from a table built at once: pages and
            # dictionaries then break at the same rows
            table = pa.concat_tables(pending).combine_chunks()
            writer.write_table(table.slice(0, n))
            rest = table.slice(n)
            pending, buffered, written = ([rest] if rest.num_rows else []), rest.num_rows, written + n

        for path in paths:
            part = pq.read_table(path).select(schema.names)
            each(part)
            if part.num_rows:
                pending.append(part)
                buffered += part.num_rows
            while buffered >= ROW_GROUP_ROWS:
                flush(ROW_GROUP_ROWS)
        if buffered:
            flush(buffered)
        elif not written:
            writer.write_table(schema.empty_table())  # what write_table does with an empty table
    return sink.getvalue().to_pybytes()


def _collect(staging: Path, shard_meta: Path, results: list[ShardDone], labels: list[str], category: dict[str, str],
             config: BuildConfig, entries: dict, warnings: list[str]) -> Manifest:
    meta_dir = staging / "metadata"
    schemas = _part_schemas()
    # per label: samples in each split, and the sources they came from; accumulated part by part
    n = len(labels)
    counts = {split: np.zeros(n, np.int64) for split in SPLITS}
    sources: list[set] = [set() for _ in labels]

    def count(part: pa.Table) -> None:
        if not part.num_rows:
            return
        label_id = part.column("label_id").to_numpy()
        split = part.column("split").to_numpy(zero_copy_only=False)
        for s in SPLITS:
            counts[s] += np.bincount(label_id[split == s], minlength=n)
        pairs = pd.DataFrame({"l": label_id, "s": part.column("source_id").to_numpy(zero_copy_only=False)})
        for i, sid in pairs.drop_duplicates().itertuples(index=False, name=None):
            sources[i].add(sid)

    metadata_bytes = _concat_parts([_part_path(shard_meta, r.name, "records") for r in results],
                                   schemas["records"], count)
    _write_bytes(meta_dir / "metadata.parquet", metadata_bytes)

    label_rows = [{
        "label": label, "label_id": i, "category": category[label],
        "train": int(counts["train"][i]), "validation": int(counts["validation"][i]),
        "count": int(sum(counts[s][i] for s in SPLITS)), "sources": "|".join(sorted(sources[i])),
    } for i, label in enumerate(labels)]
    _write_bytes(meta_dir / "labels.parquet", parquet_bytes(pa.Table.from_pylist(label_rows)))

    quarantine_bytes = _concat_parts([_part_path(shard_meta, r.name, "quarantine") for r in results],
                                     schemas["quarantine"], lambda part: None)
    _write_bytes(meta_dir / "quarantine.parquet", quarantine_bytes)

    shards = [
        ShardEntry(path=f"data/{Path(r.path).name}", split=r.name.rsplit("-", 1)[0], sha256=r.sha256,
                   bytes=r.bytes, samples=r.samples)
        for r in results
    ]
    splits = {s: sum(e.samples for e in shards if e.split == s) for s in SPLITS}
    training = training_shard_entries(results)
    release_id, version = release_identity(shards + training, hashlib.sha256(metadata_bytes).hexdigest(), labels)
    manifest = Manifest(
        name=config.release_name,
        version=version,
        release_id=release_id, config=config, labels=labels, splits=splits, shards=shards, training_shards=training,
        quarantined=sum(r.quarantined for r in results),
        catalog=[entries[s].model_dump() for s in sorted(entries)], software=_software(), warnings=warnings,
    )
    _write_text(staging / "manifest.json", manifest.model_dump_json(indent=2) + "\n")
    return manifest
