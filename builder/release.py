"""A release build, stage by stage: records -> selection -> plan -> shards -> metadata, manifest, card.

The build works in `<out parent>/.<out name>.work/`: stage tables keyed by the hash of their inputs, and shards
with a sidecar naming the digest of their task, so an interrupted build resumes with what it has and a rebuild
redoes only what changed. The release folder is assembled there and renamed into place at the end: `out` is
either the previous release or the new one (or, for the instant between two renames, absent), never a mix.

A build killed at any point (SIGKILL, power loss, Ctrl-C) resumes from what it left: the next run finds complete
shards by their sidecars, recomputes everything else, and writes the same bytes an uninterrupted build would.

This module owns the orchestration (build_release and its stages); the concerns it drives live beside it: source
discovery and records (sources.py), shard reuse (reuse.py), metadata and manifest (collect.py), the work folder,
--out checks and the swap (workdir.py), and the build's atomic writes (writes.py)."""

from __future__ import annotations

import os
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from cytoimagenet.builder.executor import check_engine, run_tasks
from cytoimagenet.builder.cache import (
    cached_table, digest, ensure_written_table, file_identities, shard_code_version, source_fingerprint,
    table_code_version,
)
from cytoimagenet.builder.labels import assign_labels
from cytoimagenet.builder.plan import plan as make_plan
from cytoimagenet.builder.upsample import plan_crops
from cytoimagenet.builder.image import split_plane
from cytoimagenet.builder.shard import ShardTask, run_shard, task_digest, write_error
from cytoimagenet.catalog.demo import is_synthetic
from cytoimagenet.catalog.registry import get_source
from cytoimagenet.catalog.source import LIST_RECORD_COLUMNS, REGION_COLUMNS
from cytoimagenet.errors import UserError
from cytoimagenet.format import BuildConfig
# the concerns split out of this module, re-exported: tests, benchmarks, builder/v1.py and the CLI import them from
# here, and tests patch the names the stages below look up in this module (read_records, run_shard, ...)
from cytoimagenet.builder.collect import ROW_GROUP_ROWS, _collect, _concat_parts, _software  # noqa: F401
from cytoimagenet.builder.reuse import (  # noqa: F401
    PARTS, QUARANTINE_SCHEMA, ShardDone, _part_bytes, _part_path, _part_schemas, _parts_match, _read_sidecar,
    _reuse_shard, _store_result, _tar_matches, _write_part,
)
from cytoimagenet.builder.sources import (  # noqa: F401
    SOURCE_WARNINGS, _check_records, _portable, discover_sources, read_records, write_records,
)
from cytoimagenet.builder.workdir import (  # noqa: F401
    RELEASE_LAYOUT, TRAINING_SIZE_FOLDER, _build_lock, _check_apart, _check_replaceable, _clear_leftovers, _discard,
    _first_error, _foreign, _fsync_dir, _recover_interrupted_swap, _reset_staging, _swap_into_place, _within,
    work_dir_for,
)
from cytoimagenet.builder.writes import _DISK_ERRNOS, _write_bytes, _write_text  # noqa: F401
from cytoimagenet.io import parquet_bytes  # noqa: F401  (tests read it from here)

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
    regions = [c for c in REGION_COLUMNS if c in columns]
    for name, rows in planned.groupby("shard", sort=True):
        identities = _file_identities(rows, roots).get(name, {})
        # NaN is pandas' missing value; records and JSON want None
        rows = rows.astype(object).where(rows.notna(), None)
        records = [
            {c: (v.tolist() if hasattr(v, "tolist") and not isinstance(v, str) else v) for c, v in zip(columns, r)}
            for r in rows.itertuples(index=False, name=None)
        ]
        # a source region's corners as ints: pandas reads the tables' nullable int64 columns as floats (NaN,
        # made None above, for a whole image); so the rows, hence the task digest, hold ints whatever the dtype
        for record in records:
            for c in regions:
                if record[c] is not None:
                    record[c] = int(record[c])
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


def _select(records_path: Path, config: BuildConfig) -> pd.DataFrame:
    """The selection, from the cached records table. Labels are assigned on its scalar columns only, and the
    lists (as Python objects, most of the records' memory) are read for the selected rows alone afterwards;
    fresh and resumed builds both read the same file, so they select from the same values."""
    names = pq.read_schema(records_path).names
    labelled = pd.read_parquet(records_path, columns=[c for c in names if c not in LIST_RECORD_COLUMNS])
    labelled["_row"] = np.arange(len(labelled))
    selection = assign_labels(labelled, config.min_per_class, config.max_per_class, config.seed)
    del labelled
    rows = selection.pop("_row").to_numpy()
    lists = pq.read_table(records_path, columns=[c for c in LIST_RECORD_COLUMNS if c in names]).take(rows).to_pandas()
    for column in lists.columns:
        selection[column] = lists[column].to_numpy()
    selection = selection[[c for c in names if c in selection.columns] + ["label", "category"]]
    if selection.empty:
        return selection
    return plan_crops(selection, config.max_per_class, config.seed)


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
    if not config.synthetic and is_synthetic(sources_root):
        # generated demo data says so whoever builds it, the CLI or a script: publish refuses it unless told
        config = config.model_copy(update={"synthetic": True})
    with _build_lock(work):
        return _build_locked(folders, skipped, out, work, config, workers=workers, progress=progress,
                             engine=engine, address=address)


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
    attrs = ensure_written_table(work, "records", records_key,
                                 lambda path: write_records(read_records(folders), path))
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
