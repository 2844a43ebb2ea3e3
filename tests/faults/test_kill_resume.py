"""SIGKILL the build at seeded random points, over and over: every re-run resumes, the release it finally writes
is byte-identical to an uninterrupted build's, and no partial release is ever visible at `--out`."""

import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cytoimagenet.io import sha256_file

from spine_config import CONFIG

LAUNCHER = Path(__file__).with_name("build_launcher.py")
KILLS = 10
SEED = 20240611


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_absent_or_complete(out: Path) -> None:
    """What a reader of `out` may see at any instant: nothing, or a release whose every file is whole."""
    siblings = {p.name for p in out.parent.iterdir()}
    assert siblings <= {out.name, f".{out.name}.work"}, siblings
    if not out.exists():
        return
    manifest = json.loads((out / "manifest.json").read_text())
    shards = manifest["shards"] + manifest.get("training_shards", [])
    for shard in shards:
        path = out / shard["path"]
        assert path.stat().st_size == shard["bytes"] and sha256_file(path) == shard["sha256"], path
    listed = {s["path"] for s in shards}
    assert {str(p.relative_to(out)) for p in (out / "data").rglob("*") if p.is_file()} == listed
    for rel in ("README.md", "metadata/metadata.parquet", "metadata/labels.parquet", "metadata/quarantine.parquet"):
        assert (out / rel).is_file(), rel
    assert not [p for p in out.rglob(".*")], "temp files inside a visible release"


class Launcher:
    def __init__(self):
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, str(LAUNCHER)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, bufsize=0, env=env)
        self.buf = b""

    def _line(self, timeout: float):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            assert chunk, "build launcher died"
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def start(self, argv, log) -> int:
        self.proc.stdin.write((json.dumps({"argv": argv, "log": str(log)}) + "\n").encode())
        return self._line(60)["pid"]

    def ended(self, timeout: float = 0.0):
        """The build's waitpid status once it has ended, else None."""
        msg = self._line(timeout)
        return None if msg is None else msg["status"]

    def close(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def sidecars(work: Path) -> int:
    return len(list((work / "shards").glob("*.json"))) if (work / "shards").is_dir() else 0


def test_sigkill_at_random_points_resumes_to_a_byte_identical_release(sources, release, tmp_path):
    out = tmp_path / "rel" / "cytoimagenet"
    work = tmp_path / "rel" / ".cytoimagenet.work"
    out.parent.mkdir()
    argv = ["build", "--sources", str(sources), "--out", str(out), "--seed", str(CONFIG.seed),
            "--min-per-class", str(CONFIG.min_per_class), "--max-per-class", str(CONFIG.max_per_class),
            "--shard-size", str(CONFIG.shard_size), "--source", "bbbc021", "--source", "rxrx1"]
    total = len(json.loads((release / "manifest.json").read_text())["shards"])
    rng = random.Random(SEED)
    # where each kill lands: after the n-th finished shard (0: during the table stages; total: during metadata,
    # card and the swap), plus a random delay that puts it anywhere inside the next shard's work
    targets = sorted(rng.randint(0, total) for _ in range(KILLS))
    launcher = Launcher()
    killed, finished_early, trials = 0, 0, []
    try:
        for i, target in enumerate(targets):
            workers = 1 + i % 2
            pid = launcher.start(argv + ["--workers", str(workers)], tmp_path / f"trial{i}.log")
            started = time.monotonic()
            status = None
            while sidecars(work) < target and time.monotonic() - started < 120:
                status = launcher.ended(0.01)
                if status is not None:
                    break
            if status is None:
                time.sleep(rng.uniform(0.0, 0.4))
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass  # it finished in the meantime
                status = launcher.ended(60)
            was_killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
            if not was_killed:
                log = (tmp_path / f"trial{i}.log").read_text()
                assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, log
                finished_early += 1
            killed += was_killed
            trials.append((target, workers, round(time.monotonic() - started, 2), was_killed))
            assert_absent_or_complete(out)
        pid = launcher.start(argv + ["--workers", "2"], tmp_path / "final.log")
        status = launcher.ended(120)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (tmp_path / "final.log").read_text()
    finally:
        launcher.close()
    print(f"kill-and-resume: {killed} kills, {finished_early} builds finished before their kill: {trials}")
    # the kills really interrupted builds, at every stage; the schedule is seeded so this is not luck
    assert killed >= KILLS - 2, trials
    from cytoimagenet.builder.release import build_release

    reference = tmp_path / "reference" / "cytoimagenet"
    build_release(sources, reference, CONFIG, only=["bbbc021", "rxrx1"])
    assert tree(out) == tree(reference)
    assert_absent_or_complete(out)
    assert sorted(p.name for p in work.iterdir()) == sorted(
        ["build.lock", "shards"] + [f"{t}.{ext}" for t in ("records", "selection", "plan")
                                    for ext in ("parquet", "hash", "attrs.json")])


def test_a_kill_between_the_two_renames_of_the_swap_loses_nothing(release, tmp_path, monkeypatch):
    """The one instant `out` is absent: the old release renamed aside, the new one not yet in. The next build
    first puts the old one back (it is whole: it was renamed, never copied), so it is never lost."""
    import cytoimagenet.builder.release as rel

    out, work = tmp_path / "cytoimagenet", tmp_path / ".cytoimagenet.work"
    shutil.copytree(release, out)
    staging = work / "release"
    shutil.copytree(release, staging)
    (staging / "new-release").write_text("")
    real_rename = Path.rename

    def die_before_the_second_rename(self, target):
        if self == staging:
            raise KeyboardInterrupt  # SIGKILL can't be caught in-process; this stops at the same instruction
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", die_before_the_second_rename)
    with pytest.raises(KeyboardInterrupt):
        rel._swap_into_place(staging, out, work)
    monkeypatch.undo()
    assert not out.exists() and tree(work / "previous") == tree(release)

    (work / "trash-12345").mkdir()  # a kill during a discard leaves this: never trusted, always removed
    rel._recover_interrupted_swap(out, work)
    assert tree(out) == tree(release)
    assert sorted(p.name for p in work.iterdir()) == ["release"]
    rel._swap_into_place(staging, out, work)
    assert (out / "new-release").exists() and sorted(p.name for p in work.iterdir()) == []
