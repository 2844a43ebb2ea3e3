"""A full disk or a refused write during a build: a one-line error naming the file and the cause, nothing
half-written left behind, and the next build (once the disk is fixed) resumes to the same release."""

import builtins
import errno
import os
import re
from pathlib import Path

import pytest

import cytoimagenet.builder.shard as shard_module
import cytoimagenet.io as io_module
from cytoimagenet.builder.release import build_release
from cytoimagenet.errors import UserError
from cytoimagenet.format import BuildConfig

from faults_fixtures import clean_source

CONFIG = BuildConfig(seed=0, min_per_class=6, max_per_class=6, shard_size=3)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Sources for a build of a few small shards, and that build's uninterrupted release."""
    root = tmp_path_factory.mktemp("disk_src")
    clean_source(root, rows=12, compounds=("taxol", "emetine"), shape=(24, 32))
    reference = tmp_path_factory.mktemp("disk_ref") / "cytoimagenet"
    report = build_release(root, reference, CONFIG, workers=1, only=["bbbc021"])
    assert report.shards >= 4
    return root, reference


class FailingFile:
    """A file whose writes stop with `err` once `limit` bytes have gone through: a disk filling up mid-shard."""

    def __init__(self, fh, limit: int, err: int):
        self._fh, self._left, self._err = fh, limit, err

    def write(self, data):
        if len(data) > self._left:
            self._fh.write(bytes(data[: self._left]))
            self._left = 0
            raise OSError(self._err, os.strerror(self._err))
        self._left -= len(data)
        return self._fh.write(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()


def failing_open(match: str, nth: int, err: int, limit: int = 700):
    """builtins.open, except the nth opening for writing of a file whose name contains `match` fails like a
    full disk (writes stop part-way) or a refused folder (EACCES at open)."""
    seen = []

    def fake(file, mode="r", *args, **kwargs):
        if "w" in mode and match in Path(file).name:
            seen.append(file)
            if len(seen) == nth:
                if err in (errno.EACCES, errno.EROFS):
                    raise OSError(err, os.strerror(err), str(file))
                return FailingFile(builtins.open(file, mode, *args, **kwargs), limit, err)
        return builtins.open(file, mode, *args, **kwargs)

    return fake


def leftovers(folder: Path) -> list[str]:
    return [str(p) for p in folder.rglob("*") if ".tmp-" in p.name]


def tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("err, words", [(errno.ENOSPC, "the disk is full"), (errno.EACCES, "permission denied")])
def test_a_failed_shard_write_names_the_shard_and_leaves_nothing_half_written(small, tmp_path, monkeypatch, err,
                                                                               words):
    root, reference = small
    out = tmp_path / "cytoimagenet"
    work = tmp_path / ".cytoimagenet.work"
    # the third shard's write fails (each shard task opens its full tar, then one per training size)
    per_task = 1 + len(CONFIG.training_sizes)
    monkeypatch.setattr(shard_module, "open", failing_open(".tar.tmp-", 2 * per_task + 1, err), raising=False)
    with pytest.raises(UserError) as info:
        build_release(root, out, CONFIG, workers=1, only=["bbbc021"])
    msg = str(info.value)
    failed = re.findall(r"(/\S+\.tar):", msg)
    assert words in msg and os.strerror(err) in msg and "cannot write shard" in msg, msg
    assert failed and str(work / "release" / "data") in failed[0], msg  # the shard's own path
    assert not out.exists()
    assert leftovers(tmp_path) == []
    assert not Path(failed[0]).exists()  # no half shard under its final name either
    written = sorted(p.name for p in (work / "release" / "data").glob("*.tar"))
    assert len(written) == 2 and len(list((work / "shards").glob("*.json"))) == 2

    monkeypatch.undo()  # space freed, permission fixed
    report = build_release(root, out, CONFIG, workers=1, only=["bbbc021"])
    assert report.reused_shards == 2
    assert tree(out) == tree(reference)


def test_a_full_disk_while_writing_metadata_names_the_file(small, tmp_path, monkeypatch):
    root, reference = small
    out = tmp_path / "cytoimagenet"
    monkeypatch.setattr(io_module, "open", failing_open("metadata.parquet", 1, errno.ENOSPC, limit=100),
                        raising=False)
    with pytest.raises(UserError, match=r"metadata\.parquet: the disk is full") as info:
        build_release(root, out, CONFIG, workers=1, only=["bbbc021"])
    assert "resumes" in str(info.value)
    assert not out.exists() and leftovers(tmp_path) == []
    monkeypatch.undo()
    report = build_release(root, out, CONFIG, workers=1, only=["bbbc021"])
    assert report.reused_shards == report.shards
    assert tree(out) == tree(reference)


def test_an_unwritable_out_folder_is_a_clear_error(small, tmp_path, monkeypatch):
    root, _ = small
    parent = tmp_path / "readonly"
    parent.mkdir()
    if os.geteuid() != 0:
        parent.chmod(0o555)  # the real thing where it can be; root ignores modes, so simulate it below
    else:
        real_mkdir = Path.mkdir

        def refused(self, *a, **k):
            if parent in (self, *self.parents) and self != parent:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
            return real_mkdir(self, *a, **k)

        monkeypatch.setattr(Path, "mkdir", refused)
    try:
        with pytest.raises(UserError, match="permission denied") as info:
            build_release(root, parent / "cytoimagenet", CONFIG, workers=1, only=["bbbc021"])
        assert str(parent) in str(info.value)
    finally:
        parent.chmod(0o755)
    assert list(parent.iterdir()) == []


def test_a_disk_error_in_a_pool_worker_reaches_the_user_as_the_same_error(small, tmp_path, monkeypatch):
    """Worker processes are forked after the patch, so they fail the same way; the error crosses the process
    boundary intact (a UserError, not a pickled traceback)."""
    root, _ = small
    monkeypatch.setattr(shard_module, "open", failing_open(".tar.tmp-", 1, errno.ENOSPC), raising=False)
    with pytest.raises(UserError, match="cannot write shard .*the disk is full"):
        build_release(root, tmp_path / "cytoimagenet", CONFIG, workers=2, only=["bbbc021"])
    assert leftovers(tmp_path) == []


def _second_build(root, out, queue):
    try:
        build_release(root, out, CONFIG, workers=1, only=["bbbc021"])
        queue.put("built")
    except UserError as exc:
        queue.put(str(exc))


def test_a_second_build_of_the_same_release_at_once_is_refused(small, tmp_path):
    import multiprocessing

    from cytoimagenet.builder.release import _build_lock

    root, _ = small
    out = tmp_path / "cytoimagenet"
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    # the lock is per process (a killed build's lock dies with it); another build process is what it keeps out
    with _build_lock(tmp_path / ".cytoimagenet.work"):
        child = ctx.Process(target=_second_build, args=(root, out, queue))
        child.start()
        message = queue.get(timeout=60)
        child.join(60)
    assert "another build is writing this release" in message
    assert not out.exists()
