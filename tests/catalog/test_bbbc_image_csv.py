"""BBBC image-CSV family, on a BBBC022 tree: BBBC022_v1_image.csv + per-plate channel folders <plate>w<n>/."""

from __future__ import annotations

import pandas as pd
import pytest

from cytoimagenet.errors import UserError

from catalog_fixtures import BBBC022_STEMS_2017, BBBC022_STEMS_CP, bbbc022_tree, check_records, records, shuffled_rewrite

STEMS_2017 = BBBC022_STEMS_2017
STEMS_CP = BBBC022_STEMS_CP


def test_bbbc022_records(tmp_path):
    folder = bbbc022_tree(tmp_path)
    df = records("bbbc022", folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == ["20585-A01-s1", "20585-A01-s2", "20585-B02-s1", "20586-A01-s1"]
    first = df.iloc[0]
    assert first["channels"] == ["DNA", "ER", "RNA", "AGP", "Mito"]
    assert first["source_files"][0] == "20585w1/IXMtest_A01_s1_w1ABCDEF-01.tif"
    assert first["source_files"][4] == "20585w5/IXMtest_A01_s1_w5ABCDEF-05.tif"
    assert all((folder / f).is_file() for files in df["source_files"] for f in files)
    # fields of one well share a split group; wells of different plates do not
    assert df.loc[0, "group"] == df.loc[1, "group"] == "20585-A01"
    assert df.loc[3, "group"] == "20586-A01"
    assert list(df["compound"]) == ["dmso", "dmso", "cytochalasin d", "staurosporine"]
    assert (df["organism"] == "human").all() and (df["cell_type"] == "u2os").all()
    assert "mitochondria" in df.loc[0, "cell_visible"].split("|")


def test_bbbc022_accepts_cell_painting_channel_names(tmp_path):
    folder = bbbc022_tree(tmp_path, STEMS_CP)
    df = records("bbbc022", folder)
    assert df.loc[0, "source_files"][2] == "20585w3/IXMtest_A01_s1_w3ABCDEF-03.tif"


def test_bbbc022_sample_ids_do_not_depend_on_row_order(tmp_path):
    folder = bbbc022_tree(tmp_path)
    before = records("bbbc022", folder)
    shuffled_rewrite(folder / "BBBC022_v1_image.csv")
    after = records("bbbc022", folder)
    pd.testing.assert_frame_equal(before, after)


def test_bbbc022_missing_channel_column_names_column_and_file(tmp_path):
    folder = bbbc022_tree(tmp_path)
    csv = folder / "BBBC022_v1_image.csv"
    pd.read_csv(csv).drop(columns=["Image_FileName_OrigMito"]).to_csv(csv, index=False)
    with pytest.raises(UserError, match=r"BBBC022_v1_image\.csv.*Image_FileName_OrigMito"):
        records("bbbc022", folder)


def test_bbbc022_missing_well_column(tmp_path):
    folder = bbbc022_tree(tmp_path)
    csv = folder / "BBBC022_v1_image.csv"
    pd.read_csv(csv).drop(columns=["Image_Metadata_CPD_WELL_POSITION"]).to_csv(csv, index=False)
    with pytest.raises(UserError, match=r"BBBC022_v1_image\.csv: missing column\(s\) Image_Metadata_CPD_WELL_POSITION"):
        records("bbbc022", folder)


def test_bbbc022_files_missing_on_disk_are_still_listed(tmp_path):
    folder = bbbc022_tree(tmp_path)
    (folder / "20586w3" / "IXMtest_A01_s1_w3ABCDEF-03.tif").unlink()
    df = records("bbbc022", folder)
    assert "20586w3/IXMtest_A01_s1_w3ABCDEF-03.tif" in df.loc[3, "source_files"]
