"""BBBC041 per-box samples, as the original cropped them (stan-hua/CytoImageNet scripts/data_curation/crop_bb.py):
one record per object box, and a build that cuts each box out of its smear before standardising it."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from cytoimagenet.builder.image import merge, read_planes
from cytoimagenet.builder.shard import ShardTask, run_shard, task_digest
from cytoimagenet.catalog.registry import get_source
from cytoimagenet.catalog.source import REGION_COLUMNS, SourceEntry, standardise_records, warnings_of
from cytoimagenet.errors import UserError
from cytoimagenet.format import BuildConfig, member_name

from catalog_fixtures import check_records, write_image

SHAPE = (150, 170)  # rows, columns: not square, so a swapped r/c shows


def _box(r0, c0, r1, c1, category):
    return {"category": category, "bounding_box": {"minimum": {"r": r0, "c": c0}, "maximum": {"r": r1, "c": c1}}}


def _smear(n: int) -> str:
    return f"{n:08x}-0d31-4881-bf1f-3ccdfa21ff12"


# smear -> its boxes (r0, c0, r1, c1, category), in the JSON's order
GOOD = {_smear(s): [(10 + 5 * s, 20 + 3 * s, 50 + 5 * s, 70 + 3 * s, "Red blood cell"),
                    (60 + s, 90 + 2 * s, 100 + s, 150 + 2 * s, "ring")] for s in range(1, 5)}
BAD = {
    _smear(5): [(120, 10, 160, 40, "red blood cell"), (50, 10, 40, 40, "ring")],  # outside the image; inverted
    _smear(6): [(30, 30, 30, 60, "red blood cell"), (5, 5, 45, 65, "ring")],  # empty; good
}
# large boxes (>= 140 px a side) of a small class: room for upsampling crops, which must fall inside them
LARGE = {_smear(7): [(4, 10, 146, 160, "trophozoite")], _smear(8): [(0, 0, 150, 170, "trophozoite")]}
SMEARS = {**GOOD, **BAD, **LARGE}


def write_tree(root: Path, smears=SMEARS) -> Path:
    folder = root / "bbbc041"
    entries = [{"image": {"checksum": uid[:8], "pathname": f"/images/{uid}.png",
                          "shape": {"r": SHAPE[0], "c": SHAPE[1], "channels": 3}},
                "objects": [_box(*b) for b in boxes]} for uid, boxes in smears.items()]
    (folder / "malaria").mkdir(parents=True, exist_ok=True)
    (folder / "malaria" / "training.json").write_text(json.dumps(entries[:5]))
    (folder / "malaria" / "test.json").write_text(json.dumps(entries[5:]))
    for uid in smears:
        write_image(folder / "malaria" / "images" / f"{uid}.png", mode="RGB", size=SHAPE)
    return folder


# --- records ---------------------------------------------------------------------------------------------------


def test_one_record_per_box_with_its_category_and_region(tmp_path):
    folder = write_tree(tmp_path)
    df = get_source("bbbc041").records(folder)
    check_records(df, folder)
    want = sorted(f"{uid}_{n}" for uid, boxes in SMEARS.items() for n in range(1, len(boxes) + 1))
    assert list(df["sample_id"]) == want
    by_id = df.set_index("sample_id")
    for uid, boxes in SMEARS.items():
        for n, (r0, c0, r1, c1, category) in enumerate(boxes, start=1):
            rec = by_id.loc[f"{uid}_{n}"]
            assert rec["group"] == uid  # the smear: its boxes never straddle train/validation
            assert rec["cell_type"] == category.lower()
            assert list(rec["source_files"]) == [f"malaria/images/{uid}.png"] and list(rec["channels"]) == ["RGB"]
            # minimum.r:maximum.r are rows, minimum.c:maximum.c columns, as the original sliced img[r0:r1, c0:c1]
            assert [rec[c] for c in REGION_COLUMNS] == [r0, c0, r1, c1]


def test_every_category_is_kept_and_an_unboxed_image_warned_about(tmp_path):
    folder = write_tree(tmp_path, {_smear(1): [(0, 0, 10, 10, "difficult"), (0, 0, 20, 20, "Leukocyte")],
                                   _smear(2): []})
    df = get_source("bbbc041").records(folder)
    assert list(df["cell_type"]) == ["difficult", "leukocyte"]  # the original skipped no category
    assert any("1 image(s) list no object boxes" in w for w in warnings_of(df))


@pytest.mark.parametrize("objects, message", [
    ([{"category": "ring"}], "lacks category or bounding_box"),
    ([{"category": "ring", "bounding_box": {"minimum": {"r": 1}, "maximum": {"r": 5, "c": 5}}}], "lacks"),
    ([_box(1.5, 0, 5, 5, "ring")], "not a whole number"),
    ([_box("1", 0, 5, 5, "ring")], "not a whole number"),
])
def test_a_malformed_box_names_the_file_and_object(tmp_path, objects, message):
    folder = write_tree(tmp_path, {_smear(1): []})
    entries = json.loads((folder / "malaria" / "training.json").read_text())
    entries[0]["objects"] = objects
    (folder / "malaria" / "training.json").write_text(json.dumps(entries))
    with pytest.raises(UserError, match=message) as err:
        get_source("bbbc041").records(folder)
    assert "training.json" in str(err.value) and "object 1" in str(err.value)


def test_records_without_a_box_keep_their_values_and_null_regions():
    entry = get_source("bbbc026").entry
    df = pd.DataFrame({"sample_id": ["b", "a"], "group": ["g", "g"], "source_files": [["b.png"], ["a.png"]],
                       "channels": [["x"], ["x"]], "cell_type": ["Hela", None]})
    out = standardise_records(df, entry)
    assert list(out["sample_id"]) == ["a", "b"] and list(out["source_files"]) == [["a.png"], ["b.png"]]
    assert out[list(REGION_COLUMNS)].isna().all().all()
    with pytest.raises(RuntimeError, match="all of"):
        standardise_records(df.assign(region_y0=[1, 2]), entry)
    boxed = df.assign(region_y0=[1, None], region_x0=[2, None], region_y1=[3, None], region_x1=[None, None])
    with pytest.raises(RuntimeError, match="some region columns and not others"):
        standardise_records(boxed, entry)


def test_the_task_digest_covers_the_box():
    base = {"key": "k", "region_y0": 1, "region_x0": 2, "region_y1": 30, "region_x1": 40}

    def digest(**change):
        return task_digest(ShardTask(name="train-000000", rows=[{**base, **change}], source_roots={}, entries={},
                                     label_ids={}, out_path="x.tar"))

    assert len({digest(), digest(region_y0=2), digest(region_x1=41)}) == 3


# --- the build -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from cytoimagenet.builder.release import build_release

    root = tmp_path_factory.mktemp("bbbc041") / "sources"
    write_tree(root)
    out = root.parent / "cytoimagenet"
    # red blood cell and ring: 6 boxes each, = max_per_class, so none is upsampled; trophozoite: 2, upsampled
    config = BuildConfig(seed=0, min_per_class=2, max_per_class=6, shard_size=4, png_compress_level=1)
    report = build_release(root, out, config, workers=1, only=["bbbc041"])
    md = pd.read_parquet(out / "metadata" / "metadata.parquet")
    quarantine = pd.read_parquet(out / "metadata" / "quarantine.parquet")
    return root / "bbbc041", out, report, md, quarantine


def _png(out: Path, shard: str, key: str) -> np.ndarray:
    with tarfile.open(out / "data" / f"{shard}.tar") as tf:
        data = tf.extractfile(member_name(key, "png")).read()
    return np.asarray(Image.open(io.BytesIO(data)))


def _plane(folder: Path, files) -> np.ndarray:
    planes, _ = read_planes(folder / files[0])
    return planes[0]  # RGB as the builder reads it: the mean of the colours


def test_one_sample_per_box_of_the_box_size(built):
    folder, out, _, md, quarantine = built
    boxes = md[~md["crop"]]
    expected = {f"{uid}_{n}": b for uid, bs in SMEARS.items() for n, b in enumerate(bs, start=1)}
    bad = {f"{_smear(5)}_1", f"{_smear(5)}_2", f"{_smear(6)}_1"}
    got = boxes["idx"].str.removeprefix("bbbc041-")
    assert sorted(got) == sorted(set(expected) - bad)
    for sid, (_, rec) in zip(got, boxes.iterrows()):
        r0, c0, r1, c1, category = expected[sid]
        assert rec["cell_type"] == category.lower() and rec["label"] == category.lower()
        assert (rec["y_min"], rec["x_min"], rec["y_max"], rec["x_max"]) == (r0, c0, r1, c1)
        assert (rec["height"], rec["width"]) == (r1 - r0, c1 - c0) and rec["scaling"] == 1.0
        image = _png(out, rec["shard"], rec["key"])
        assert image.shape == (r1 - r0, c1 - c0)
        # the box, converted exactly as the builder converts a whole image: cut first, then normalised alone
        want = merge([_plane(folder, rec["source_files"])[r0:r1, c0:c1]])
        np.testing.assert_array_equal(image, want)


def test_a_box_equals_a_whole_image_of_its_pixels(built, tmp_path):
    """A box sample is the sample a whole-image record of a file holding just the box's pixels gives."""
    folder, out, _, md, _ = built
    boxes = md[~md["crop"]]
    rec = boxes.astype(object).where(boxes.notna(), None).iloc[0].to_dict()
    source = np.asarray(Image.open(folder / rec["source_files"][0]))
    Image.fromarray(source[rec["y_min"]:rec["y_max"], rec["x_min"]:rec["x_max"]]).save(tmp_path / "box.png")
    row = {**rec, "source_files": ["box.png"], "crop_index": -1, "n_crops": 0, "sample_id": "whole"}
    task = ShardTask(name=rec["shard"], rows=[row], source_roots={"bbbc041": str(tmp_path)},
                     entries={"bbbc041": {"database": "d", "name": "n", "dir_name": "bbbc041"}},
                     label_ids={rec["label"]: 0}, out_path=str(tmp_path / "whole.tar"), percentile_low=0.1,
                     percentile_high=99.9)
    result = run_shard(task)
    assert not result.quarantine and result.records[0]["x_min"] is None  # a whole image: no region
    with tarfile.open(tmp_path / "whole.tar") as tf:
        whole = np.asarray(Image.open(io.BytesIO(tf.extractfile(member_name(rec["key"], "png")).read())))
    np.testing.assert_array_equal(whole, _png(out, rec["shard"], rec["key"]))


def test_upsampling_crops_fall_inside_their_box(built):
    folder, out, _, md, _ = built
    crops = md[md["crop"]]
    assert len(crops) and set(crops["label"]) == {"trophozoite"}
    for _, rec in crops.iterrows():
        uid, n = rec["idx"].removeprefix("bbbc041-").rsplit("_", 1)
        r0, c0, r1, c1, _ = SMEARS[uid][int(n) - 1]
        assert r0 <= rec["y_min"] < rec["y_max"] <= r1 and c0 <= rec["x_min"] < rec["x_max"] <= c1
        assert (rec["height"], rec["width"]) == (rec["y_max"] - rec["y_min"], rec["x_max"] - rec["x_min"])
        # the crop is a crop of the box, normalised on its own pixels as every crop is
        box = _plane(folder, rec["source_files"])[r0:r1, c0:c1]
        want = merge([box[rec["y_min"] - r0:rec["y_max"] - r0, rec["x_min"] - c0:rec["x_max"] - c0]])
        np.testing.assert_array_equal(_png(out, rec["shard"], rec["key"]), want)


def test_a_smears_boxes_stay_in_one_split(built):
    _, _, report, md, quarantine = built
    both = pd.concat([md[["group", "split"]], quarantine.assign(group=quarantine["sample_id"].str.rsplit("_", n=1).str[0])
                      [["group", "split"]]])
    assert (both.groupby("group")["split"].nunique() == 1).all()
    assert set(md["split"]) == {"train", "validation"}  # the check means something: both splits are used
    assert (md.groupby("group").size()[list(GOOD)] == 2).all()  # several boxes of a smear, together


def test_a_bad_box_is_quarantined_with_its_reason(built):
    _, out, report, _, quarantine = built
    from cytoimagenet.validation.release import validate_release

    assert validate_release(out) == []
    reasons = dict(zip(quarantine["sample_id"], quarantine["reason"]))
    assert reasons.pop(f"{_smear(5)}_1") == (
        "bad region: box rows 120:160, columns 10:40 lies outside the 150x170 image")
    assert reasons.pop(f"{_smear(5)}_2") == (
        "bad region: box rows 50:40, columns 10:40 is inverted (an end before its start)")
    assert reasons.pop(f"{_smear(6)}_1") == "bad region: box rows 30:30, columns 30:60 is empty (no pixels)"
    # nothing else but upsampling crops with no room
    assert all(r.startswith("too small") for r in reasons.values()), reasons
    assert report.quarantined == len(quarantine)


def test_a_rebuild_reuses_every_shard(built):
    from cytoimagenet.builder.release import build_release

    folder, out, report, md, _ = built
    before = json.loads((out / "manifest.json").read_text())["release_id"]
    config = BuildConfig(seed=0, min_per_class=2, max_per_class=6, shard_size=4, png_compress_level=1)
    again = build_release(folder.parent, out, config, workers=1, only=["bbbc041"])
    assert again.reused_shards == report.shards  # the plan read back from its table gives the same task digests
    assert json.loads((out / "manifest.json").read_text())["release_id"] == before


def test_an_entry_is_a_source_entry():
    assert isinstance(get_source("bbbc041").entry, SourceEntry)
    assert "crop_bb.py" in get_source("bbbc041").entry.evidence["labels"]
    assert "for annotation in x[\"objects\"]:" in get_source("bbbc041").entry.evidence["labels"]
