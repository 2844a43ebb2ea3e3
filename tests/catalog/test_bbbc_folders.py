"""BBBC single-folder families: one folder of images, identifiers and labels parsed from the file names."""

from __future__ import annotations

import pytest

from cytoimagenet.errors import UserError

from catalog_fixtures import (
    bbbc006_tree,
    bbbc020_tree,
    bbbc026_tree,
    bbbc041_tree,
    check_records,
    leukemia_tree,
    records,
    write_image,
)


def test_bbbc006_planes_of_a_well_share_a_group(tmp_path):
    folder = bbbc006_tree(tmp_path)
    df = records("bbbc006", folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == ["z00-A01-s1", "z00-A01-s2", "z16-A01-s1", "z16-A01-s2"]
    assert df["group"].nunique() == 1
    assert df.loc[2, "source_files"][1] == "BBBC006_v1_images_z_16/mcf-z-stacks-03212011_a01_s1_w28F1E2C3D.tif"
    assert df.loc[0, "channels"] == ["Hoechst", "phalloidin"]


def test_leukemia_groups_cells_by_patient(tmp_path):
    folder = leukemia_tree(tmp_path)
    df = records("kaggle_leukemia", folder)
    check_records(df, folder)
    # the final-test image (no label) is a sample too; labels as the original wrote them (leukemia, wildtype)
    assert list(df["sample_id"]) == ["UID_11_10_1_all", "UID_11_11_2_all", "UID_H10_43_1_hem", "final-1"]
    assert list(df["group"]) == ["11", "11", "H10", "final-1"]
    assert list(df["phenotype"]) == ["leukemia"] * 2 + ["wildtype", None]


def test_folder_without_matching_files_names_folder_and_pattern(tmp_path):
    folder = tmp_path / "bbbc005"
    write_image(folder / "BBBC005_v1_images" / "something_else.TIF")
    with pytest.raises(UserError, match=r"bbbc005: no in-focus \(F1\) SIMCEP images match .*SIMCEPImages"):
        records("bbbc005", folder)


def test_ambiguous_files_are_reported_not_merged(tmp_path):
    folder = tmp_path / "bbbc020"
    write_image(folder / "BBBC020_v1_images" / "jw 1" / "jw 1_c1.TIF")
    write_image(folder / "BBBC020_v1_images" / "jw 1" / "jw 1_C1.TIF")
    with pytest.raises(UserError, match="same sample and channel"):
        records("bbbc020", folder)


def test_missing_channel_file_is_listed_for_quarantine_not_dropped(tmp_path):
    folder = tmp_path / "bbbc005"
    images = folder / "BBBC005_v1_images"
    write_image(images / "SIMCEPImages_A01_C1_F1_s01_w1.TIF")
    write_image(images / "SIMCEPImages_A02_C1_F1_s01_w2.TIF")
    df = records("bbbc005", folder)
    assert list(df["channels"]) == [["cell body", "nuclei"]] * 2
    assert df.loc[0, "source_files"][1] == "BBBC005_v1_images/SIMCEPImages_A01_C1_F1_s01_w2.TIF"
    assert df.loc[1, "source_files"][0] == "BBBC005_v1_images/SIMCEPImages_A02_C1_F1_s01_w1.TIF"
    assert not (folder / df.loc[0, "source_files"][1]).exists()
