"""A rebuild into the same --out equals a fresh build into a new folder, whatever happened to the sources or the
code in between (issue 10, part A): pixels changed in place at the same size (mtime even set back), a file
truncated, replaced, repaired; a new code version; the build folder's history of other options."""

import json
import os
import shutil
from pathlib import Path

import numpy as np
import tifffile

from faults_fixtures import PLATE, clean_source

import cytoimagenet.builder.release as rel
from cytoimagenet.builder.release import build_release
from cytoimagenet.format import BuildConfig

CONFIG = BuildConfig(seed=0, min_per_class=6, max_per_class=6, shard_size=3)
ONLY = ["bbbc021"]  # evaluation-only: named, as `--source bbbc021` does


def outputs(release: Path) -> dict:
    """What must match: shard checksums, and the metadata and quarantine tables byte for byte."""
    manifest = json.loads((release / "manifest.json").read_text())
    return {
        "shards": {s["path"]: s["sha256"] for s in manifest["shards"]},
        "metadata": (release / "metadata" / "metadata.parquet").read_bytes(),
        "quarantine": (release / "metadata" / "quarantine.parquet").read_bytes(),
        "version": manifest["version"],
    }


def fresh(root: Path, tmp_path: Path, config=CONFIG) -> dict:
    """A build into a folder that never saw a build: no work folder, no previous release."""
    out = Path(os.path.join(tmp_path, f"fresh-{len(list(tmp_path.glob('fresh-*')))}", "cytoimagenet"))
    build_release(root, out, config, only=ONLY)
    return outputs(out)


def pixel_offset(path: Path) -> int:
    with tifffile.TiffFile(path) as tif:
        return tif.pages[0].dataoffsets[0]


def rewrite_pixels_in_place(path: Path, keep_mtime: bool) -> None:
    """New pixel values written into the file's own bytes: same size, same inode; optionally the old mtime put
    back, as tools that preserve timestamps do."""
    st = path.stat()
    offset = pixel_offset(path)
    with open(path, "r+b") as fh:
        fh.seek(offset)
        fh.write(np.random.default_rng(99).integers(100, 4000, 24 * 32).astype("<u2").tobytes())
    if keep_mtime:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_ino == st.st_ino


def test_rebuild_after_source_changes_equals_a_fresh_build(tmp_path):
    root = tmp_path / "src"
    folder = clean_source(root, rows=12, compounds=("taxol", "emetine"), shape=(24, 32))
    files = sorted((folder / PLATE).glob("*.tif"))
    victim, other = files[0], files[4]
    original = victim.read_bytes()
    out = tmp_path / "rel" / "cytoimagenet"
    build_release(root, out, CONFIG, only=ONLY)
    previous = outputs(out)
    assert previous == fresh(root, tmp_path)

    def rebuilt_equals_fresh(expect_quarantined: bool) -> dict:
        report = build_release(root, out, CONFIG, only=ONLY)
        got = outputs(out)
        assert got == fresh(root, tmp_path)
        assert report.reused_shards < report.shards  # the change was seen, not papered over by the cache
        assert (report.quarantined > 0) == expect_quarantined
        return got

    steps = [
        ("pixels changed in place, mtime set back", lambda: rewrite_pixels_in_place(victim, keep_mtime=True), False),
        ("truncated", lambda: victim.write_bytes(original[: len(original) // 3]), True),
        ("repaired", lambda: victim.write_bytes(original), False),
        ("another file replaced by a new one", lambda: (other.with_name("tmp.tif").write_bytes(
            victim.read_bytes()), os.replace(other.with_name("tmp.tif"), other)), False),
        ("pixels changed in place", lambda: rewrite_pixels_in_place(other, keep_mtime=False), False),
    ]
    for what, change, quarantined in steps:
        change()
        got = rebuilt_equals_fresh(quarantined)
        assert got["shards"] != previous["shards"], what  # the change reached the release
        previous = got
    # an unchanged rebuild re-uses every shard
    again = build_release(root, out, CONFIG, only=ONLY)
    assert again.reused_shards == again.shards and outputs(out) == previous


def test_a_new_code_version_reuses_no_shard_and_no_table(tmp_path, monkeypatch):
    root = tmp_path / "src"
    clean_source(root, rows=12, compounds=("taxol", "emetine"), shape=(24, 32))
    out = tmp_path / "cytoimagenet"
    build_release(root, out, CONFIG, only=ONLY)
    reference = outputs(out)
    monkeypatch.setattr(rel, "shard_code_version", lambda: "an upgraded shard writer")
    monkeypatch.setattr(rel, "table_code_version", lambda: "an upgraded adapter layer")
    computed = []
    real = rel.read_records
    monkeypatch.setattr(rel, "read_records", lambda folders: computed.append(1) or real(folders))
    report = build_release(root, out, CONFIG, only=ONLY)
    assert report.reused_shards == 0 and computed == [1]
    assert outputs(out) == reference  # the same code, so the same bytes


def test_the_code_version_covers_the_shard_modules_and_libraries():
    from cytoimagenet.builder import cache

    assert {"cytoimagenet.builder.image", "cytoimagenet.builder.shard", "cytoimagenet.seeding"} <= set(cache.SHARD_CODE)
    assert {"numpy", "pillow", "tifffile"} <= set(cache.SHARD_LIBRARIES)
    base = cache.code_version(("cytoimagenet.builder.image",), ("numpy",))
    assert base != cache.code_version(("cytoimagenet.builder.shard",), ("numpy",))
    assert base != cache.code_version(("cytoimagenet.builder.image",), ("pillow",))
    # a package wildcard covers the helpers adapters import (layouts), not only the named module
    assert cache.code_version(("cytoimagenet.catalog.*",), ()) != cache.code_version(("cytoimagenet.catalog.source",), ())


def test_the_build_folders_history_does_not_change_the_release(tmp_path):
    root = tmp_path / "src"
    clean_source(root, rows=12, compounds=("taxol", "emetine"), shape=(24, 32))
    out = tmp_path / "rel" / "cytoimagenet"
    for seed in (0, 1, 2, 0):
        build_release(root, out, CONFIG.model_copy(update={"seed": seed}), only=ONLY)
    assert outputs(out) == fresh(root, tmp_path)
    # a source moved elsewhere keeps its content: the same release (and its caches still hold)
    moved = tmp_path / "moved"
    shutil.move(root, moved)
    report = build_release(moved, out, CONFIG, only=ONLY)
    assert outputs(out) == fresh(moved, tmp_path) and report.reused_shards == report.shards


def test_a_file_added_to_a_scanned_tree_refreshes_the_records(tmp_path, monkeypatch):
    """Adapters that scan for images depend on which files exist: the records key covers the tree's names."""
    from cytoimagenet.builder.cache import source_fingerprint
    from cytoimagenet.catalog.registry import get_source

    folder = clean_source(tmp_path / "src", rows=3)
    before = source_fingerprint(get_source("bbbc021"), folder)
    (folder / PLATE / "extra.tif").write_bytes(b"")
    after = source_fingerprint(get_source("bbbc021"), folder)
    assert before != after
    (folder / "deep" / "er" / "still").mkdir(parents=True)
    (folder / "deep" / "er" / "still" / "notes.csv").write_text("a\n1\n")
    deep = source_fingerprint(get_source("bbbc021"), folder)
    (folder / "deep" / "er" / "still" / "notes.csv").write_text("a\n2\n")
    assert source_fingerprint(get_source("bbbc021"), folder) != deep  # metadata content, at any depth
