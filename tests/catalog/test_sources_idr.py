"""Per-source expectations of the IDR screens read from fixtures in their real layouts (sources_idr.py)."""

from __future__ import annotations

import pytest

from cytoimagenet.catalog.registry import get_source
from cytoimagenet.catalog.source import warnings_of

from catalog_fixtures import check_records
from sources_idr import FIXTURES

P17 = "AKT1-_-___AKT2-_-_LOPAC_Plate_1_Replicate_1"
P09 = "0001-03--2005-08-01"

# id -> sample ids, channel names in order, microscopy, labels per sample (None: no label), warnings about
EXPECT = {
    "idr0081": dict(
        ids=["preZ-A01-f1", "preZ-A10-f1"], channels=["Hoechst", "GFP"], microscopy="fluorescence",
        labels=dict(organism="human", cell_type="a549", compound="dimethyl sulfoxide", cell_visible="nucleus|infection",
                    gene=None, sirna=None),
        first_file="20200324-owncloud/1-prePlates/Data_UZH/preZ/HAdV-preZ_A01_w1.tif", warns=[]),
    "idr0088": dict(
        ids=["1013608248-L07-f1", "1013608248-L10-f1"], channels=["BFP", "GFP", "RFP"], microscopy="fluorescence",
        labels=dict(organism="human", cell_type="a549", compound="(-)-cinchonidine",
                    cell_visible="nucleus|cytoplasm|actb|rab5a", gene=None),
        first_file="20200722-awss3/ds_hcs_02/PhenoPrintScreen/raw_images_for_IDR/p171224PPS139/"
                   "PpsL05A549ActbRab5a_PPS139_20171225_200929/1013608248/1013608248_L07_T0001F001L01A01Z01C01.tif",
        warns=[]),
    "idr0093": dict(
        ids=["001-B03-f1", "001-B04-f1"], channels=["DAPI", "PCNA", "EU", "SE"], microscopy="fluorescence",
        labels=dict(organism="human", cell_type="hela", gene=["scyl3 targeted", "fgr targeted"],
                    sirna=["s10427|s7902", "s21749"], cell_visible=None, phenotype=None),
        first_file="20200910-rsync/001/001_B03_T0001F001L01A01Z01C01.tif", warns=["Channels"]),
    "idr0016": dict(
        ids=["24278-A01-f1", "24278-B02-f1"], channels=["DNA", "ER", "RNA", "AGP", "Mito"], microscopy="fluorescence",
        labels=dict(organism="human", cell_type="u2os", compound=["dmso", "bio"], gene=None),
        first_file="2016-02-19-screens-cellimagelibrary/24278-Hoechst/cdp2bioactives_a01_s1_w1edcec6dc-b1e3-4ffc-80da-9b049a89447b.tif", warns=["Channels"]),
    "idr0017": dict(
        ids=[f"{P17}-A01-f1", f"{P17}-B03-f1"], channels=["DNA", "actin"], microscopy="fluorescence",
        labels=dict(organism="human", cell_type="hct116", compound=["dmso", "taxol"]),
        first_file="20151124/14_X-Man_10x/source/2011-11-17_X-Man_LOPAC_X01_LP_S01_1/A - 1(fld 1 wv DAPI - DAPI).tif",
        warns=["Channels"]),
    "idr0009": dict(
        ids=[f"{P09}-A01-f1", f"{P09}-A02-f1"], channels=["DNA", "VSVG surface", "VSVG-CFP"],
        microscopy="fluorescence",
        labels=dict(organism="human", cell_type="hela", gene=["scyl3 targeted", "fgr targeted"],
                    sirna=["103782", "1468"],
                    phenotype=["mild inhibition of secretion", "strong inhibition of secretion"]),
        first_file=f"20150507-VSVG/VSVG/{P09}/data/--W00001--P00001--Z00000--T00000--nucleus-dapi.tif",
        warns=["Channels"]),
    "idr0003": dict(
        ids=["DTT_p1-A03-f1", "DTT_p1-A03-f1-bf", "DTT_p1-A04-f1", "DTT_p1-A04-f1-bf"],
        channels=None, microscopy=["fluorescence", "brightfield"] * 2,
        labels=dict(organism="yeast", cell_type="y6545", phenotype="dithiothreitol", gene=None,
                    cell_visible=["cytosol|tagged protein", "cell contour|vacuole"] * 2),
        first_file="201301120/Images/DTT/p1/--W00003--P00001--Z00000--T00000--Cherry.tif", warns=[]),
}
CHANNELS_OF = {"idr0003": [["H2B-mCherry", "GFP"], ["brightfield"]] * 2}


@pytest.mark.parametrize("source_id", sorted(EXPECT))
def test_idr_source_reads_its_real_layout(tmp_path, source_id):
    want = EXPECT[source_id]
    folder = FIXTURES[source_id](tmp_path, 8)
    df = get_source(source_id).records(folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == want["ids"]
    if want["channels"] is None:
        assert list(df["channels"]) == CHANNELS_OF[source_id]
    else:
        assert all(ch == want["channels"] for ch in df["channels"])
    microscopy = want["microscopy"]
    assert list(df["microscopy"]) == (microscopy if isinstance(microscopy, list) else [microscopy] * len(df))
    assert df.loc[0, "source_files"][0] == want["first_file"]
    for files in df["source_files"]:
        assert all((folder / f).is_file() for f in files)
    for label, value in want["labels"].items():
        expected = value if isinstance(value, list) else [value] * len(df)
        assert list(df[label]) == expected, label
    warned = " ".join(warnings_of(df))
    for column in want["warns"]:
        assert repr(column) in warned
    if not want["warns"]:
        assert warnings_of(df) == []


def test_idr_licences_are_the_studies_own():
    licences = {s: get_source(s).entry.licence for s in ("idr0016", "idr0017", "idr0003", "idr0081", "idr0088")}
    assert licences == {"idr0016": "CC0-1.0", "idr0017": "CC-BY-NC-ND-4.0", "idr0003": "CC-BY-NC-SA-3.0",
                        "idr0081": "CC-BY-4.0", "idr0088": "CC-BY-NC-4.0"}


def test_a_channel_the_module_does_not_name_is_a_warning(tmp_path):
    # idr0093's study says 5 channels per site but names 4 stains: a C05 file is not merged, and said so
    folder = FIXTURES["idr0093"](tmp_path, 8)
    from catalog_fixtures import write_image

    write_image(folder / "20200910-rsync/001/001_B03_T0001F001L01A02Z01C05.tif", bits=16)
    df = get_source("idr0093").records(folder)
    assert df.loc[0, "channels"] == ["DAPI", "PCNA", "EU", "SE"]
    assert any("channel token(s) 05 not read" in w for w in warnings_of(df))


@pytest.mark.parametrize("source_id", ["idr0016", "idr0081", "idr0088", "idr0093", "idr0017", "idr0003", "idr0009"])
def test_idr_entries_carry_evidence_and_download(source_id):
    entry = get_source(source_id).entry
    assert set(entry.evidence) >= {"layout", "channels", "labels", "licence", "download"}
    assert entry.download is not None and entry.download.route == "idr"
    assert entry.download.tree.startswith("https://ftp.ebi.ac.uk/pub/databases/IDR/idr")
    assert "verify" not in (entry.note + entry.layout + str(entry.evidence)).lower()
