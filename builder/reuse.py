"""Shard reuse: a finished shard's rows kept as part files beside a sidecar that names its task digest and the parts'
checksums (ShardDone is what the driver keeps of it), and the check that takes an unchanged shard from the work
folder or the current release instead of making it again."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

import pyarrow as pa
import pyarrow.parquet as pq

from cytoimagenet.builder.shard import ShardResult, ShardTask, reuse_training_shards, write_error
from cytoimagenet.builder.writes import _DISK_ERRNOS, _write_text
from cytoimagenet.errors import UserError
from cytoimagenet.format import quarantine_arrow_schema, record_arrow_schema
from cytoimagenet.io import adopt, atomic_path, sha256_file


def _read_sidecar(path: Path, digest: str) -> Optional[dict]:
    """A shard's sidecar, if it was written for a task with this digest."""
    if not path.is_file():
        return None
    try:
        meta = json.loads(path.read_text())
    except ValueError:
        return None
    return meta if meta.get("digest") == digest else None


def _tar_matches(tar: Path, meta: dict) -> bool:
    return tar.is_file() and tar.stat().st_size == meta.get("bytes") and sha256_file(tar) == meta.get("sha256")


QUARANTINE_SCHEMA = quarantine_arrow_schema()
PARTS = ("records", "quarantine")  # a finished shard's rows, kept beside its sidecar as <shard>.<part>.parquet


@dataclass(frozen=True)
class ShardDone:
    """A finished shard as the driver keeps it until the collect stage: its rows are in the part files."""
    name: str
    path: str
    sha256: str
    bytes: int
    samples: int
    quarantined: int
    sized: tuple = ()  # its training-size shards: {size, path, sha256, bytes} (builder/shard.py)


def _part_path(shard_meta: Path, name: str, part: str) -> Path:
    return shard_meta / f"{name}.{part}.parquet"


def _part_schemas() -> dict[str, pa.Schema]:
    return {"records": record_arrow_schema(), "quarantine": QUARANTINE_SCHEMA}


def _store_result(shard_meta: Path, result: ShardResult, digest: str) -> ShardDone:
    """Write a finished shard's rows as its part files, then its sidecar naming their checksums: the driver
    keeps only the ShardDone. The old sidecar goes first, so a kill between the writes never leaves one vouching
    for parts it did not describe; the cost of that kill is one shard's work on resume."""
    sidecar = shard_meta / f"{result.name}.json"
    sidecar.unlink(missing_ok=True)
    sums = {}
    for part, schema in _part_schemas().items():
        rows = getattr(result, part)
        table = pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()
        data = _part_bytes(table)
        _write_part(_part_path(shard_meta, result.name, part), data)
        sums[part] = hashlib.sha256(data).hexdigest()
    done = ShardDone(result.name, result.path, result.sha256, result.bytes, len(result.records),
                     len(result.quarantine), tuple(result.sized))
    _write_text(sidecar, json.dumps({**asdict(done), "parts": sums, "digest": digest}, sort_keys=True))
    return done


def _write_part(path: Path, data: bytes) -> None:
    """A part file: temp name and rename, but no fsync. The sidecar (fsynced) names the part's sha256 and every
    reuse checks it, so a part a power cut lost is made again, never trusted; two more fsyncs a shard would cost
    more wall time than the rows are worth."""
    try:
        with atomic_path(path, fsync=False) as tmp:
            tmp.write_bytes(data)
    except OSError as exc:
        if exc.errno not in _DISK_ERRNOS:
            raise
        raise UserError(write_error(path, exc)) from exc


def _part_bytes(table: pa.Table) -> bytes:
    # the arrow schema is stored so a part reads back with the types it was written with
    buf = pa.BufferOutputStream()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue().to_pybytes()


def _parts_match(shard_meta: Path, name: str, meta: dict) -> bool:
    sums = meta.get("parts")
    if not isinstance(sums, dict):
        return False
    for part in PARTS:
        path = _part_path(shard_meta, name, part)
        if not path.is_file() or sha256_file(path) != sums.get(part):
            return False
    return True


def _reuse_shard(sidecar: Path, task: ShardTask, digest: str, out: Path) -> Optional[ShardDone]:
    """An unchanged shard, from the work folder (an interrupted build) or else from the current release (a
    rebuild), hard-linked into the staging folder. Each candidate tar is checksummed once. A sidecar of an older
    build that holds the rows themselves rather than part files is converted once."""
    meta = _read_sidecar(sidecar, digest)
    if meta is None:
        return None
    shard_meta = sidecar.parent
    legacy = isinstance(meta.get("records"), list) and isinstance(meta.get("quarantine"), list)
    if not legacy and not _parts_match(shard_meta, task.name, meta):
        return None
    staged = Path(task.out_path)
    if not (Path(meta.get("path", "")) == staged and _tar_matches(staged, meta)):
        released = out / "data" / f"{task.name}.tar"
        if not _tar_matches(released, meta):
            return None
        adopt(released, staged)
    sized = reuse_training_shards(meta, task, out)
    if sized is None:
        return None
    if legacy:
        return _store_result(shard_meta, ShardResult(task.name, str(staged), meta["sha256"], meta["bytes"],
                                                     meta["records"], meta["quarantine"], sized), digest)
    return ShardDone(task.name, str(staged), meta["sha256"], meta["bytes"], int(meta["samples"]),
                     int(meta["quarantined"]), tuple(sized))
