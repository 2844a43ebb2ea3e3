"""Per-source expectations for bbbc022, bbbc051, bbbc041, bbbc038, bbbc020, bbbc026, bbbc021 read from their real
layouts (tests/catalog/sources_bbbc_b.py), and the catalog facts of those and of bbbc025, bbbc045, bbbc048."""

from __future__ import annotations

import pandas as pd
import pytest

from cytoimagenet.catalog.registry import get_source
from cytoimagenet.catalog.source import EVIDENCE_FACTS, warnings_of

from catalog_fixtures import check_records, shuffled_rewrite
from sources_bbbc_b import FIXTURES

P23 = "227537B3-6004-4D7C-9992-EC22DFA440D1"
U1, U2, U3 = ("8d02117d-6c71-4e47-b50a-6cc8d5eb1d55", "10be6380-cbbb-4886-8b9e-ff56b1710576",
              "41be1bd3-0d31-4881-bf1f-3ccdfa21ff12")
DSB = ("00071198d059ba7f5914a526d124d28e6d010c92466da21d4a04cd5413362552",
       "0114f484a16c152baa2d82fdd43740880a762c93f436c8988ac461c5c9dbe7d5",
       "0019c086029dd3be01f72131edb74e21ee995574e6d5c136ea868630b0d73523")
ADS = "ADSASS092408-GHAD2-D6-20x"

# per source: the sample ids in order; per listed sample: files, channels, microscopy, group and labels
EXPECTED = {
    "bbbc022": {
        "ids": ["20585-B02-s1", "20585-P23-s1", "20585-P23-s2"],
        "samples": {
            "20585-P23-s1": dict(
                files=[f"BBBC022_v1_images_20585w1/IXMtest_P23_s1_w1{'00000001-0001-4D7C-9992-EC22DFA440D1'}.tif",
                       f"BBBC022_v1_images_20585w2/IXMtest_P23_s1_w2{P23}.tif",
                       "BBBC022_v1_images_20585w3/IXMtest_P23_s1_w300000001-0003-4D7C-9992-EC22DFA440D1.tif",
                       "BBBC022_v1_images_20585w4/IXMtest_P23_s1_w400000001-0004-4D7C-9992-EC22DFA440D1.tif",
                       "BBBC022_v1_images_20585w5/IXMtest_P23_s1_w500000001-0005-4D7C-9992-EC22DFA440D1.tif"],
                channels=["Hoechst", "ER", "Syto", "Ph_golgi", "Mito"], microscopy="fluorescence", group="20585-P23",
                compound="dmso", organism="human", cell_type="u2os",
                cell_visible="nucleus|er|nucleoli|actin|golgi apparatus|mitochondria"),
            "20585-P23-s2": dict(group="20585-P23", compound="dmso"),
            "20585-B02-s1": dict(group="20585-B02", compound="cytochalasin d"),
        },
    },
    "bbbc051": {
        "ids": ["CD45_1-object_4235_13993__2026__26_1", "CD_CNT-object_38359_333__4395__44_1",
                "Nestin-object_109850_2354__3837__14_1"],
        "samples": {
            "CD_CNT-object_38359_333__4395__44_1": dict(
                files=["CD_CNT/All_3D/object_38359_333__4395__44_1.tif"], channels=["stack"],
                microscopy="fluorescence", cell_type="collecting duct", organism="human", cell_visible="nucleus"),
            "Nestin-object_109850_2354__3837__14_1": dict(cell_type="podocyte"),
            "CD45_1-object_4235_13993__2026__26_1": dict(cell_type="white blood cell"),
        },
    },
    "bbbc041": {
        # one record per object box, "<image uuid>_<n>", n the box's position from 1 in its image's objects list
        "ids": [f"{u}_{n}" for u, k in ((U2, 3), (U3, 3), (U1, 4)) for n in range(1, k + 1)],
        "samples": {
            f"{U1}_1": dict(files=[f"malaria/images/{U1}.png"], channels=["RGB"], microscopy="brightfield", group=U1,
                            cell_type="red blood cell", organism="human", phenotype=None,
                            # minimum.r, minimum.c, maximum.r, maximum.c of the box (sources_bbbc_b.bbbc041_box)
                            region_y0=0, region_x0=0, region_y1=6, region_x1=5),
            f"{U1}_2": dict(cell_type="red blood cell", group=U1),
            f"{U1}_3": dict(cell_type="trophozoite", group=U1, region_y0=1, region_x0=0, region_y1=7, region_x1=5),
            f"{U1}_4": dict(cell_type="difficult", group=U1),  # the original skipped no category
            f"{U2}_2": dict(cell_type="ring", group=U2),
            f"{U2}_3": dict(cell_type="leukocyte", group=U2),
            f"{U3}_1": dict(files=[f"malaria/images/{U3}.jpg"], cell_type="red blood cell", group=U3),
            f"{U3}_2": dict(cell_type="gametocyte"),
            f"{U3}_3": dict(cell_type="schizont"),
        },
    },
    "bbbc038": {
        "ids": [DSB[0], DSB[2], DSB[1]],
        "samples": {
            DSB[0]: dict(files=[f"stage1_train/{DSB[0]}/images/{DSB[0]}.png"], channels=["image"],
                         microscopy="fluorescence|brightfield", organism="human|mouse|fly", cell_visible="nucleus"),
            DSB[2]: dict(files=[f"stage2_test_final/{DSB[2]}/images/{DSB[2]}.png"], organism="human|mouse|fly"),
        },
    },
    "bbbc020": {
        "ids": ["jw-1h_1-c1", "jw-1h_1-c5", "jw-Kontrolle1-c1", "jw-Kontrolle1-c5"],
        "samples": {
            "jw-1h_1-c1": dict(files=["BBBC020_v1_images/jw-1h 1/jw-1h 1_c1.TIF"], channels=["DAPI"],
                               microscopy="fluorescence", group="jw-1h 1", cell_visible="nucleus",
                               organism="mouse", cell_type="macrophage"),
            "jw-1h_1-c5": dict(files=["BBBC020_v1_images/jw-1h 1/jw-1h 1_c5.TIF"], channels=["CD11b"],
                               group="jw-1h 1", cell_visible="cell surface"),
        },
    },
    "bbbc026": {
        "ids": [f"{ADS}-A01-s1", f"{ADS}-A01-s2", f"{ADS}-E19-s2"],
        "samples": {
            f"{ADS}-A01-s1": dict(files=[f"{ADS}_A01_s1_w1D751105E-2D33-485F-9FF9-061C4CB2F27A.png"],
                                  channels=["Hoechst"], microscopy="fluorescence", group=f"{ADS}-A01",
                                  organism="human|mouse", cell_type="hepatocyte|fibroblast", cell_visible="nucleus"),
            f"{ADS}-A01-s2": dict(group=f"{ADS}-A01"),
            f"{ADS}-E19-s2": dict(group=f"{ADS}-E19"),
        },
    },
    "bbbc021": {
        "ids": ["Week1_22123-B02-s1", "Week1_22123-B02-s2", "Week1_22123-C02-s1"],
        "samples": {
            "Week1_22123-C02-s1": dict(
                channels=["DAPI", "Tubulin", "Actin"], microscopy="fluorescence", group="Week1_22123-C02",
                compound="taxol", phenotype="microtubule stabilizers", organism="human", cell_type="mcf-7"),
        },
    },
}
FIELDS = {"files": "source_files", "channels": "channels", "microscopy": "microscopy", "group": "group"}


@pytest.mark.parametrize("source_id", sorted(EXPECTED))
def test_source_reads_its_real_layout(tmp_path, source_id):
    folder = FIXTURES[source_id](tmp_path, 8)
    assert folder == tmp_path / source_id
    df = get_source(source_id).records(folder)
    check_records(df, folder)
    want = EXPECTED[source_id]
    assert list(df["sample_id"]) == want["ids"]
    by_id = df.set_index("sample_id")
    for sid, facts in want["samples"].items():
        for key, value in facts.items():
            assert by_id.loc[sid, FIELDS.get(key, key)] == value, (sid, key)
    # every file a record names is in the tree
    assert all((folder / f).is_file() for files in df["source_files"] for f in files)


def test_bbbc022_malformed_rows_are_left_out_with_a_warning(tmp_path):
    df = get_source("bbbc022").records(FIXTURES["bbbc022"](tmp_path, 8))
    notes = " ".join(warnings_of(df))
    assert "1 row(s) with more fields than the header" in notes
    assert "1 row(s) lacking a value" in notes and "BBBC022_v1_image.csv" in notes


def test_bbbc022_reads_the_same_shuffled(tmp_path):
    folder = FIXTURES["bbbc022"](tmp_path, 8)
    csv = folder / "BBBC022_v1_image.csv"
    lines = csv.read_text().splitlines()
    csv.write_text("\n".join(lines[:4]) + "\n")  # the well-formed rows only
    before = get_source("bbbc022").records(folder)
    shuffled_rewrite(csv)
    pd.testing.assert_frame_equal(before, get_source("bbbc022").records(folder))


def test_bbbc022_without_a_role_column_says_so(tmp_path):
    folder = FIXTURES["bbbc022"](tmp_path, 8)
    csv = folder / "BBBC022_v1_image.csv"
    lines = csv.read_text().splitlines()[:4]
    pd.read_csv(pd.io.common.StringIO("\n".join(lines))).drop(columns=["Image_Metadata_ASSAY_WELL_ROLE"]).to_csv(
        csv, index=False)
    df = get_source("bbbc022").records(folder)
    assert any("Image_Metadata_ASSAY_WELL_ROLE" in w for w in warnings_of(df))
    assert df.set_index("sample_id").loc["20585-P23-s1", "compound"] is None


def test_bbbc051_unknown_cell_type_folder_is_a_warning(tmp_path):
    folder = FIXTURES["bbbc051"](tmp_path, 8)
    from catalog_fixtures import write_image

    write_image(folder / "Mystery" / "All_3D" / "object_1_2__3__4_1.tif", bits=16, pages=7)
    df = get_source("bbbc051").records(folder)
    assert df.set_index("sample_id").loc["Mystery-object_1_2__3__4_1", "cell_type"] is None
    assert any("Mystery" in w for w in warnings_of(df))


MINE = ("bbbc022", "bbbc051", "bbbc041", "bbbc038", "bbbc020", "bbbc025", "bbbc026", "bbbc045", "bbbc048", "bbbc021")


@pytest.mark.parametrize("source_id", MINE)
def test_entry_carries_its_evidence(source_id):
    entry = get_source(source_id).entry
    assert set(entry.evidence) == set(EVIDENCE_FACTS), source_id
    assert all(v.strip() for v in entry.evidence.values())
    text = entry.model_dump_json().lower()
    assert "verify" not in text
    assert entry.download is not None and entry.download.evidence
    if entry.adapter is None:
        assert entry.note.startswith("Not adaptable:")
    if entry.licence == "unknown":
        assert entry.evidence["licence"].startswith("unknown:")


def test_bbbc021_stays_the_evaluation_set():
    entry = get_source("bbbc021").entry
    assert entry.evaluation_only and not entry.in_cytoimagenet
