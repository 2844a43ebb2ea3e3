"""IDR family: annotation CSV (Plate, Well, Characteristics [...], Compound Name, Gene Symbol, Phenotype N)
beside per-plate folders whose files carry well, field and channel in the instrument's naming."""

from __future__ import annotations

import pandas as pd
import pytest

from cytoimagenet.errors import UserError

from cytoimagenet.catalog.idr import channels_visible, read_plate_list, server_dir
from cytoimagenet.catalog.source import warnings_of

from catalog_fixtures import (
    check_records,
    records,
    shuffled_rewrite,
    write_image,
)
from sources_idr import FIXTURES, IDR0081_PLATE_DIR

ANNOTATION = "screenA/idr0081-screenA-annotation.csv"


def test_idr_annotation_row_order_does_not_matter(tmp_path):
    folder = FIXTURES["idr0081"](tmp_path, 8)
    before = records("idr0081", folder)
    shuffled_rewrite(folder / ANNOTATION, seed=3)
    pd.testing.assert_frame_equal(before, records("idr0081", folder))


def test_idr_well_annotated_twice_merges_labels(tmp_path):
    folder = FIXTURES["idr0081"](tmp_path, 8)
    ann = pd.read_csv(folder / ANNOTATION, dtype=str)
    extra = ann.iloc[[0]].copy()
    extra["Compound Name"] = "Cidofovir"
    pd.concat([ann, extra]).to_csv(folder / ANNOTATION, index=False)
    df = records("idr0081", folder)
    assert df.loc[0, "compound"] == "cidofovir|dimethyl sulfoxide"


def test_idr_missing_plate_column_names_column_and_file(tmp_path):
    folder = FIXTURES["idr0081"](tmp_path, 8)
    pd.read_csv(folder / ANNOTATION).drop(columns=["Plate"]).to_csv(folder / ANNOTATION, index=False)
    with pytest.raises(UserError, match=r"idr0081-screenA-annotation\.csv: missing column\(s\) Plate"):
        records("idr0081", folder)


def test_idr_absent_label_column_is_a_warning_not_silence(tmp_path):
    folder = FIXTURES["idr0081"](tmp_path, 8)
    pd.read_csv(folder / ANNOTATION, dtype=str).drop(columns=["Compound Name"]).to_csv(folder / ANNOTATION, index=False)
    df = records("idr0081", folder)
    assert df["compound"].isna().all()
    assert any("'Compound Name'" in w and "compound" in w for w in warnings_of(df))


def test_idr_plate_folder_with_other_naming_fails_loudly(tmp_path):
    folder = FIXTURES["idr0081"](tmp_path, 8)
    for f in (folder / IDR0081_PLATE_DIR).iterdir():
        f.rename(f.with_name(f.name.replace("_w", "_ch")))
    with pytest.raises(UserError, match="imagexpress"):
        records("idr0081", folder)


def test_idr_screens_of_another_instrument_are_left_out(tmp_path):
    # idr0081 screenC lists the same plate names as screenA/B imaged at EPFL (IN Cell .xdce): not read twice
    folder = FIXTURES["idr0081"](tmp_path, 8)
    before = records("idr0081", folder)
    ann = pd.read_csv(folder / ANNOTATION, dtype=str)
    (folder / "screenC").mkdir()
    ann.to_csv(folder / "screenC/idr0081-screenC-annotation.csv", index=False)
    (folder / "screenC/idr0081-screenC-plates.tsv").write_text(
        "/uod/idr/filesets/idr0081-georgi-adenovirus/20200324-owncloud/2-ZPlates/Data_EPFL/preZ/x.xdce\tpreZ\n")
    write_image(folder / "20200324-owncloud/2-ZPlates/Data_EPFL/preZ/A - 1(fld 1 wv DAPI - DAPI).tif")
    pd.testing.assert_frame_equal(before, records("idr0081", folder))


def test_plate_lists_in_every_order_the_studies_use(tmp_path):
    # (name, path) without a bulk file: idr0003, idr0009, idr0017
    a = tmp_path / "a-plates.tsv"
    a.write_text("DTT p1\t/uod/idr/filesets/idr0003-breker-plasticity/201301120/Images/DTT/p1\n")
    assert read_plate_list(a).to_dict("records") == [
        {"path": "/uod/idr/filesets/idr0003-breker-plasticity/201301120/Images/DTT/p1", "name": "DTT p1"}]
    # (name, relative path) whose bulk file includes one not distributed: idr0016
    r = tmp_path / "idr0016-screenA-plates.tsv"
    r.write_text("24277\t../screens/24277.screen\n24278\t../screens/24278.screen\n")
    (tmp_path / "idr0016-screenA-bulk.yml").write_text('include: "../../bulk.yml"\npath: "idr0016-screenA-plates.tsv"\n')
    assert list(read_plate_list(r)["name"]) == ["24277", "24278"]
    # (path, name) as the bulk file says: idr0081, idr0093
    b = tmp_path / "idr0093-screenA-plates.tsv"
    b.write_text("/uod/idr/filesets/idr0093-mueller-perturbation/20200910-rsync/001/001.wpi\t001\n")
    (tmp_path / "idr0093-screenA-bulk.yml").write_text("columns:\n  - path\n  - name\n")
    assert read_plate_list(b).loc[0, "name"] == "001"
    # a single column: idr0088 (a two-column reader raised a ParserError on it)
    c = tmp_path / "c-plates.tsv"
    c.write_text("/uod/idr/filesets/idr0088-cox-phenomicprofiling/20200722-awss3/x/1013608248/1013608248.wpi\n")
    t = read_plate_list(c)
    assert list(t.columns) == ["path", "name"] and t.loc[0, "name"] is None


@pytest.mark.parametrize("path, below", [
    ("/uod/idr/filesets/idr0081-georgi-adenovirus/20200324-owncloud/1-prePlates/Data_UZH/preZ/HAdV-preZ.HTD",
     "20200324-owncloud/1-prePlates/Data_UZH/preZ"),
    ("/uod/idr/filesets/idr0093-mueller-perturbation/20200910-rsync/001/001.wpi", "20200910-rsync/001"),
    ("/uod/idr/filesets/idr0017-breinig-drugscreen/20151124/14_X-Man_10x/source/S01_1/2011-11-17 X-Man.xdce",
     "20151124/14_X-Man_10x/source/S01_1"),
    ("/uod/idr/filesets/idr0037-vigilante-hipsci/plate1/Index.idx.xml", "plate1"),
    ("/uod/idr/filesets/idr0009-simpson-secretion/20150507-VSVG/VSVG/0001-03--2005-08-01",
     "20150507-VSVG/VSVG/0001-03--2005-08-01"),
    ("../screens/24277.screen", ""),
])
def test_plate_descriptor_files_stand_for_their_folder(path, below):
    assert server_dir(path) == below


def test_cell_visible_from_the_channels_column():
    values = pd.Series(["Hoechst:nuclei; GFP:infection", "Ch1 (blue): Nuclei/Cytoplasm, Ch2 (green): ACTB, Ch3 (red): RAB5A",
                        None, "no stain named"])
    assert list(channels_visible(values)) == ["nucleus|infection", "nucleus|cytoplasm|actb|rab5a", None, None]


def test_idr_without_annotation_says_what_to_download(tmp_path):
    folder = tmp_path / "idr0088"
    folder.mkdir()
    with pytest.raises(UserError, match="annotation"):
        records("idr0088", folder)


def test_compressed_annotation_is_read_once_beside_its_unpacked_copy(tmp_path):
    # idr0093 distributes screenA/idr0093-screenA-annotation.csv.gz; a user may also have gunzipped it
    folder = FIXTURES["idr0093"](tmp_path, 8)
    packed = folder / "screenA/idr0093-screenA-annotation.csv.gz"
    ann = pd.read_csv(packed, dtype=str)
    ann.loc[ann["Well"] == "B3", "Gene Symbol"] = "PLK1"  # marks which copy was read
    ann.to_csv(packed.with_suffix(""), index=False)
    df = records("idr0093", folder).set_index("sample_id")
    assert df.loc["001-B03-f1", "gene"] == "plk1 targeted"


def test_annotated_plate_not_downloaded_is_a_warning(tmp_path):
    folder = FIXTURES["idr0081"](tmp_path, 8)
    ann = pd.read_csv(folder / ANNOTATION, dtype=str)
    extra = ann.iloc[[0]].copy()
    extra["Plate"] = "preScreen"  # listed in the plate list; its folder is not downloaded
    pd.concat([ann, extra]).to_csv(folder / ANNOTATION, index=False)
    df = records("idr0081", folder)
    assert len(df) == 2
    assert any("1 of 2 annotated plate(s) have no folder" in w and "Data_UZH/preScreen" in w for w in warnings_of(df))

