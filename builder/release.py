"""A release build, stage by stage: records -> selection -> plan -> shards -> metadata, manifest, card.

The build works in `<out parent>/.<out name>.work/`: stage tables keyed by the hash of their inputs, and shards
with a sidecar naming the digest of their task, so an interrupted build resumes with what it has and a rebuild
redoes only what changed. The release folder is assembled there and renamed into place at the end: `out` is
either the previous release or the new one (or, for the instant between two renames, absent), never a mix.

A build killed at any point (SIGKILL, power loss, Ctrl-C) resumes from what it left: the next run finds complete
shards by their sidecars, recomputes everything else, and writes the same bytes an uninterrupted build would."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cytoimagenet.builder.executor import check_engine, run_tasks
from cytoimagenet.builder.stages import (
    cached_table, digest, ensure_table, file_identities, shard_code_version, source_fingerprint, table_code_version,
)
from cytoimagenet.builder.labels import assign_labels
from cytoimagenet.builder.plan import plan as make_plan
from cytoimagenet.builder.upsample import plan_crops
from cytoimagenet.builder.image import split_plane
from cytoimagenet.builder.shard import (ShardResult, ShardTask, reuse_training_shards, run_shard, task_digest,
                                       training_shard_entries, write_error)
from cytoimagenet.catalog.registry import catalog, get_source
from cytoimagenet.catalog.source import warnings_of
from cytoimagenet.errors import UserError
from cytoimagenet.format import (SPLITS, BuildConfig, Manifest, ShardEntry, quarantine_arrow_schema,
                                 record_arrow_schema, release_identity)
from cytoimagenet.io import adopt, atomic_path, parquet_bytes, sha256_file, write_bytes_atomic

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class BuildReport:
    out: Path
    version: str
    samples: dict[str, int]
    labels: int
    shards: int
    quarantined: int
    skipped_sources: dict[str, str] = field(default_factory=dict)
    reused_shards: int = 0
    warnings: list[str] = field(default_factory=list)  # the adapters' warnings, as the manifest records them


def work_dir_for(out: Path) -> Path:
    return out.parent / f".{out.name}.work"


def discover_sources(root: Path, only: Optional[list[str]] = None, *, licences: str = "all",
                     allow_noderivatives: bool = False) -> tuple[dict[str, Path], dict[str, str]]:
    """Source folders under root (one per catalog id) -> (adaptable {id: folder}, skipped {id: reason}).
    Evaluation-only sources (a transfer-evaluation set such as BBBC021) are built only when `only` names them:
    pretraining on an evaluation set would leak it into the features it is meant to test. A source whose licence
    the policy `licences` (catalog/licences.py POLICIES) does not admit is skipped with the reason; so is
    no-derivatives material unless `allow_noderivatives`, named or not."""
    from cytoimagenet.catalog.licences import excluded_by

    root = Path(root)
    if not root.is_dir():
        raise UserError(f"sources root {root} is not a folder")
    names = only or sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not names:
        raise UserError(f"sources root {root} holds no source folders (expected e.g. {root}/bbbc021/)")
    known = catalog()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UserError(
            f"{', '.join(str(root / n) for n in unknown)}: not a catalog source; "
            f"known ids: {', '.join(sorted(known))} (see `cytoimagenet sources list`)"
        )
    found, skipped = {}, {}
    for name in names:
        source = get_source(name)
        folder = root / name
        if not folder.is_dir():
            raise UserError(f"source {name!r}: folder {folder} does not exist")
        if not source.adaptable:
            skipped[name] = source.entry.note or "no adapter yet"
        elif source.entry.evaluation_only and not only:
            skipped[name] = (f"evaluation only: {source.entry.name} is a transfer-evaluation set, left out so "
                             f"pretraining never sees it; build it anyway with --source {name}")
        elif excluded_by(source.entry.licence_terms, licences, allow_noderivatives):
            skipped[name] = "licence: " + excluded_by(source.entry.licence_terms, licences, allow_noderivatives)
        else:
            found[name] = folder
    if not found:
        raise UserError(f"no buildable source under {root}; skipped: "
                        + "; ".join(f"{sid} ({why})" for sid, why in sorted(skipped.items())))
    return found, skipped


SOURCE_WARNINGS = "source_warnings"  # records.attrs key: {source id: [warning, ...]}


def _portable(message: str, sid: str, folder: Path) -> str:
    """A warning with the source's folder written as `<id>/`, so the manifest says the same on every machine
    and a cached records table stays right when the sources root moves."""
    for form in sorted({str(folder), str(folder.absolute()), str(folder.resolve())}, key=len, reverse=True):
        message = message.replace(form + os.sep, f"{sid}/").replace(form, sid)
    return message


def read_records(folders: dict[str, Path]) -> pd.DataFrame:
    """Every source's records, concatenated; the adapters' warnings per source in attrs[SOURCE_WARNINGS]."""
    frames, warnings = [], {}
    for sid, folder in sorted(folders.items()):
        try:
            frame = get_source(sid).records(folder)
            frames.append(frame)
            warnings[sid] = [_portable(w, sid, folder) for w in warnings_of(frame)]
        except UserError as exc:
            # adapters name the file they choke on; errors about the table as a whole get the folder
            if str(folder) in str(exc):
                raise
            raise UserError(f"{folder}: {exc}") from exc
        except (ValueError, OSError) as exc:
            # pandas' parser and decoding errors never say which file: this source's metadata is the culprit
            raise UserError(
                f"source {sid!r}: the metadata under {folder} cannot be read ({type(exc).__name__}: "
                f"{str(exc).strip().splitlines()[0] if str(exc).strip() else 'no detail'}); check it is the file the "
                "source distributes, complete and unmodified"
            ) from exc
    records = pd.concat(frames, ignore_index=True)
    _check_records(records, folders)
    # concat keeps attrs only when all frames agree: set them after
    records.attrs = {SOURCE_WARNINGS: {sid: w for sid, w in warnings.items() if w}}
    return records


def _check_records(records: pd.DataFrame, folders: dict[str, Path]) -> None:
    """The records contract the shard stage relies on, checked before hours of image work rather than during."""
    n_files = records["source_files"].str.len()
    bad = (n_files.fillna(0) == 0) | (n_files != records["channels"].str.len()) | (records["sample_id"] == "")
    if bad.any():
        row = records[bad].iloc[0]
        raise UserError(
            f"source {row['source_id']!r} ({folders[row['source_id']]}): {int(bad.sum())} record(s) without a usable "
            f"sample id or with source_files and channels of different lengths, e.g. sample {row['sample_id']!r} "
            f"files {list(row['source_files'] or [])} channels {list(row['channels'] or [])}; the adapter or its "
            "metadata is wrong"
        )


def iter_tasks(planned: pd.DataFrame, folders: dict[str, Path], labels: list[str], config: BuildConfig,
               data_dir: Path) -> Iterator[ShardTask]:
    """The shard tasks in shard order, each built when the executor asks for it: the row dicts and file
    identities of one shard exist at a time (a bounded window of them with a process pool), never the whole
    plan's, which at 2.7M source records is gigabytes of Python objects."""
    entries = {sid: {k: getattr(get_source(sid).entry, k) for k in ("database", "name", "dir_name")} for sid in folders}
    label_ids = {label: i for i, label in enumerate(labels)}
    roots = {sid: str(folder.resolve()) for sid, folder in folders.items()}
    code = shard_code_version()
    columns = list(planned.columns)
    for name, rows in planned.groupby("shard", sort=True):
        identities = _file_identities(rows, roots).get(name, {})
        # NaN is pandas' missing value; records and JSON want None
        rows = rows.astype(object).where(rows.notna(), None)
        records = [
            {c: (v.tolist() if hasattr(v, "tolist") and not isinstance(v, str) else v) for c, v in zip(columns, r)}
            for r in rows.itertuples(index=False, name=None)
        ]
        yield ShardTask(
            name=name, rows=records, source_roots=roots, entries=entries, label_ids=label_ids,
            out_path=str(data_dir / f"{name}.tar"), seed=config.seed, percentile_low=config.percentile_low,
            percentile_high=config.percentile_high, compress_level=config.png_compress_level,
            file_identities=identities, code_version=code, training_sizes=tuple(config.training_sizes),
        )


def _tasks(planned: pd.DataFrame, folders: dict[str, Path], labels: list[str], config: BuildConfig,
           data_dir: Path) -> list[ShardTask]:
    """All shard tasks at once (benchmarks and tests that want a list; the build iterates `iter_tasks`)."""
    return list(iter_tasks(planned, folders, labels, config, data_dir))


def _file_identities(planned: pd.DataFrame, roots: dict[str, str]) -> dict[str, dict[str, list]]:
    """{shard: {"<source_id>/<file>": identity}}: one stat per distinct source file (crops of one image share
    it), in the driver, so a shard's cache key knows what its files are without a worker re-reading them. Keys
    are relative to the source folders: a moved sources root keeps its caches."""
    files = planned[["shard", "source_id", "source_files"]].explode("source_files").dropna(subset=["source_files"])
    pairs = files[["source_id", "source_files"]].drop_duplicates()
    # the file read_sample reads: the plane suffix ('#2') dropped, joined as os.path.join does (an absolute
    # path stays itself; read_sample quarantines it, but its identity is still what the key must know)
    path_of = {(sid, ref): os.path.join(roots[sid], split_plane(ref)[0])
               for sid, ref in zip(pairs["source_id"], pairs["source_files"])}
    ids = file_identities(path_of.values())
    out: dict[str, dict[str, list]] = {}
    for shard, sid, ref in zip(files["shard"], files["source_id"], files["source_files"]):
        out.setdefault(shard, {})[f"{sid}/{ref}"] = ids[path_of[sid, ref]]
    return out


LIST_COLUMNS = ("source_files", "channels")  # per-record lists: label assignment never looks at them


def _select(records_path: Path, config: BuildConfig) -> pd.DataFrame:
    """The selection, from the cached records table. Labels are assigned on its scalar columns only, and the
    lists (as Python objects, most of the records' memory) are read for the selected rows alone afterwards;
    fresh and resumed builds both read the same file, so they select from the same values."""
    names = pq.read_schema(records_path).names
    labelled = pd.read_parquet(records_path, columns=[c for c in names if c not in LIST_COLUMNS])
    labelled["_row"] = np.arange(len(labelled))
    selection = assign_labels(labelled, config.min_per_class, config.max_per_class, config.seed)
    del labelled
    rows = selection.pop("_row").to_numpy()
    lists = pq.read_table(records_path, columns=[c for c in LIST_COLUMNS if c in names]).take(rows).to_pandas()
    for column in lists.columns:
        selection[column] = lists[column].to_numpy()
    selection = selection[[c for c in names if c in selection.columns] + ["label", "category"]]
    if selection.empty:
        return selection
    return plan_crops(selection, config.max_per_class, config.seed)


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


def _software() -> dict[str, str]:
    from importlib.metadata import version

    return {p: version(p) for p in ("cytoimagenet", "numpy", "pillow", "tifffile", "pyarrow", "pandas")}


# errors of the build's own writes that the user fixes on the machine, not in the inputs
_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS}


def _write_bytes(path: Path, data: bytes) -> None:
    """cytoimagenet.io's atomic write (a failed one leaves no temp file), with a disk error named by its file:
    the OSError of a failed write() carries no file name of its own."""
    try:
        write_bytes_atomic(path, data)
    except OSError as exc:
        if exc.errno not in _DISK_ERRNOS:
            raise
        raise UserError(write_error(path, exc)) from exc


def _write_text(path: Path, text: str) -> None:
    _write_bytes(path, text.encode("utf-8"))


def build_release(
    sources_root: Path,
    out: Path,
    config: BuildConfig,
    *,
    workers: int = 1,
    only: Optional[list[str]] = None,
    progress: Optional[Progress] = None,
    engine: str = "local",
    address: Optional[str] = None,
) -> BuildReport:
    """Build (or incrementally rebuild) the release at `out`. `engine` runs the shard tasks in a local process
    pool of `workers` ("local") or as Ray tasks ("ray", on the cluster at `address`, else a local Ray instance
    of `workers` CPUs); neither changes a byte of the output."""
    check_engine(engine, address)
    try:
        # normalised lexically ('a/..' is a's parent), so the work folder beside it has a real name
        return _build(Path(sources_root), Path(os.path.abspath(out)), config, workers=workers, only=only,
                      progress=progress or (lambda stage, done, total: None), engine=engine, address=address)
    except OSError as exc:
        if exc.errno not in _DISK_ERRNOS:
            raise
        raise UserError(write_error(Path(exc.filename or out), exc)) from exc


def _build(sources_root: Path, out: Path, config: BuildConfig, *, workers: int, only: Optional[list[str]],
           progress: Progress, engine: str, address: Optional[str]) -> BuildReport:
    # input errors first, before anything is written; --out against the sources root before the sources are
    # listed, so an --out inside them is named as such rather than as a folder that is not a catalog source
    work = work_dir_for(out)
    if not out.name or out.parent == out:
        raise UserError(f"--out {out} is a filesystem root; give a folder to write the release in, e.g. --out ./cytoimagenet")
    _check_apart(out, work, sources_root, {})
    folders, skipped = discover_sources(sources_root, only, licences=config.licences,
                                        allow_noderivatives=config.allow_noderivatives)
    _check_apart(out, work, sources_root, folders)
    _check_replaceable(out)
    with _build_lock(work):
        return _build_locked(folders, skipped, out, work, config, workers=workers, progress=progress,
                             engine=engine, address=address)


@contextmanager
def _build_lock(work: Path):
    """One build at a time per release: two would clean up each other's files. A POSIX record lock, so the
    kernel drops it when the build dies however it dies, and forked pool workers do not inherit it."""
    import fcntl

    work.mkdir(parents=True, exist_ok=True)
    path = work / "build.lock"
    with open(path, "a+b") as fh:
        try:
            fcntl.lockf(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UserError(f"another build is writing this release (it holds {path}); wait for it to finish "
                            "or choose another --out") from None
        try:
            yield
        finally:
            fcntl.lockf(fh, fcntl.LOCK_UN)


def _build_locked(folders: dict[str, Path], skipped: dict[str, str], out: Path, work: Path, config: BuildConfig, *,
                  workers: int, progress: Progress, engine: str, address: Optional[str]) -> BuildReport:
    staging = work / "release"
    shard_meta = work / "shards"
    _recover_interrupted_swap(out, work)
    _clear_leftovers(work)
    _reset_staging(staging)
    for d in (staging / "data", shard_meta):
        d.mkdir(parents=True, exist_ok=True)

    config = config.model_copy(update={"sources": sorted(folders)})
    entries = {sid: get_source(sid).entry for sid in folders}

    # stages 1-3 are cached tables keyed by the hash of their inputs
    progress("records", 0, 1)
    # table keys carry the version of the code computing them: an upgrade never reuses a stale table
    records_key = digest("records", table_code_version(),
                         {sid: source_fingerprint(get_source(sid), f) for sid, f in sorted(folders.items())})
    selection_key = digest("selection", records_key, config.min_per_class, config.max_per_class, config.seed)
    # the records table (2.7M rows in the full build) is written and let go: label assignment reads back the
    # columns it needs, and once the selection is cached (a resumed build, a rebuild) nothing reads it at all;
    # its warnings are kept beside it
    attrs = ensure_table(work, "records", records_key, lambda: read_records(folders))
    warnings = [w for sid in sorted(folders) for w in attrs.get(SOURCE_WARNINGS, {}).get(sid, [])]
    progress("records", 1, 1)
    selection, _ = cached_table(work, "selection", selection_key, lambda: _select(work / "records.parquet", config))
    if selection.empty:
        n_records = pq.ParquetFile(work / "records.parquet").metadata.num_rows
        raise UserError(
            f"no label reaches --min-per-class {config.min_per_class} in {n_records} source images; "
            "lower --min-per-class or add sources"
        )
    plan_key = digest("plan", selection_key, config.seed, config.validation_fraction, config.shard_size,
                      {sid: e.dir_name for sid, e in entries.items()})
    planned, _ = cached_table(work, "plan", plan_key, lambda: make_plan(
        selection, entries, seed=config.seed, fraction=config.validation_fraction, shard_size=config.shard_size))
    labels = sorted(selection["label"].unique())
    category = dict(zip(*(selection.drop_duplicates("label")[c].tolist() for c in ("label", "category"))))
    del selection

    # stage 4 resumes per shard: a shard is kept when its task digest and checksum match its sidecar, from the
    # work folder (an interrupted build) or from the current release (a rebuild); anything else is rewritten
    names = sorted(planned["shard"].unique().tolist())
    planned_names = {f"{name}.tar" for name in names}
    sizes = {str(n) for n in config.training_sizes}
    for stale in [*(staging / "data").glob("*.tar"), *(staging / "data").glob("*/*.tar")]:
        if stale.name not in planned_names or (stale.parent.name != "data" and stale.parent.name not in sizes):
            stale.unlink()
    for folder in (staging / "data").iterdir():
        if folder.is_dir() and folder.name not in sizes and not any(folder.iterdir()):
            folder.rmdir()  # a training size no longer built: its emptied folder goes too
    results: dict[str, ShardDone] = {}
    digests: dict[str, str] = {}
    reused = 0
    progress("shards", 0, len(names))

    def todo() -> Iterator[ShardTask]:
        # tasks are built and checked against their sidecars as the executor's window asks for them
        nonlocal reused
        for task in iter_tasks(planned, folders, labels, config, staging / "data"):
            key = task_digest(task)
            cached = _reuse_shard(shard_meta / f"{task.name}.json", task, key, out)
            if cached is not None:
                results[task.name] = cached
                reused += 1
                progress("shards", len(results), len(names))
            else:
                digests[task.name] = key
                yield task

    # results stream back in completion order, and their rows go to disk as they come; the sidecar is written
    # only once the shard and its parts are in place, so a kill between them costs one shard's work on resume,
    # never a shard taken for complete that is not
    with closing(run_tasks(run_shard, todo(), workers, engine, address)) as stream:
        for result in stream:
            results[result.name] = _store_result(shard_meta, result, digests.pop(result.name))
            del result
            progress("shards", len(results), len(names))
    del planned

    ordered = [results[name] for name in names]
    manifest = _collect(staging, shard_meta, ordered, labels, category, config, entries, warnings)
    from cytoimagenet.builder.card import write_card
    from cytoimagenet.builder.croissant import write_croissant
    from cytoimagenet.builder.figures import write_figures

    write_figures(staging, manifest)  # reads the metadata tables and shards just written
    write_croissant(staging, manifest)  # checksums the metadata parquet files
    write_card(staging, manifest)  # last: it embeds the figures and mentions croissant.json when present
    _swap_into_place(staging, out, work)
    # the rest of the work folder (stage tables, shard sidecars) stays: the next build re-uses what is unchanged
    return BuildReport(
        out=out, version=manifest.version, samples=dict(manifest.splits), labels=len(labels),
        shards=len(ordered), quarantined=manifest.quarantined, skipped_sources=skipped, reused_shards=reused,
        warnings=warnings,
    )


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


# What a build writes into a release folder, and nothing else: a name -> None for a file, or the pattern of the
# files a folder holds. Anything outside this is the user's, and a build that would delete it refuses instead.
RELEASE_LAYOUT: dict[str, Optional[re.Pattern]] = {
    "README.md": None, "LICENSE.md": None, "manifest.json": None, "croissant.json": None,
    "data": re.compile(r"(train|validation)-\d{6}\.tar"),
    "metadata": re.compile(r"[a-z_]+\.parquet"),
    "figures": re.compile(r"[a-z0-9_]+\.png"),
}


TRAINING_SIZE_FOLDER = re.compile(r"[1-9]\d*")  # data/N/: training-size shards (builder/shard.py)


def _foreign(out: Path) -> list[str]:
    """Entries of `out` a build does not write (folders with a trailing '/'), in sorted order."""
    foreign = []
    for child in sorted(out.iterdir()):
        shown = child.name + ("/" if child.is_dir() and not child.is_symlink() else "")
        if child.name not in RELEASE_LAYOUT or child.is_symlink():
            foreign.append(shown)
            continue
        pattern = RELEASE_LAYOUT[child.name]
        if pattern is None:
            if not child.is_file():
                foreign.append(shown)
        elif not child.is_dir():
            foreign.append(shown)
        else:
            for g in sorted(child.iterdir()):
                if child.name == "data" and TRAINING_SIZE_FOLDER.fullmatch(g.name) and g.is_dir() and not g.is_symlink():
                    # data/N/: the training-size shards, named as the full ones
                    foreign += [f"data/{g.name}/{t.name}" + ("/" if t.is_dir() and not t.is_symlink() else "")
                                for t in sorted(g.iterdir())
                                if t.is_symlink() or not t.is_file() or not pattern.fullmatch(t.name)]
                elif g.is_symlink() or not g.is_file() or not pattern.fullmatch(g.name):
                    foreign.append(f"{child.name}/{g.name}" + ("/" if g.is_dir() and not g.is_symlink() else ""))
    return foreign


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            e = errors()[0]
            return f"{'.'.join(map(str, e['loc'])) or 'the document'}: {e['msg']}"
        except Exception:  # noqa: BLE001 - only the wording is at stake
            pass
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _check_replaceable(out: Path) -> None:
    """Refuse, before anything is written, to replace `out` unless it is absent, an empty folder, or a
    CytoImageNet release (a manifest.json that validates as one) holding nothing but what a build writes.
    The swap deletes the previous release whole, so this is the line between a rebuild and deleting a user's
    files."""
    fix = "choose another --out (a new or empty folder, or a release this tool built)"
    if out.is_symlink():
        raise UserError(f"--out {out} is a symbolic link (to {os.readlink(out)}); a build replaces --out and "
                        f"would leave its target stale: give the folder itself as --out, or {fix}")
    if not out.exists():
        return
    if not out.is_dir():
        raise UserError(f"--out {out} is a file, not a release folder; refusing to replace it: {fix}")
    entries = sorted(out.iterdir())
    if not entries:
        return
    manifest = out / "manifest.json"
    if not manifest.is_file() or manifest.is_symlink():
        shown = ", ".join(p.name + ("/" if p.is_dir() else "") for p in entries[:5]) + (" ..." if len(entries) > 5 else "")
        raise UserError(f"--out {out} is not a CytoImageNet release (no manifest.json; it holds {shown}); "
                        f"refusing to replace it: {fix}")
    try:
        Manifest.model_validate_json(manifest.read_bytes())
    except (ValueError, OSError) as exc:
        raise UserError(f"--out {out} is not a CytoImageNet release (its manifest.json is not a CytoImageNet "
                        f"manifest: {_first_error(exc)}); refusing to replace it: {fix}") from None
    foreign = _foreign(out)
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise UserError(f"--out {out} is a CytoImageNet release but holds files a build does not write ({shown}); "
                        f"a rebuild replaces the folder whole and would delete them: move them out of {out}, "
                        "or choose another --out")


def _within(a: Path, b: Path) -> bool:
    return a == b or b in a.parents


def _check_apart(out: Path, work: Path, sources_root: Path, folders: dict[str, Path]) -> None:
    """--out (and its work folder beside it) may not be, lie inside, or contain the sources root or any source
    folder (symlinked ones by their targets): a build replaces --out whole. Compared as resolved paths."""
    mine = {"--out": out.resolve(), "its work folder": work.resolve()}
    theirs = {"the sources root": Path(sources_root).resolve()}
    theirs.update({f"source folder {sid}": Path(f).resolve() for sid, f in sorted(folders.items())})
    for what, path in mine.items():
        for name, src in theirs.items():
            if _within(path, src) or _within(src, path):
                relation = "is" if path == src else "is inside" if _within(path, src) else "contains"
                subject = f"--out {out}" if what == "--out" else f"the work folder {work} of --out {out}"
                raise UserError(
                    f"{subject} {relation} {name} {src}; a build replaces --out whole, so it must lie outside "
                    f"the sources: choose e.g. --out {Path(sources_root).resolve().parent / 'cytoimagenet'}"
                )


def _recover_interrupted_swap(out: Path, work: Path) -> None:
    """Undo what a kill between the two renames of `_swap_into_place` left: `previous` is only ever a whole
    release renamed aside, so with `out` absent it goes back; with `out` present it is stale."""
    for trash in work.glob("trash-*"):
        shutil.rmtree(trash, ignore_errors=True)
    previous = work / "previous"
    if not previous.exists():
        return
    if not out.exists() and (previous / "manifest.json").is_file():
        previous.rename(out)
    else:
        _discard(previous, work)


def _clear_leftovers(work: Path) -> None:
    # temp files of atomic writes a kill interrupted (stage tables, sidecars); the lock makes them nobody's
    for folder in (work, work / "shards"):
        for leftover in folder.glob(".*.tmp-*"):
            leftover.unlink()


def _reset_staging(staging: Path) -> None:
    """Clear what a killed build left in the staging folder, except its shards: everything else (metadata,
    manifest, card, figures, temp files of interrupted writes) is recomputed, and must not ride along into the
    release. Shards are checked against their sidecars before any is kept."""
    if not staging.is_dir():
        return
    for child in staging.iterdir():
        if child.name == "data" and child.is_dir():
            for leftover in [*child.glob(".*.tmp-*"), *child.glob("*/.*.tmp-*")]:
                leftover.unlink()
        elif child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _discard(folder: Path, work: Path) -> None:
    # renamed before deletion, so a kill during the rmtree never leaves a half-deleted folder under a name
    # the next build would trust
    import tempfile

    trash = Path(tempfile.mkdtemp(prefix="trash-", dir=work))
    folder.rename(trash / folder.name)
    shutil.rmtree(trash, ignore_errors=True)


def _fsync_dir(folder: Path) -> None:
    # make the renames durable: without it a power cut can undo them after the build has reported success
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _swap_into_place(staging: Path, out: Path, work: Path) -> None:
    _check_replaceable(out)
    old = work / "previous"
    if old.exists():
        _discard(old, work)
    if out.exists():
        out.rename(old)
        foreign = _foreign(old)
        if foreign:
            # added since the check (the build may have run for hours): the release goes back with them, and the
            # staged one stays in the work folder, so the next run costs no image work
            old.rename(out)
            raise UserError(f"--out {out} gained files a build does not write while the build ran "
                            f"({', '.join(foreign[:5])}); it was left as it was: move them out of {out} and run "
                            "the build again (it re-uses the finished shards)")
    # a kill here leaves `out` absent and the old release whole in `previous`: the next build puts it back
    staging.rename(out)
    _fsync_dir(out.parent)
    if old.exists():
        _discard(old, work)
