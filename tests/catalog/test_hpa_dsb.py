"""Kaggle HPA family (protein channel kept apart from the reference stains) and the Data Science Bowl layout."""

from __future__ import annotations

import pandas as pd
import pytest

from cytoimagenet.errors import UserError

from catalog_fixtures import DSB_IDS, HPA_IDS, check_records, dsb_tree, hpa_tree, records, shuffled_rewrite


def test_kaggle_hpa_keeps_protein_apart(tmp_path):
    folder = hpa_tree(tmp_path, "kaggle_hpa", "Id", "Target", ["16 0", "7"], bits=8)
    df = records("kaggle_hpa", folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == [f"{HPA_IDS[0]}-protein", f"{HPA_IDS[0]}-reference",
                                     f"{HPA_IDS[1]}-protein", f"{HPA_IDS[1]}-reference"]
    by_id = df.set_index("sample_id")
    protein, reference = by_id.loc[f"{HPA_IDS[0]}-protein"], by_id.loc[f"{HPA_IDS[0]}-reference"]
    assert protein["source_files"] == [f"train/{HPA_IDS[0]}_green.png"]
    assert protein["cell_visible"] == "cytokinetic bridge|nucleoplasm"
    assert reference["source_files"] == [f"train/{HPA_IDS[0]}_{c}.png" for c in ("red", "blue", "yellow")]
    assert reference["cell_visible"] == "microtubules|nucleus|endoplasmic reticulum"
    assert not any("green" in f for f in reference["source_files"])
    assert protein["group"] == reference["group"] == HPA_IDS[0]
    shuffled_rewrite(folder / "train.csv")
    pd.testing.assert_frame_equal(df, records("kaggle_hpa", folder))


def test_kaggle_hpa_single_pipe_labels_and_negative(tmp_path):
    folder = hpa_tree(tmp_path, "kaggle_hpa_single", "ID", "Label", ["8|5|0", "18"], bits=16)
    df = records("kaggle_hpa_single", folder).set_index("sample_id")
    assert df.loc[f"{HPA_IDS[0]}-protein", "cell_visible"] == "intermediate filaments|nuclear bodies|nucleoplasm"
    assert df.loc[f"{HPA_IDS[1]}-protein", "cell_visible"] is None


def test_kaggle_hpa_unknown_class_is_named(tmp_path):
    folder = hpa_tree(tmp_path, "kaggle_hpa", "Id", "Target", ["16 0", "99"], bits=8)
    with pytest.raises(UserError, match=r"train\.csv: Target '99' has an unknown class '99'"):
        records("kaggle_hpa", folder)


def test_kaggle_hpa_missing_target_column(tmp_path):
    folder = hpa_tree(tmp_path, "kaggle_hpa", "Id", "Target", ["1", "2"], bits=8)
    pd.read_csv(folder / "train.csv").rename(columns={"Target": "Label"}).to_csv(folder / "train.csv", index=False)
    with pytest.raises(UserError, match=r"train\.csv: missing column\(s\) Target"):
        records("kaggle_hpa", folder)


def test_data_science_bowl_layout(tmp_path):
    folder = dsb_tree(tmp_path)
    ids = dict(DSB_IDS)
    df = records("bbbc038", folder)
    check_records(df, folder)
    assert sorted(df["sample_id"]) == sorted(ids.values())
    assert sorted(f for files in df["source_files"] for f in files) == sorted(
        f"{s}/{i}/images/{i}.png" for s, i in ids.items()
    )
    # the original gave every image the dataset's organisms (datasets_info.csv: human|mouse|fly)
    assert (df["cell_visible"] == "nucleus").all() and (df["organism"] == "human|mouse|fly").all()
