"""The release validator: everything a consumer relies on, checked against the files themselves.

Shards are read as streams (never extracted to disk); members must be regular files named `<key>.<ext>` with
no path components, of a bounded size (checked from the header, before reading); images are refused from their
declared size before decoding; `json` is parsed as JSON and `cls` as an integer: nothing is unpickled or
evaluated, whatever a member is called."""

from __future__ import annotations

import io
import re
import tarfile
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Callable, Optional

from PIL import Image
from pydantic import ValidationError

from cytoimagenet.builder.image import MAX_PIXELS
from cytoimagenet.io import sha256_file
from cytoimagenet.validation.schema import SPLITS, Manifest, SampleRecord, release_features

MEMBER = re.compile(r"^(?P<key>[A-Za-z0-9_-]+)\.(?P<ext>png|json|cls)$")
EXTS = {"png", "json", "cls"}
# A release PNG is 8-bit grayscale of at most MAX_PIXELS (deflate never expands much); a json record is a few kB.
# Larger members are refused from their tar header, so a forged size never turns into a huge read.
MAX_MEMBER_BYTES = {"png": MAX_PIXELS + (1 << 20), "json": 1 << 20, "cls": 64}


def _load_manifest(release: Path, problems: list[str]) -> Optional[Manifest]:
    path = release / "manifest.json"
    if not path.is_file():
        problems.append(f"{path}: missing")
        return None
    try:
        return Manifest.model_validate_json(path.read_text())
    except (ValidationError, ValueError) as exc:
        problems.append(f"{path}: invalid manifest: {str(exc).splitlines()[0]} ({exc})")
        return None


def iter_samples(path: Path, problems: list[str]):
    """Yield (key, {ext: bytes}) from a WebDataset tar, in order, recording structural problems."""
    current, members = None, {}
    try:
        with tarfile.open(path, mode="r|") as tf:
            for info in tf:
                if not info.isreg():
                    problems.append(f"{path.name}: member {info.name!r} is not a regular file")
                    continue
                m = MEMBER.match(info.name)
                if not m:
                    problems.append(f"{path.name}: member {info.name!r} is not '<key>.png|json|cls' (no paths, no dots in keys)")
                    continue
                key, ext = m["key"], m["ext"]
                if info.size > MAX_MEMBER_BYTES[ext]:
                    problems.append(f"{path.name}: member {info.name!r} declares {info.size} bytes, over the "
                                    f"{MAX_MEMBER_BYTES[ext]}-byte limit for a '{ext}' member; not read")
                    continue
                if key != current:
                    if current is not None:
                        yield current, members
                    current, members = key, {}
                if ext in members:
                    problems.append(f"{path.name}: sample {key!r} has two '{ext}' members")
                members[ext] = tf.extractfile(info).read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        problems.append(f"{path.name}: unreadable tar ({type(exc).__name__}: {exc})")
    if current is not None:
        yield current, members


def _check_sample(shard: str, split: str, key: str, members: dict, labels: list[str], problems: list[str]):
    missing = EXTS - set(members)
    if missing:
        problems.append(f"{shard}: sample {key!r} lacks {sorted(missing)}")
        return None
    try:
        record = SampleRecord.model_validate_json(members["json"])
    except (ValidationError, ValueError) as exc:
        problems.append(f"{shard}: sample {key!r} json does not match the record schema: {str(exc).splitlines()[0]}")
        return None
    try:
        cls = int(members["cls"].decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        problems.append(f"{shard}: sample {key!r} cls is not an integer")
        return None
    if not 0 <= cls < len(labels):
        problems.append(f"{shard}: sample {key!r} label id {cls} out of range 0..{len(labels) - 1}")
    elif labels[cls] != record.label:
        problems.append(f"{shard}: sample {key!r} cls {cls} ({labels[cls]!r}) disagrees with json label {record.label!r}")
    if record.key != key:
        problems.append(f"{shard}: sample {key!r} json key is {record.key!r}")
    if record.split != split:
        problems.append(f"{shard}: sample {key!r} says split {record.split!r} inside a {split} shard")
    try:
        # Pillow's PNG plugin only, whatever the bytes claim to be; size and mode are checked from the header,
        # before a pixel is decoded (so Pillow's warning below its hard limit is redundant: silenced)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(members["png"]), formats=["PNG"])
        with im:
            if im.width * im.height > MAX_PIXELS:
                problems.append(f"{shard}: sample {key!r} png declares {im.width}x{im.height}, a size over the "
                                f"{MAX_PIXELS}-pixel limit; not decoded")
            elif im.size != (record.width, record.height):
                problems.append(f"{shard}: sample {key!r} png is {im.size}, json says {(record.width, record.height)}")
            elif im.mode != "L":
                problems.append(f"{shard}: sample {key!r} png mode {im.mode}, expected L")
            else:
                im.load()
    except Image.DecompressionBombError as exc:
        problems.append(f"{shard}: sample {key!r} png declares a size over the pixel limit; not decoded ({exc})")
    except Exception as exc:  # any decoder failure is a problem to report, not to crash on
        problems.append(f"{shard}: sample {key!r} png does not decode ({type(exc).__name__}: {exc})")
    return record, cls


def _check_card(release: Path, manifest: Manifest, problems: list[str]) -> None:
    from cytoimagenet.builder.card import read_front_matter

    path = release / "README.md"
    if not path.is_file():
        problems.append(f"{path}: missing dataset card")
        return
    try:
        meta = read_front_matter(path.read_text())
    except Exception as exc:
        problems.append(f"{path}: {exc}")
        return
    try:
        from huggingface_hub import DatasetCard

        DatasetCard(path.read_text())
    except Exception as exc:
        problems.append(f"{path}: huggingface_hub cannot parse the card: {exc}")
    try:
        from datasets import Features

        declared = Features._from_yaml_list(meta["dataset_info"]["features"])
        if declared != release_features(manifest.labels):
            problems.append(f"{path}: declared features differ from the release's labels and record schema")
        config = meta["configs"][0]
        if config.get("version") != manifest.version:
            problems.append(f"{path}: config version {config.get('version')!r} != manifest {manifest.version!r}")
        for split in SPLITS:
            has_shards = any(s.split == split for s in manifest.shards)
            listed = any(d.get("split") == split for d in config["data_files"])
            if has_shards != listed:
                problems.append(f"{path}: data_files {'omit' if has_shards else 'list'} split {split!r}")
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        problems.append(f"{path}: front matter lacks configs/dataset_info.features ({type(exc).__name__}: {exc})")


def validate_release(
    release: Path, progress: Optional[Callable[[str, int, int], None]] = None, stats: Optional[dict] = None
) -> list[str]:
    """Every problem found in the release folder, as human-readable lines; empty when the release is valid.
    `stats`, when given, is filled with what was checked (samples, shards, groups, leaked_groups)."""
    progress = progress or (lambda *a: None)
    release = Path(release)
    problems: list[str] = []
    if not release.is_dir():
        return [f"{release}: not a folder"]
    manifest = _load_manifest(release, problems)
    if manifest is None:
        return problems
    listed = {s.path for s in manifest.shards}
    for extra in sorted((release / "data").glob("*")):
        if f"data/{extra.name}" not in listed:
            problems.append(f"{extra}: not in manifest.json")
    seen_keys: dict[str, str] = {}
    source_split: dict[tuple, set] = defaultdict(set)
    records = []
    total_bytes = sum(s.bytes for s in manifest.shards)
    done = 0
    for entry in manifest.shards:
        path = release / entry.path
        if not path.is_file():
            problems.append(f"{entry.path}: missing")
            continue
        size = path.stat().st_size
        if size != entry.bytes:
            problems.append(f"{entry.path}: {size} bytes, manifest says {entry.bytes}")
        if sha256_file(path) != entry.sha256:
            problems.append(f"{entry.path}: sha256 differs from manifest (corrupted or modified)")
        count = 0
        for key, members in iter_samples(path, problems):
            count += 1
            if key in seen_keys:
                problems.append(f"{entry.path}: key {key!r} also in {seen_keys[key]}")
            seen_keys[key] = entry.path
            checked = _check_sample(entry.path, entry.split, key, members, manifest.labels, problems)
            if checked:
                record, cls = checked
                records.append((key, cls, entry.path))
                source_split[(record.source_id, record.group)].add(entry.split)
        if count != entry.samples:
            problems.append(f"{entry.path}: {count} samples, manifest says {entry.samples}")
        done += entry.bytes
        progress("validate", done, total_bytes)
    leaks = [k for k, v in source_split.items() if len(v) > 1]
    if leaks:
        problems.append(f"splits not disjoint: {len(leaks)} group(s) (well or source image) in both train and validation, e.g. {leaks[0]}")
    if stats is not None:
        stats.update(samples=len(records), shards=len(manifest.shards), groups=len(source_split), leaked_groups=len(leaks))
    _check_metadata(release, records, problems)
    _check_card(release, manifest, problems)
    return problems


def _check_metadata(release: Path, records: list, problems: list[str]) -> None:
    import pyarrow.parquet as pq

    path = release / "metadata" / "metadata.parquet"
    if not path.is_file():
        problems.append(f"{path}: missing")
        return
    table = pq.read_table(path, columns=["key", "label_id", "shard"]).to_pylist()
    in_table = {(r["key"], r["label_id"], f"data/{r['shard']}.tar") for r in table}
    in_shards = set(records)
    if in_table != in_shards:
        problems.append(
            f"{path}: disagrees with the shards ({len(in_shards - in_table)} sample(s) only in shards, "
            f"{len(in_table - in_shards)} only in metadata)"
        )


def summarise(release: Path) -> dict:
    import pandas as pd

    from cytoimagenet.errors import UserError

    release = Path(release)
    try:
        manifest = Manifest.model_validate_json((release / "manifest.json").read_text())
    except FileNotFoundError:
        raise UserError(f"{release} is not a release folder (no manifest.json)") from None
    md = pd.read_parquet(release / "metadata" / "metadata.parquet", columns=["label", "category", "source_id"])
    cats = md.groupby("category").agg(classes=("label", "nunique"), samples=("label", "size"))
    return {
        "name": manifest.name, "version": manifest.version, "release_id": manifest.release_id,
        "splits": manifest.splits, "classes": len(manifest.labels), "shards": len(manifest.shards),
        "bytes": sum(s.bytes for s in manifest.shards), "quarantined": manifest.quarantined,
        "categories": {c: {"classes": int(r.classes), "samples": int(r.samples)} for c, r in cats.iterrows()},
        "sources": {k: int(v) for k, v in md["source_id"].value_counts().sort_index().items()},
    }
