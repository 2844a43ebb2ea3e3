"""The card's figures, its version, and croissant.json."""

import hashlib
import io
import json
import os
import re
import subprocess
import sys

import pandas as pd
import pytest
from PIL import Image
from publish_fixtures import release_a, release_b  # noqa: F401 (fixtures)

from cytoimagenet.builder.card import card_version, read_front_matter
from cytoimagenet.builder.croissant import CONTEXT, write_croissant
from cytoimagenet.builder.figures import CLASS_SIZES, MONTAGE, class_sizes_png, montage_sample
from cytoimagenet.io import sha256_file
from cytoimagenet.validation.release import validate_release
from cytoimagenet.format import CATEGORIES, Manifest


def _manifest(release):
    return Manifest.model_validate_json((release / "manifest.json").read_text())


def test_figures_exist_decode_and_are_embedded(release_a):
    card = (release_a / "README.md").read_text()
    for path in (CLASS_SIZES, MONTAGE):
        with Image.open(release_a / path) as im:
            im.load()
            assert im.width > 300 and im.height > 200
        assert f"]({path})" in card  # a relative link: works in the folder and on the Hub
    assert "croissant.json" in card
    assert validate_release(release_a) == []


def test_figures_are_byte_identical_across_processes(release_a, tmp_path):
    """Same release, a fresh interpreter with another hash seed and a user matplotlibrc: the same PNG bytes."""
    code = (
        "import sys, hashlib; from pathlib import Path\n"
        "from cytoimagenet.builder.figures import write_figures\n"
        "from cytoimagenet.format import Manifest\n"
        "rel = Path(sys.argv[1]); m = Manifest.model_validate_json((rel / 'manifest.json').read_text())\n"
        "for p in write_figures(rel, m): print(p, hashlib.sha256((rel / p).read_bytes()).hexdigest())\n"
    )
    import shutil

    copy = tmp_path / "rel"
    shutil.copytree(release_a, copy)
    (tmp_path / "mpl").mkdir()
    (tmp_path / "mpl" / "matplotlibrc").write_text("font.size: 20\naxes.facecolor: red\nfigure.dpi: 300\n")
    env = {**os.environ, "PYTHONHASHSEED": "12345", "MPLCONFIGDIR": str(tmp_path / "mpl")}
    out = subprocess.run([sys.executable, "-c", code, str(copy)], env=env, capture_output=True, text=True, check=True)
    theirs = dict(line.split() for line in out.stdout.strip().splitlines())
    ours = {p: hashlib.sha256((release_a / p).read_bytes()).hexdigest() for p in (CLASS_SIZES, MONTAGE)}
    assert theirs == ours


def test_png_carries_no_software_or_time_metadata(release_a):
    with Image.open(release_a / CLASS_SIZES) as im:
        assert not {"Software", "Creation Time", "date:create"} & set(im.info)


def test_montage_classes_are_seeded(release_a):
    md = pd.read_parquet(release_a / "metadata" / "metadata.parquet", columns=["key", "label", "category", "shard"])
    a, again, other = montage_sample(md, 0), montage_sample(md, 0), montage_sample(md, 7)
    pd.testing.assert_frame_equal(a, again)
    assert not a.equals(other)
    assert set(a["key"]) <= set(md["key"])
    assert a.groupby("label").size().max() <= 6


def test_class_chart_scales_to_many_classes():
    labels = pd.DataFrame({
        "label": [f"class {i:03d}" for i in range(120)],
        "category": [CATEGORIES[i % len(CATEGORIES)] for i in range(120)],
        "train": [300 + i for i in range(120)], "validation": [30] * 120,
    }).assign(count=lambda d: d["train"] + d["validation"])
    png = class_sizes_png(labels, "many classes")
    assert png == class_sizes_png(labels, "many classes")
    with Image.open(io.BytesIO(png)) as im:
        assert im.size == (1000, 480)


def test_card_version_changes_with_the_release(release_a, release_b):
    versions = []
    for release in (release_a, release_b):
        text = (release / "README.md").read_text()
        meta = read_front_matter(text)
        assert "version" not in meta["configs"][0]  # not a documented config key: the body states it
        assert card_version(text) == _manifest(release).version
        versions.append(card_version(text))
    assert versions[0] != versions[1]


def test_a_card_stating_another_version_fails_validation(release_a, tmp_path):
    import shutil

    copy = tmp_path / "rel"
    shutil.copytree(release_a, copy)
    card = copy / "README.md"
    version = _manifest(copy).version
    card.write_text(card.read_text().replace(f"**Version:** `{version}`", "**Version:** `1.0.1`"))
    assert any("card version '1.0.1'" in p for p in validate_release(copy))


# -- Croissant ------------------------------------------------------------------------------------------------

REQUIRED_DATASET = {"@context", "@type", "name", "description", "conformsTo", "license", "url", "version",
                    "distribution", "recordSet", "citeAs"}


def test_croissant_structure(release_a):
    """A JSON-LD check that needs no mlcroissant: the keys Croissant 1.0 requires, every reference resolving."""
    doc = json.loads((release_a / "croissant.json").read_text())
    manifest = _manifest(release_a)
    assert REQUIRED_DATASET <= set(doc)
    assert doc["@context"] == CONTEXT and doc["@type"] == "sc:Dataset"
    assert doc["conformsTo"] == "http://mlcommons.org/croissant/1.0"
    assert doc["version"] == manifest.version
    ids = {d["@id"] for d in doc["distribution"]}
    assert len(ids) == len(doc["distribution"])
    objects = [d for d in doc["distribution"] if d["@type"] == "cr:FileObject"]
    for obj in objects:
        assert {"name", "contentUrl", "encodingFormat", "sha256"} <= set(obj)
        assert obj["sha256"] == sha256_file(release_a / obj["contentUrl"])
    # every shard the release holds, the training-size copies too, described and checksummed
    assert manifest.training_shards
    assert {o["contentUrl"] for o in objects} >= ({s.path for s in [*manifest.shards, *manifest.training_shards]}
                                                  | {"metadata/metadata.parquet"})
    for fs in (d for d in doc["distribution"] if d["@type"] == "cr:FileSet"):
        assert all(c["@id"] in ids for c in fs["containedIn"]) and fs["includes"]
    fields = {f["@id"]: f for rs in doc["recordSet"] for f in rs["field"]}
    columns = set(pd.read_parquet(release_a / "metadata" / "metadata.parquet").columns)
    for rs in doc["recordSet"]:
        assert rs["@type"] == "cr:RecordSet" and rs["key"]["@id"] in fields
        for f in rs["field"]:
            assert f["@id"].startswith(rs["@id"] + "/") and f["dataType"].startswith("sc:")
            src = f["source"]
            if "field" in src:
                assert src["field"]["@id"] in fields
            else:
                assert (src.get("fileObject") or src.get("fileSet"))["@id"] in ids
            if src.get("fileObject", {}).get("@id") == "metadata-parquet":
                assert src["extract"]["column"] in columns
    assert {f"samples/{c}" for c in columns} <= set(fields)
    assert fields["samples/label"]["dataType"] == "sc:Text"
    assert fields["samples/source_files"].get("repeated") is True


def test_croissant_is_deterministic(release_a, tmp_path):
    before = (release_a / "croissant.json").read_bytes()
    write_croissant(release_a, _manifest(release_a))
    assert (release_a / "croissant.json").read_bytes() == before
    assert str(release_a) not in before.decode()  # relative paths only: the file travels with the release


def test_mlcroissant_validates_and_reads_the_release(release_a):
    mlc = pytest.importorskip("mlcroissant")
    dataset = mlc.Dataset(jsonld=str(release_a / "croissant.json"))  # raises on any validation error
    md = pd.read_parquet(release_a / "metadata" / "metadata.parquet")
    labels = list(dataset.records("labels"))
    assert [r["labels/label"].decode() for r in labels] == _manifest(release_a).labels
    samples = list(dataset.records("samples"))
    assert len(samples) == len(md)
    by_key = md.set_index("key")
    for record in samples[:: max(1, len(samples) // 25)]:
        key = record["samples/key"].decode()
        row = by_key.loc[key]
        assert record["samples/label"].decode() == row["label"]
        assert record["samples/image"].size == (row["width"], row["height"])  # the join found its own png
    assert re.fullmatch(r"[0-9a-f]{64}", json.loads((release_a / "croissant.json").read_text())
                        ["distribution"][0]["sha256"])
