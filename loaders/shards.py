"""Safe, lean reading of a release's WebDataset shards.

A shard is read with a small ustar/pax parser rather than :mod:`tarfile`: it costs a third of tarfile's time per
member (which matters when decoding is the whole budget), it can skip to the n-th sample of a shard by seeking, and
every member is checked before a byte of it is used:

- only regular files (no links, devices, folders, sparse or contiguous files);
- names are bare ``<key>.<ext>``: no absolute paths, no ``..``, no folders, no dots in keys;
- ``ext`` is one of png, json, cls; pickle and other executable formats (``.pyd``, ``.pickle``, ``.pth`` ...) are
  refused by name, never decoded;
- member sizes are capped, headers are checksummed, truncation is an error.

Images are decoded as PNG only (Wuffs when pywuffs is installed, else Pillow's PNG plugin), under
``PIL.Image.MAX_IMAGE_PIXELS`` checked from the header before decoding (exceeding it is an error here, not Pillow's
mere warning).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from cytoimagenet.errors import UserError
# the release's PNG codec and member grammar live below the loaders (validation reads through the same ones)
from cytoimagenet.format import EXTS, MAX_MEMBER_BYTES, MEMBER
from cytoimagenet.png import DECODERS, UnsafeShard, decode_png, png_header, wuffs_available  # noqa: F401

# what webdataset's default decoders would unpickle or hand to torch.load / numpy: named so the error says why
PICKLE_EXTS = frozenset({"pyd", "pickle", "pkl", "pth", "pt", "ckpt", "joblib", "npy", "npz", "ten", "mp", "msgpack"})
_ZERO = bytes(512)


@dataclass(frozen=True)
class Shard:
    path: Path
    samples: int


class _ShardFile:
    """An open shard whose PNG members are read later, when their samples leave the shuffle buffer.

    Closed when the last sample that needs it is gone (CPython frees it deterministically)."""

    __slots__ = ("fh", "name")

    def __init__(self, fh, name: str):
        self.fh, self.name = fh, name

    def __del__(self):
        self.fh.close()


@dataclass
class RawSample:
    """One sample of a shard, undecoded. ``png`` holds the member's bytes, or is None for a deferred sample
    (``iter_shard(..., deferred=True)``), whose bytes :meth:`read_png` fetches on demand from ``file`` at offset
    ``at``. ``size`` is the PNG member's size in both cases."""

    key: str
    png: Optional[bytes]
    cls: bytes
    at: int = 0
    size: int = 0
    file: Optional[_ShardFile] = None

    def read_png(self) -> bytes:
        if self.png is not None:
            return self.png
        data = os.pread(self.file.fh.fileno(), self.size, self.at)
        if len(data) != self.size:
            raise UnsafeShard(f"{self.file.name}: truncated member {self.key}.png (shard changed while reading?)")
        return data


def _octal(field: bytes, where: str) -> int:
    if field[:1] and field[0] & 0x80:  # GNU base-256 for sizes over 8 GiB
        return int.from_bytes(field[1:], "big")
    text = field.rstrip(b"\0 ").lstrip(b" ")
    try:
        return int(text, 8) if text else 0
    except ValueError:
        raise UnsafeShard(f"{where}: corrupt tar header (numeric field {field!r})") from None


def _pax(data: bytes, where: str) -> dict[str, str]:
    records, pos = {}, 0
    while pos < len(data):
        space = data.find(b" ", pos)
        try:
            length = int(data[pos:space])
        except ValueError:
            raise UnsafeShard(f"{where}: corrupt pax header") from None
        if length <= 0 or space < 0:
            raise UnsafeShard(f"{where}: corrupt pax header")
        key, _, value = data[space + 1:pos + length - 1].partition(b"=")
        records[key.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
        pos += length
    return records


def _check_name(name: str, where: str) -> tuple[str, str]:
    if name.startswith("/") or "\\" in name or ".." in name.split("/"):
        raise UnsafeShard(f"{where}: member {name!r} is a path outside the shard (absolute or '..'); refusing the shard")
    m = MEMBER.match(name)
    if not m:
        raise UnsafeShard(f"{where}: member {name!r} is not '<key>.png|json|cls' (no folders, no dots in keys); "
                          "refusing the shard")
    ext = m["ext"].lower()
    if ext in PICKLE_EXTS:
        raise UnsafeShard(f"{where}: member {name!r} is a pickle/executable format ({ext}); CytoImageNet shards never "
                          "hold one and it is never decoded. Refusing the shard: rebuild it or fetch it again")
    if ext not in EXTS:
        raise UnsafeShard(f"{where}: member {name!r} has extension {ext!r}; only png, json and cls are read")
    return m["key"], ext


def iter_members(fh, where: str) -> Iterator[tuple[str, str, int, int]]:
    """Yield (key, ext, data offset, size) for each member of an uncompressed tar opened unbuffered.

    The caller may read the data (seek + read) or not: the next header is found by seeking, never by reading."""
    pos, pax, longname = 0, {}, None
    while True:
        fh.seek(pos)
        header = fh.read(512)
        if len(header) < 512:
            raise UnsafeShard(f"{where}: truncated tar (no end-of-archive marker)")
        if header == _ZERO:
            return
        stored = _octal(header[148:156], where)
        if stored != sum(header) - sum(header[148:156]) + 256:
            raise UnsafeShard(f"{where}: tar header checksum mismatch at byte {pos} (corrupted shard)")
        kind = header[156:157]
        size = _octal(header[124:136], where)
        data_at = pos + 512
        pos = data_at + (size + 511) // 512 * 512
        if kind in (b"x", b"g", b"L"):
            if size > 1 << 20:
                raise UnsafeShard(f"{where}: oversized tar extension header ({size} bytes)")
            fh.seek(data_at)
            data = fh.read(size)
            if kind == b"x":
                pax = _pax(data, where)
            elif kind == b"L":
                longname = data.rstrip(b"\0").decode("utf-8", "replace")
            continue  # a global header ('g') changes nothing a loader uses
        name = header[:100].split(b"\0", 1)[0].decode("utf-8", "replace")
        if header[257:262] == b"ustar" and header[345:346] != b"\0":
            name = header[345:500].split(b"\0", 1)[0].decode("utf-8", "replace") + "/" + name
        name = pax.get("path", longname or name)
        if "size" in pax:
            size = int(pax["size"])
            pos = data_at + (size + 511) // 512 * 512
        pax, longname = {}, None
        if kind not in (b"0", b"\0"):
            what = {b"1": "a hard link", b"2": "a symbolic link", b"3": "a character device", b"4": "a block device",
                    b"5": "a folder", b"6": "a FIFO", b"7": "a contiguous file", b"S": "a sparse file"}.get(kind, f"of type {kind!r}")
            raise UnsafeShard(f"{where}: member {name!r} is {what}, not a regular file; refusing the shard")
        key, ext = _check_name(name, where)
        if size > MAX_MEMBER_BYTES[ext]:
            raise UnsafeShard(f"{where}: member {name!r} is {size} bytes, over the {MAX_MEMBER_BYTES[ext]}-byte limit "
                              f"for .{ext}")
        yield key, ext, data_at, size


# how far ahead of the tar parser the kernel is asked to read a shard whose PNGs are read later
ADVISE_BYTES = 16 << 20


def iter_shard(path: Path, start: int = 0, stop: Optional[int] = None, expected: Optional[int] = None,
               deferred: bool = False) -> Iterator[RawSample]:
    """Samples ``start <= i < stop`` of a shard, in shard order; samples before ``start`` are skipped by seeking.

    ``expected`` (the manifest's count) is checked when the shard is read to its end. ``deferred=True`` yields
    samples whose PNG bytes are not read yet (see :meth:`RawSample.read_png`): every member header is still read
    and checked here, in order, and the kernel is told to read the shard ahead in large sequential chunks, so a
    shuffle buffer holds a few numbers per sample while the bytes wait in the page cache. Reading them just before
    decoding copies each PNG once, into memory that is still in the CPU cache when the decoder runs, instead of
    into a buffer that has gone cold by the time its sample is drawn (~3-5% of a stream's time)."""
    path = Path(path)
    where = path.name
    index, key, members = -1, None, {}
    fh = open(path, "rb", buffering=0)
    shard = _ShardFile(fh, where) if deferred else None
    advise = hasattr(os, "posix_fadvise")
    advised = 0
    try:
        if advise:
            os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
        for k, ext, at, size in iter_members(fh, where):
            if k != key:
                if key is not None and index >= start:
                    yield _sample(key, members, where, shard)
                index += 1
                key, members = k, {}
                if stop is not None and index >= stop:
                    return
            if ext in members:
                raise UnsafeShard(f"{where}: sample {k!r} has two .{ext} members")
            members[ext] = None
            if index >= start and ext != "json":  # the stream needs pixels and label; metadata stays in the table
                if deferred and ext == "png":
                    if advise and at + size > advised:
                        advised = max(advised, at)
                        os.posix_fadvise(fh.fileno(), advised, ADVISE_BYTES, os.POSIX_FADV_WILLNEED)
                        advised += ADVISE_BYTES
                    members["png"] = (at, size)
                    continue
                fh.seek(at)
                data = fh.read(size)
                if len(data) != size:
                    raise UnsafeShard(f"{where}: truncated member {k}.{ext}")
                members[ext] = data
        if key is not None and index >= start:
            yield _sample(key, members, where, shard)
    finally:
        if shard is None:
            fh.close()
    held = index + 1
    if (stop is not None and held < stop) or (stop is None and expected is not None and held != expected):
        raise UserError(f"{where}: holds {held} samples but manifest.json says {expected if expected is not None else stop}; "
                        "the release is inconsistent (run `cytoimagenet validate`)")


def _sample(key: str, members: dict, where: str, shard: Optional[_ShardFile] = None) -> RawSample:
    if members.get("png") is None or members.get("cls") is None:
        missing = [e for e in ("png", "cls") if members.get(e) is None]
        raise UserError(f"{where}: sample {key!r} lacks {missing}")
    if shard is not None:
        # a member cut short by truncation is caught by the header parser, which must find the next header
        at, size = members["png"]
        return RawSample(key, None, members["cls"], at, size, shard)
    return RawSample(key, members["png"], members["cls"], size=len(members["png"]))


def parse_label(data: bytes, key: str) -> int:
    try:
        return int(data.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise UserError(f"sample {key!r}: cls member {data[:16]!r} is not an ascii integer") from None
