"""The release format's shared pieces: the one atomic write, the member limits every reader applies, the
release_id rule."""

from __future__ import annotations

import io
import tarfile

import pytest

from cytoimagenet.format import MAX_MEMBER_BYTES, MEMBER, ShardEntry, member_name, release_identity
from cytoimagenet.io import atomic_path, atomic_paths


def test_atomic_path_renames_on_success_and_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "sub" / "model.keras"
    with atomic_path(target, suffix=".keras") as tmp:
        assert tmp.parent == target.parent and tmp.name.startswith(".") and tmp.suffix == ".keras"
        tmp.write_bytes(b"one")
    assert target.read_bytes() == b"one"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"two")
            raise RuntimeError("writer failed")
    assert target.read_bytes() == b"one"  # the old file stands, and no temp file is left beside it
    assert sorted(p.name for p in target.parent.iterdir()) == ["model.keras"]


def test_atomic_paths_touch_no_path_when_one_write_fails(tmp_path):
    a, b = tmp_path / "a.tar", tmp_path / "b.tar"
    with pytest.raises(OSError):
        with atomic_paths([a, b]) as (ta, tb):
            ta.write_bytes(b"a")
            raise OSError("disk full")
    assert list(tmp_path.iterdir()) == []


def _tar_with_member(name: str, declared: int) -> bytes:
    # a header declaring `declared` bytes, and none of them: a reader must refuse it from the header alone
    info = tarfile.TarInfo(name)
    info.size = declared
    return info.tobuf(format=tarfile.PAX_FORMAT)


def test_the_loaders_refuse_a_png_member_over_the_format_limit_from_its_header(tmp_path):
    from cytoimagenet.loaders.shards import UnsafeShard, iter_members

    limit = MAX_MEMBER_BYTES["png"]
    shard = tmp_path / "train-000000.tar"
    shard.write_bytes(_tar_with_member("k.png", limit + 1))
    with open(shard, "rb", buffering=0) as fh, pytest.raises(UnsafeShard, match=f"over the {limit}-byte limit"):
        list(iter_members(fh, shard.name))


def test_the_validator_refuses_the_same_member(tmp_path):
    from cytoimagenet.validation.release import iter_samples

    limit = MAX_MEMBER_BYTES["png"]
    problems: list[str] = []
    data = _tar_with_member("k.png", limit + 1) + bytes(1024)
    list(iter_samples(tmp_path / "train-000000.tar", problems, fileobj=io.BytesIO(data)))
    assert any(f"over the {limit}-byte limit" in p for p in problems), problems


def test_member_names_parse_back_and_foreign_names_do_not():
    assert MEMBER.match(member_name("bbbc021_w1-a_c2", "png")).group("key", "ext") == ("bbbc021_w1-a_c2", "png")
    for bad in ("a/b.png", "a.b.png", "../x.json", "x"):
        assert MEMBER.match(bad) is None, bad


def test_release_identity_follows_every_input():
    shard = ShardEntry(path="data/train-000000.tar", split="train", sha256="0" * 64, bytes=10, samples=1)
    rid, version = release_identity([shard], "1" * 64, ["a"])
    assert version == f"1.0.{int(rid[:7], 16)}" and len(rid) == 64
    other = shard.model_copy(update={"sha256": "2" * 64})
    assert len({rid, release_identity([other], "1" * 64, ["a"])[0], release_identity([shard], "3" * 64, ["a"])[0],
                release_identity([shard], "1" * 64, ["b"])[0]}) == 4
