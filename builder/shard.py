"""The shard task: read channels -> merge/normalise -> (crop) -> QC -> PNG -> tar. A pure function of the
plan rows, the source files and the config: any executor, any worker count, the same bytes."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cytoimagenet.builder.image import UnreadableImage, encode_png, merge, qc_reason, read_channel
from cytoimagenet.validation.schema import SampleRecord

RECORD_PASSTHROUGH = (
    "key", "label", "category", "path", "filename", "idx", "organism", "cell_type", "cell_visible", "phenotype",
    "compound", "sirna", "gene", "microscopy", "source_id", "split",
)


@dataclass
class ShardTask:
    name: str  # e.g. "train-000003"
    rows: list[dict]  # plan rows
    source_roots: dict[str, str]  # source_id -> folder
    entries: dict[str, dict]  # source_id -> {database, name, dir_name}
    label_ids: dict[str, int]
    out_path: str
    percentile_low: float = 0.1
    percentile_high: float = 99.9
    compress_level: int = 6


@dataclass
class ShardResult:
    name: str
    path: str
    sha256: str
    bytes: int
    records: list[dict] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)


def _member(name: str, data: bytes) -> tuple[tarfile.TarInfo, io.BytesIO]:
    # fixed metadata: no mtimes, owners or modes from the build machine leak into the bytes
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info, io.BytesIO(data)


def write_tar_atomic(path: Path, samples: list[tuple[str, dict[str, bytes]]]) -> tuple[str, int]:
    """Write a WebDataset tar (members '<key>.<ext>', key order as given) to a temp name, fsync, rename.
    Returns (sha256, bytes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            with tarfile.open(fileobj=fh, mode="w", format=tarfile.PAX_FORMAT) as tf:
                for key, members in samples:
                    for ext in sorted(members):
                        tf.addfile(*_member(f"{key}.{ext}", members[ext]))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest(), path.stat().st_size


def _crop(image: np.ndarray, row: dict) -> np.ndarray:
    return image[int(row["y_min"]):int(row["y_max"]), int(row["x_min"]):int(row["x_max"])]


def process_row(row: dict, root: Path, low: float, high: float) -> tuple[np.ndarray, int]:
    """Read and merge one sample's channels; crops are cut from the channels and re-normalised."""
    channels, depths = [], []
    for rel in row["source_files"]:
        try:
            arr, depth = read_channel(root / rel)
        except UnreadableImage as exc:
            raise UnreadableImage(f"{rel}: {exc}") from None
        channels.append(arr)
        depths.append(depth)
    if row.get("crop"):
        channels = [_crop(c, row) for c in channels]
    return merge(channels, low, high), max(depths)


def run_shard(task: ShardTask) -> ShardResult:
    samples, records, quarantine = [], [], []
    for row in task.rows:
        root = Path(task.source_roots[row["source_id"]])
        try:
            image, depth = process_row(row, root, task.percentile_low, task.percentile_high)
        except UnreadableImage as exc:
            quarantine.append(_quarantine(row, f"unreadable: {exc}"))
            continue
        reason = qc_reason(image)
        if reason is not None:
            quarantine.append(_quarantine(row, reason))
            continue
        entry = task.entries[row["source_id"]]
        record = SampleRecord(
            **{k: row[k] for k in RECORD_PASSTHROUGH},
            database=entry["database"], name=entry["name"], dir_name=entry["dir_name"],
            crop=bool(row.get("crop", False)), scaling=float(row.get("scaling", 1.0) or 1.0),
            x_min=_opt_int(row.get("x_min")), x_max=_opt_int(row.get("x_max")),
            y_min=_opt_int(row.get("y_min")), y_max=_opt_int(row.get("y_max")),
            source_files=list(row["source_files"]), channels=list(row["channels"]),
            bit_depth=depth, height=int(image.shape[0]), width=int(image.shape[1]),
        )
        label_id = task.label_ids[record.label]
        samples.append((record.key, {
            "png": encode_png(image, task.compress_level),
            "json": record.to_json_bytes(),
            "cls": str(label_id).encode(),
        }))
        records.append({**record.model_dump(mode="json"), "label_id": label_id, "shard": task.name})
    sha, size = write_tar_atomic(Path(task.out_path), samples)
    return ShardResult(task.name, task.out_path, sha, size, records, quarantine)


def _opt_int(v):
    if v is None or (isinstance(v, float) and v != v):
        return None
    return int(v)


def _quarantine(row: dict, reason: str) -> dict:
    return {
        "key": row["key"], "source_id": row["source_id"], "sample_id": row["sample_id"], "label": row["label"],
        "split": row["split"], "source_files": list(row["source_files"]), "reason": reason,
    }


def task_digest(task: ShardTask) -> str:
    """Content hash of everything that determines a shard's bytes (not where it is written)."""
    payload = json.dumps(
        [task.name, task.rows, task.entries, task.label_ids, task.percentile_low, task.percentile_high,
         task.compress_level], sort_keys=True, default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()
