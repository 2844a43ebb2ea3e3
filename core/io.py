"""Atomic file writes and checksums: a reader never sees a half-written file."""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import Iterator, Sequence


@contextlib.contextmanager
def atomic_paths(paths: Sequence[Path], suffix: str = "", fsync: bool = True) -> Iterator[list[Path]]:
    """The one atomic write: yields a temp path beside each of `paths` (`.<name>.tmp-<pid><suffix>`, hidden, so no
    reader globbing a folder takes it for the real file) for the caller to write; on success each is fsynced and
    renamed over its path, in order; on failure (or an exception in the block) every temp file is removed and no
    path is touched. `suffix` is for writers that pick a format from the name (Keras' `.keras`); `fsync=False` only
    where a later fsynced file vouches for this one by checksum (a build's part files)."""
    paths = [Path(p) for p in paths]
    tmps = [p.with_name(f".{p.name}.tmp-{os.getpid()}{suffix}") for p in paths]
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        yield tmps
        for tmp in tmps if fsync else ():
            _fsync(tmp)
        for tmp, path in zip(tmps, paths):
            os.replace(tmp, path)
    finally:
        for tmp in tmps:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass  # the folder refused the file in the first place: there is nothing to remove


@contextlib.contextmanager
def atomic_path(path: Path, suffix: str = "", fsync: bool = True) -> Iterator[Path]:
    """`atomic_paths` for one path: ``with atomic_path(p) as tmp: write(tmp)``."""
    with atomic_paths([path], suffix, fsync) as (tmp,):
        yield tmp


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def adopt(src: Path, dst: Path) -> None:
    """Put the finished file `src` (a shard of the current release) at `dst` as a hard link, or a copy where the
    filesystem links none: an unchanged shard is never rewritten, nor read twice."""
    import shutil

    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    Path(dst).unlink(missing_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parquet_bytes(table) -> bytes:
    """Deterministic parquet bytes for a pyarrow table (no created_by variance within one pyarrow version)."""
    import io

    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", write_statistics=True, store_schema=False)
    return buf.getvalue()
