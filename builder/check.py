"""`sources check`: before hours of building, is each source there, readable and complete?

Per source: the folder present, its metadata readable by the adapter, how many images the metadata lists, how
many of their files are missing (every file is looked up: a stat each) and how many of a sample of them do not
decode (all of them with `full=True`), and the size the catalog expects against what is on disk."""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional

from cytoimagenet.catalog.registry import get_source
from cytoimagenet.errors import UserError

SAMPLE_FILES = 64  # files decoded by the quick check, drawn by hash of their path (the same on every run)


@dataclass
class SourceCheck:
    source_id: str
    present: bool
    readable: bool = False
    images: int = 0
    files: int = 0
    missing: int = 0
    unreadable: int = 0
    decoded: int = 0
    bytes_on_disk: int = 0
    expected_bytes: Optional[int] = None
    problems: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.present and self.readable and self.images > 0 and not self.missing and not self.unreadable

    def as_dict(self) -> dict:
        return {**asdict(self), "complete": self.complete}


def _disk_bytes(folder: Path) -> int:
    total = 0
    for dirpath, _, names in os.walk(folder):
        for n in names:
            try:
                total += os.lstat(os.path.join(dirpath, n)).st_size
            except OSError:
                pass
    return total


def check_source(source_id: str, root: Path, *, full: bool = False, sample: int = SAMPLE_FILES,
                 progress: Optional[Callable[[int, int], None]] = None) -> SourceCheck:
    from cytoimagenet.builder.image import UnreadableImage, read_planes, split_plane

    source = get_source(source_id)
    entry = source.entry
    folder = Path(root) / source_id
    expected = entry.download.total_bytes if entry.download else None
    if entry.download and expected is None and entry.download.files and all(f.bytes for f in entry.download.files):
        expected = sum(f.bytes for f in entry.download.files)
    result = SourceCheck(source_id, folder.is_dir(), expected_bytes=expected)
    if not result.present:
        result.problems.append(f"{folder} does not exist: `cytoimagenet sources fetch {source_id} --root {root}`")
        return result
    if not source.adaptable:
        result.problems.append(f"no adapter: {entry.note}")
        return result
    try:
        records = source.records(folder)
    except UserError as exc:
        result.problems.append(str(exc))
        return result
    result.readable = True
    result.images = len(records)
    result.problems += [f"warning: {w}" for w in records.attrs.get("warnings", [])]
    refs = sorted({ref for refs in records["source_files"] for ref in refs})
    paths = sorted({split_plane(r)[0] for r in refs})
    result.files = len(paths)
    present = []
    for p in paths:
        if (folder / p).is_file():
            present.append(p)
        else:
            result.missing += 1
            if len(result.examples) < 5:
                result.examples.append(f"missing: {p}")
    # the quick form decodes a fixed sample: drawn by path hash, so two checks look at the same files
    chosen = present if full else sorted(present, key=lambda p: hashlib.sha256(p.encode()).hexdigest())[:sample]
    for i, p in enumerate(chosen):
        try:
            read_planes(folder / p)
        except UnreadableImage as exc:
            result.unreadable += 1
            if len(result.examples) < 10:
                result.examples.append(f"unreadable: {p}: {exc}")
        result.decoded += 1
        if progress:
            progress(i + 1, len(chosen))
    result.bytes_on_disk = _disk_bytes(folder)
    if result.missing:
        result.problems.append(f"{result.missing} of {result.files} listed file(s) missing")
    if result.unreadable:
        result.problems.append(f"{result.unreadable} of {result.decoded} decoded file(s) unreadable")
    if result.images == 0:
        result.problems.append("the metadata lists no images")
    return result
