"""`load`: the Hugging Face dataset with friendly columns, map-style and streaming."""

import pytest
from datasets import ClassLabel, Dataset, DatasetDict, Image, IterableDataset, IterableDatasetDict, List, Value
from PIL import Image as PILImage

from cytoimagenet.loaders import load
from cytoimagenet.format import Manifest, SampleRecord


def expected_columns():
    # the webdataset loader's sample key and shard columns stay as the Hub names them, last
    return (["image", "label"] + [("label_name" if f == "label" else f) for f in SampleRecord.model_fields]
            + ["__key__", "__url__"])


def check_example(row, labels):
    assert isinstance(row["image"], PILImage.Image) and row["image"].mode == "L"
    assert isinstance(row["label"], int) and labels[row["label"]] == row["label_name"]
    assert isinstance(row["key"], str) and isinstance(row["crop"], bool) and isinstance(row["scaling"], float)
    assert isinstance(row["source_files"], list) and all(isinstance(f, str) for f in row["source_files"])
    assert isinstance(row["height"], int) and row["image"].size == (row["width"], row["height"])
    assert row["x_min"] is None or isinstance(row["x_min"], int)


def check_features(features, labels):
    assert list(features) == expected_columns()
    assert features["image"] == Image(mode="L")
    assert isinstance(features["label"], ClassLabel) and features["label"].names == labels
    assert features["label_name"] == Value("string") and features["scaling"] == Value("float64")
    assert features["crop"] == Value("bool") and features["source_files"] == List(Value("string"))


@pytest.fixture(scope="module")
def manifest(release):
    return Manifest.model_validate_json((release / "manifest.json").read_text())


def test_map_style(release, manifest):
    ds = load(release)
    assert isinstance(ds, DatasetDict) and set(ds) == {"train", "validation"}
    train = ds["train"]
    assert isinstance(train, Dataset) and train.num_rows == manifest.splits["train"]
    check_features(train.features, manifest.labels)
    assert train.column_names == expected_columns()
    check_example(train[0], manifest.labels)
    assert load(release, split="validation").num_rows == manifest.splits["validation"]


def test_streaming(release, manifest):
    ds = load(release, streaming=True)
    assert isinstance(ds, IterableDatasetDict)
    train = load(release, split="train", streaming=True)
    assert isinstance(train, IterableDataset)
    check_features(train.features, manifest.labels)
    rows = list(train)
    assert len(rows) == manifest.splits["train"]
    assert list(rows[0]) == expected_columns()
    check_example(rows[0], manifest.labels)


def test_both_modes_hold_the_same_samples(release):
    mapped = load(release, split="validation")
    streamed = list(load(release, split="validation", streaming=True))
    assert sorted(mapped["key"]) == sorted(r["key"] for r in streamed)
    by_key = {r["key"]: r for r in streamed}
    row = mapped[0]
    assert by_key[row["key"]]["label"] == row["label"]
    assert by_key[row["key"]]["image"].tobytes() == row["image"].tobytes()


def test_not_a_release(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a CytoImageNet release"):
        load(tmp_path)


def test_hub_repo_id_and_revision_go_to_load_dataset(release, monkeypatch, tmp_path):
    import datasets

    real = datasets.load_dataset
    seen = {}

    def fake(path, **kwargs):
        seen.update(path=path, **kwargs)
        return real(str(release), split=kwargs.get("split"), streaming=kwargs.get("streaming", False))

    monkeypatch.setattr(datasets, "load_dataset", fake)
    monkeypatch.chdir(tmp_path)
    ds = load("cytoimagenet/cytoimagenet", split="validation", revision="v1.0.7")
    assert seen == {"path": "cytoimagenet/cytoimagenet", "split": "validation", "streaming": False, "revision": "v1.0.7"}
    assert ds.column_names[:2] == ["image", "label"]
