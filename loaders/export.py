"""Export a release in the layout of the published CytoImageNet v1: class folders of PNGs (`<path>/<filename>`)
and a `metadata.csv` with the v1 columns, for tools built on the original (Keras `flow_from_dataframe`).

PNGs are written byte for byte as the shards hold them. Memory stays flat: `metadata.parquet` lists samples in
shard order, so its rows are read in batches alongside the shards, each row checked against its sample's key."""

from __future__ import annotations

import csv
from pathlib import Path, PurePosixPath
from typing import Callable, Optional

import pyarrow.parquet as pq

from cytoimagenet.errors import UserError
from cytoimagenet.io import atomic_path

V1_COLUMNS = (
    "label", "category", "database", "name", "dir_name", "path", "filename", "idx", "organism", "cell_type",
    "cell_visible", "phenotype", "compound", "sirna", "gene", "microscopy", "crop", "scaling", "x_min", "x_max",
    "y_min", "y_max",
)
LAYOUTS = ("v1",)


def _relative(path: str, filename: str, key: str) -> PurePosixPath:
    rel = PurePosixPath(str(path).replace("\\", "/").lstrip("/")) / filename
    if ".." in rel.parts or not rel.parts or any(p.startswith(".") for p in rel.parts):
        raise UserError(f"sample {key!r}: path {path!r}/{filename!r} would leave the export folder; the release's "
                        "metadata is not one this project wrote (run `cytoimagenet validate`)")
    return rel


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return str(value)


def export_v1(release: Path, out: Path, progress: Optional[Callable[[str, int, int], None]] = None) -> int:
    """Write `release` into `out` in the v1 layout; returns the number of images. `out` must be new or empty."""
    from cytoimagenet.loaders.shards import iter_shard
    from cytoimagenet.validation.release import read_manifest

    progress = progress or (lambda stage, done, total: None)
    release, out = Path(release), Path(out)
    manifest = read_manifest(release)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError(f"{out} exists and is not empty; export into a new folder")
    out.mkdir(parents=True, exist_ok=True)
    metadata = pq.ParquetFile(release / "metadata" / "metadata.parquet")
    columns = ["key", "shard", *V1_COLUMNS]
    batches = metadata.iter_batches(batch_size=4096, columns=columns)
    pending: list[dict] = []
    total = sum(s.samples for s in manifest.shards)
    done = 0
    with atomic_path(out / "metadata.csv") as tmp_csv, open(tmp_csv, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(V1_COLUMNS)
        for shard in manifest.shards:
            name = Path(shard.path).stem
            for sample in iter_shard(release / shard.path, expected=shard.samples):
                while not pending:
                    try:
                        pending = next(batches).to_pylist()
                    except StopIteration:
                        raise UserError(f"{release}: metadata.parquet lists fewer samples than the shards hold") from None
                row = pending.pop(0)
                if row["key"] != sample.key or row["shard"] != name:
                    raise UserError(f"{release}: metadata.parquet row {row['key']!r} ({row['shard']}) does not line "
                                    f"up with shard sample {sample.key!r} ({name}); run `cytoimagenet validate`")
                rel = _relative(row["path"], row["filename"], row["key"])
                target = out / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    with open(target, "xb") as img:
                        img.write(sample.png)
                except FileExistsError:
                    raise UserError(f"{target}: two samples of {release} have this path and file name; the export "
                                    "would lose one (the release's names are not unique: run `cytoimagenet validate`)") from None
                writer.writerow([_cell(row[c]) for c in V1_COLUMNS])
                done += 1
                progress("export", done, total)
    return done
