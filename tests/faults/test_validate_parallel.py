"""`validate --workers N`: every planted corruption of test_integrity found by 2 workers exactly as by 1 (the same
lines in the same order), whatever order the shards finish in; the fast decoder and Pillow agree."""

import io
import json
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

import cytoimagenet.validation.release as vr
from cytoimagenet.cli.app import app
from cytoimagenet.errors import UserError
from cytoimagenet.validation.release import validate_release

from test_integrity import PLANTS, SENTINEL, edit, first_sample, release  # noqa: F401  (release: the fixture)


@pytest.fixture(scope="module")
def broken_copies(release, tmp_path_factory):  # noqa: F811
    """Every plant applied to its own copy of the release: (name, folder, the text its problem must contain)."""
    out = []
    for plant in PLANTS:
        folder = tmp_path_factory.mktemp(plant.__name__) / "broken"
        shutil.copytree(release, folder)
        out.append((plant.__name__, folder, plant(folder)))
    return out


def test_two_workers_find_every_planted_corruption_as_one_does(broken_copies):
    # one pool of 2 worker processes for all the plants: starting one per validation would cost more than the checks
    with vr.worker_pool(2) as pool:
        for name, folder, expected in broken_copies:
            SENTINEL.unlink(missing_ok=True)
            one = validate_release(folder, workers=1)
            two = validate_release(folder, workers=2, pool=pool)
            assert any(expected in p for p in two), (name, two)
            assert two == one, name
            assert not SENTINEL.exists()  # nothing was unpickled


def test_problem_order_does_not_depend_on_which_shard_finishes_first(release, tmp_path, monkeypatch):  # noqa: F811
    # a problem in every shard, so that the order of the lines shows the order of the merge
    copy = tmp_path / "copy"
    shutil.copytree(release, copy)
    n = len(json.loads((copy / "manifest.json").read_text())["shards"])
    for i in range(n):
        def relabel(members):
            key, _ = first_sample(members)
            return [(m, b"9999" if m.name == f"{key}.cls" else d) for m, d in members]
        edit(copy, i, relabel)
    expected = validate_release(copy, workers=1)
    assert sum("out of range" in p for p in expected) == n

    # threads stand in for processes (a process pool's timing cannot be forced): shard i waits (n - i) steps, so
    # the last shard of the manifest finishes first
    finished, lock = [], threading.Lock()
    check = vr._check_shard_task
    manifest = vr.read_manifest(copy)
    checked = [s.path for s in [*manifest.shards, *manifest.training_shards]]  # the order validation checks them in
    n = len(checked)

    def late_first(task):
        index = checked.index(task[1].path)
        time.sleep(0.05 * (n - index))
        result = check(task)
        with lock:
            finished.append(index)
        return result

    monkeypatch.setattr(vr, "_check_shard_task", late_first)
    with ThreadPoolExecutor(n) as pool:
        got = validate_release(copy, workers=2, pool=pool)
    assert finished == list(range(n))[::-1]
    assert got == expected


def _png(pixels: np.ndarray, mode: str = "L") -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels, mode).save(buf, format="PNG")
    return buf.getvalue()


def swap_first_png(folder, make_png):
    def swap(members):
        key, _ = first_sample(members)
        return [(m, make_png(d) if m.name == f"{key}.png" else d) for m, d in members]
    edit(folder, 0, swap)


@pytest.mark.parametrize("damage, expected", [
    (lambda d: d[: len(d) // 2], "png does not decode"),
    (lambda d: b"GIF89a" + d[6:], "png does not decode (not a PNG"),
    (lambda d: _png(np.zeros((*Image.open(io.BytesIO(d)).size[::-1], 3), np.uint8), "RGB"),
     "png is 8-bit RGB, expected 8-bit grayscale"),
    (lambda d: _png(np.zeros((5, 7), np.uint8)), "png is (7, 5), json says"),
], ids=["truncated", "not_png", "rgb", "wrong_size"])
def test_wuffs_and_pillow_report_the_same_damaged_png(release, tmp_path, damage, expected):  # noqa: F811
    folder = tmp_path / "broken"
    shutil.copytree(release, folder)
    swap_first_png(folder, damage)
    by_pil = validate_release(folder, decoder="pil")
    assert any(expected in p for p in by_pil), by_pil
    if vr.DECODERS and _wuffs():
        by_wuffs = validate_release(folder, decoder="wuffs", workers=2)
        assert any(expected in p for p in by_wuffs), by_wuffs
        # the decoders' own wording of a decode failure may differ; which samples fail may not
        assert [p.split(" png ")[0] for p in by_wuffs] == [p.split(" png ")[0] for p in by_pil]


def _wuffs() -> bool:
    from cytoimagenet.loaders.shards import wuffs_available

    return wuffs_available()


def test_cli_validate_workers(release, tmp_path):  # noqa: F811
    runner = CliRunner()
    ok = runner.invoke(app, ["validate", str(release), "--workers", "2"])
    assert ok.exit_code == 0, ok.output
    assert "is a valid release" in ok.output
    folder = tmp_path / "broken"
    shutil.copytree(release, folder)
    PLANTS[0](folder)  # a flipped byte
    bad = runner.invoke(app, ["validate", str(folder), "--workers", "2", "--decoder", "pil"])
    assert bad.exit_code == 1 and "sha256 differs" in bad.output
    refused = runner.invoke(app, ["validate", str(release), "--workers", "0"])
    assert refused.exit_code != 0


def test_bad_options_are_one_line_errors(release):  # noqa: F811
    with pytest.raises(UserError, match="unknown decoder 'jpeg'"):
        validate_release(release, decoder="jpeg")
    with pytest.raises(UserError, match="workers must be at least 1"):
        validate_release(release, workers=0)
