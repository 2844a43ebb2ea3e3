"""Training-size shards: data/N/<shard>.tar holds each sample reduced as `stream(image_size=N)` reduces it first,
so streaming them gives the very batches that streaming the full shards gives (issue 16)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from spine_config import CONFIG

from cytoimagenet.builder.release import build_release
from cytoimagenet.builder.shard import write_tar_atomic
from cytoimagenet.errors import UserError
from cytoimagenet.augment import _box_reduce
from cytoimagenet.loaders.streaming import Stream, resolve, stream
from cytoimagenet.validation.release import read_manifest, summarise, validate_release
from cytoimagenet.format import Manifest

N = 64  # the demo's images are 144-200 px: reduced 2x or 3x for 64; its 70-127 px crops are not (a no-op)
OPTS = dict(batch_size=8, image_size=N, shuffle_buffer=20, return_keys=True)  # rotations on, uint8 out


@pytest.fixture(scope="module")
def sized(sources, tmp_path_factory):
    out = tmp_path_factory.mktemp("sized") / "cytoimagenet"
    config = CONFIG.model_copy(update={"training_sizes": [N]})
    report = build_release(sources, out, config, workers=1, only=["bbbc021", "rxrx1"])
    return out, config, report


def _samples(path):
    with tarfile.open(path) as tf:
        members = [(m.name, tf.extractfile(m).read()) for m in tf.getmembers()]
    by_key: dict[str, dict] = {}
    for name, data in members:
        key, ext = name.split(".", 1)
        by_key.setdefault(key, {})[ext] = data
    return list(by_key.items())


def _gray(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


def test_manifest_card_and_validation(sized):
    out, config, _ = sized
    manifest = read_manifest(out)
    assert manifest.config.training_sizes == [N]
    assert [e.path for e in manifest.training_shards] == [e.path.replace("data/", f"data/{N}/")
                                                          for e in manifest.shards]
    assert all((out / e.path).is_file() and e.size == N for e in manifest.training_shards)
    card = (out / "README.md").read_text()
    assert f"config_name: train-{N}" in card and f"data/{N}/train-*.tar" in card
    # datasets reads the config with its declared features
    import datasets

    ds = datasets.load_dataset(str(out), f"train-{N}", split="validation")
    assert len(ds) == manifest.splits["validation"] and ds[0]["png"].size[0] <= ds[0]["json"]["width"]
    assert any(ds[i]["png"].size[0] < ds[i]["json"]["width"] for i in range(len(ds)))
    # checked like the full shards, in the parallel path too
    assert validate_release(out) == []
    assert validate_release(out, workers=2) == []


def test_stored_images_are_streams_first_step(sized):
    """Same keys, json and cls in the same order; each png is the box reduction of the full one (or, where that
    is a no-op, the full png's very bytes)."""
    out, _, _ = sized
    reduced = unchanged = 0
    for entry in read_manifest(out).shards:
        full = _samples(out / entry.path)
        small = _samples(out / f"data/{N}/{entry.path.split('/')[-1]}")
        assert [k for k, _ in small] == [k for k, _ in full]
        for (key, f), (_, s) in zip(full, small):
            assert (s["json"], s["cls"]) == (f["json"], f["cls"])
            image = _gray(f["png"])
            want = _box_reduce(image, N, "cv2")
            assert np.array_equal(_gray(s["png"]), want), key
            if want is image:
                assert s["png"] == f["png"]
                unchanged += 1
            else:
                reduced += 1
    assert reduced and unchanged  # both cases occur in the demo


def _full_only(out, split="train"):
    return replace(resolve(out, split), training=())


def test_stream_batches_bit_identical_and_resume(sized):
    out, _, _ = sized
    fast = stream(out, **OPTS)
    assert fast.release.size == N and fast.release.shards[0].path.parent.name == str(N)
    slow = Stream(_full_only(out), **OPTS)
    assert slow.release.size is None
    a, b = list(fast), list(slow)
    assert len(a) == len(b) > 2
    for (xa, ya, ka), (xb, yb, kb) in zip(a, b):
        assert xa.dtype == np.uint8 and np.array_equal(xa, xb) and np.array_equal(ya, yb) and ka == kb
    # mid-epoch resume: a position taken on either set continues on either, to the same batches
    s = stream(out, **OPTS)
    it = iter(s)
    next(it), next(it)
    state = s.state_dict()
    for resumed in (stream(out, **OPTS), Stream(_full_only(out), **OPTS)):
        resumed.load_state_dict(state)
        rest = list(resumed)
        assert [k for *_, k in rest] == [k for *_, k in a[2:]]
        assert all(np.array_equal(x, y[0]) for (x, *_), y in zip(rest, a[2:]))


def test_falls_back_to_full_shards(sized):
    out, _, _ = sized
    assert stream(out, **{**OPTS, "image_size": N + 1}).release.size is None  # no shards for that size
    # Pillow's reduction is a float mean that no stored 8-bit image equals: it reads the full shards
    assert stream(out, **OPTS, backend="pil").release.size is None
    # a set with a file missing is not offered
    broken = out.parent / "broken"
    shutil.copytree(out, broken)
    next((broken / "data" / str(N)).glob("train-*.tar")).unlink()
    assert stream(broken, **OPTS).release.size is None


def test_validation_finds_damaged_training_shards(sized, tmp_path):
    out, _, _ = sized
    rel = tmp_path / "rel"
    shutil.copytree(out, rel)
    manifest = json.loads((rel / "manifest.json").read_text())
    first = manifest["training_shards"][0]
    path = rel / first["path"]
    samples = _samples(path)
    full = _samples(rel / f"data/{path.name}")

    def rewrite(items):
        sha, size = write_tar_atomic(path, items)
        first.update(sha256=sha, bytes=size)
        (rel / "manifest.json").write_text(json.dumps(manifest))
        return validate_release(rel)

    # the samples in another order
    problems = rewrite([samples[1], samples[0], *samples[2:]])
    assert any(first["path"] in p and "differ from those of" in p for p in problems), problems
    # full-resolution images where reduced ones belong
    problems = rewrite([(k, {**s, "png": f["png"]}) for (k, s), (_, f) in zip(samples, full)])
    assert any(f"reduced for training size {N}" in p for p in problems), problems
    # a file in data/N/ the manifest does not list
    rewrite(samples)
    shutil.copy(path, path.with_name("train-999999.tar"))
    assert any("train-999999.tar: not in manifest.json" in p for p in validate_release(rel))
    # a card without the config that names them
    card = rel / "README.md"
    card.write_text(card.read_text().replace(f"config_name: train-{N}", f"config_name: other-{N}"))
    assert any(f"configs lack train-{N}" in p for p in validate_release(rel))
    # the cheap check (`info`) sees a truncated one
    with open(path, "r+b") as fh:
        fh.truncate(first["bytes"] - 512)
    assert any(first["path"] in p and "truncated" in p for p in summarise(rel)["problems"])


def test_rebuild_reuses_them_and_none_removes_them(sized, sources, tmp_path):
    built, config, report = sized
    shutil.copytree(built.parent, tmp_path / "copy")  # the release and its work folder; the others keep theirs
    out = tmp_path / "copy" / built.name
    again = build_release(sources, out, config, workers=1, only=["bbbc021", "rxrx1"])
    assert again.reused_shards == report.shards
    before = read_manifest(out)
    none = build_release(sources, out, config.model_copy(update={"training_sizes": []}), workers=1,
                         only=["bbbc021", "rxrx1"])
    after = read_manifest(out)
    assert none.shards == report.shards and after.training_shards == [] and not (out / "data" / str(N)).exists()
    # the full shards are unchanged by the option; only the release id differs
    assert [e.sha256 for e in after.shards] == [e.sha256 for e in before.shards]
    assert after.release_id != before.release_id
    assert validate_release(out) == []


def test_old_manifests_read_as_having_none(sized):
    out, _, _ = sized
    data = json.loads((out / "manifest.json").read_text())
    del data["training_shards"], data["config"]["training_sizes"]
    old = Manifest.model_validate(data)
    assert old.config.training_sizes == [] and old.training_shards == []
    # and a manifest whose training shards do not mirror its shards is refused
    data = json.loads((out / "manifest.json").read_text())
    data["training_shards"] = data["training_shards"][1:]
    with pytest.raises(ValueError, match="do not mirror"):
        Manifest.model_validate(data)


def test_cli_training_size_values():
    from cytoimagenet.cli.app import training_sizes

    assert training_sizes(None) == [224]
    assert training_sizes(["0"]) == training_sizes(["none"]) == []
    assert training_sizes(["224", "96", "224"]) == [96, 224]
    with pytest.raises(UserError, match="--training-size 'big'"):
        training_sizes(["big"])


def test_publish_sends_them(sized):
    """The card's train-N config names data/N/: a Hub copy without those files would be a broken config."""
    from cytoimagenet.validation.publish import release_files

    out, _, _ = sized
    manifest = read_manifest(out)
    sent = {f.path: f.sha256 for f in release_files(out, manifest)}
    assert all(sent.get(e.path) == e.sha256 for e in [*manifest.shards, *manifest.training_shards])


def test_a_failed_training_shard_write_keeps_neither_tar(sources, tmp_path, monkeypatch):
    """The full shard and its training-size copies are renamed into place together or not at all."""
    import builtins
    import errno
    import os

    import cytoimagenet.builder.shard as shard_module

    def refusing(file, mode="r", *args, **kwargs):
        if "w" in mode and ".tmp-" in str(file) and f"{os.sep}{N}{os.sep}" in str(file):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(file))
        return builtins.open(file, mode, *args, **kwargs)

    monkeypatch.setattr(shard_module, "open", refusing, raising=False)
    out = tmp_path / "cytoimagenet"
    with pytest.raises(UserError, match=f"cannot write shard .*/data/{N}/train-000000.tar: the disk is full"):
        build_release(sources, out, CONFIG.model_copy(update={"training_sizes": [N]}), workers=1,
                      only=["bbbc021", "rxrx1"])
    assert not [p for p in tmp_path.rglob("*") if ".tmp-" in p.name]
    assert not list((tmp_path / ".cytoimagenet.work" / "release" / "data").rglob("*.tar"))


def test_the_cache_key_knows_the_reduction(monkeypatch):
    """Another reduction (augment's code, OpenCV's version) rewrites training-size shards, and only those."""
    import cytoimagenet.builder.shard as shard_module
    from cytoimagenet.builder.shard import ShardTask, task_digest

    def task(sizes):
        return ShardTask(name="train-000000", rows=[], source_roots={}, entries={}, label_ids={},
                         out_path="r/data/train-000000.tar", training_sizes=sizes)

    before = task_digest(task((N,))), task_digest(task(()))
    monkeypatch.setattr(shard_module, "reduction_version", lambda: "another reduction")
    after = task_digest(task((N,))), task_digest(task(()))
    assert before[0] != after[0] and before[1] == after[1] and before[0] != before[1]
