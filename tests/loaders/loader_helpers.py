"""Helpers for the loader tests: consume a stream as a DataLoader with N workers would, without processes."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np

from cytoimagenet.loaders import streaming


def worker_batches(stream, worker: int, num_workers: int, monkeypatch) -> list:
    monkeypatch.setattr(streaming, "_worker", lambda: (worker, num_workers))
    try:
        return list(stream)
    finally:
        monkeypatch.undo()


def as_dataloader(stream, num_workers: int, monkeypatch) -> list:
    """The batches in the order torch's DataLoader yields them: one from each worker in turn, skipping the
    workers that are done."""
    per_worker = [worker_batches(stream, w, num_workers, monkeypatch) for w in range(num_workers)]
    out, i = [], 0
    while any(per_worker):
        if per_worker[i % num_workers]:
            out.append(per_worker[i % num_workers].pop(0))
        i += 1
    return out


def keys_of(batches) -> list[str]:
    return [k for b in batches for k in b[-1]]


def train_keys(release: Path, split: str = "train") -> set[str]:
    import pyarrow.parquet as pq

    table = pq.read_table(release / "metadata" / "metadata.parquet", columns=["key", "split"]).to_pandas()
    return set(table.loc[table["split"] == split, "key"])


def png_bytes(image: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


def write_raw_tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    """A tar with exactly these members (the kind of file an attacker, not the builder, would write)."""
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tf:
        for info, data in members:
            if info.isreg():
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
            else:
                tf.addfile(info)
    return path


def member(name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE, linkname: str = "") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.mode = 0o644
    return info, data


def fake_release(root: Path, tar: Path, samples: int, labels=("a", "b")) -> Path:
    """A release folder around one shard, enough for `stream` (manifest with the shard and its count)."""
    import hashlib
    import shutil

    from cytoimagenet.format import BuildConfig, Manifest, ShardEntry

    (root / "data").mkdir(parents=True, exist_ok=True)
    dest = root / "data" / "train-000000.tar"
    shutil.copy(tar, dest)
    entry = ShardEntry(path="data/train-000000.tar", split="train", sha256=hashlib.sha256(dest.read_bytes()).hexdigest(),
                       bytes=dest.stat().st_size, samples=samples)
    manifest = Manifest(name="t", version="0.0.1", release_id="t", config=BuildConfig(), labels=list(labels),
                        splits={"train": samples, "validation": 0}, shards=[entry])
    (root / "manifest.json").write_text(manifest.model_dump_json())
    return root
