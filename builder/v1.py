"""Repackaging the published CytoImageNet v1 (the Kaggle release: class folders of 8-bit grayscale PNGs and a
`metadata.csv`) as a release of this project: shards, metadata, manifest, card, croissant, figures.

The published labels, crops and pixels are kept as they are: no label is re-assigned and no image re-normalised;
each PNG goes into its shard byte for byte. Only what v1 lacks is added: a grouped train/validation split (all
crops of one source image, one `idx`, on the same side), sample keys, and provenance fields.

It streams, so memory stays flat in the number of images: `metadata.csv` is read in chunks, twice (labels and
counts first, then each row validated and spooled to its shard's file in the work folder); each shard task then
reads its spool, copies its PNGs into the tar and writes its part of the metadata; the parts are concatenated.
A row's split is a function of (seed, idx) alone and its shard of (seed, key) alone, so neither needs a global
table, and an interrupted import resumes: spooling is redone only if it did not finish, finished shards are kept.
Rows whose PNG is missing or unreadable, or whose fields fail the record schema, are quarantined by name."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Callable, Optional

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cytoimagenet.catalog.source import safe_ids
from cytoimagenet.errors import UserError
from cytoimagenet.io import adopt, atomic_path, parquet_bytes, sha256_file, write_bytes_atomic, write_text_atomic
from cytoimagenet.seeding import hash_order

if TYPE_CHECKING:  # for the annotation only: import_v1 imports the release module when it runs
    from cytoimagenet.builder.release import BuildReport

V1_COLUMNS = (
    "label", "category", "database", "name", "dir_name", "path", "filename", "idx", "organism", "cell_type",
    "cell_visible", "phenotype", "compound", "sirna", "gene", "microscopy", "crop", "scaling", "x_min", "x_max",
    "y_min", "y_max",
)
SOURCE_ID = "cytoimagenet_v1"
CHANNEL = "gray"
CHUNK_ROWS = 50_000
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}

Progress = Callable[[str, int, int], None]


def find_metadata(kaggle_dir: Path) -> Path:
    kaggle_dir = Path(kaggle_dir)
    if not kaggle_dir.is_dir():
        raise UserError(f"{kaggle_dir} is not a folder: give the unpacked Kaggle download of CytoImageNet")
    for depth in range(3):
        found = sorted(kaggle_dir.glob("/".join(["*"] * depth + ["metadata.csv"])))
        if found:
            return found[0]
    raise UserError(f"{kaggle_dir}: no metadata.csv within two folder levels; is it the unpacked Kaggle download "
                    "(kaggle datasets download stanleyhua/cytoimagenet --unzip)?")


def class_root(kaggle_dir: Path, metadata: Path, folder_names: list[str]) -> Path:
    """The folder that holds the class folders. Copies of v1 differ in the prefix of `path` (`/cytoimagenet/x`,
    `cytoimagenet/x`, `x`): a row's folder is found by the last component of its path, under whichever folder near
    KAGGLE_DIR holds the most of the class folders."""
    candidates = [kaggle_dir, metadata.parent] + sorted(p for p in kaggle_dir.glob("*") if p.is_dir()) + sorted(
        p for p in kaggle_dir.glob("*/*") if p.is_dir())
    probe = folder_names[:200]
    best, score = kaggle_dir, -1
    for c in dict.fromkeys(candidates):
        s = sum((c / n).is_dir() for n in probe)
        if s > score:
            best, score = c, s
    return best


def _last(path: str) -> str:
    parts = PurePosixPath(str(path).replace("\\", "/")).parts
    return parts[-1] if parts else ""


def _bool(value) -> Optional[bool]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    s = str(value).strip().lower()
    return True if s in _TRUE else False if s in _FALSE else None


def _int(value) -> Optional[int]:
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        return None
    return int(float(value))


def _read_chunks(metadata: Path, chunk_rows: int):
    header = pd.read_csv(metadata, nrows=0)
    missing = [c for c in V1_COLUMNS if c not in header.columns]
    if missing:
        raise UserError(f"{metadata}: missing column(s) {', '.join(missing)} of the v1 metadata "
                        f"(found {', '.join(header.columns)}); is it CytoImageNet's metadata.csv?")
    return pd.read_csv(metadata, dtype=str, keep_default_na=False, chunksize=chunk_rows, usecols=list(V1_COLUMNS),
                       index_col=False)


def catalog_id(dir_name: str) -> str:
    """The catalog id of a v1 row's `dir_name`: the original names Kaggle sets `kag_<x>` and Recursion sets
    `rec_<x>` (its annotations/datasets_info.csv, column dir_name), the others as the catalog does."""
    d = str(dir_name).strip().lower()
    return "kaggle_" + d[4:] if d.startswith("kag_") else d[4:] if d.startswith("rec_") else d


def split_of(idx: pd.Series, seed: int, fraction: float) -> np.ndarray:
    """'validation' for a `fraction` of source images, by a hash of (seed, idx): every crop of one image shares it."""
    u = hash_order(idx, seed, "v1-split").astype(np.float64) / 2.0**64
    return np.where(u < fraction, "validation", "train")


# ---------------------------------------------------------------------------------------------------------
# the shard task


@dataclass
class V1ShardTask:
    name: str
    spool: str
    class_root: str
    out_path: str
    parts_dir: str
    label_ids: dict[str, int]
    seed: int


@dataclass
class V1ShardResult:
    name: str
    path: str
    sha256: str
    bytes: int
    samples: int
    quarantine: list[dict] = field(default_factory=list)
    label_counts: dict[str, int] = field(default_factory=dict)


def _png_size(data: bytes) -> tuple[int, int, int, int]:
    """(width, height, bit depth, colour type) from a PNG's IHDR, or ValueError."""
    if data[:8] != _PNG_SIGNATURE or data[12:16] != b"IHDR" or len(data) < 33:
        raise ValueError("not a PNG file")
    w, h = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return w, h, data[24], data[25]


def _check_png(data: bytes) -> tuple[int, int]:
    import io

    from PIL import Image

    w, h, depth, colour = _png_size(data)
    if (depth, colour) != (8, 0):
        raise ValueError(f"a PNG of bit depth {depth}, colour type {colour}; v1 images are 8-bit grayscale")
    with Image.open(io.BytesIO(data)) as im:
        im.verify()  # every chunk's CRC, without decoding the pixels
    return w, h


def run_v1_shard(task: V1ShardTask) -> V1ShardResult:
    from cytoimagenet.builder.shard import write_tar_atomic
    from cytoimagenet.format import SampleRecord

    rows = pd.read_json(task.spool, lines=True, dtype=False)
    rows = rows.sort_values(["order", "key"], kind="stable") if len(rows) else rows
    rows = rows.astype(object).where(rows.notna(), None)  # JSON nulls come back as NaN; records want None
    root = Path(task.class_root)
    records, quarantine, counts = [], [], {}

    def samples():
        for r in rows.to_dict("records"):
            rel = r["source_files"][0]
            problem = r.pop("problem", None)
            r.pop("order", None)
            file = root / rel
            if problem is None:
                try:
                    data = file.read_bytes()
                    w, h = _check_png(data)
                except FileNotFoundError:
                    problem = "missing: the PNG is not in the class folder"
                except (OSError, ValueError, SyntaxError) as exc:
                    problem = f"unreadable: {exc}"
            if problem is None:
                try:
                    record = SampleRecord(**r, height=h, width=w)
                except ValueError as exc:
                    problem = "invalid record: " + "; ".join(
                        f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
            if problem is not None:
                quarantine.append({"key": r["key"], "source_id": SOURCE_ID, "sample_id": r["filename"],
                                   "label": r["label"], "split": r["split"], "source_files": [rel],
                                   "reason": problem})
                continue
            label_id = task.label_ids[record.label]
            records.append({**record.model_dump(mode="json"), "label_id": label_id, "shard": task.name})
            counts[record.label] = counts.get(record.label, 0) + 1
            yield record.key, {"png": data, "json": record.to_json_bytes(), "cls": str(label_id).encode()}

    sha, size = write_tar_atomic(Path(task.out_path), samples())
    from cytoimagenet.format import record_arrow_schema

    schema = record_arrow_schema()
    table = pa.Table.from_pylist(records, schema=schema) if records else schema.empty_table()
    write_bytes_atomic(Path(task.parts_dir) / f"{task.name}.parquet", parquet_bytes(table))
    return V1ShardResult(task.name, task.out_path, sha, size, len(records), quarantine, counts)


# ---------------------------------------------------------------------------------------------------------
# the import



def _spool(metadata: Path, spool_dir: Path, seed: int, fraction: float, shard_size: int,
           chunk_rows: int, progress: Progress, allow_noderivatives: bool = False
           ) -> tuple[dict[str, str], dict[str, int], int, list[str]]:
    """Pass 1: labels (with their category) and split sizes. Pass 2: each row's record fields, spooled to its
    shard; a row from a source whose licence forbids derivatives is marked for quarantine (v1's images are
    derivatives: merged, normalised, cropped), unless `allow_noderivatives`. Returns ({label: category},
    {shard: rows}, rows, catalog ids of the sources whose rows go in)."""
    from cytoimagenet.catalog.registry import catalog

    known = catalog()
    nd = {sid for sid, s in known.items() if s.entry.licence_terms.noderivatives and not allow_noderivatives}
    used: set[str] = set()
    categories: dict[str, str] = {}
    per_split = {"train": 0, "validation": 0}
    total = 0
    for chunk in _read_chunks(metadata, chunk_rows):
        kept = chunk[~chunk["dir_name"].map(catalog_id).isin(nd)]  # a class only barred rows hold is no class
        for label, cat in kept[["label", "category"]].drop_duplicates().itertuples(index=False):
            categories.setdefault(label, cat)
        splits = split_of(chunk["idx"], seed, fraction)
        per_split["train"] += int((splits == "train").sum())
        per_split["validation"] += int((splits == "validation").sum())
        total += len(chunk)
        progress("metadata", total, total)  # the row count is known only at the end: rows read so far
    if total == 0:
        raise UserError(f"{metadata}: lists no images (a header and no rows)")
    n_shards = {s: max(1, math.ceil(n / shard_size)) for s, n in per_split.items() if n}
    if spool_dir.exists():
        shutil.rmtree(spool_dir)
    spool_dir.mkdir(parents=True)
    shard_rows: dict[str, int] = {}
    done = 0
    for chunk in _read_chunks(metadata, chunk_rows):
        chunk = chunk.reset_index(drop=True)
        split = split_of(chunk["idx"], seed, fraction)
        stem = chunk["filename"].str.replace(r"\.png$", "", regex=True, case=False)
        # keys: the published file name, made safe; the name carries the label, so it is unique in v1
        keys = safe_ids(stem)
        order = hash_order(keys, seed, "v1-shard")
        shard_no = np.array([int(o % n_shards[s]) for o, s in zip(order, split)])
        crop = chunk["crop"].map(_bool)
        folder = chunk["path"].map(_last)
        frame = pd.DataFrame({
            "key": keys, "label": chunk["label"], "category": chunk["category"], "database": chunk["database"],
            "name": chunk["name"], "dir_name": chunk["dir_name"], "path": chunk["path"],
            "filename": chunk["filename"], "idx": chunk["idx"],
        })
        for col in ("organism", "cell_type", "cell_visible", "phenotype", "compound", "sirna", "gene"):
            frame[col] = chunk[col].where(chunk[col].str.strip() != "", None)
        frame["microscopy"] = chunk["microscopy"]
        frame["crop"] = crop.fillna(False)
        scaling = pd.to_numeric(chunk["scaling"].replace("", np.nan), errors="coerce")
        frame["scaling"] = scaling.fillna(1.0)
        for col in ("x_min", "x_max", "y_min", "y_max"):
            frame[col] = chunk[col].map(lambda v: _int(v) if str(v).strip() not in ("", "nan") else None)
        frame["source_id"] = SOURCE_ID
        frame["group"] = chunk["idx"]
        frame["source_files"] = (folder + "/" + chunk["filename"]).map(lambda s: [s])
        frame["channels"] = [[CHANNEL]] * len(frame)
        frame["bit_depth"] = 8
        frame["split"] = split
        # a string: a uint64 would not survive JSON; sorted as text it is still a seeded, stable shuffle
        frame["order"] = order.astype(str)
        problem = pd.Series(None, index=frame.index, dtype=object)
        problem[crop.isna()] = "invalid record: crop is neither True nor False"
        problem[folder == ""] = "invalid record: empty path"
        source = chunk["dir_name"].map(catalog_id)
        barred = source.isin(nd)
        problem[barred] = "licence: " + source[barred] + " is " + source[barred].map(
            lambda s: known[s].entry.licence) + ", which forbids derivatives (import with --allow-noderivatives " \
            "for a private copy only)"
        used |= set(source[~barred & source.isin(known)])
        frame["problem"] = problem
        frame["shard"] = [f"{s}-{n:06d}" for s, n in zip(split, shard_no)]
        for shard, rows in frame.groupby("shard", sort=True):
            with open(spool_dir / f"{shard}.jsonl", "a", encoding="utf-8") as fh:
                fh.write(rows.drop(columns=["shard"]).to_json(orient="records", lines=True, force_ascii=False))
                fh.write("\n")
            shard_rows[shard] = shard_rows.get(shard, 0) + len(rows)
        done += len(chunk)
        progress("spool", done, total)
    return categories, shard_rows, total, sorted(used)


def import_v1(kaggle_dir: Path, out: Path, *, seed: int = 0, shard_size: int = 1000, validation_fraction: float = 0.1,
              workers: int = 1, progress: Optional[Progress] = None, chunk_rows: int = CHUNK_ROWS,
              allow_noderivatives: bool = False) -> BuildReport:
    from cytoimagenet.builder import release as rel
    from cytoimagenet.builder.executor import run_tasks

    progress = progress or (lambda stage, done, total: None)
    kaggle_dir = Path(kaggle_dir).absolute()
    out = Path(out).absolute()
    metadata = find_metadata(kaggle_dir)
    if out == kaggle_dir or kaggle_dir in out.parents or out in kaggle_dir.parents:
        raise UserError(f"--out {out} and the v1 folder {kaggle_dir} overlap; write the release elsewhere")
    head = next(iter(_read_chunks(metadata, 200)))
    root = class_root(kaggle_dir, metadata, list(dict.fromkeys(head["path"].map(_last))))
    rel._check_replaceable(out)
    work = rel.work_dir_for(out)
    with rel._build_lock(work):
        rel._recover_interrupted_swap(out, work)
        staging = work / "release"
        # everything but finished shards is recomputed; shards are checked against their sidecars
        rel._reset_staging(staging)
        (staging / "data").mkdir(parents=True, exist_ok=True)
        v1_work = work / "v1"
        spool_dir, parts_dir, sidecars = v1_work / "spool", v1_work / "parts", v1_work / "shards"
        for d in (parts_dir, sidecars):
            d.mkdir(parents=True, exist_ok=True)
        key = hashlib.sha256(json.dumps([sha256_file(metadata), str(root), seed, shard_size, validation_fraction,
                                         allow_noderivatives, _code_version()]).encode()).hexdigest()
        marker = v1_work / "spool.json"
        state = json.loads(marker.read_text()) if marker.is_file() else {}
        if state.get("key") != key:
            for d in (parts_dir, sidecars):
                shutil.rmtree(d)
                d.mkdir(parents=True)
            categories, shard_rows, total, used = _spool(metadata, spool_dir, seed, validation_fraction, shard_size,
                                                         chunk_rows, progress, allow_noderivatives)
            state = {"key": key, "categories": categories, "shards": shard_rows, "rows": total, "sources": used}
            write_text_atomic(marker, json.dumps(state, sort_keys=True))
        categories, shard_rows = state["categories"], state["shards"]
        labels = sorted(categories)
        label_ids = {label: i for i, label in enumerate(labels)}
        tasks = [V1ShardTask(name, str(spool_dir / f"{name}.jsonl"), str(root), str(staging / "data" / f"{name}.tar"),
                             str(parts_dir), label_ids, seed) for name in sorted(shard_rows)]
        results: dict[str, V1ShardResult] = {}
        todo = []
        for t in tasks:
            cached = _reuse(sidecars / f"{t.name}.json", t, key, parts_dir, out)
            if cached:
                results[t.name] = cached
            else:
                todo.append(t)
        reused = len(results)
        progress("shards", reused, len(tasks))
        for result in run_tasks(run_v1_shard, todo, workers, "local"):
            write_text_atomic(sidecars / f"{result.name}.json",
                              json.dumps({"key": key, **result.__dict__}, sort_keys=True))
            results[result.name] = result
            progress("shards", len(results), len(tasks))
        ordered = [results[t.name] for t in tasks]
        manifest = _collect_v1(staging, ordered, labels, categories, parts_dir, seed, shard_size, validation_fraction,
                               state["sources"], allow_noderivatives)
        from cytoimagenet.builder.card import write_card
        from cytoimagenet.builder.croissant import write_croissant
        from cytoimagenet.builder.figures import write_figures

        write_figures(staging, manifest)
        write_croissant(staging, manifest)
        write_card(staging, manifest)
        rel._swap_into_place(staging, out, work)
    return rel.BuildReport(out=out, version=manifest.version, samples=dict(manifest.splits), labels=len(labels),
                           shards=len(ordered), quarantined=manifest.quarantined, reused_shards=reused)


def _code_version() -> str:
    import inspect

    from cytoimagenet import __version__

    return hashlib.sha256((__version__ + inspect.getsource(run_v1_shard) + inspect.getsource(_spool)).encode()).hexdigest()


def _reuse(sidecar: Path, task: V1ShardTask, key: str, parts_dir: Path, out: Path) -> Optional[V1ShardResult]:
    """A shard an interrupted import finished: its sidecar names this import's key, and the tar and metadata
    part it left are whole."""
    if not sidecar.is_file():
        return None
    try:
        meta = json.loads(sidecar.read_text())
    except ValueError:
        return None
    tar = Path(task.out_path)
    if meta.get("key") != key or not (parts_dir / f"{task.name}.parquet").is_file():
        return None

    def whole(path: Path) -> bool:
        return path.is_file() and path.stat().st_size == meta["bytes"] and sha256_file(path) == meta["sha256"]

    if not whole(tar):
        # a finished import: the shard is in the current release; hard-linked, not copied
        released = out / "data" / tar.name
        if not whole(released):
            return None
        adopt(released, tar)
    meta.pop("key")
    return V1ShardResult(**meta)


def _collect_v1(staging: Path, results: list[V1ShardResult], labels: list[str], categories: dict[str, str],
                parts_dir: Path, seed: int, shard_size: int, fraction: float, sources: list[str],
                allow_noderivatives: bool):
    from cytoimagenet.builder.release import _software as software_versions
    from cytoimagenet.catalog.registry import catalog
    from cytoimagenet.format import (BuildConfig, Manifest, ShardEntry, quarantine_arrow_schema, record_arrow_schema,
                                     release_identity)

    meta_dir = staging / "metadata"
    meta_dir.mkdir(parents=True, exist_ok=True)
    schema = record_arrow_schema()
    with atomic_path(meta_dir / "metadata.parquet") as tmp, \
            pq.ParquetWriter(tmp, schema, compression="zstd", write_statistics=True, store_schema=False) as writer:
        for r in results:
            table = pq.read_table(parts_dir / f"{r.name}.parquet", schema=schema)
            if table.num_rows:
                writer.write_table(table)
    metadata_sha = sha256_file(meta_dir / "metadata.parquet")
    counts: dict[str, dict[str, int]] = {}
    for r in results:
        split = r.name.rsplit("-", 1)[0]
        for label, n in r.label_counts.items():
            counts.setdefault(label, {"train": 0, "validation": 0})[split] += n
    label_rows = [{"label": label, "label_id": i, "category": categories[label],
                   "train": counts.get(label, {}).get("train", 0),
                   "validation": counts.get(label, {}).get("validation", 0),
                   "count": sum(counts.get(label, {}).values()), "sources": SOURCE_ID}
                  for i, label in enumerate(labels)]
    write_bytes_atomic(meta_dir / "labels.parquet", parquet_bytes(pa.Table.from_pylist(label_rows)))
    q_schema = quarantine_arrow_schema()
    quarantine = [q for r in results for q in r.quarantine]
    write_bytes_atomic(meta_dir / "quarantine.parquet",
                       parquet_bytes(pa.Table.from_pylist(quarantine, schema=q_schema)))
    shards = [ShardEntry(path=f"data/{r.name}.tar", split=r.name.rsplit("-", 1)[0], sha256=r.sha256, bytes=r.bytes,
                         samples=r.samples) for r in results]
    splits = {s: sum(e.samples for e in shards if e.split == s) for s in ("train", "validation")}
    release_id, version = release_identity(shards, metadata_sha, labels)
    # the sources whose images went in: the card's licence table and terms are theirs
    entries = [catalog()[sid].entry.model_dump() for sid in sources]
    config = BuildConfig(seed=seed, shard_size=shard_size, validation_fraction=fraction, sources=[SOURCE_ID],
                         release_name="CytoImageNet", allow_noderivatives=allow_noderivatives,
                         training_sizes=[])  # v1's images are repackaged as they are: no training-size shards
    manifest = Manifest(name="CytoImageNet", version=version, release_id=release_id,
                        config=config, labels=labels, splits=splits, shards=shards, quarantined=len(quarantine),
                        catalog=entries, software=software_versions(), origin="v1")
    write_text_atomic(staging / "manifest.json", manifest.model_dump_json(indent=2) + "\n")
    return manifest
