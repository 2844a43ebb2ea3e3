"""Segebarth et al. 2020 bioimage data package: image_mapping.xlsx + lab-*/images/{ID}.tif."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("openpyxl")

from cytoimagenet.errors import UserError  # noqa: E402

from catalog_fixtures import check_records, records, write_image  # noqa: E402

ROWS = [
    # ID, name, area, training, experiment, condition
    ("0001", "m1_dg_s1", "DG", "yes", "lab-wue1", "H"),
    ("0002", "m2_ca3_s1", "CA3", "no", "lab-wue1", "+"),
    ("0003", "m3_ca1_s2", "CA1", "no", "lab-wue1", "-"),
    ("0101", "m7_bla", "BLA", "no", "lab-mue", "Ext"),
    ("0102", "m8_bla", "BLA", "no", "lab-mue", "Ret"),
    ("0201", "f1", "IL", "no", "lab-inns1", "Ext"),  # images not distributed
]


def segebarth_tree(root, rows=ROWS):
    folder = root / "segebarth2020"
    folder.mkdir()
    table = pd.DataFrame(rows, columns=["ID", "name", "area", "training", "experiment", "condition"])
    table.to_excel(folder / "image_mapping.xlsx", index=False)
    for i, *_, lab, _ in rows:
        if lab in ("lab-wue1", "lab-mue"):
            write_image(folder / lab / "images" / f"{i}.tif", bits=16)
    return folder


def test_segebarth_maps_codes_per_lab(root):
    folder = segebarth_tree(root)
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


def test_segebarth_unknown_code_is_named(root):
    folder = segebarth_tree(root, ROWS + [("0004", "x", "DG", "no", "lab-wue1", "Q")])
    with pytest.raises(UserError, match=r"image_mapping\.xlsx: condition code.*lab-wue1:q"):
        records("segebarth2020", folder)


def test_segebarth_missing_column_names_sheet(root):
    folder = segebarth_tree(root)
    table = pd.read_excel(folder / "image_mapping.xlsx", dtype=str).drop(columns=["condition"])
    table.to_excel(folder / "image_mapping.xlsx", index=False)
    with pytest.raises(UserError, match=r"image_mapping\.xlsx \(sheet 'Sheet1'\): missing column\(s\) condition"):
        records("segebarth2020", folder)
