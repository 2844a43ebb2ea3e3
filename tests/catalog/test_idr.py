"""IDR family: annotation CSV (Plate, Well, Characteristics [...], Compound Name, Gene Symbol, Phenotype N)
beside per-plate folders whose files carry well, field and channel in the instrument's naming."""

from __future__ import annotations

import pandas as pd
import pytest

from cytoimagenet.errors import UserError

from catalog_fixtures import (
    IDR0080_PLATE,
    IDR0081_ANNOTATION,
    check_records,
    idr0072_tree,
    idr0080_tree,
    idr0081_tree,
    idr0088_tree,
    records,
    shuffled_rewrite,
    write_image,
)

ANNOTATION = IDR0081_ANNOTATION


def test_idr_screen_records(tmp_path):
    folder = idr0081_tree(tmp_path)
    df = records("idr0081", folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == ["HAdV-pre-A02-f1", "HAdV-pre-B10-f1", "Za_BSF018104-A01-f1"]
    assert list(df["group"]) == ["HAdV-pre-A02", "HAdV-pre-B10", "Za_BSF018104-A01"]
    assert df.loc[0, "source_files"] == [
        "1-prePlates/Data_UZH/preScreen/HAdV-pre_A02_w1.TIF",
        "1-prePlates/Data_UZH/preScreen/HAdV-pre_A02_w2.TIF",
    ]
    assert list(df["organism"]) == ["human"] * 3
    assert list(df["cell_type"]) == ["a549"] * 3
    assert list(df["compound"]) == ["dmso", "nelfinavir mesylate", None]
    assert df.loc[2, "gene"] == "hexim1 targeted|plk1 targeted"
    assert list(df["phenotype"]) == ["infected cell", "nucleus", "plaque"]


def test_idr_annotation_row_order_does_not_matter(tmp_path):
    folder = idr0081_tree(tmp_path)
    before = records("idr0081", folder)
    shuffled_rewrite(folder / ANNOTATION, seed=3)
    pd.testing.assert_frame_equal(before, records("idr0081", folder))


def test_idr_well_annotated_twice_merges_labels(tmp_path):
    folder = idr0081_tree(tmp_path)
    ann = pd.read_csv(folder / ANNOTATION, dtype=str)
    extra = ann.iloc[[0]].copy()
    extra["Compound Name"] = "Cidofovir"
    pd.concat([ann, extra]).to_csv(folder / ANNOTATION, index=False)
    df = records("idr0081", folder)
    assert df.loc[0, "compound"] == "cidofovir|dmso"


def test_idr_missing_plate_column_names_column_and_file(tmp_path):
    folder = idr0081_tree(tmp_path)
    pd.read_csv(folder / ANNOTATION).drop(columns=["Plate"]).to_csv(folder / ANNOTATION, index=False)
    with pytest.raises(UserError, match=r"idr0081-screenA-annotation\.csv: missing column\(s\) Plate"):
        records("idr0081", folder)


def test_idr_plate_folder_with_other_naming_fails_loudly(tmp_path):
    folder = idr0081_tree(tmp_path)
    write_image(folder / "2-ZPLates/Data_UZH/Za_BSF018104" / "Za_BSF018104_A01_w1.TIF")
    for f in (folder / "2-ZPLates/Data_UZH/Za_BSF018104").iterdir():
        f.rename(f.with_name(f.name.replace("_w", "_ch")))
    with pytest.raises(UserError, match="imagexpress"):
        records("idr0081", folder)


def test_idr_harmony_naming_with_cell_painting_channels(tmp_path):
    folder = idr0080_tree(tmp_path)
    plate = IDR0080_PLATE
    df = records("idr0080", folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == [f"{plate}-{w}-f{f}" for w in ("A02", "B01") for f in (1, 2)]
    assert df.loc[0, "group"] == df.loc[1, "group"] == f"{plate}-A02"
    assert df.loc[0, "channels"] == ["DNA", "ER", "RNA", "AGP", "Mito"]
    assert df.loc[0, "source_files"][0] == f"{plate}/Images/r01c02f01p01-ch1sk1fk1fl1.tiff"
    assert df.loc[0, "gene"] == "mcl1 targeted"


def test_idr_flex_container_is_one_file_with_all_channels(tmp_path):
    folder = idr0072_tree(tmp_path)
    df = records("idr0072", folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == ["WS_MCF10A_Landmark_20180506_Meas_01-A11-f0", "WS_MCF10A_Landmark_20180506_Meas_01-A11-f1"]
    assert df.loc[0, "channels"] == ["all channels"]
    assert df.loc[0, "cell_type"] == "mcf10a" and df.loc[0, "gene"] == "tomm20 targeted"


def test_idr_without_annotation_says_what_to_download(tmp_path):
    folder = tmp_path / "idr0088"
    folder.mkdir()
    with pytest.raises(UserError, match="annotation"):
        records("idr0088", folder)


def test_idr_cellvoyager_naming(tmp_path):
    folder = idr0088_tree(tmp_path)
    df = records("idr0088", folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == ["110000252072-I12-f1", "110000252072-I12-f2"]
    assert df.loc[0, "channels"] == ["BFP", "GFP", "RFP"]
    assert df.loc[0, "cell_type"] == "wpmy1" and df.loc[0, "compound"] == "staurosporine"
