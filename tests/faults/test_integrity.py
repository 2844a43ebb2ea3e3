"""`validate` against planted corruption and hostile shards.

Every plant starts from a copy of a small release built here (several shards and labels; small, so the sixteen
validations stay cheap: the checks are the same on any size). Where a plant would be caught by the shard checksum alone,
the manifest's checksum and size are re-signed to match, so the test shows the structural check finds it too
(an attacker or a buggy tool can rewrite the manifest as easily as the shard)."""

import hashlib
import io
import json
import pickle
import shutil
import tarfile
from pathlib import Path

import pytest

from cytoimagenet.builder.release import build_release
from cytoimagenet.validation.release import validate_release
from cytoimagenet.format import BuildConfig

from faults_fixtures import clean_source, png_bomb

SENTINEL = Path("/tmp/cytoimagenet-unpickled-sentinel")


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    root = tmp_path_factory.mktemp("integrity_src")
    clean_source(root, rows=18, compounds=("taxol", "emetine", "alln"), shape=(24, 32))
    out = tmp_path_factory.mktemp("integrity_rel") / "cytoimagenet"
    report = build_release(root, out, BuildConfig(seed=0, min_per_class=6, max_per_class=6, shard_size=3),
                           only=["bbbc021"])
    assert report.shards >= 4 and report.labels >= 3
    assert validate_release(out) == []
    return out


class Trap:
    """Unpickling this touches SENTINEL: proof that something decoded a pickle."""

    def __reduce__(self):
        return (Path.touch, (SENTINEL,))


def read_members(path: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(path) as tf:
        return [(m, tf.extractfile(m).read() if m.isreg() else b"") for m in tf.getmembers()]


def write_members(path: Path, members) -> None:
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tf:
        for info, data in members:
            info = _copy(info)
            if info.isreg():
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
            else:
                tf.addfile(info)


def _copy(info: tarfile.TarInfo) -> tarfile.TarInfo:
    new = tarfile.TarInfo(info.name)
    for attr in ("size", "mtime", "mode", "type", "linkname", "uid", "gid", "uname", "gname", "devmajor", "devminor"):
        setattr(new, attr, getattr(info, attr))
    return new


def member(name: str, data: bytes = b"", kind=tarfile.REGTYPE, linkname: str = "") -> tuple:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size, info.mode = kind, linkname, len(data), 0o644
    return info, data


def resign(release: Path, shard: Path) -> None:
    """Make manifest.json agree with a rewritten shard's bytes (not its sample count)."""
    manifest = json.loads((release / "manifest.json").read_text())
    for entry in manifest["shards"]:
        if entry["path"] == f"data/{shard.name}":
            entry["sha256"] = hashlib.sha256(shard.read_bytes()).hexdigest()
            entry["bytes"] = shard.stat().st_size
    (release / "manifest.json").write_text(json.dumps(manifest, indent=2))


def shards(release: Path) -> list[Path]:
    return [release / s["path"] for s in json.loads((release / "manifest.json").read_text())["shards"]]


def edit(release: Path, index: int, change) -> Path:
    """Rewrite shard `index` with change(members) and re-sign the manifest."""
    shard = shards(release)[index]
    write_members(shard, change(read_members(shard)))
    resign(release, shard)
    return shard


def first_sample(members):
    key = members[0][0].name.split(".")[0]
    return key, [(i, d) for i, d in members if i.name.split(".")[0] == key]


def rename(pairs, old: str, new: str):
    out = []
    for info, data in pairs:
        info = _copy(info)
        info.name = info.name.replace(old, new, 1)
        if info.name.endswith(".json"):
            record = json.loads(data)
            record["key"] = new
            data = json.dumps(record).encode()
        out.append((info, data))
    return out


# ---------------------------------------------------------------------------------------------------------
# the plants: each returns the text a problem line must contain


def flip_byte(release):
    shard = shards(release)[0]
    data = bytearray(shard.read_bytes())
    data[len(data) // 3] ^= 0x01
    shard.write_bytes(bytes(data))
    return "sha256 differs"


def truncate_shard(release):
    shard = shards(release)[1]
    shard.write_bytes(shard.read_bytes()[: shard.stat().st_size // 2 + 100])
    resign(release, shard)
    return "unreadable tar (ReadError: unexpected end of data)"


def missing_sample(release):
    def drop_first(members):
        key, _ = first_sample(members)
        return [(i, d) for i, d in members if not i.name.startswith(key + ".")]
    edit(release, 0, drop_first)
    return "samples, manifest says"


def extra_sample(release):
    def add_copy(members):
        key, pairs = first_sample(members)
        return members + rename(pairs, key, key + "_extra")
    edit(release, 0, add_copy)
    return "samples, manifest says"


def wrong_label(release):
    def relabel(members):
        key, _ = first_sample(members)
        return [(i, b"0" if i.name == f"{key}.cls" and d != b"0" else b"1" if i.name == f"{key}.cls" else d)
                for i, d in members]
    edit(release, 0, relabel)
    return "disagrees with json label"


def label_out_of_range(release):
    def relabel(members):
        key, _ = first_sample(members)
        return [(i, b"9999" if i.name == f"{key}.cls" else d) for i, d in members]
    edit(release, 0, relabel)
    return "out of range"


def shard_not_in_manifest(release):
    shutil.copy(shards(release)[0], release / "data" / "train-000099.tar")
    return "train-000099.tar: not in manifest.json"


def duplicate_key_across_shards(release):
    _, pairs = first_sample(read_members(shards(release)[0]))
    edit(release, 1, lambda members: members + pairs)
    return "also in"


def absolute_path_member(release):
    edit(release, 0, lambda m: m + [member("/tmp/evil.png", b"x")])
    return "'/tmp/evil.png' is not '<key>.png|json|cls'"


def dotdot_member(release):
    edit(release, 0, lambda m: m + [member("../../evil.json", b"{}")])
    return "'../../evil.json' is not '<key>.png|json|cls'"


def symlink_member(release):
    edit(release, 0, lambda m: m + [member("link.png", kind=tarfile.SYMTYPE, linkname="/etc/passwd")])
    return "'link.png' is not a regular file"


def hardlink_member(release):
    edit(release, 0, lambda m: m + [member("hard.png", kind=tarfile.LNKTYPE, linkname="/etc/shadow")])
    return "'hard.png' is not a regular file"


def device_member(release):
    edit(release, 0, lambda m: m + [member("dev.png", kind=tarfile.CHRTYPE)])
    return "'dev.png' is not a regular file"


def pickle_member(release):
    edit(release, 0, lambda m: m + [member("abc.pyd", pickle.dumps(Trap()))])
    return "'abc.pyd' is not '<key>.png|json|cls'"


def png_bomb_member(release, side=100_000):
    def swap_png(members):
        key, _ = first_sample(members)
        return [(i, png_bomb(side, side) if i.name == f"{key}.png" else d) for i, d in members]
    edit(release, 0, swap_png)
    # the size is read from the header and refused before Pillow's own bomb check would run: one message for both
    return f"png declares {side}x{side}, a size over the 268435456-pixel limit"


def png_over_limit_member(release):
    """20000 x 20000: over the limit, but where Pillow itself would only warn and decode."""
    return png_bomb_member(release, 20_000)


def oversized_member_header(release):
    """A header declaring a 2 GB json: refused from the header, never read into memory."""
    shard = shards(release)[0]
    info = tarfile.TarInfo("huge.json")
    info.size = 2 << 30
    data = shard.read_bytes()
    end = len(data)
    # drop the two zero end-of-archive blocks, then append the forged header and a little data
    while data[end - 512:end] == b"\0" * 512:
        end -= 512
    shard.write_bytes(data[:end] + info.tobuf(tarfile.PAX_FORMAT) + b"{" * 512)
    resign(release, shard)
    return "over the 1048576-byte limit"


PLANTS = [flip_byte, truncate_shard, missing_sample, extra_sample, wrong_label, label_out_of_range,
          shard_not_in_manifest, duplicate_key_across_shards, absolute_path_member, dotdot_member, symlink_member,
          hardlink_member, device_member, pickle_member, png_bomb_member, png_over_limit_member, oversized_member_header]


@pytest.mark.parametrize("plant", PLANTS, ids=lambda f: f.__name__)
def test_validate_detects_each_planted_corruption(release, tmp_path, plant):
    broken = tmp_path / "broken"
    shutil.copytree(release, broken)
    SENTINEL.unlink(missing_ok=True)
    expected = plant(broken)
    problems = validate_release(broken)
    assert any(expected in p for p in problems), problems
    assert not SENTINEL.exists()  # nothing was unpickled


def test_validate_reads_shards_without_extracting_anything(release, tmp_path, monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("a shard member was extracted to disk")

    for name in ("extract", "extractall", "makefile", "makelink", "makedir", "makedev", "makefifo"):
        monkeypatch.setattr(tarfile.TarFile, name, refuse)
    copy = tmp_path / "copy"
    shutil.copytree(release, copy)
    before = sorted(p for p in tmp_path.rglob("*"))
    assert validate_release(copy) == []
    assert sorted(p for p in tmp_path.rglob("*")) == before
