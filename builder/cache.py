"""Cached stage tables: a stage's output is kept in the build work folder beside the hash of what it was
computed from, and re-used while that hash stands. Hashes cover content, never times, so a kill-and-rerun and
an uninterrupted build make the same tables. What a hash covers is listed where it is computed: the inputs, the
options, and the version of the code (package version, the source of the modules that compute the output, the
versions of the libraries whose results end up in it), so an upgrade never reuses what the new code would
compute differently."""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import os
import zlib
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Optional

import pandas as pd
import pyarrow as pa

from cytoimagenet.io import atomic_path, parquet_bytes, write_text_atomic

# native metadata files an adapter may read: hashed by content at any depth; every other file of a source tree
# is covered by its relative path (adapters that find images by scanning depend on which files exist), and
# image content by the shard tasks' file identities
METADATA_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".json", ".xml"}

# modules whose code decides a shard's bytes (pixels, PNG encoding, tar layout, the json record, seeds)
SHARD_CODE = ("cytoimagenet.builder.image", "cytoimagenet.builder.shard", "cytoimagenet.seeding",
              "cytoimagenet.format", "cytoimagenet.io")
SHARD_LIBRARIES = ("numpy", "pillow", "tifffile", "imagecodecs")
# modules whose code decides the records, selection and plan tables (adapters are hashed per source)
# ("pkg.*": every module of the package's folder: adapters import shared layout helpers from there)
TABLE_CODE = ("cytoimagenet.catalog.*", "cytoimagenet.catalog.sources.*", "cytoimagenet.builder.labels",
              "cytoimagenet.builder.plan", "cytoimagenet.builder.upsample", "cytoimagenet.seeding",
              "cytoimagenet.format")
TABLE_LIBRARIES = ("numpy", "pandas", "pyarrow", "openpyxl")

ATTRS_KEY = b"cytoimagenet.attrs"  # parquet schema metadata holding a cached table's DataFrame.attrs


def digest(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "absent"


@lru_cache(maxsize=None)
def code_version(modules: tuple[str, ...], libraries: tuple[str, ...]) -> str:
    """Hash of the package version, the source files of `modules` and the versions of `libraries` (and zlib,
    which compresses the PNGs). Source is hashed rather than trusting the version number: an editable install
    or a patched module changes output without changing the version."""
    h = hashlib.sha256()
    h.update(f"cytoimagenet {_version('cytoimagenet')}\0zlib {zlib.ZLIB_RUNTIME_VERSION}\0".encode())
    for lib in libraries:
        h.update(f"{lib} {_version(lib)}\0".encode())
    for name in modules:
        if name.endswith(".*"):
            spec = importlib.util.find_spec(name[:-2])
            files = sorted(Path(spec.origin).parent.glob("*.py")) if spec and spec.origin else []
        else:
            spec = importlib.util.find_spec(name)
            files = [Path(spec.origin)] if spec and spec.origin else []
        h.update(name.encode() + b"\0")
        for path in files:
            h.update(path.name.encode() + b"\0" + path.read_bytes())
        if not files:
            h.update(b"absent")
    return h.hexdigest()


def shard_code_version() -> str:
    return code_version(SHARD_CODE, SHARD_LIBRARIES)


def table_code_version() -> str:
    return code_version(TABLE_CODE, TABLE_LIBRARIES)


def source_fingerprint(source, folder: Path) -> str:
    """Hash of a source's catalog entry, its adapter's code, the relative path of every file in its folder and
    the content of its metadata files. One directory walk (no stat per file): the names are what a scanning
    adapter reads; the records table does not depend on image content."""
    h = hashlib.sha256()
    h.update(source.entry.model_dump_json().encode())
    if source._read is not None:
        h.update(inspect.getsource(inspect.getmodule(source._read)).encode())
    folder = Path(folder)
    files = []
    # os.walk does not follow symlinked folders, as the adapters' scans do not
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        rel = Path(dirpath).relative_to(folder).as_posix()
        files += [name if rel == "." else f"{rel}/{name}" for name in filenames]
    for rel in sorted(files):
        h.update(rel.encode() + b"\0")
        path = folder / rel
        if path.suffix.lower() in METADATA_SUFFIXES and path.is_file():
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def file_identity(path: str) -> list:
    """What a shard's cache key knows of one source file: (size, mtime_ns, ctime_ns, inode, device) from one
    stat, following symlinks (a re-pointed link is a new file).

    Chosen over a content hash: hashing means reading every source byte on every rebuild, a few TB for a full
    build, as much I/O as the image stage itself, only to learn that nothing changed. A stat costs one metadata
    call per file. It catches what happens to sources in practice: in-place edits at the same size (mtime and
    ctime move, and ctime cannot be set back by touch or rsync), truncation (size), replacement by another file
    (inode, ctime), repair. It can only miss a rewrite that keeps the size and lands within the filesystem's
    timestamp granularity of the previous write while reusing the inode, which takes a clock set back or a
    raw-device write. The cost of its false alarms (a file copied, chmod-ed or restored from a backup) is a
    re-made shard with the same bytes, never a wrong release."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return ["missing"]
    except OSError as exc:
        return ["error", exc.errno]
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def file_identities(paths: Iterable[str]) -> dict[str, list]:
    """file_identity of each distinct path, one stat per file; threads, because on network filesystems the
    stats are latency, not CPU."""
    unique = sorted(set(paths))
    if len(unique) < 2048:
        return {p: file_identity(p) for p in unique}
    # in batches: a thread pool's map ignores chunksize, and one future per path cost more than the stat itself
    batches = [unique[i:i + 256] for i in range(0, len(unique), 256)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        found = pool.map(lambda batch: [file_identity(p) for p in batch], batches)
        return dict(zip(unique, (identity for batch in found for identity in batch)))


def _cache_paths(work: Path, name: str) -> tuple[Path, Path, Path]:
    return work / f"{name}.parquet", work / f"{name}.hash", work / f"{name}.attrs.json"


def is_cached(work: Path, name: str, key: str) -> bool:
    """Whether `cached_table(work, name, key, ...)` would re-use its table rather than compute it."""
    table_path, hash_path, attrs_path = _cache_paths(work, name)
    return (table_path.is_file() and hash_path.is_file() and attrs_path.is_file()
            and hash_path.read_text().strip() == key)


def cached_attrs(work: Path, name: str, key: str) -> Optional[dict]:
    """A valid cached table's DataFrame.attrs without reading the table (None when it is not cached): a
    resumed build needs the records' warnings, not 2.7M records, once the selection is cached."""
    if not is_cached(work, name, key):
        return None
    try:
        return json.loads(_cache_paths(work, name)[2].read_text())
    except ValueError:
        return None


def ensure_written_table(work: Path, name: str, key: str, write: Callable[[Path], dict]) -> dict:
    """Make `work/<name>.parquet` hold the table for `key` and return its DataFrame.attrs, without holding the
    table: a valid one is not read, and otherwise `write(path)` writes it at `path` (a temporary name, renamed into
    place once complete) piece by piece and returns its attrs. The same hash, attrs and kill-safety as
    `cached_table`; for a caller that reads back only the columns it needs."""
    attrs = cached_attrs(work, name, key)
    if attrs is not None:
        return attrs
    return _store(work, name, key, write)


def _store(work: Path, name: str, key: str, write: Callable[[Path], dict]) -> dict:
    """Write a stage table through `write(tmp)` (which returns its attrs), then its attrs, then its hash. The old
    hash goes first: a kill while the new table is written must not leave it vouching for the new bytes; the
    attrs go before the new hash, so a kill between the writes leaves no valid-looking table."""
    table_path, hash_path, attrs_path = _cache_paths(work, name)
    hash_path.unlink(missing_ok=True)
    with atomic_path(table_path) as tmp:
        attrs = write(tmp)
    write_text_atomic(attrs_path, json.dumps(attrs, sort_keys=True) + "\n")
    write_text_atomic(hash_path, key + "\n")
    return attrs


def cached_table(work: Path, name: str, key: str, compute: Callable[[], pd.DataFrame]) -> tuple[pd.DataFrame, bool]:
    """(table, reused). The table is `work/<name>.parquet`, valid while `work/<name>.hash` holds `key`. The
    table's DataFrame.attrs (the stage's warnings) are kept beside it in `work/<name>.attrs.json`, written before
    the hash, so a reused table carries them and a kill between the writes leaves no valid-looking table."""
    table_path, _, attrs_path = _cache_paths(work, name)
    if is_cached(work, name, key):
        df = pd.read_parquet(table_path)
        df.attrs = json.loads(attrs_path.read_text())
        return df, True
    df = compute()

    def write(tmp: Path) -> dict:
        tmp.write_bytes(parquet_bytes(pa.Table.from_pandas(df, preserve_index=False)))
        return df.attrs

    _store(work, name, key, write)
    return df, False
