"""A release build, stage by stage: records -> selection -> plan -> shards -> metadata, manifest, card.

The build works in `<out parent>/.<out name>.work/`: stage tables keyed by the hash of their inputs, and shards
with a sidecar naming the digest of their task, so an interrupted build resumes with what it has and a rebuild
redoes only what changed. The release folder is assembled there and renamed into place at the end: `out` is
either the previous release or the new one, never a mix."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional

import pandas as pd
import pyarrow as pa

from cytoimagenet.builder.executor import run_local
from cytoimagenet.builder.stages import cached_table, digest, source_fingerprint
from cytoimagenet.builder.labels import assign_labels
from cytoimagenet.builder.plan import plan as make_plan
from cytoimagenet.builder.upsample import plan_crops
from cytoimagenet.builder.shard import ShardResult, ShardTask, run_shard, task_digest
from cytoimagenet.catalog.registry import catalog, get_source
from cytoimagenet.errors import UserError
from cytoimagenet.io import parquet_bytes, sha256_file, write_bytes_atomic, write_text_atomic
from cytoimagenet.validation.schema import SPLITS, BuildConfig, Manifest, ShardEntry, record_arrow_schema

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


def work_dir_for(out: Path) -> Path:
    return out.parent / f".{out.name}.work"


def discover_sources(root: Path, only: Optional[list[str]] = None) -> tuple[dict[str, Path], dict[str, str]]:
    """Source folders under root (one per catalog id) -> (adaptable {id: folder}, skipped {id: reason})."""
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
        else:
            found[name] = folder
    if not found:
        raise UserError(f"no adaptable source under {root}; skipped: {skipped}")
    return found, skipped


def read_records(folders: dict[str, Path]) -> pd.DataFrame:
    frames = [get_source(sid).records(folder) for sid, folder in sorted(folders.items())]
    return pd.concat(frames, ignore_index=True)


def _tasks(planned: pd.DataFrame, folders: dict[str, Path], labels: list[str], config: BuildConfig, data_dir: Path):
    entries = {sid: {k: getattr(get_source(sid).entry, k) for k in ("database", "name", "dir_name")} for sid in folders}
    label_ids = {label: i for i, label in enumerate(labels)}
    roots = {sid: str(folder.resolve()) for sid, folder in folders.items()}
    # NaN is pandas' missing value; records and JSON want None
    planned = planned.astype(object).where(planned.notna(), None)
    columns = list(planned.columns)
    tasks = []
    for name, rows in planned.groupby("shard", sort=True):
        records = [
            {c: (v.tolist() if hasattr(v, "tolist") and not isinstance(v, str) else v) for c, v in zip(columns, r)}
            for r in rows.itertuples(index=False, name=None)
        ]
        tasks.append(ShardTask(
            name=name, rows=records, source_roots=roots, entries=entries, label_ids=label_ids,
            out_path=str(data_dir / f"{name}.tar"), seed=config.seed, percentile_low=config.percentile_low,
            percentile_high=config.percentile_high, compress_level=config.png_compress_level,
        ))
    return tasks


def _select(records: pd.DataFrame, config: BuildConfig) -> pd.DataFrame:
    selection = assign_labels(records, config.min_per_class, config.max_per_class, config.seed)
    if selection.empty:
        return selection
    return plan_crops(selection, config.max_per_class, config.seed)


def _adopt_from_release(sidecar: Path, task: ShardTask, out: Path) -> Optional[ShardResult]:
    """Re-use an unchanged shard of the current release: hard-link it into the staging folder."""
    if not sidecar.is_file():
        return None
    try:
        meta = json.loads(sidecar.read_text())
    except ValueError:
        return None
    src = out / "data" / f"{task.name}.tar"
    if meta.get("digest") != task_digest(task) or src.stat().st_size != meta.get("bytes") or sha256_file(src) != meta.get("sha256"):
        return None
    dst = Path(task.out_path)
    dst.unlink(missing_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)
    return _load_sidecar(sidecar, task_digest(task))


def _load_sidecar(path: Path, digest: str) -> Optional[ShardResult]:
    if not path.is_file():
        return None
    try:
        meta = json.loads(path.read_text())
    except ValueError:
        return None
    tar = Path(meta.get("path", ""))
    if meta.get("digest") != digest or not tar.is_file() or tar.stat().st_size != meta.get("bytes"):
        return None
    if sha256_file(tar) != meta.get("sha256"):
        return None
    return ShardResult(meta["name"], meta["path"], meta["sha256"], meta["bytes"], meta["records"], meta["quarantine"])


def _software() -> dict[str, str]:
    from importlib.metadata import version

    return {p: version(p) for p in ("cytoimagenet", "numpy", "pillow", "tifffile", "pyarrow", "pandas")}


def build_release(
    sources_root: Path,
    out: Path,
    config: BuildConfig,
    *,
    workers: int = 1,
    only: Optional[list[str]] = None,
    progress: Optional[Progress] = None,
) -> BuildReport:
    progress = progress or (lambda stage, done, total: None)
    out = Path(out).absolute()
    work = work_dir_for(out)
    staging = work / "release"
    shard_meta = work / "shards"
    for d in (staging / "data", shard_meta):
        d.mkdir(parents=True, exist_ok=True)

    folders, skipped = discover_sources(Path(sources_root), only)
    config = config.model_copy(update={"sources": sorted(folders)})
    entries = {sid: get_source(sid).entry for sid in folders}

    # stages 1-3 are cached tables keyed by the hash of their inputs
    progress("records", 0, 1)
    records_key = digest("records", {sid: source_fingerprint(get_source(sid), f) for sid, f in sorted(folders.items())})
    records, _ = cached_table(work, "records", records_key, lambda: read_records(folders))
    progress("records", 1, 1)
    selection_key = digest("selection", records_key, config.min_per_class, config.max_per_class, config.seed)
    selection, _ = cached_table(work, "selection", selection_key, lambda: _select(records, config))
    if selection.empty:
        raise UserError(
            f"no label reaches --min-per-class {config.min_per_class} in {len(records)} source images; "
            "lower --min-per-class or add sources"
        )
    plan_key = digest("plan", selection_key, config.seed, config.validation_fraction, config.shard_size,
                      {sid: e.dir_name for sid, e in entries.items()})
    planned, _ = cached_table(work, "plan", plan_key, lambda: make_plan(
        selection, entries, seed=config.seed, fraction=config.validation_fraction, shard_size=config.shard_size))
    labels = sorted(selection["label"].unique())
    tasks = _tasks(planned, folders, labels, config, staging / "data")

    # stage 4 resumes per shard: a shard is kept when its task digest and checksum match its sidecar, from the
    # work folder (an interrupted build) or from the current release (a rebuild); anything else is rewritten
    for leftover in (staging / "data").glob(".*.tmp-*"):
        leftover.unlink()
    planned_names = {f"{t.name}.tar" for t in tasks}
    for stale in (staging / "data").glob("*.tar"):
        if stale.name not in planned_names:
            stale.unlink()
    results: dict[str, ShardResult] = {}
    todo = []
    for task in tasks:
        sidecar = shard_meta / f"{task.name}.json"
        cached = _load_sidecar(sidecar, task_digest(task))
        if cached is None and (out / "data" / f"{task.name}.tar").is_file():
            cached = _adopt_from_release(sidecar, task, out)
        if cached is not None:
            results[task.name] = cached
        else:
            todo.append(task)
    reused = len(results)
    progress("shards", reused, len(tasks))
    digests = {t.name: task_digest(t) for t in todo}
    for result in run_local(run_shard, todo, workers):
        write_text_atomic(shard_meta / f"{result.name}.json",
                          json.dumps({**asdict(result), "digest": digests[result.name]}, sort_keys=True))
        results[result.name] = result
        progress("shards", len(results), len(tasks))

    ordered = [results[t.name] for t in tasks]
    manifest = _collect(staging, ordered, labels, selection, config, entries)
    from cytoimagenet.builder.card import write_card

    write_card(staging, manifest)
    _swap_into_place(staging, out, work)
    # the rest of the work folder (stage tables, shard sidecars) stays: the next build re-uses what is unchanged
    return BuildReport(
        out=out, version=manifest.version, samples=dict(manifest.splits), labels=len(labels),
        shards=len(ordered), quarantined=manifest.quarantined, skipped_sources=skipped, reused_shards=reused,
    )


def _collect(staging: Path, results: list[ShardResult], labels: list[str], selection: pd.DataFrame,
             config: BuildConfig, entries: dict) -> Manifest:
    import hashlib

    meta_dir = staging / "metadata"
    rows = [r for res in results for r in res.records]
    schema = record_arrow_schema()
    table = pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()
    metadata_bytes = parquet_bytes(table)
    write_bytes_atomic(meta_dir / "metadata.parquet", metadata_bytes)

    md = table.select(["label", "label_id", "category", "split", "source_id"]).to_pandas()
    category = selection.drop_duplicates("label").set_index("label")["category"]
    label_rows = []
    for i, label in enumerate(labels):
        sub = md[md["label_id"] == i]
        label_rows.append({
            "label": label, "label_id": i, "category": category[label],
            "train": int((sub["split"] == "train").sum()), "validation": int((sub["split"] == "validation").sum()),
            "count": len(sub), "sources": "|".join(sorted(sub["source_id"].unique())),
        })
    write_bytes_atomic(meta_dir / "labels.parquet", parquet_bytes(pa.Table.from_pylist(label_rows)))

    quarantine = [q for res in results for q in res.quarantine]
    q_schema = pa.schema([("key", pa.string()), ("source_id", pa.string()), ("sample_id", pa.string()),
                          ("label", pa.string()), ("split", pa.string()), ("source_files", pa.list_(pa.string())),
                          ("reason", pa.string())])
    write_bytes_atomic(meta_dir / "quarantine.parquet", parquet_bytes(pa.Table.from_pylist(quarantine, schema=q_schema)))

    shards = [
        ShardEntry(path=f"data/{Path(r.path).name}", split=r.name.rsplit("-", 1)[0], sha256=r.sha256,
                   bytes=r.bytes, samples=len(r.records))
        for r in results
    ]
    splits = {s: sum(e.samples for e in shards if e.split == s) for s in SPLITS}
    release_id = hashlib.sha256(json.dumps(
        [[s.path, s.sha256] for s in shards] + [hashlib.sha256(metadata_bytes).hexdigest(), labels]
    ).encode()).hexdigest()
    manifest = Manifest(
        name=config.release_name,
        # 1.0 is the record schema; the patch number comes from the content hash, so every distinct release has
        # its own version and the `datasets` cache, keyed on it, never serves a stale copy
        version=f"1.0.{int(release_id[:7], 16)}",
        release_id=release_id, config=config, labels=labels, splits=splits, shards=shards,
        quarantined=len(quarantine),
        catalog=[entries[s].model_dump() for s in sorted(entries)], software=_software(),
    )
    write_text_atomic(staging / "manifest.json", manifest.model_dump_json(indent=2) + "\n")
    return manifest


def _swap_into_place(staging: Path, out: Path, work: Path) -> None:
    if out.exists() and not (out / "manifest.json").exists() and any(out.iterdir()):
        raise UserError(f"{out} exists and is not a CytoImageNet release; refusing to replace it (choose another --out)")
    old = work / "previous"
    if old.exists():
        shutil.rmtree(old)
    if out.exists():
        out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)
