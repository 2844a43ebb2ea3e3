"""Six IDR studies read from their real layouts (fixtures in tests/catalog/sources_idr2.py): one table of
expectations per source, one parametrised test; plus the DeltaVision reader the experiments need."""

from __future__ import annotations

import numpy as np
import pytest

from cytoimagenet.builder.image import read_planes
from cytoimagenet.catalog.registry import get_source
from cytoimagenet.catalog.source import warnings_of
from catalog_fixtures import check_records
from sources_idr2 import FIXTURES, write_dv

# per source: sample ids (sorted), and per sample (a prefix of its id is enough) its channels, microscopy,
# first source file and labels; `warnings`: substrings every expected warning contains
EXPECT = {
    "idr0021": {
        "samples": [
            "CDK5RAP2-C-Centrin_PCNT_Cep215_20110506_Fri-1545_0_SIR_PRJ",
            "CEP120_20111106-Cep120_gtub_001_SIR_PRJ",
            "CEP120_20111209-Cep120_gtub_001_SIR_PRJ",
        ],
        "rows": {
            "CEP120_20111209-Cep120_gtub_001_SIR_PRJ": {
                "channels": ["stack"], "microscopy": "fluorescence",
                "file": "Raw-files/CEP120/20111209/Cep120_gtub_001_SIR_PRJ.dv",
                "labels": {"organism": "human", "cell_type": "hela", "cell_visible": "centrosome",
                           "gene": "cep120 targeted"},
            },
            "CDK5RAP2-C-Centrin_PCNT_Cep215_20110506_Fri-1545_0_SIR_PRJ": {
                "channels": ["stack"], "microscopy": "fluorescence",
                "file": "Raw-files/CDK5RAP2-C/Centrin_PCNT_Cep215_20110506/Centrin_PCNT_Cep215_20110506_Fri-1545_0_SIR_PRJ.dv",
                "labels": {"gene": "cdk5rap2 targeted"},
            },
        },
        "groups": 3,
    },
    "idr0067": {
        # Figure 5C's EM sections are annotated but are not light microscopy: no samples
        "samples": [
            "Figure_1B-1B_010618_Hsp104Htb1_Meiosis_01_47_R3D",
            "Figure_1B-1B_010618_Hsp104Htb1_Meiosis_01_47_R3D_D3D",
            "Figure_1B-1B_010618_Hsp104Htb1_Meiosis_01_47_R3D_REF-bf",
            "Figure_1B-1B_MAX_010618_Hsp104Htb1_Meiosis_01_47_zproj_R3D_D3D",
        ],
        "rows": {
            "Figure_1B-1B_010618_Hsp104Htb1_Meiosis_01_47_R3D_REF-bf": {
                "channels": ["stack"], "microscopy": "brightfield",
                "file": "20190924-ftp/Figure 1B/1B_010618_Hsp104Htb1_Meiosis_01_47_R3D_REF.dv",
                "labels": {"organism": "yeast", "cell_visible": None, "gene": "hsp104 targeted|htb1 targeted"},
            },
            "Figure_1B-1B_010618_Hsp104Htb1_Meiosis_01_47_R3D": {
                "channels": ["stack"], "microscopy": "fluorescence",
                "file": "20190924-ftp/Figure 1B/1B_010618_Hsp104Htb1_Meiosis_01_47_R3D.dv",
                "labels": {"organism": "yeast", "cell_type": None, "cell_visible": "hsp104",
                           "gene": "hsp104 targeted|htb1 targeted"},
            },
            "Figure_1B-1B_MAX_010618_Hsp104Htb1_Meiosis_01_47_zproj_R3D_D3D": {
                "channels": ["stack"], "microscopy": "fluorescence",
                "file": "20190924-ftp/Figure 1B/1B_MAX_010618_Hsp104Htb1_Meiosis_01_47_zproj_R3D_D3D.tif",
                "labels": {"cell_visible": "hsp104"},
            },
        },
        "groups": 1,  # one figure panel: raw, deconvolved, projection and reference image the same cells
    },
    "idr0037": {
        "samples": [
            "experiment_01-A01-f1", "experiment_01-A01-f1-bf", "experiment_01-A01-f2", "experiment_01-A01-f2-bf",
            "experiment_01-A02-f1", "experiment_01-A02-f1-bf", "experiment_02-A01-f1", "experiment_02-A01-f1-bf",
        ],
        "rows": {
            "experiment_01-A01-f2": {
                "channels": ["DAPI", "Alexa 488", "CellMask"], "microscopy": "fluorescence",
                "file": "images/20140424_HipSci + BJ 3000c_well_OC__2014-04-24T17_01_22-Measurement1/Images/"
                        "r01c01f02p01-ch1sk1fk1fl1.tiff",
                "labels": {"organism": "human", "cell_type": "pluripotent stem cell",
                           "cell_visible": "nucleus|edu|proliferation|plasma membrane",
                           "phenotype": "a1atd-ipsc patient 1"},
            },
            # channel 4 is bright field: its own sample, never merged with the stains
            "experiment_01-A01-f2-bf": {
                "channels": ["Brightfield"], "microscopy": "brightfield",
                "file": "images/20140424_HipSci + BJ 3000c_well_OC__2014-04-24T17_01_22-Measurement1/Images/"
                        "r01c01f02p01-ch4sk1fk1fl1.tiff",
                "labels": {"cell_visible": "cell outline"},
            },
            # a plate kept in idr0034's fileset, read from ROOT/idr0037/idr0034-kilpinen-hipsci/
            "experiment_02-A01-f1": {
                "channels": ["DAPI", "Alexa 488", "CellMask"], "microscopy": "fluorescence",
                "file": "idr0034-kilpinen-hipsci/20170421-original/Oli/HipSci Experiment 2__2014-04-29T10_58_26-"
                        "Measurement1/Images/r01c01f01p01-ch1sk1fk1fl1.tiff",
                "labels": {"phenotype": "hpsi0513i-golb_1"},
            },
        },
        "groups": 3,  # wells: both fields and both modalities of a well share one
    },
    "idr0041": {
        # the segmentation mask of T0001 is annotated too, and is not a sample
        "samples": [
            "140411_KIF11_MitoSys1-cell0003_R0028-TR1_W0001_P0007_T0001",
            "140411_KIF11_MitoSys1-cell0003_R0028-TR1_W0001_P0007_T0002",
        ],
        "rows": {
            "140411_KIF11_MitoSys1-cell0003_R0028-TR1_W0001_P0007_T0002": {
                "channels": ["stack"], "microscopy": "fluorescence",
                "file": "140411_KIF11_MitoSys1/cell0003_R0028/rawtif/TR1_W0001_P0007_T0002.tif",
                "labels": {"organism": "human", "cell_type": "hela", "gene": "kif11 targeted", "cell_visible": None},
            },
        },
        "groups": 1,  # time points of one cell
    },
    "idr0072": {
        "samples": [
            "20130916_Landmark_PSS1_Meas_01-A18-f1",
            "WS_MCF10A_Landmark_20180506_Meas_01-A05-f1",
            "WS_MCF10A_Landmark_20180506_Meas_01-A17-f1",
        ],
        "rows": {
            # screenB is mouse NMuMG, from its own annotation rows
            "20130916_Landmark_PSS1_Meas_01-A18-f1": {
                "channels": ["all channels"], "microscopy": "fluorescence",
                "file": "20201217-ftp/20130916_Landmark-PSS1/001018001.flex",
                "labels": {"organism": "mouse", "cell_type": "nmumg", "gene": "ptdss1 targeted",
                           "cell_visible": "mitochondria-associated er-membrane"},
            },
            "WS_MCF10A_Landmark_20180506_Meas_01-A05-f1": {
                "channels": ["all channels"], "microscopy": "fluorescence",
                "file": "20210420-plates/WS_MCF10A-landmark_library_20180506_Meas_01/001005001.flex",
                "labels": {"organism": "human", "cell_type": "mcf 10a", "gene": "b4galt1 targeted",
                           "cell_visible": "golgi apparatus"},
            },
        },
        "groups": 3,
    },
    "idr0080": {
        # A1 is annotated 'empty well': no sample; the corrected copy of A2 shares the raw plate's group
        "samples": ["SQ00014610-A02-f1", "SQ00014610-B01-f1", "SQ00014610_illum_corrected-A02-f1"],
        "rows": {
            "SQ00014610-A02-f1": {
                "channels": ["DNA", "ER", "RNA", "AGP", "Mito"], "microscopy": "fluorescence",
                "file": "20200316-s3/2015_07_01_Cell_Health_Vazquez_Cancer_Broad/CRISPR_PILOT_B1/images/"
                        "SQ00014610__2016-06-16T00_38_35-Measurement2/Images/r01c02f01p01-ch1sk1fk1fl1.tiff",
                "labels": {"organism": "human", "cell_type": "a549", "gene": "mcl1 targeted",
                           "cell_visible": "nucleus|er|nucleoli|cytoplasmic rna|actin|golgi apparatus|"
                                           "plasma membrane|mitochondria"},
            },
            # Chr2 is a cutting control, not a gene
            "SQ00014610-B01-f1": {
                "channels": ["DNA", "ER", "RNA", "AGP", "Mito"], "microscopy": "fluorescence",
                "file": "20200316-s3/2015_07_01_Cell_Health_Vazquez_Cancer_Broad/CRISPR_PILOT_B1/images/"
                        "SQ00014610__2016-06-16T00_38_35-Measurement2/Images/r02c01f01p01-ch1sk1fk1fl1.tiff",
                "labels": {"gene": None, "cell_type": "a549"},
            },
            "SQ00014610_illum_corrected-A02-f1": {
                "channels": ["DNA", "ER", "RNA", "AGP", "Mito"], "microscopy": "fluorescence",
                "file": "20200923-illumcorrected/SQ00014610/Images/r01c02f01p01-ch1sk1fk1fl1.tiff",
                "labels": {"gene": "mcl1 targeted"},
            },
        },
        "groups": 2,
    },
}


@pytest.mark.parametrize("source_id", sorted(EXPECT))
def test_source_reads_its_real_layout(tmp_path, source_id):
    expect = EXPECT[source_id]
    folder = FIXTURES[source_id](tmp_path, 8)
    df = get_source(source_id).records(folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == expect["samples"]
    assert df["group"].nunique() == expect["groups"]
    by_id = df.set_index("sample_id")
    for sid, row in expect["rows"].items():
        got = by_id.loc[sid]
        assert got["channels"] == row["channels"], sid
        assert got["microscopy"] == row["microscopy"], sid
        assert got["source_files"][0] == row["file"], sid
        for col, value in row["labels"].items():
            assert got[col] == value, (sid, col)
    assert [w for w in warnings_of(df) if not any(s in w for s in expect.get("warnings", ()))] == []


@pytest.mark.parametrize("source_id", sorted(FIXTURES))
def test_fixture_files_are_readable_at_qc_size(tmp_path, source_id):
    folder = FIXTURES[source_id](tmp_path, 96)
    df = get_source(source_id).records(folder)
    assert len(df) >= 2
    for files in df["source_files"]:
        for ref in files:
            planes, bits = read_planes(folder / ref.split("#")[0])
            assert planes[0].shape == (96, 96) and bits in (8, 16)


def test_deltavision_planes_read_at_full_depth_in_time_z_wavelength_order(tmp_path):
    import mrc

    data = np.zeros((3, 2, 6, 5), np.uint16)  # z, wavelength, y, x (mrc's writer takes the shortest axis as wavelengths)
    for z in range(3):
        for c in range(2):
            data[z, c] = 1000 * c + 100 * z + np.arange(30, dtype=np.uint16).reshape(6, 5)
    path = tmp_path / "cells_R3D.dv"
    mrc.imsave(str(path), data, metadata={"wave": [525, 615, 0, 0, 0]})
    planes, bits = read_planes(path)
    assert bits == 16 and len(planes) == 6 and planes[0].dtype == np.uint16
    # z-major, wavelength-minor: a projection's planes are its channels in header order
    assert [int(p[0, 0]) for p in planes] == [0, 1000, 100, 1100, 200, 1200]
    assert int(planes[5].max()) == 1200 + 29  # 12-bit-range values kept, not scaled to 8 bits
    (one,), _ = read_planes(path, 3)
    assert np.array_equal(one, data[1, 1])  # z 1, wavelength 1
    with pytest.raises(Exception, match="plane 6 requested"):
        read_planes(path, 6)


def test_deltavision_fixture_writer_matches_the_reader(tmp_path):
    path = write_dv(tmp_path / "x_SIR_PRJ.dv", planes=3, size=12)
    planes, bits = read_planes(path)
    assert len(planes) == 3 and planes[0].shape == (12, 12) and bits == 16
    assert len({p.tobytes() for p in planes}) == 3  # three distinct channels, not one plane repeated


def test_idr0021_image_not_downloaded_is_listed_in_its_dataset_folder(tmp_path):
    folder = FIXTURES["idr0021"](tmp_path, 8)
    (folder / "Raw-files/CEP120/20111106/Cep120_gtub_001_SIR_PRJ.dv").unlink()
    df = get_source("idr0021").records(folder).set_index("sample_id")
    # the same name exists in the other CEP120 dataset's folder: never taken for this one
    assert df.loc["CEP120_20111106-Cep120_gtub_001_SIR_PRJ", "source_files"] == [
        "Raw-files/CEP120/20111106/Cep120_gtub_001_SIR_PRJ.dv"]


def test_the_six_sources_build_into_a_valid_release(tmp_path):
    """End to end at the size the all-sources build uses: DeltaVision, FLEX and Harmony files all pass the shard
    reader and QC (96 px images only lose their planned crops, as too small)."""
    import pandas as pd

    from cytoimagenet.builder.release import build_release
    from cytoimagenet.validation.release import validate_release
    from cytoimagenet.format import BuildConfig

    root = tmp_path / "sources"
    for make in FIXTURES.values():
        make(root, 96)
    out = tmp_path / "release" / "cytoimagenet"
    config = BuildConfig(seed=0, min_per_class=2, max_per_class=8, shard_size=64, png_compress_level=1)
    build_release(root, out, config, workers=1, only=sorted(FIXTURES))
    assert validate_release(out) == []
    md = pd.read_parquet(out / "metadata" / "metadata.parquet")
    quarantine = pd.read_parquet(out / "metadata" / "quarantine.parquet")
    assert quarantine["reason"].str.startswith("too small").all(), quarantine[["sample_id", "reason"]].to_string()
    assert set(md["source_id"]) == set(FIXTURES)
    dv = md[md["source_files"].map(lambda files: any(str(f).endswith(".dv") for f in files))]
    assert set(dv["source_id"]) == {"idr0021", "idr0067"}
    bf = md[(md["source_id"] == "idr0037") & (md["microscopy"] == "brightfield")]
    assert len(bf) and all(list(c) == ["Brightfield"] for c in bf["channels"])


def test_idr0037_plates_not_downloaded_are_a_recorded_warning(tmp_path):
    import shutil

    folder = FIXTURES["idr0037"](tmp_path, 8)
    shutil.rmtree(folder / "idr0034-kilpinen-hipsci")
    df = get_source("idr0037").records(folder)
    assert set(df["sample_id"].str[:13]) == {"experiment_01"}
    assert any("1 of 2 annotated plates have no folder" in w for w in warnings_of(df))


def test_idr0072_label_column_missing_is_a_recorded_warning(tmp_path):
    import pandas as pd

    folder = FIXTURES["idr0072"](tmp_path, 8)
    for screen in "AB":
        csv = folder / f"screen{screen}/idr0072-screen{screen}-annotation.csv"
        pd.read_csv(csv, dtype=str).drop(columns=["Comment [Gene Symbol]"]).to_csv(csv, index=False)
    df = get_source("idr0072").records(folder)
    assert df["gene"].isna().all() and df["cell_visible"].notna().all()
    assert any("Comment [Gene Symbol]" in w and "gene" in w for w in warnings_of(df))


def test_deltavision_header_claiming_gigapixels_is_refused(tmp_path):
    from cytoimagenet.builder.image import UnreadableImage

    path = write_dv(tmp_path / "bomb_R3D.dv", planes=1, size=8)
    raw = bytearray(path.read_bytes())
    raw[0:8] = np.array([200_000, 200_000], "<i4").tobytes()  # nx, ny of the header
    path.write_bytes(bytes(raw))
    with pytest.raises(UnreadableImage):
        read_planes(path)
