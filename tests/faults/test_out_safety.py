"""A build never deletes what it does not own and never reads outside a source's folder (issue 10, part A):
`--out` is refused unless it is absent, empty or a CytoImageNet release holding nothing foreign; `--out` and
the sources never overlap; adapter paths are confined to their source folder; evaluation-only sources are left
out unless named; adapter warnings reach the report, the manifest and the CLI; empty builds are one-line errors."""

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tifffile

from faults_fixtures import PLATE, SHAPE, clean_source, texture

from cytoimagenet.builder.release import build_release, discover_sources
from cytoimagenet.errors import UserError
from cytoimagenet.validation.release import validate_release
from cytoimagenet.format import BuildConfig

CONFIG = BuildConfig(seed=0, min_per_class=3, max_per_class=3, shard_size=3)
ONLY = ["bbbc021"]  # evaluation-only: named, as `--source bbbc021` does


def snapshot(folder: Path) -> dict:
    """Every file under folder with its bytes: what a refused build must leave exactly as it was."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def refused(root: Path, out: Path, **kw) -> str:
    with pytest.raises(UserError) as info:
        build_release(root, out, CONFIG, only=ONLY, **kw)
    msg = str(info.value)
    assert "\n" not in msg
    return msg


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("safety_src")
    clean_source(root, rows=6, compounds=("taxol", "emetine"))
    out = tmp_path_factory.mktemp("safety_rel") / "cytoimagenet"
    build_release(root, out, CONFIG, only=ONLY)
    return root, out


# ---------------------------------------------------------------------------------------------------------
# --out: only a release, only what a build writes


@pytest.mark.parametrize("kind", ["user folder", "foreign manifest", "file", "garbled manifest"])
def test_out_that_is_not_a_release_is_refused_before_anything_is_written(built, tmp_path, kind):
    root, _ = built
    out = tmp_path / "thesis"
    if kind == "file":
        out.write_text("chapter 1\n")
    else:
        (out / "code").mkdir(parents=True)
        (out / "code" / "analysis.py").write_text("print('mine')\n")
        (out / "thesis.tex").write_text("\\chapter{One}\n")
        if kind == "foreign manifest":
            (out / "manifest.json").write_text('{"files": []}')
        elif kind == "garbled manifest":
            (out / "manifest.json").write_bytes(b"\x00\xffnot json")
    before = snapshot(tmp_path)
    msg = refused(root, out)
    assert str(out) in msg and "--out" in msg and "choose another --out" in msg
    assert ("a file" in msg) if kind == "file" else ("not a CytoImageNet release" in msg)
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]  # not even a work folder


def test_a_release_holding_files_the_user_added_is_refused_and_kept_whole(built, tmp_path):
    root, release = built
    import shutil

    out = tmp_path / "cytoimagenet"
    shutil.copytree(release, out)
    (out / "runs" / "b0").mkdir(parents=True)
    (out / "runs" / "b0" / "final.keras").write_bytes(b"weights")
    (out / "notes.txt").write_text("mine\n")
    (out / "data" / "my-extra.tar").write_bytes(b"")
    before = snapshot(out)
    msg = refused(root, out)
    assert "notes.txt" in msg and "runs/" in msg and "data/my-extra.tar" in msg and "move them out" in msg
    assert snapshot(out) == before
    # once they are moved out, the rebuild goes ahead and replaces the release
    shutil.rmtree(out / "runs")
    (out / "notes.txt").unlink()
    (out / "data" / "my-extra.tar").unlink()
    build_release(root, out, CONFIG, only=ONLY)
    assert validate_release(out) == []


def test_a_file_added_while_the_build_runs_is_kept_with_the_release(built, tmp_path, monkeypatch):
    import shutil

    import cytoimagenet.builder.release as rel
    import cytoimagenet.builder.workdir as workdir

    root, release = built
    out = tmp_path / "cytoimagenet"
    shutil.copytree(release, out)
    real, calls = rel._check_replaceable, []

    def then_the_user_writes(path):
        real(path)
        calls.append(path)
        if len(calls) == 2:  # the swap's check passed; the user saves a file before the rename
            (path / "notes.txt").write_text("mine\n")

    monkeypatch.setattr(rel, "_check_replaceable", then_the_user_writes)
    monkeypatch.setattr(workdir, "_check_replaceable", then_the_user_writes)  # the swap's own check
    before = snapshot(out)
    with pytest.raises(UserError, match="gained files a build does not write .*notes.txt"):
        build_release(root, out, CONFIG.model_copy(update={"seed": 1}), only=ONLY)
    assert snapshot(out) == {**before, "notes.txt": b"mine\n"}
    (out / "notes.txt").unlink()
    monkeypatch.setattr(rel, "_check_replaceable", real)
    monkeypatch.setattr(workdir, "_check_replaceable", real)
    report = build_release(root, out, CONFIG.model_copy(update={"seed": 1}), only=ONLY)
    assert report.reused_shards == report.shards and validate_release(out) == []


def test_an_empty_folder_is_accepted(built, tmp_path):
    root, _ = built
    out = tmp_path / "empty"
    out.mkdir()
    build_release(root, out, CONFIG, only=ONLY)
    assert validate_release(out) == []


def test_a_symlinked_out_is_refused(built, tmp_path):
    root, release = built
    (tmp_path / "link").symlink_to(release, target_is_directory=True)
    before = snapshot(release)
    assert "symbolic link" in refused(root, tmp_path / "link")
    assert snapshot(release) == before


@pytest.mark.parametrize("where", ["the root", "inside the root", "inside a source folder", "contains the root",
                                   "contains a symlinked source's target"])
def test_out_and_the_sources_never_overlap(tmp_path, where):
    root = tmp_path / "data" / "src"
    clean_source(root, rows=6, compounds=("taxol", "emetine"))
    if where == "contains a symlinked source's target":
        # the source folder is a link to a tree under --out: resolved paths are compared, not names
        real = tmp_path / "out" / "bbbc021"
        (tmp_path / "out").mkdir()
        (root / "bbbc021").rename(real)
        (root / "bbbc021").symlink_to(real, target_is_directory=True)
    # the report: a manifest.json of another tool in the sources root made it look like a release
    (root / "manifest.json").write_text('{"files": []}')
    out = {"the root": root, "inside the root": root / "cytoimagenet",
           "inside a source folder": root / "bbbc021" / "cytoimagenet", "contains the root": tmp_path / "data",
           "contains a symlinked source's target": tmp_path / "out"}[where]
    before = snapshot(tmp_path)
    msg = refused(root, out)
    assert "--out" in msg and "outside the sources" in msg and str(root.parent) in msg
    relation = {"the root": " is the sources root", "contains the root": "contains the sources root"}
    assert relation.get(where, "") in msg
    for _ in range(2):  # and again: a rebuild is refused the same way, never a traceback
        assert refused(root, out) == msg
    assert snapshot(tmp_path) == before


def test_out_inside_sources_is_one_line_on_the_command_line(tmp_path, monkeypatch, capsys):
    from cytoimagenet.cli.app import main

    root = tmp_path / "src"
    clean_source(root, rows=6, compounds=("taxol", "emetine"))
    for _ in range(2):
        monkeypatch.setattr("sys.argv", ["cytoimagenet", "build", "--sources", str(root), "--out",
                                         str(root / "cytoimagenet"), "--source", "bbbc021"])
        with pytest.raises(SystemExit) as exit_info:
            main()
        err = capsys.readouterr().err
        assert exit_info.value.code == 1 and "Traceback" not in err and "outside the sources" in err
    assert sorted(p.name for p in root.iterdir()) == ["bbbc021"]


def test_no_label_reaching_min_per_class_is_one_line_on_the_command_line(tmp_path, monkeypatch, capsys):
    from cytoimagenet.cli.app import main

    root = tmp_path / "src"
    clean_source(root, rows=3, compounds=("taxol",))
    monkeypatch.setattr("sys.argv", ["cytoimagenet", "build", "--sources", str(root), "--out", str(tmp_path / "o"),
                                     "--source", "bbbc021", "--min-per-class", "287"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    err = capsys.readouterr().err
    assert exit_info.value.code == 1 and "Traceback" not in err
    assert "--min-per-class 287" in err and "3 source images" in err
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------------------------------------------------
# adapter paths: inside the source folder or quarantined, never read


def test_paths_leading_out_of_the_source_folder_are_quarantined_unread(tmp_path, monkeypatch):
    import cytoimagenet.builder.shard as shard

    root = tmp_path / "src"
    folder = clean_source(root, rows=6, compounds=("taxol",))
    private = root / "private"  # beside the source folder, not in it
    private.mkdir()
    secret = private / "secret.tif"
    tifffile.imwrite(secret, texture(np.random.default_rng(5), SHAPE))
    (folder / PLATE / "inside_link.tif").symlink_to(secret)  # a link pointing out
    (folder / PLATE / "fine_link.tif").symlink_to(folder / PLATE / sorted(os.listdir(folder / PLATE))[0])
    csv = folder / "BBBC021_v1_image.csv"
    df = pd.read_csv(csv)
    df.loc[0, "Image_FileName_DAPI"], df.loc[0, "Image_PathName_DAPI"] = "secret.tif", f"{PLATE}/../../private"
    df.loc[1, "Image_FileName_Tubulin"] = "../../private/secret.tif"  # the CSV entry
    df.loc[2, "Image_FileName_Actin"] = "inside_link.tif"
    df.loc[3, "Image_FileName_Actin"] = "fine_link.tif"  # a link that stays inside is fine
    df.to_csv(csv, index=False)

    opened = []
    real_read = shard.read_planes
    monkeypatch.setattr(shard, "read_planes", lambda path, plane=None: (opened.append(Path(path)), real_read(path, plane))[1])
    out = tmp_path / "cytoimagenet"
    report = build_release(root, out, CONFIG, only=ONLY)
    q = pd.read_parquet(out / "metadata" / "quarantine.parquet")
    outside = q[q["reason"].str.startswith("outside the source folder")]
    assert len(outside) == 3 and report.quarantined == 3
    assert all("bbbc021/" in r and "was not read" in r for r in outside["reason"])
    assert not [p for p in opened if p.resolve() == secret.resolve()]  # not a byte of it read
    assert all(p.resolve().is_relative_to(folder.resolve()) for p in opened)
    md = pd.read_parquet(out / "metadata" / "metadata.parquet")
    assert len(md) == 3 and not md["source_files"].map(lambda f: any("secret" in x for x in f)).any()
    assert validate_release(out) == []


def test_confined_refuses_absolute_paths_links_out_and_unusable_names(tmp_path):
    from cytoimagenet.builder.image import UnreadableImage
    from cytoimagenet.builder.shard import OutsideSource, confined

    (tmp_path / "src" / "a").mkdir(parents=True)
    assert confined(tmp_path / "src", "a/../b.tif") == (tmp_path / "src" / "b.tif").resolve()
    for rel in ("/etc/passwd", "../x.tif", "a/../../x.tif", str(tmp_path / "x.tif")):
        with pytest.raises(OutsideSource):
            confined(tmp_path / "src", rel)
    # a folder whose name extends the source's is not inside it
    with pytest.raises(OutsideSource):
        confined(tmp_path / "src", "../src2/x.tif")
    with pytest.raises(UnreadableImage, match="not a usable path"):
        confined(tmp_path / "src", "a\x00.tif")


# ---------------------------------------------------------------------------------------------------------
# evaluation-only sources


def test_evaluation_only_sources_are_built_only_when_named(tmp_path):
    root = tmp_path / "src"
    for sid in ("bbbc021", "rxrx1"):  # sources are found by their folders; nothing is read here
        (root / sid).mkdir(parents=True)
    found, skipped = discover_sources(root)
    assert "bbbc021" not in found and "rxrx1" in found
    assert "evaluation" in skipped["bbbc021"] and "--source bbbc021" in skipped["bbbc021"]
    found, skipped = discover_sources(root, ["bbbc021", "rxrx1"])
    assert set(found) == {"bbbc021", "rxrx1"} and "bbbc021" not in skipped
    only_eval = tmp_path / "only_eval"
    clean_source(only_eval, rows=3)
    with pytest.raises(UserError, match=r"no buildable source .*bbbc021 \(evaluation only.*--source bbbc021"):
        discover_sources(only_eval)


# ---------------------------------------------------------------------------------------------------------
# adapter warnings: report, manifest, CLI, and a reused records table


def test_adapter_warnings_reach_report_manifest_and_cli_also_from_the_cache(tmp_path, monkeypatch, capsys):
    from cytoimagenet.cli.app import main

    root = tmp_path / "src"
    clean_source(root, rows=6, compounds=("",))  # no compound anywhere: the organism and cell type still label
    out = tmp_path / "cytoimagenet"
    first = build_release(root, out, CONFIG, only=ONLY)
    assert any("compound" in w and "empty for every image" in w for w in first.warnings), first.warnings
    assert json.loads((out / "manifest.json").read_text())["warnings"] == first.warnings
    assert not any(str(tmp_path) in w for w in first.warnings)  # the manifest says the same on any machine
    monkeypatch.setattr("sys.argv", ["cytoimagenet", "build", "--sources", str(root), "--out", str(out),
                                     "--source", "bbbc021", "--min-per-class", "3", "--max-per-class", "3",
                                     "--shard-size", "3"])
    import cytoimagenet.builder.release as rel

    monkeypatch.setattr(rel, "read_records", lambda folders: pytest.fail("the records table was not reused"))
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code in (0, None)
    err = capsys.readouterr().err
    assert all(f"warning: {w}" in " ".join(err.split()) for w in first.warnings)
    assert json.loads((out / "manifest.json").read_text())["warnings"] == first.warnings
