"""The shard task: read channels -> merge/normalise -> (crop) -> QC -> PNG -> tar. A pure function of the
plan rows, the source files and the config: any executor, any worker count, the same bytes.

Training-size shards. For each training size N of the task, the same task writes `data/N/<shard>.tar`: the same
samples, keys, json and cls, in the same order, with each image already reduced as `stream(image_size=N)` reduces
it first (`augment._box_reduce`, OpenCV's area average by the integer factors `_reduce_factors`). Stream's
remaining steps on the stored image then compute exactly what they compute on the full one, so its batches are
bit-identical either way while it decodes up to N/side squared fewer pixels. Where the reduction is a no-op
(a side under 2N), the training-size shard holds the full PNG's bytes as they are. Stored as 8-bit grayscale PNG:
with the fast decoder it decoded faster than WebP lossless at 224 px (benchmarks/README.md).

Source regions. A record with a box (catalog/source.py REGION_COLUMNS: rows [region_y0, region_y1) x columns
[region_x0, region_x1) of its files, half-open, in source pixels) is the box, not the whole image: the planes
are cut to it right after reading, before the merge, the percentile normalisation and any upsampling crop, so
every standardising step sees the box alone, as if it were an image of its own, and an upsampling crop falls
inside it. The sample's x_min/x_max/y_min/y_max are where its pixels lie in the source image (the box, or the
crop offset by the box's corner; x_max - x_min == width as for every crop), `crop` stays False for the box itself
(it is not an upsampling crop) and a crop's `scaling` is relative to the box it was cut from. A box outside
the image, empty or inverted is quarantined ("bad region: ...")."""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

import numpy as np

from cytoimagenet.builder.image import UnreadableImage, crop_boxes, encode_png, merge, qc_reason, read_planes, split_plane
from cytoimagenet.catalog.source import REGION_COLUMNS
from cytoimagenet.errors import UserError
from cytoimagenet.format import SampleRecord, ShardEntry, member_name
from cytoimagenet.io import adopt, atomic_paths, sha256_file
from cytoimagenet.seeding import key_rng

RECORD_PASSTHROUGH = (
    "key", "label", "category", "path", "filename", "idx", "organism", "cell_type", "cell_visible", "phenotype",
    "compound", "sirna", "gene", "microscopy", "source_id", "group", "split",
)


@dataclass
class ShardTask:
    name: str  # e.g. "train-000003"
    rows: list[dict]  # plan rows
    source_roots: dict[str, str]  # source_id -> folder
    entries: dict[str, dict]  # source_id -> {database, name, dir_name}
    label_ids: dict[str, int]
    out_path: str
    seed: int = 0
    percentile_low: float = 0.1
    percentile_high: float = 99.9
    compress_level: int = 6
    # cache-key inputs only (see task_digest), never read by run_shard: "<source_id>/<file>" -> the file's
    # identity as the driver saw it (cache.file_identity), and the version of the code that writes the bytes
    file_identities: dict[str, list] = field(default_factory=dict)
    code_version: str = ""
    training_sizes: tuple[int, ...] = ()  # N: also write data/N/<name>.tar (see the module docstring)


@dataclass
class ShardResult:
    name: str
    path: str
    sha256: str
    bytes: int
    records: list[dict] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)
    sized: list[dict] = field(default_factory=list)  # the training-size shards: {size, path, sha256, bytes}


def _member(name: str, data: bytes) -> tuple[tarfile.TarInfo, io.BytesIO]:
    # fixed metadata: no mtimes, owners or modes from the build machine leak into the bytes
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info, io.BytesIO(data)


_WRITE_CAUSES = {
    errno.ENOSPC: ("the disk is full", "free space on that filesystem (or build with --out on another one)"),
    errno.EDQUOT: ("the disk quota is exhausted", "free space within the quota (or build with --out elsewhere)"),
    errno.EACCES: ("permission denied", "make the folder writable by this user (or build with --out elsewhere)"),
    errno.EPERM: ("operation not permitted", "make the folder writable by this user (or build with --out elsewhere)"),
    errno.EROFS: ("the filesystem is read-only", "build with --out on a writable filesystem"),
}


def write_error(path: Path, exc: OSError, what: str = "file") -> str:
    """A one-line explanation of a failed write: the file, the cause in words, and the fix."""
    cause, fix = _WRITE_CAUSES.get(exc.errno, (exc.strerror or type(exc).__name__, "check the disk and retry"))
    return (f"cannot write {what} {path}: {cause} ({exc.strerror or exc}); nothing half-written was kept; {fix}, "
            "then run the build again: it resumes where it stopped")


def write_tar_atomic(path: Path, samples: Iterable[tuple[str, dict[str, bytes]]]) -> tuple[str, int]:
    """Write a WebDataset tar (members '<key>.<ext>', key order as given) to a temp name, fsync, rename.
    ``samples`` may be a generator: each sample is written as it comes, so a shard never has to fit in memory.
    Returns (sha256, bytes). A failed write (disk full, no permission), or an exception from ``samples``, leaves
    neither the temp file nor a partial shard behind; a failed write raises a UserError naming the shard and the
    cause."""
    return write_tars_atomic([path], ((key, [members]) for key, members in samples))[0]


def write_tars_atomic(paths: list[Path], samples: Iterable[tuple[str, list[dict[str, bytes]]]]) -> list[tuple[str, int]]:
    """`write_tar_atomic` for several tars written side by side in one pass: each sample gives its members for
    every path, in the order of `paths`. Either every tar is renamed into place or none is."""
    paths = [Path(p) for p in paths]
    from_samples: list[OSError] = []

    def produced():
        # an OSError raised while *making* a sample (reading a source) is not a failed write: let it pass as is
        it = iter(samples)
        while True:
            try:
                item = next(it)
            except StopIteration:
                return
            except OSError as exc:
                from_samples.append(exc)
                raise
            yield item

    at = 0  # the tar being written when a write fails: the one the error names
    try:
        with atomic_paths(paths) as tmps, contextlib.ExitStack() as stack:
            handles, tars = [], []
            for at, tmp in enumerate(tmps):
                handles.append(stack.enter_context(open(tmp, "wb")))
                tars.append(tarfile.open(fileobj=handles[-1], mode="w", format=tarfile.PAX_FORMAT))
            for key, per_path in produced():
                for at, (tf, members) in enumerate(zip(tars, per_path)):
                    for ext in sorted(members):
                        tf.addfile(*_member(member_name(key, ext), members[ext]))
            for at, tf in enumerate(tars):
                tf.close()
    except OSError as exc:
        if from_samples and exc is from_samples[0]:
            raise
        raise UserError(write_error(paths[at], exc, "shard")) from exc
    return [(sha256_file(path), path.stat().st_size) for path in paths]


def training_shard_path(out_path: str, size: int) -> Path:
    """Where the training-size copy of the shard at `out_path` (`.../data/<name>.tar`) goes: data/N/<name>.tar."""
    out = Path(out_path)
    return out.parent / str(size) / out.name


@functools.lru_cache(maxsize=1)
def reduction_version() -> str:
    """The code and library that make the training-size images (stream's reduction: core/augment.py on
    OpenCV), for the shard cache key: a change to either rewrites the training-size shards, as stream would then
    reduce differently."""
    from cytoimagenet import augment

    source = Path(augment.__file__).read_bytes()
    return hashlib.sha256(source).hexdigest() + f" opencv {getattr(augment.cv2, '__version__', 'absent')}"


def reduce_for_training(image: np.ndarray, size: int) -> np.ndarray:
    """`image` as `stream(image_size=size)` reduces it first (the image itself when that is a no-op)."""
    from cytoimagenet import augment

    if augment.cv2 is None:
        raise UserError("training-size shards are reduced with OpenCV, as stream reduces them: "
                        "`pip install opencv-python-headless`, or build with --training-size 0")
    return augment._box_reduce(image, size, "cv2")


# channel names under which adapters list a container of several planes (see catalog/layouts.py)
MULTI_PLANE_CHANNELS = frozenset({"all channels", "stack"})


class OutsideSource(Exception):
    """A file an adapter listed that resolves outside its source's folder."""


def confined(root: Path, rel: str) -> Path:
    """`root/rel` resolved (symlinks, '..'), if it lies inside the resolved `root`; else OutsideSource. Metadata
    is input, not trusted: a listed '../../private/scan.tif', an absolute path or a symlink pointing out would
    otherwise put someone else's pixels into a release meant for publication. The resolved path is what gets
    read, so a link cannot be re-pointed between this check and the open."""
    try:
        real_root = os.path.realpath(root)
        real = os.path.realpath(os.path.join(real_root, rel))
    except (ValueError, OSError) as exc:  # a NUL byte in the name, a symlink loop
        raise UnreadableImage(f"not a usable path ({exc})") from None
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise OutsideSource(rel)
    return Path(real)


def read_sample(row: dict, root: Path) -> tuple[list[np.ndarray], int]:
    """All channel planes of one sample, at full depth, and the largest stored bit depth. A file the adapter
    lists as a container ("all channels": a FLEX; "stack") contributes every plane as a channel; any other file
    holding several planes is quarantined rather than silently merged as extra channels. Every file is checked
    to lie inside `root` before a byte of it is read (OutsideSource)."""
    channels, depths = [], []
    refs = [(ref, name, *split_plane(ref)) for ref, name in zip(row["source_files"], row["channels"])]
    # every file is checked before any is read: an outside file is never opened, even after an inside one failed
    paths = []
    for ref, _, rel, _ in refs:
        try:
            paths.append(confined(root, rel))
        except UnreadableImage as exc:
            raise UnreadableImage(f"{ref}: {exc}") from None
        except OutsideSource:
            raise OutsideSource(ref) from None
    for (ref, name, rel, plane), path in zip(refs, paths):
        try:
            planes, depth = read_planes(path, plane)
        except UnreadableImage as exc:
            raise UnreadableImage(f"{ref}: {exc}") from None
        if len(planes) > 1 and name not in MULTI_PLANE_CHANNELS:
            raise UnreadableImage(f"{ref}: holds {len(planes)} planes but is listed as the single channel {name!r}")
        channels.extend(planes)
        depths.append(depth)
    shapes = {c.shape for c in channels}
    if len(shapes) != 1:
        raise UnreadableImage(f"channels differ in shape {sorted(shapes)}: {', '.join(row['source_files'])}")
    return channels, max(depths)


class CropTooSmall(Exception):
    pass


class BadRegion(Exception):
    """A record's source region that is not a non-empty box inside its image."""


def source_region(row: dict, height: int, width: int) -> Optional[tuple[int, int, int, int]]:
    """The record's source region (y0, x0, y1, x1), checked against its `height` x `width` image; None for a
    whole-image record (no region columns, or all four None)."""
    values = [row.get(c) for c in REGION_COLUMNS]
    if all(v is None for v in values):
        return None
    if any(v is None for v in values):
        raise BadRegion("incomplete box " + ", ".join(f"{c}={v}" for c, v in zip(REGION_COLUMNS, values)))
    y0, x0, y1, x1 = (int(v) for v in values)
    where = f"box rows {y0}:{y1}, columns {x0}:{x1}"
    if y1 < y0 or x1 < x0:
        raise BadRegion(f"{where} is inverted (an end before its start)")
    if y1 == y0 or x1 == x0:
        raise BadRegion(f"{where} is empty (no pixels)")
    if y0 < 0 or x0 < 0 or y1 > height or x1 > width:
        raise BadRegion(f"{where} lies outside the {height}x{width} image")
    return y0, x0, y1, x1


def crop_box(row: dict, height: int, width: int, seed: int) -> tuple[float, int, int, int, int]:
    """This crop's (scaling, x_min, x_max, y_min, y_max). Drawn from the parent image's key, so every crop of
    one image sees the same quadrant order, whatever shard or process it lands in."""
    boxes = crop_boxes(height, width, int(row["n_crops"]), key_rng(seed, "crop", row["source_id"], row["sample_id"]))
    if int(row["crop_index"]) >= len(boxes):
        raise CropTooSmall(f"crop {row['crop_index']}: a {height}x{width} image has no room for a 70 px crop")
    return boxes[int(row["crop_index"])]


def run_shard(task: ShardTask) -> ShardResult:
    records, quarantine = [], []

    def samples():
        # one sample in memory at a time: each PNG goes into the temp tar as soon as it is encoded
        for row in task.rows:
            root = Path(task.source_roots[row["source_id"]])
            box = region = None
            try:
                channels, depth = read_sample(row, root)
                # the source region first: every step below sees the box alone
                region = source_region(row, *channels[0].shape)
                if region is not None:
                    ry0, rx0, ry1, rx1 = region
                    channels = [c[ry0:ry1, rx0:rx1] for c in channels]
                if row.get("crop"):
                    box = crop_box(row, *channels[0].shape, task.seed)
                    _, x0, x1, y0, y1 = box
                    channels = [c[y0:y1, x0:x1] for c in channels]
                # crops are re-normalised: merge() normalises whatever region it is given
                image = merge(channels, task.percentile_low, task.percentile_high)
            except OutsideSource as exc:
                quarantine.append(_quarantine(row, f"outside the source folder: {exc} resolves outside "
                                                   f"{row['source_id']}/ ('..', an absolute path or a symlink); "
                                                   "it was not read"))
                continue
            except UnreadableImage as exc:
                quarantine.append(_quarantine(row, f"unreadable: {exc}"))
                continue
            except BadRegion as exc:
                quarantine.append(_quarantine(row, f"bad region: {exc}"))
                continue
            except CropTooSmall as exc:
                quarantine.append(_quarantine(row, f"too small: {exc}"))
                continue
            reason = qc_reason(image)
            if reason is not None:
                quarantine.append(_quarantine(row, reason))
                continue
            entry = task.entries[row["source_id"]]
            where = _placement(region, box)
            record = SampleRecord(
                **{k: row[k] for k in RECORD_PASSTHROUGH},
                database=entry["database"], name=entry["name"], dir_name=entry["dir_name"],
                crop=box is not None, scaling=box[0] if box else 1.0,
                x_min=where[0], x_max=where[1], y_min=where[2], y_max=where[3],
                source_files=list(row["source_files"]), channels=list(row["channels"]),
                bit_depth=depth, height=int(image.shape[0]), width=int(image.shape[1]),
            )
            label_id = task.label_ids[record.label]
            records.append({**record.model_dump(mode="json"), "label_id": label_id, "shard": task.name})
            full = {
                "png": encode_png(image, task.compress_level),
                "json": record.to_json_bytes(),
                "cls": str(label_id).encode(),
            }
            sized = []
            for n in task.training_sizes:
                small = reduce_for_training(image, n)
                sized.append(full if small is image else {**full, "png": encode_png(small, task.compress_level)})
            yield record.key, [full, *sized]

    sizes = list(task.training_sizes)
    paths = [Path(task.out_path)] + [training_shard_path(task.out_path, n) for n in sizes]
    written = write_tars_atomic(paths, samples())
    (sha, size), rest = written[0], written[1:]
    sized = [{"size": n, "path": str(p), "sha256": h, "bytes": b} for n, p, (h, b) in zip(sizes, paths[1:], rest)]
    return ShardResult(task.name, task.out_path, sha, size, records, quarantine, sized)


def _placement(region, box) -> tuple[Optional[int], ...]:
    """(x_min, x_max, y_min, y_max) of a sample's pixels in its source image: the crop (offset by the region's
    corner when it was cut from a region), else the region, else None (a whole image)."""
    oy, ox = (region[0], region[1]) if region is not None else (0, 0)
    if box is not None:
        return box[1] + ox, box[2] + ox, box[3] + oy, box[4] + oy
    if region is not None:
        return region[1], region[3], region[0], region[2]
    return None, None, None, None


def reuse_training_shards(meta: dict, task: ShardTask, out: Path) -> Optional[list[dict]]:
    """The training-size shards a finished shard's sidecar `meta` lists, checked against their checksums in the
    staging folder or else in the current release `out` (hard-linked into staging); None if any is not there."""
    listed = {int(d["size"]): d for d in meta.get("sized") or []}
    if sorted(listed) != sorted(task.training_sizes):
        return None
    found = []
    for n in task.training_sizes:
        d = listed[n]
        staged = training_shard_path(task.out_path, n)
        if not _matches(staged, d):
            released = Path(out) / "data" / str(n) / staged.name
            if not _matches(released, d):
                return None
            adopt(released, staged)
        found.append({"size": n, "path": str(staged), "sha256": d["sha256"], "bytes": d["bytes"]})
    return found


def _matches(tar: Path, d: dict) -> bool:
    return tar.is_file() and tar.stat().st_size == d.get("bytes") and sha256_file(tar) == d.get("sha256")


def training_shard_entries(results) -> list:
    """Manifest entries of the training-size shards of `results` (finished shards, in shard order), size by size:
    each size mirrors the full shards one for one."""
    out = []
    for n in sorted({int(d["size"]) for r in results for d in r.sized}):
        for r in results:
            d = next(d for d in r.sized if int(d["size"]) == n)
            out.append(ShardEntry(path=f"data/{n}/{r.name}.tar", split=r.name.rsplit("-", 1)[0], sha256=d["sha256"],
                                  bytes=d["bytes"], samples=r.samples, size=n))
    return out


def _quarantine(row: dict, reason: str) -> dict:
    return {
        "key": row["key"], "source_id": row["source_id"], "sample_id": row["sample_id"], "label": row["label"],
        "split": row["split"], "source_files": list(row["source_files"]), "reason": reason,
    }


def task_digest(task: ShardTask) -> str:
    """Hash of everything that determines a shard's bytes and quarantine (not where it is written): the plan
    rows (every field of every row, a record's source region included) and options, the identity of every source
    file it reads, and the version of the code that writes it. A shard is re-used only while all of these stand,
    so a rebuild equals a fresh build."""
    payload = json.dumps(
        [task.name, task.rows, task.entries, task.label_ids, task.seed, task.percentile_low, task.percentile_high,
         task.compress_level, task.file_identities, task.code_version, list(task.training_sizes),
         reduction_version() if task.training_sizes else ""], sort_keys=True, default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()
