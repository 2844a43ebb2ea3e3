"""BBBC sources 005, 006, 010-015 and 017 read from fixtures in their real layouts: one table of expectations
per source (records, channels, microscopy, the labels the original assigned), one parametrised test."""

from __future__ import annotations

import pytest

from cytoimagenet.catalog.registry import get_source
from cytoimagenet.catalog.source import warnings_of
from cytoimagenet.errors import UserError

from catalog_fixtures import check_records, records, write_image
from sources_bbbc_a import (
    BBBC006_FILES, BBBC010_FILES, BBBC012_FILES, BBBC017_HEADER, BBBC017_ROWS, FIXTURES, write_xls,
)

FLUO = "fluorescence"
BF = "brightfield"

# per source: sample_id -> expected fields; "files" are source_files relative to the source folder
EXPECTED = {
    "bbbc005": {
        "A04-C14-s15": dict(channels=["cell body", "nuclei"], microscopy=FLUO, organism="human", cell_type="u2os",
                            cell_visible="cell body|nucleus",
                            files=["BBBC005_v1_images/SIMCEPImages_A04_C14_F1_s15_w1.TIF",
                                   "BBBC005_v1_images/SIMCEPImages_A04_C14_F1_s15_w2.TIF"]),
        "A14-C57-s21": dict(channels=["cell body", "nuclei"], cell_visible="cell body|nucleus"),
        "A22-C91-s25": dict(channels=["cell body", "nuclei"]),
    },
    "bbbc006": {
        "z16-A01-s1": dict(channels=["Hoechst", "phalloidin"], microscopy=FLUO, organism="human", cell_type="u2os",
                           cell_visible="nucleus|actin", group="A01",
                           files=[f"BBBC006_v1_images_z_16/{name}" for name in BBBC006_FILES[:2]]),
        "z16-H15-s2": dict(channels=["Hoechst", "phalloidin"], group="H15"),
    },
    "bbbc010": {
        "A01": dict(channels=["GFP"], microscopy=FLUO, organism="nematode", cell_type=None, phenotype="wildtype",
                    group="A01", compound=None),
        "A01-bf": dict(channels=["brightfield"], microscopy=BF, phenotype="wildtype", group="A01",
                       files=[f"BBBC010_v2_images/{BBBC010_FILES[0]}"]),
        "A05": dict(channels=["GFP"], microscopy=FLUO, phenotype="wildtype"),
        "D20-bf": dict(channels=["brightfield"], microscopy=BF, phenotype="dead"),
    },
    "bbbc012": {
        "101210OranePlt2-M08": dict(channels=["GFP", "mCherry"], microscopy=FLUO, organism="nematode",
                                    cell_visible="intestine|pharynx", group="101210OranePlt2-M08", phenotype=None,
                                    files=[f"BBBC012_v1_images/{name}" for name in BBBC012_FILES[1:3]]),
        "101210OranePlt2-M08-bf": dict(channels=["brightfield"], microscopy=BF, cell_visible=None,
                                       group="101210OranePlt2-M08"),
        "101210OranePlt2-M24": dict(channels=["GFP", "mCherry"], microscopy=FLUO),
        "101210OranePlt2-M24-bf": dict(channels=["brightfield"], microscopy=BF),
    },
    "bbbc013": {
        "A06": dict(channels=["DNA"], microscopy=FLUO, organism="human", cell_type="u2os", cell_visible="nucleus",
                    files=["BBBC013_v1_images_bmp/Channel2-06-A-06.BMP"]),
        "C12": dict(channels=["DNA"], files=["BBBC013_v1_images_bmp/Channel2-36-C-12.BMP"]),
        "H12": dict(channels=["DNA"]),
    },
    "bbbc014": {
        "A06-f00": dict(channels=["DAPI"], microscopy=FLUO, organism="human", cell_type="mcf-7",
                        cell_visible="nucleus", files=["BBBC014_v1_images/Channel 2-06-A-06-00.Bmp"]),
        "C05-f00": dict(cell_type="mcf-7"),
        "G12-f00": dict(cell_type="a549", files=["BBBC014_v1_images/Channel 2-84-G-12-00.Bmp"]),
    },
    "bbbc015": {
        "w54-f4": dict(channels=["nuclei", "arrestin-GFP"], microscopy=FLUO, organism="human", cell_type="u2os",
                       cell_visible="nucleus|cell membrane", group="w54",
                       files=["BBBC015_v1_images/54_4_0.JPG", "BBBC015_v1_images/54_4_1.JPG"]),
        "w62-f1": dict(group="w62"),
    },
    "bbbc017": {
        "NIRHTa-minus-001-A01-f00": dict(
            channels=["Hoechst", "phalloidin", "phospho-histone H3"], microscopy=FLUO, organism="human",
            cell_type="ht29", cell_visible="nucleus|actin", gene="gabra3 targeted", phenotype=None,
            group="NIRHTa-minus-001-A01",
            files=[f"BBBC017_v1_images_NIRHTa-001/AS_09125_050117080001_A01f00d{d}.DIB" for d in range(3)]),
        "NIRHTa-plus-001-A01-f00": dict(gene="gabra3 targeted", group="NIRHTa-plus-001-A01"),
        "NIRHTa-plus-001-A02-f00": dict(gene="mapk11 targeted"),
        "NIRHTa-plus-001-O13-f00": dict(gene=None),  # EMPTY control well
        "NIRHTa-plus-002-A02-f01": dict(gene=None),  # shLuc control well
    },
}
FIELDS = {"files": "source_files"}


@pytest.mark.parametrize("source_id", sorted(EXPECTED))
def test_source_reads_its_real_layout(tmp_path, source_id):
    folder = FIXTURES[source_id](tmp_path, 8)
    df = records(source_id, folder)
    check_records(df, folder)
    expected = EXPECTED[source_id]
    assert list(df["sample_id"]) == sorted(expected)
    by_id = df.set_index("sample_id")
    for sample_id, fields in expected.items():
        for key, value in fields.items():
            got = by_id.loc[sample_id, FIELDS.get(key, key)]
            assert (list(got) if isinstance(got, (list, tuple)) or hasattr(got, "tolist") else got) == value, (
                f"{source_id} {sample_id} {key}")
    # every listed file exists: the fixture and the adapter agree on the layout
    for files in df["source_files"]:
        assert all((folder / f).is_file() for f in files)
    # brightfield never shares a sample with fluorescence
    for channels, microscopy in zip(df["channels"], df["microscopy"]):
        assert ("brightfield" in channels) == (microscopy == BF)
    assert warnings_of(df) == []


def test_every_fixture_source_is_adaptable_and_bbbc011_says_why(tmp_path):
    for source_id in FIXTURES:
        assert get_source(source_id).adaptable, source_id
    entry = get_source("bbbc011").entry
    assert entry.adapter is None and entry.note.startswith("Not adaptable:")
    with pytest.raises(UserError, match="no adapter yet"):
        get_source("bbbc011").records(tmp_path)


def test_bbbc005_reads_in_focus_images_only(tmp_path):
    folder = FIXTURES["bbbc005"](tmp_path, 8)
    assert (folder / "BBBC005_v1_images" / "SIMCEPImages_P14_C57_F48_s21_w1.TIF").is_file()
    df = records("bbbc005", folder)
    assert not any("_F48_" in f for files in df["source_files"] for f in files)


def test_bbbc005_ground_truth_masks_are_not_images(tmp_path):
    folder = FIXTURES["bbbc005"](tmp_path, 8)
    # the ground-truth zip unpacks masks under the images' names; the original read those as images
    write_image(folder / "BBBC005_v1_ground_truth" / "SIMCEPImages_A04_C14_F1_s15_w1.TIF")
    df = records("bbbc005", folder)
    assert not any("ground_truth" in f for files in df["source_files"] for f in files)


def test_bbbc014_and_bbbc013_leave_the_reporter_channel_out(tmp_path):
    for source_id, reporter in (("bbbc013", "Channel1-"), ("bbbc014", "Channel 1-")):
        folder = FIXTURES[source_id](tmp_path, 8)
        assert any(p.name.startswith(reporter) for p in folder.rglob("*"))
        df = records(source_id, folder)
        assert not any(f.rsplit("/", 1)[-1].startswith(reporter) for files in df["source_files"] for f in files)


def test_bbbc017_without_plate_map_names_the_file(tmp_path):
    folder = FIXTURES["bbbc017"](tmp_path, 8)
    (folder / "BBBC017_v1_metadata.xls").unlink()
    with pytest.raises(UserError, match=r"BBBC017_v1_metadata\.xls not found"):
        records("bbbc017", folder)


def test_bbbc017_lost_gene_column_is_a_warning_not_silence(tmp_path):
    folder = FIXTURES["bbbc017"](tmp_path, 8)
    header = [h if h != "gene name" else "gene" for h in BBBC017_HEADER]
    write_xls(folder / "BBBC017_v1_metadata.xls", header, BBBC017_ROWS)
    df = records("bbbc017", folder)
    assert df["gene"].isna().all()
    assert any("gene name" in w for w in warnings_of(df))


def test_bbbc017_plate_missing_from_the_map_is_a_warning(tmp_path):
    folder = FIXTURES["bbbc017"](tmp_path, 8, rows=[r for r in BBBC017_ROWS if r[1] != 2.0])
    df = records("bbbc017", folder)
    assert any("NIRHTa-plus-002" in w for w in warnings_of(df))
