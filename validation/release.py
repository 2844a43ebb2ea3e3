"""The release validator: everything a consumer relies on, checked against the files themselves.

Shards are read as streams (never extracted to disk); members must be regular files named `<key>.<ext>` with
no path components, of a bounded size (checked from the header, before reading); images are refused from their
declared size before decoding; `json` is parsed as JSON and `cls` as an integer: nothing is unpickled or
evaluated, whatever a member is called.

With `workers` > 1 the shards are checked in parallel processes, one shard at a time per process (memory stays
that of one sample per worker); what crosses shards (duplicate keys, split leakage, the metadata table) is merged
in manifest order, so the problems and their order are those of one worker whatever order the shards finish in."""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tarfile
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from PIL import Image
from pydantic import ValidationError

from cytoimagenet.errors import UserError
from cytoimagenet.format import (EXTS, MAX_MEMBER_BYTES, MAX_PIXELS, MEMBER, SPLITS, Manifest, SampleRecord,
                                 read_front_matter, release_features)
from cytoimagenet.io import sha256_file  # noqa: F401  (this module's name for it; shards are hashed as they are read)
from cytoimagenet.png import DECODERS
# PNGs are decoded up to the release's plane limit (Pillow's default is lower), as the builder wrote them
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
_PNG_COLOUR = {0: "grayscale", 2: "RGB", 3: "palette", 4: "grayscale+alpha", 6: "RGBA"}
_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS")


def pydantic_line(exc: ValidationError) -> str:
    """The first error of a pydantic ValidationError as one line ('field.sub: message'), without its URL lines."""
    errors = exc.errors()
    if not errors:
        return str(exc).splitlines()[0]
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    msg = str(first.get("msg", "")).removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where + ': ' if where else ''}{msg}{more}"


def manifest_error(path: Path, exc: Exception) -> str:
    why = pydantic_line(exc) if isinstance(exc, ValidationError) else f"{type(exc).__name__}: {exc}"
    return (f"{path}: not a valid CytoImageNet manifest ({why}); it was damaged or edited: rebuild the release "
            "(`cytoimagenet build`) or fetch manifest.json again")


def read_manifest(release: Path) -> Manifest:
    """The manifest of a release folder; a missing or garbled one is a one-line UserError naming the file."""
    from cytoimagenet.errors import UserError

    path = Path(release) / "manifest.json"
    if not path.is_file():
        raise UserError(f"{Path(release)} is not a CytoImageNet release (no manifest.json); build one with "
                        "`cytoimagenet build`")
    try:
        # bytes, not text: a garbled file need not even be UTF-8
        return Manifest.model_validate_json(path.read_bytes())
    except (ValidationError, ValueError, OSError) as exc:
        raise UserError(manifest_error(path, exc)) from None


def _load_manifest(release: Path, problems: list[str]) -> Optional[Manifest]:
    path = release / "manifest.json"
    if not path.is_file():
        problems.append(f"{path}: missing")
        return None
    try:
        return Manifest.model_validate_json(path.read_bytes())
    except (ValidationError, ValueError, OSError) as exc:
        problems.append(manifest_error(path, exc))
        return None


_GLOB = re.compile(r"[*?\[{]")


def _outside(release: Path, pattern: object) -> Optional[str]:
    """Why a card's data_files pattern reaches outside the release folder, or None when it stays inside."""
    if not isinstance(pattern, str) or not pattern.strip():
        return f"{pattern!r} is not a relative path"
    if "://" in pattern or pattern.startswith(("hf:", "http:", "https:")):
        return f"{pattern!r} is a URL"
    if pattern.startswith(("/", "~", "\\")) or re.match(r"^[A-Za-z]:", pattern):
        return f"{pattern!r} is an absolute path"
    if "\\" in pattern or ".." in pattern.split("/"):
        return f"{pattern!r} climbs out of the release ('..' or a backslash)"
    # the literal part before the first wildcard, resolved with symlinks: a linked data/ folder counts as outside
    prefix = _GLOB.split(pattern, 1)[0]
    root = release.resolve()
    target = (release / prefix).resolve() if prefix else root
    if target != root and root not in target.parents:
        return f"{pattern!r} resolves to {target}, outside {root} (a symbolic link?)"
    return None


def card_path_problems(release: Path, meta: dict) -> list[str]:
    """Every configs[].data_files / data_dir entry of a card's front matter that points outside the release:
    `datasets` would read those files as if they were the release's."""
    release = Path(release)
    problems = []
    configs = meta.get("configs") or []
    if not isinstance(configs, list):
        return [f"configs is not a list ({type(configs).__name__})"]
    for i, config in enumerate(configs):
        if not isinstance(config, dict):
            problems.append(f"configs[{i}] is not a mapping")
            continue
        name = config.get("config_name", i)
        patterns = []
        if "data_dir" in config:
            patterns.append(config["data_dir"])
        files = config.get("data_files")
        entries = files if isinstance(files, list) else [files] if files is not None else []
        for entry in entries:
            if isinstance(entry, dict):
                value = entry.get("path")
                patterns += value if isinstance(value, list) else [value]
            else:
                patterns.append(entry)
        for pattern in patterns:
            why = _outside(release, pattern)
            if why:
                problems.append(f"configs[{name!r}] data_files {why}: a card may only name files inside the release "
                                "(e.g. data/train-*.tar); rewrite it with `cytoimagenet card` or rebuild")
    return problems


def check_card_paths(release: Path) -> None:
    """Refuse (UserError) a local release whose card sends `datasets` to files outside it."""
    from cytoimagenet.errors import UserError

    path = Path(release) / "README.md"
    if not path.is_file():
        return
    try:
        meta = read_front_matter(path.read_text(encoding="utf-8", errors="replace"))
    except Exception as exc:  # yaml errors, a front matter that is not a mapping
        raise UserError(f"{path}: unreadable dataset card ({str(exc).splitlines()[0]}); rebuild the release") from None
    problems = card_path_problems(Path(release), meta)
    if problems:
        raise UserError(f"{path}: {problems[0]}")


def iter_samples(path: Path, problems: list[str], fileobj=None):
    """Yield (key, {ext: bytes}) from a WebDataset tar, in order, recording structural problems.
    `fileobj`, when given, is read instead of opening `path` (which then only names the shard)."""
    current, members = None, {}
    try:
        with tarfile.open(path if fileobj is None else None, mode="r|", fileobj=fileobj) as tf:
            for info in tf:
                if not info.isreg():
                    problems.append(f"{path.name}: member {info.name!r} is not a regular file")
                    continue
                m = MEMBER.match(info.name)
                if not m or m["ext"] not in EXTS:
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


def _check_sample(shard: str, split: str, key: str, members: dict, labels: list[str], problems: list[str],
                  decoder: str = "auto", size: Optional[int] = None):
    missing = set(EXTS) - set(members)
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
    why = _png_problem(shard, key, members["png"], record, decoder, size)
    if why:
        problems.append(why)
    return record, cls


def _png_problem(shard: str, key: str, data: bytes, record: SampleRecord, decoder: str,
                 size: Optional[int] = None) -> Optional[str]:
    """Why a sample's png member is not the 8-bit grayscale image its record declares (in a training-size shard
    for `size`: reduced as `stream` reduces it for that size), or None.

    Size and pixel format are read from the IHDR chunk before a pixel is decoded, so a forged header costs nothing
    (a release PNG is always 8-bit grayscale: anything else is reported, never converted). Decoding is the fast
    decoder of the loaders (Wuffs when pywuffs is installed, a memory-safe decoder for untrusted input) or Pillow's
    PNG plugin alone, whatever the bytes claim to be."""
    from cytoimagenet.png import decode_png, png_header

    try:
        width, height, depth, colour = png_header(data, key)
    except UserError:
        return f"{shard}: sample {key!r} png does not decode (not a PNG: bad signature or no IHDR chunk)"
    if width * height > MAX_PIXELS:
        return (f"{shard}: sample {key!r} png declares {width}x{height}, a size over the {MAX_PIXELS}-pixel limit; "
                "not decoded")
    if size is None and (width, height) != (record.width, record.height):
        return f"{shard}: sample {key!r} png is {(width, height)}, json says {(record.width, record.height)}"
    if size is not None:
        from cytoimagenet.augment import reduced_shape

        want_h, want_w = reduced_shape(record.height, record.width, size)
        if (width, height) != (want_w, want_h):
            return (f"{shard}: sample {key!r} png is {(width, height)}; the json's {(record.width, record.height)} "
                    f"reduced for training size {size} is {(want_w, want_h)}")
    if (depth, colour) != (8, 0):
        what = _PNG_COLOUR.get(colour, f"colour type {colour}")
        return f"{shard}: sample {key!r} png is {depth}-bit {what}, expected 8-bit grayscale (mode L)"
    try:
        with warnings.catch_warnings():
            # the size is checked above against the release's own limit; Pillow's lower warning is redundant
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            pixels = decode_png(data, key, decoder)
    except Exception as exc:  # any decoder failure is a problem to report, not to crash on
        text = str(exc)
        # decode_png's own errors name the sample already: keep only why
        why = (text.split(": png does not decode ", 1)[1] if ": png does not decode " in text
               else f"({text})" if isinstance(exc, UserError) else f"({type(exc).__name__}: {text})")
        return f"{shard}: sample {key!r} png does not decode {why}"
    if pixels.shape != (height, width):
        return f"{shard}: sample {key!r} png decodes to {pixels.shape[1]}x{pixels.shape[0]}, its header says {width}x{height}"
    return None


def _check_card(release: Path, manifest: Manifest, problems: list[str]) -> None:
    path = release / "README.md"
    if not path.is_file():
        problems.append(f"{path}: missing dataset card")
        return
    try:
        meta = read_front_matter(path.read_text())
    except Exception as exc:
        problems.append(f"{path}: {exc}")
        return
    problems += [f"{path}: {p}" for p in card_path_problems(release, meta)]
    try:
        from huggingface_hub import DatasetCard

        DatasetCard(path.read_text())
    except Exception as exc:
        problems.append(f"{path}: huggingface_hub cannot parse the card: {exc}")
    try:
        from datasets import Features

        from cytoimagenet.builder.card import config_infos

        for name, info in config_infos(meta).items():
            declared = Features._from_yaml_list(info["features"])
            if declared != release_features(manifest.labels):
                problems.append(f"{path}: declared features{'' if name == 'default' else ' of ' + name} differ "
                                "from the release's labels and record schema")
        if "default" not in config_infos(meta):
            raise KeyError("dataset_info of the default config")
        config = meta["configs"][0]
        from cytoimagenet.builder.card import card_version

        stated = card_version(path.read_text())  # in the body: no documented front matter key holds a version
        if stated != manifest.version:
            problems.append(f"{path}: card version {stated!r} != manifest {manifest.version!r}")
        for split in SPLITS:
            has_shards = any(s.split == split for s in manifest.shards)
            listed = any(d.get("split") == split for d in config["data_files"])
            if has_shards != listed:
                problems.append(f"{path}: data_files {'omit' if has_shards else 'list'} split {split!r}")
        named = {c.get("config_name"): c for c in meta["configs"] if isinstance(c, dict)}
        for size in manifest.training_sets():
            paths = [d.get("path") for d in (named.get(f"train-{size}") or {}).get("data_files") or []]
            if not paths or any(not str(p).startswith(f"data/{size}/") for p in paths):
                problems.append(f"{path}: configs lack train-{size} naming data/{size}/ (its training-size shards); "
                                "rewrite the card with `cytoimagenet card`")
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        problems.append(f"{path}: front matter lacks configs/dataset_info.features ({type(exc).__name__}: {exc})")


class _Hashing:
    """A binary file read through sha256: the shard's checksum comes from the same read as its members."""

    def __init__(self, fh):
        self.fh, self.digest = fh, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.digest.update(data)
        return data

    def hexdigest(self) -> str:
        # what tarfile did not read (after an error or the end-of-archive blocks) still counts
        for block in iter(lambda: self.fh.read(1 << 20), b""):
            self.digest.update(block)
        return self.digest.hexdigest()


@dataclass
class ShardCheck:
    """What checking one shard found, on its own: its problems in order, each sample key with the number of
    problems found before it (where a cross-shard duplicate-key line belongs), and what the release-wide checks
    need. Small and picklable: a worker process sends it back."""

    path: str
    present: bool = True
    head: list[str] = field(default_factory=list)  # size and checksum
    body: list[str] = field(default_factory=list)  # members and samples, in tar order
    tail: list[str] = field(default_factory=list)  # sample count
    keys: list[tuple[str, int]] = field(default_factory=list)
    samples: list[tuple[str, int]] = field(default_factory=list)  # (key, cls) of the samples that checked out
    groups: dict = field(default_factory=dict)  # (source_id, group) -> None, in first-seen order (a set's order
    # would change with each process's string hashing, and with it the leak example reported)
    members_sha256: str = ""  # over every sample's key, json and cls in order: a training-size shard must match
    cpu_s: float = 0.0  # CPU time of the check, in whichever process ran it (what a benchmark can add up)


def check_shard(release: Path, entry, labels: list[str], decoder: str = "auto") -> ShardCheck:
    """Check one shard of a manifest entry against it: size, sha256 (one read of the file for both the checksum
    and the members), every member and sample, the sample count."""
    started = time.process_time()
    result = ShardCheck(entry.path)
    try:
        _check_shard_into(result, Path(release) / entry.path, entry, labels, decoder)
    finally:
        result.cpu_s = time.process_time() - started
    return result


def _check_shard_into(result: ShardCheck, path: Path, entry, labels: list[str], decoder: str) -> None:
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        result.present = False
        result.head.append(f"{entry.path}: missing")
        return
    except OSError as exc:
        result.head.append(f"{entry.path}: unreadable ({exc.strerror or exc})")
        return
    with fh:
        size = os.fstat(fh.fileno()).st_size
        if size != entry.bytes:
            result.head.append(f"{entry.path}: {size} bytes, manifest says {entry.bytes}")
        hashing = _Hashing(fh)
        count = 0
        same = hashlib.sha256()
        size_of = getattr(entry, "size", None)
        try:
            for key, members in iter_samples(path, result.body, fileobj=hashing):
                count += 1
                result.keys.append((key, len(result.body)))
                for part in (key.encode(), members.get("json", b""), members.get("cls", b"")):
                    same.update(len(part).to_bytes(8, "little") + part)
                checked = _check_sample(entry.path, entry.split, key, members, labels, result.body, decoder,
                                        size_of)
                if checked:
                    record, cls = checked
                    result.samples.append((key, cls))
                    result.groups.setdefault((record.source_id, record.group))
            digest = hashing.hexdigest()
            result.members_sha256 = same.hexdigest()
        except OSError as exc:  # a read error past the tar reader (while draining for the checksum)
            result.body.append(f"{entry.path}: unreadable ({exc.strerror or exc})")
            digest = None
    if digest != entry.sha256:
        result.head.append(f"{entry.path}: sha256 differs from manifest (corrupted or modified)")
    if count != entry.samples:
        result.tail.append(f"{entry.path}: {count} samples, manifest says {entry.samples}")


def _init_worker() -> None:
    # a validation worker decodes one image at a time: library thread pools would only fight over the cores
    for name in _THREAD_ENV:
        os.environ[name] = "1"
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def _check_shard_task(args) -> ShardCheck:
    return check_shard(*args)


def worker_pool(workers: int):
    """A process pool for `validate_release(pool=...)`, set up as validation's own: to validate several releases
    without starting workers for each (the pool's start costs up to a second)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # forkserver: workers fork from a clean server, not from this process and its threads (a progress bar's);
    # preloading the checking code there makes a worker's start a fork, not a fresh import
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["__main__", __name__, "cytoimagenet.png"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker)


def _shard_checks(release: Path, manifest: Manifest, decoder: str, workers: int, progress,
                  pool=None) -> list[ShardCheck]:
    """Every shard's ShardCheck, in manifest order, whatever order the workers finish them in. `pool`: an
    executor to use instead of a process pool of `workers` (kept open by the caller)."""
    entries = [*manifest.shards, *manifest.training_shards]  # the full shards' checks first, in manifest order
    total = sum(s.bytes for s in entries)
    tasks = [(release, entry, manifest.labels, decoder) for entry in entries]
    if pool is None and (workers <= 1 or len(entries) <= 1):
        results, done = [], 0
        for task in tasks:
            results.append(_check_shard_task(task))
            done += task[1].bytes
            progress("validate", done, total)
        return results
    import contextlib
    from concurrent.futures import as_completed

    owned = worker_pool(min(workers, len(tasks))) if pool is None else contextlib.nullcontext(pool)
    results: list = [None] * len(tasks)
    with owned as executor:
        # every shard is submitted at once: what waits in the queue is a manifest entry, not data
        futures = {executor.submit(_check_shard_task, task): i for i, task in enumerate(tasks)}
        done = 0
        for future in as_completed(futures):
            i = futures[future]
            results[i] = future.result()
            done += entries[i].bytes
            progress("validate", done, total)
    return results


def validate_release(
    release: Path, progress: Optional[Callable[[str, int, int], None]] = None, stats: Optional[dict] = None,
    workers: int = 1, decoder: str = "auto", pool=None,
) -> list[str]:
    """Every problem found in the release folder, as human-readable lines; empty when the release is valid.
    `stats`, when given, is filled with what was checked (samples, shards, groups, leaked_groups) and shard_cpu_s,
    the CPU seconds the shard checks took in whichever processes ran them.
    `workers` processes check shards in parallel (the same problems, in the same order, for any count);
    `decoder` is that of `cytoimagenet.png.decode_png` (auto: Wuffs when pywuffs is installed).
    `pool`, when given, is an executor (e.g. `worker_pool(n)`) that checks the shards instead of `workers`."""
    if decoder not in DECODERS:
        raise UserError(f"unknown decoder {decoder!r}; choose one of {', '.join(DECODERS)}")
    if workers < 1:
        raise UserError(f"workers must be at least 1 (got {workers})")
    if decoder == "wuffs":
        from cytoimagenet.png import wuffs_available

        if not wuffs_available():
            raise UserError("decoder 'wuffs' needs pywuffs: `pip install pywuffs`, or use --decoder auto or pil")
    progress = progress or (lambda *a: None)
    release = Path(release)
    problems: list[str] = []
    if not release.is_dir():
        return [f"{release}: not a folder"]
    manifest = _load_manifest(release, problems)
    if manifest is None:
        return problems
    listed = {s.path for s in [*manifest.shards, *manifest.training_shards]}
    sizes = {str(s.size) for s in manifest.training_shards}
    for extra in sorted((release / "data").glob("*")):
        if extra.name in sizes and extra.is_dir():  # data/N/ of the training-size shards
            problems += [f"{inner}: not in manifest.json" for inner in sorted(extra.glob("*"))
                         if f"data/{extra.name}/{inner.name}" not in listed]
        elif f"data/{extra.name}" not in listed:
            problems.append(f"{extra}: not in manifest.json")
    seen_keys: dict[str, str] = {}
    source_split: dict[tuple, set] = defaultdict(set)
    records = []
    shard_cpu_s = 0.0
    checks = _shard_checks(release, manifest, decoder, workers, progress, pool)
    full_checks = {entry.path.rsplit("/", 1)[1]: check for entry, check in zip(manifest.shards, checks)}
    for entry, check in zip(manifest.shards, checks):
        problems += check.head
        shard_cpu_s += check.cpu_s
        if not check.present:
            continue
        # a key already seen in an earlier shard (or earlier in this one) is reported where it was read
        at = 0
        for key, before in check.keys:
            problems += check.body[at:before]
            at = before
            if key in seen_keys:
                problems.append(f"{entry.path}: key {key!r} also in {seen_keys[key]}")
            seen_keys[key] = entry.path
        problems += check.body[at:]
        problems += check.tail
        records += [(key, cls, entry.path) for key, cls in check.samples]
        for group in check.groups:
            source_split[group].add(entry.split)
    for entry, check in zip(manifest.training_shards, checks[len(manifest.shards):]):
        # a training-size shard is its full shard's samples, reduced: the same keys, json and cls in the same order
        problems += check.head + check.body + check.tail
        shard_cpu_s += check.cpu_s
        full = full_checks.get(entry.path.rsplit("/", 1)[1])
        if check.present and full is not None and full.present and check.members_sha256 != full.members_sha256:
            problems.append(f"{entry.path}: its samples (keys, json or cls, or their order) differ from those of "
                            f"data/{entry.path.rsplit('/', 1)[1]}; rebuild the release")
    leaks = [k for k, v in source_split.items() if len(v) > 1]
    if leaks:
        problems.append(f"splits not disjoint: {len(leaks)} group(s) (well or source image) in both train and validation, e.g. {leaks[0]}")
    if stats is not None:
        stats.update(samples=len(records), shards=len(manifest.shards), groups=len(source_split), leaked_groups=len(leaks),
                     shard_cpu_s=shard_cpu_s)
    _check_metadata(release, records, problems)
    _check_card(release, manifest, problems)
    return problems


def _check_metadata(release: Path, records: list, problems: list[str]) -> None:
    import pyarrow.parquet as pq

    path = release / "metadata" / "metadata.parquet"
    if not path.is_file():
        problems.append(f"{path}: missing")
        return
    try:
        table = pq.read_table(path, columns=["key", "label_id", "shard"]).to_pylist()
    except Exception as exc:  # pyarrow raises several types for a damaged file; each is a problem to report
        problems.append(f"{path}: not a readable metadata table ({type(exc).__name__}: "
                        f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}); rebuild or fetch it again")
        return
    in_table = {(r["key"], r["label_id"], f"data/{r['shard']}.tar") for r in table}
    in_shards = set(records)
    if in_table != in_shards:
        problems.append(
            f"{path}: disagrees with the shards ({len(in_shards - in_table)} sample(s) only in shards, "
            f"{len(in_table - in_shards)} only in metadata)"
        )


def shard_file_problems(release: Path, manifest: Manifest) -> list[str]:
    """Shards that are missing or whose size differs from the manifest: a stat per shard, nothing decoded (a
    truncated download or a disk-full copy shows here; `validate` checks the content)."""
    problems = []
    for entry in [*manifest.shards, *manifest.training_shards]:
        path = Path(release) / entry.path
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            problems.append(f"{entry.path}: missing (manifest.json lists it)")
            continue
        except OSError as exc:
            problems.append(f"{entry.path}: unreadable ({exc.strerror or exc})")
            continue
        if size != entry.bytes:
            what = "truncated" if size < entry.bytes else "larger than listed"
            problems.append(f"{entry.path}: {what}: {size} bytes, manifest.json says {entry.bytes}; fetch or "
                            "rebuild the release (`cytoimagenet validate` checks every byte)")
    return problems


def summarise(release: Path) -> dict:
    """What is in a release, from its manifest and metadata table, plus `problems`: the cheap checks (shard
    files present and of their listed size). Unreadable files are one-line UserErrors naming the file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cytoimagenet.errors import UserError

    release = Path(release)
    if not release.is_dir():
        raise UserError(f"{release}: no such release folder")
    manifest = read_manifest(release)
    md_path = release / "metadata" / "metadata.parquet"
    if not md_path.is_file():
        raise UserError(f"{md_path}: missing; the release is incomplete: rebuild it or fetch the metadata again")
    try:
        md = pq.read_table(md_path, columns=["label", "category", "source_id"]).to_pandas()
    except (pa.ArrowException, OSError, KeyError, ValueError) as exc:
        raise UserError(f"{md_path}: not a readable metadata table ({type(exc).__name__}: "
                        f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}); rebuild the release or fetch "
                        "metadata/metadata.parquet again") from None
    cats = md.groupby("category").agg(classes=("label", "nunique"), samples=("label", "size"))
    return {
        "name": manifest.name, "version": manifest.version, "release_id": manifest.release_id,
        "synthetic": manifest.synthetic, "imitates": manifest.imitates,
        "splits": manifest.splits, "classes": len(manifest.labels), "shards": len(manifest.shards),
        "bytes": sum(s.bytes for s in manifest.shards), "quarantined": manifest.quarantined,
        # the training-size copies (data/N/), apart: `shards` and `bytes` are the canonical full-resolution release
        "training_shards": {str(size): {"shards": len(es), "bytes": sum(e.bytes for e in es)}
                            for size, es in manifest.training_sets().items()},
        "categories": {c: {"classes": int(r.classes), "samples": int(r.samples)} for c, r in cats.iterrows()},
        "sources": {k: int(v) for k, v in md["source_id"].value_counts().sort_index().items()},
        "problems": shard_file_problems(release, manifest),
    }
