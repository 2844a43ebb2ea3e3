"""BBBC image-CSV family, on a BBBC022 tree: BBBC022_v1_image.csv + per-plate channel folders <plate>w<n>/."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cytoimagenet.errors import UserError

from catalog_fixtures import check_records, records, shuffled_rewrite, write_image

STEMS_2017 = {"DNA": "OrigHoechst", "ER": "OrigER", "RNA": "OrigSyto", "AGP": "OrigPh_golgi", "Mito": "OrigMito"}
STEMS_CP = {c: f"Orig{c}" for c in ("DNA", "ER", "RNA", "AGP", "Mito")}


def bbbc022_tree(root: Path, stems=STEMS_2017) -> Path:
    folder = root / "bbbc022"
    rows = []
    fields = [
        ("20585", "A01", 1, "mock", None),
        ("20585", "A01", 2, "mock", None),
        ("20585", "B02", 1, "treated", "Cytochalasin D"),
        ("20586", "A01", 1, "treated", "Staurosporine"),
    ]
    for n, (plate, well, site, role, compound) in enumerate(fields, start=1):
        row = {
            "TableNumber": 0,
            "ImageNumber": n,
            "Image_Metadata_PlateID": plate,
            "Image_Metadata_CPD_WELL_POSITION": well,
            "Image_Metadata_Site": site,
            "Image_Metadata_ASSAY_WELL_ROLE": role,
            "Image_Metadata_SOURCE_COMPOUND_NAME": compound,
            "Image_Metadata_BROAD_ID": None if compound is None else f"BRD-K{n:08d}",
            "Image_Metadata_CPD_MMOL_CONC": None if compound is None else "5",
        }
        for w, channel in enumerate(("DNA", "ER", "RNA", "AGP", "Mito"), start=1):
            name = f"IXMtest_{well}_s{site}_w{w}ABCDEF-0{w}.tif"
            row[f"Image_FileName_{stems[channel]}"] = name
            # the path of the analysis machine, as the published CSV records it
            row[f"Image_PathName_{stems[channel]}"] = f"/cbnt/cbimageX/HCS/bray/{plate}w{w}"
            write_image(folder / f"{plate}w{w}" / name, bits=16)
        rows.append(row)
    pd.DataFrame(rows).to_csv(folder / "BBBC022_v1_image.csv", index=False)
    return folder


def test_bbbc022_records(root):
    folder = bbbc022_tree(root)
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


def test_bbbc022_accepts_cell_painting_channel_names(root):
    folder = bbbc022_tree(root, STEMS_CP)
    df = records("bbbc022", folder)
    assert df.loc[0, "source_files"][2] == "20585w3/IXMtest_A01_s1_w3ABCDEF-03.tif"


def test_bbbc022_sample_ids_do_not_depend_on_row_order(root):
    folder = bbbc022_tree(root)
    before = records("bbbc022", folder)
    shuffled_rewrite(folder / "BBBC022_v1_image.csv")
    after = records("bbbc022", folder)
    pd.testing.assert_frame_equal(before, after)


def test_bbbc022_missing_channel_column_names_column_and_file(root):
    folder = bbbc022_tree(root)
    csv = folder / "BBBC022_v1_image.csv"
    pd.read_csv(csv).drop(columns=["Image_FileName_OrigMito"]).to_csv(csv, index=False)
    with pytest.raises(UserError, match=r"BBBC022_v1_image\.csv.*Image_FileName_OrigMito"):
        records("bbbc022", folder)


def test_bbbc022_missing_well_column(root):
    folder = bbbc022_tree(root)
    csv = folder / "BBBC022_v1_image.csv"
    pd.read_csv(csv).drop(columns=["Image_Metadata_CPD_WELL_POSITION"]).to_csv(csv, index=False)
    with pytest.raises(UserError, match=r"BBBC022_v1_image\.csv: missing column\(s\) Image_Metadata_CPD_WELL_POSITION"):
        records("bbbc022", folder)


def test_bbbc022_files_missing_on_disk_are_still_listed(root):
    folder = bbbc022_tree(root)
    (folder / "20586w3" / "IXMtest_A01_s1_w3ABCDEF-03.tif").unlink()
    df = records("bbbc022", folder)
    assert "20586w3/IXMtest_A01_s1_w3ABCDEF-03.tif" in df.loc[3, "source_files"]
