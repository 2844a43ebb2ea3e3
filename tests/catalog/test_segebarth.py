"""Segebarth et al. 2020 bioimage data package: image_mapping.xlsx + lab-*/images/{ID}.tif."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("openpyxl")

from cytoimagenet.errors import UserError  # noqa: E402

from catalog_fixtures import SEGEBARTH_ROWS, check_records, records, segebarth_tree  # noqa: E402

ROWS = list(SEGEBARTH_ROWS)


def test_segebarth_maps_codes_per_lab(tmp_path):
    folder = segebarth_tree(tmp_path)
    df = records("segebarth2020", folder)
    check_records(df, folder)
    by_id = df.set_index("sample_id")
    assert list(by_id.index) == ["lab-mue-0101", "lab-mue-0102", "lab-wue1-0001", "lab-wue1-0002", "lab-wue1-0003"]
    assert by_id.loc["lab-wue1-0001", "phenotype"] == "homecage"
    assert by_id.loc["lab-wue1-0002", "phenotype"] == "context conditioned"
    assert by_id.loc["lab-wue1-0003", "phenotype"] == "context control"
    # the same code means something else in another lab
    assert by_id.loc["lab-mue-0101", "phenotype"] == "early retrieval"
    assert by_id.loc["lab-mue-0102", "phenotype"] == "late retrieval"
    assert by_id.loc["lab-wue1-0001", "source_files"] == ["lab-wue1/images/0001.tif"]
    assert (df["organism"] == "mouse").all()


def test_segebarth_unknown_code_is_named(tmp_path):
    folder = segebarth_tree(tmp_path, ROWS + [("0004", "x", "DG", "no", "lab-wue1", "Q")])
    with pytest.raises(UserError, match=r"image_mapping\.xlsx: condition code.*lab-wue1:q"):
        records("segebarth2020", folder)


def test_segebarth_missing_column_names_sheet(tmp_path):
    folder = segebarth_tree(tmp_path)
    table = pd.read_excel(folder / "image_mapping.xlsx", dtype=str).drop(columns=["condition"])
    table.to_excel(folder / "image_mapping.xlsx", index=False)
    with pytest.raises(UserError, match=r"image_mapping\.xlsx \(sheet 'Sheet1'\): missing column\(s\) condition"):
        records("segebarth2020", folder)
