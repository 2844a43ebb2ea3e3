"""Metadata access and the queries behind `cytoimagenet info DIR --label ...`."""


import pyarrow as pa
import pytest

from cytoimagenet.errors import UserError
from cytoimagenet.loaders import labels, metadata, query
from cytoimagenet.format import Manifest


def test_metadata_as_pandas_and_arrow(release):
    df = metadata(release)
    manifest = Manifest.model_validate_json((release / "manifest.json").read_text())
    assert len(df) == sum(manifest.splits.values())
    assert {"key", "label", "label_id", "category", "split", "source_id", "shard"} <= set(df.columns)
    table = metadata(release, as_arrow=True)
    assert isinstance(table, pa.Table) and table.num_rows == len(df)
    assert metadata(release / "metadata" / "metadata.parquet", columns=["key"]).columns.tolist() == ["key"]
    assert set(labels(release)["label"]) == set(df["label"])


def test_queries_filter_like_pandas(release):
    df = metadata(release)
    label = df["label"].value_counts().index[0]
    got = query(release, label=label.upper())
    assert len(got) == (df["label"] == label).sum() and set(got["label"]) == {label}
    both = query(release, label=label, split="train")
    assert len(both) == ((df["label"] == label) & (df["split"] == "train")).sum()
    source = df["source_id"].iloc[0]
    assert len(query(release, source=source)) == (df["source_id"] == source).sum()
    category = df["category"].iloc[0]
    assert len(query(release, category=[category], as_arrow=True)) == (df["category"] == category).sum()
    assert len(query(release)) == len(df)


def test_unknown_values_name_the_closest(release):
    label = metadata(release)["label"].iloc[0]
    with pytest.raises(UserError, match=f"did you mean '{label}'"):
        query(release, label=label + "x")
    with pytest.raises(UserError, match="unknown category"):
        query(release, category="colour")
    with pytest.raises(UserError, match="unknown split"):
        query(release, split="test")
