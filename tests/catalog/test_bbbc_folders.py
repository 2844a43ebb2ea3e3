"""BBBC single-folder families: one folder of images, identifiers and labels parsed from the file names."""

from __future__ import annotations

import json

import pytest

from cytoimagenet.errors import UserError

from catalog_fixtures import check_records, records, write_image


def test_bbbc005_pairs_stains_and_groups_blur_levels_of_one_field(root):
    folder = root / "bbbc005"
    images = folder / "BBBC005_v1_images"
    for well, count, blur in (("A01", 1, 1), ("A02", 1, 48), ("B01", 14, 1)):
        for w in (1, 2):
            write_image(images / f"SIMCEPImages_{well}_C{count}_F{blur}_s05_w{w}.TIF")
    (images / ".htaccess").write_text("not an image")
    df = records("bbbc005", folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == ["A01-C1-F1-s05", "A02-C1-F48-s05", "B01-C14-F1-s05"]
    assert df.loc[0, "source_files"] == [
        "BBBC005_v1_images/SIMCEPImages_A01_C1_F1_s05_w1.TIF",
        "BBBC005_v1_images/SIMCEPImages_A01_C1_F1_s05_w2.TIF",
    ]
    assert df.loc[0, "channels"] == ["nuclei", "cell body"]
    # the blurred copy (F48) of a field shares the split group of its sharp original (F1)
    assert df.loc[0, "group"] == df.loc[1, "group"] != df.loc[2, "group"]


def test_bbbc006_planes_of_a_well_share_a_group(root):
    folder = root / "bbbc006"
    for z in ("00", "16"):
        for site in (1, 2):
            for w in (1, 2):
                write_image(
                    folder / f"BBBC006_v1_images_z_{z}" / f"mcf-z-stacks-03212011_a01_s{site}_w{w}8F1E2C3D.tif", bits=16
                )
    df = records("bbbc006", folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == ["z00-A01-s1", "z00-A01-s2", "z16-A01-s1", "z16-A01-s2"]
    assert df["group"].nunique() == 1
    assert df.loc[2, "source_files"][1] == "BBBC006_v1_images_z_16/mcf-z-stacks-03212011_a01_s1_w28F1E2C3D.tif"
    assert df.loc[0, "channels"] == ["Hoechst", "phalloidin"]


def test_bbbc010_keeps_brightfield_apart_and_labels_controls(root):
    folder = root / "bbbc010"
    images = folder / "BBBC010_v2_images"
    for well in ("A01", "A13"):
        for w in (1, 2):
            write_image(images / f"1649_1109_0003_Amp5-1_B_20070424_{well}_w{w}_9E84F49F-1B25.tif", bits=16)
    df = records("bbbc010", folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == ["A01", "A01-bf", "A13", "A13-bf"]
    by_id = df.set_index("sample_id")
    assert by_id.loc["A01-bf", "microscopy"] == "brightfield"
    assert by_id.loc["A01-bf", "channels"] == ["brightfield"]
    assert by_id.loc["A01", "microscopy"] == "fluorescence"
    assert by_id.loc["A01", "channels"] == ["dead stain"]
    assert by_id.loc["A01", "group"] == by_id.loc["A01-bf", "group"]
    assert by_id.loc["A01", "phenotype"] == "alive" and by_id.loc["A01", "compound"] == "ampicillin"
    assert by_id.loc["A13", "phenotype"] == "dead" and by_id.loc["A13", "compound"] is None
    assert (df["organism"] == "nematode").all()


def test_bbbc013_wells_from_bmp_names(root):
    folder = root / "bbbc013"
    for index, row, col in ((1, "A", 1), (96, "H", 12)):
        for ch in (1, 2):
            write_image(folder / "BBBC013_v1_images_bmp" / f"Channel{ch}-{index:02d}-{row}-{col:02d}.BMP")
    df = records("bbbc013", folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == ["A01", "H12"]
    assert df.loc[1, "source_files"] == [
        "BBBC013_v1_images_bmp/Channel1-96-H-12.BMP",
        "BBBC013_v1_images_bmp/Channel2-96-H-12.BMP",
    ]


def test_bbbc020_skips_the_composite(root):
    folder = root / "bbbc020"
    for image in ("jw-1h 1", "jw-24h 3"):
        for suffix in ("c1", "c5", "(c1+c5)"):
            write_image(folder / "BBBC020_v1_images" / image / f"{image}_{suffix}.TIF")
    df = records("bbbc020", folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == ["jw-1h_1", "jw-24h_3"]
    assert df.loc[0, "source_files"] == ["BBBC020_v1_images/jw-1h 1/jw-1h 1_c1.TIF", "BBBC020_v1_images/jw-1h 1/jw-1h 1_c5.TIF"]
    assert (df["organism"] == "mouse").all() and (df["cell_type"] == "macrophage").all()


def test_bbbc026_one_sample_per_image(root):
    folder = root / "bbbc026"
    for name in ("Plate1_A01_s1", "Plate1_B03_s2"):
        write_image(folder / "BBBC026_v1_images" / f"{name}.png")
    df = records("bbbc026", folder)
    check_records(df, folder)
    assert list(df["group"]) == ["Plate1_A01_s1", "Plate1_B03_s2"]
    assert df.loc[0, "organism"] == "human|mouse"


def test_bbbc041_labels_from_the_box_categories(root):
    folder = root / "bbbc041"
    entries = [
        {
            "image": {"checksum": "x", "pathname": "/images/8d02117d-6c71-4e47-b50a-6cc8d5eb1d55.png",
                      "shape": {"r": 1200, "c": 1600, "channels": 3}},
            "objects": [{"bounding_box": {}, "category": "red blood cell"}, {"bounding_box": {}, "category": "ring"}],
        },
        {
            "image": {"checksum": "y", "pathname": "/images/0ac747cd-ff32-49bf-bc1a-3e9b7702ce9c.jpg",
                      "shape": {"r": 1200, "c": 1600, "channels": 3}},
            "objects": [{"bounding_box": {}, "category": "red blood cell"}, {"bounding_box": {}, "category": "leukocyte"}],
        },
    ]
    (folder / "malaria").mkdir(parents=True)
    (folder / "malaria" / "training.json").write_text(json.dumps(entries))
    for e in entries:
        write_image(folder / "malaria" / e["image"]["pathname"].lstrip("/"), mode="RGB")
    df = records("bbbc041", folder).set_index("sample_id")
    assert df.loc["8d02117d-6c71-4e47-b50a-6cc8d5eb1d55", "phenotype"] == "ring stage"
    assert df.loc["0ac747cd-ff32-49bf-bc1a-3e9b7702ce9c", "phenotype"] == "uninfected"
    assert df.loc["0ac747cd-ff32-49bf-bc1a-3e9b7702ce9c", "cell_type"] == "red blood cell|white blood cell"
    assert df.loc["0ac747cd-ff32-49bf-bc1a-3e9b7702ce9c", "source_files"] == [
        "malaria/images/0ac747cd-ff32-49bf-bc1a-3e9b7702ce9c.jpg"
    ]
    assert (df["microscopy"] == "brightfield").all()


def test_leukemia_groups_cells_by_patient(root):
    folder = root / "kaggle_leukemia"
    base = folder / "C-NMC_Leukemia" / "training_data"
    for fold, cls, name in (
        ("fold_0", "all", "UID_11_10_1_all"),
        ("fold_0", "all", "UID_11_11_2_all"),
        ("fold_1", "hem", "UID_H10_43_1_hem"),
    ):
        write_image(base / fold / cls / f"{name}.bmp", mode="RGB")
    write_image(folder / "C-NMC_Leukemia" / "testing_data" / "C-NMC_test_final_phase_data" / "1.bmp", mode="RGB")
    df = records("kaggle_leukemia", folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == ["UID_11_10_1_all", "UID_11_11_2_all", "UID_H10_43_1_hem"]
    assert list(df["group"]) == ["11", "11", "H10"]
    assert list(df["phenotype"]) == ["b-lineage acute lymphoblastic leukemia"] * 2 + ["healthy"]


def test_folder_without_matching_files_names_folder_and_pattern(root):
    folder = root / "bbbc005"
    write_image(folder / "BBBC005_v1_images" / "something_else.TIF")
    with pytest.raises(UserError, match=r"bbbc005: no SIMCEP images match .*SIMCEPImages"):
        records("bbbc005", folder)


def test_ambiguous_files_are_reported_not_merged(root):
    folder = root / "bbbc020"
    write_image(folder / "BBBC020_v1_images" / "jw 1" / "jw 1_c1.TIF")
    write_image(folder / "BBBC020_v1_images" / "jw 1" / "jw 1_C1.TIF")
    with pytest.raises(UserError, match="same sample and channel"):
        records("bbbc020", folder)


def test_missing_channel_file_is_listed_for_quarantine_not_dropped(root):
    folder = root / "bbbc005"
    images = folder / "BBBC005_v1_images"
    write_image(images / "SIMCEPImages_A01_C1_F1_s01_w1.TIF")
    write_image(images / "SIMCEPImages_A02_C1_F1_s01_w2.TIF")
    df = records("bbbc005", folder)
    assert list(df["channels"]) == [["nuclei", "cell body"]] * 2
    assert df.loc[0, "source_files"][1] == "BBBC005_v1_images/SIMCEPImages_A01_C1_F1_s01_w2.TIF"
    assert df.loc[1, "source_files"][0] == "BBBC005_v1_images/SIMCEPImages_A02_C1_F1_s01_w1.TIF"
    assert not (folder / df.loc[0, "source_files"][1]).exists()
