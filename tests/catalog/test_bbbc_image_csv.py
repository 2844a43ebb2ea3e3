"""BBBC image-CSV family (layouts.image_csv_records) on BBBC022's real layout: BBBC022_v1_image.csv and the
zips' folders BBBC022_v1_images_<plate>w<n>/. The per-source expectations are in test_sources_bbbc_b.py."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from cytoimagenet.errors import UserError

from catalog_fixtures import records
from sources_bbbc_b import FIXTURES


def _well_formed(folder):
    """The fixture's CSV without its planted malformed rows, as a table."""
    csv = folder / "BBBC022_v1_image.csv"
    table = pd.read_csv(csv, dtype=str, nrows=3)
    table.to_csv(csv, index=False)
    return csv, table


def test_missing_channel_column_names_column_and_file(tmp_path):
    csv, table = _well_formed(FIXTURES["bbbc022"](tmp_path, 8))
    table.drop(columns=["Image_FileName_OrigMito"]).to_csv(csv, index=False)
    with pytest.raises(UserError, match=r"BBBC022_v1_image\.csv: missing column\(s\) for channel Mito: Image_FileName_OrigMito"):
        records("bbbc022", csv.parent)


def test_missing_well_column_names_it(tmp_path):
    csv, table = _well_formed(FIXTURES["bbbc022"](tmp_path, 8))
    table.drop(columns=["Image_Metadata_CPD_WELL_POSITION"]).to_csv(csv, index=False)
    with pytest.raises(UserError, match=r"BBBC022_v1_image\.csv: missing column\(s\) Image_Metadata_CPD_WELL_POSITION"):
        records("bbbc022", csv.parent)


def test_file_missing_on_disk_is_still_listed(tmp_path):
    folder = FIXTURES["bbbc022"](tmp_path, 8)
    lost = "BBBC022_v1_images_20585w3/IXMtest_B02_s1_w300000003-0003-4D7C-9992-EC22DFA440D1.tif"
    (folder / lost).unlink()
    df = records("bbbc022", folder).set_index("sample_id")
    assert lost in df.loc["20585-B02-s1", "source_files"]


def test_folders_named_by_an_image_pathname_column_are_found(tmp_path):
    """A copy unpacked to the folders the analysis machine's Image_PathName_* names (`/cbnt/.../20585w1`)
    reads from those folders when the zips' own folder names are absent."""
    csv, table = _well_formed(FIXTURES["bbbc022"](tmp_path, 8))
    folder = csv.parent
    stems = {1: "OrigHoechst", 2: "OrigER", 3: "OrigSyto", 4: "OrigPh_golgi", 5: "OrigMito"}
    for w, stem in stems.items():
        table[f"Image_PathName_{stem}"] = f"/cbnt/cbimageX/HCS/bray/20585w{w}"
        shutil.move(folder / f"BBBC022_v1_images_20585w{w}", folder / f"20585w{w}")
    table.to_csv(csv, index=False)
    df = records("bbbc022", folder)
    assert df.loc[0, "source_files"][0].startswith("20585w1/IXMtest_B02_s1_w1")
    assert all((folder / f).is_file() for files in df["source_files"] for f in files)
