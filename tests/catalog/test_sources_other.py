"""Kaggle, Recursion, Cell Image Library and Segebarth et al. 2020 sources read from their real layouts.

One table of expectations per source (TFDS-style), checked by one parametrised test against the fixture of
tests/catalog/sources_other.py: the records (sample ids, files of one sample), channel names and order,
microscopy, and the labels the original CytoImageNet assigned. Plus the failure modes a user meets.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from cytoimagenet.catalog.registry import get_source
from cytoimagenet.catalog.source import warnings_of
from cytoimagenet.errors import UserError

from catalog_fixtures import check_records, records
from sources_other import FIXTURES

SIX = ["nucleus", "endoplasmic reticulum", "actin", "nucleoli", "mitochondria", "golgi apparatus"]
SIX_VISIBLE = "|".join(SIX)
HPA_REF = ["microtubules", "nucleus", "endoplasmic reticulum"]
HPA_REF_VISIBLE = "|".join(HPA_REF)
H1, H2 = "00070df0-bbc3-11e8-b2bc-ac1f6b6435d0", "000a6c98-bb9b-11e8-b2b9-ac1f6b6435d0"
S1, S2 = "5c27f04c-bb99-11e8-b2b9-ac1f6b6435d0", "5fb643ee-bb99-11e8-b2b9-ac1f6b6435d0"
CC = "nematode cells/nematode cells"
LK = "C-NMC_Leukemia"


def _rx(top, exp, well, site, n):
    return [f"{top}/images/{exp}/Plate1/{well}_s{site}_w{w}.png" for w in range(1, n + 1)]


# per source: sample ids (sorted), then per sample id the expected values of the named columns
EXPECTED = {
    "kaggle_cell_cycle": {
        "ids": ["interphase-IMG_1667-1", "interphase-IMG_1667-2", "mitosis-IMG_1675-1", "mitosis-IMG_1681-1"],
        "all": {"channels": ["RGB"], "microscopy": "brightfield", "organism": "nematode", "cell_visible": "nucleus",
                "cell_type": None},
        "rows": {
            "interphase-IMG_1667-1": {"phenotype": "interphase", "group": "IMG_1667",
                                      "source_files": [f"{CC}/interphase/IMG_1667-1.jpg"]},
            "interphase-IMG_1667-2": {"group": "IMG_1667"},
            "mitosis-IMG_1681-1": {"phenotype": "mitosis", "source_files": [f"{CC}/mitosis/IMG_1681-1.jpg"]},
        },
    },
    "kaggle_leukemia": {
        "ids": ["UID_16_11_1_all", "UID_16_12_1_all", "UID_H10_100_1_hem", "final-1", "prelim-1", "prelim-4"],
        "all": {"channels": ["RGB"], "microscopy": "brightfield", "organism": "human", "cell_type": "white blood cell"},
        "rows": {
            "UID_16_11_1_all": {"phenotype": "leukemia", "group": "16",
                                "source_files": [f"{LK}/training_data/fold_0/all/UID_16_11_1_all.bmp"]},
            "UID_H10_100_1_hem": {"phenotype": "wildtype", "group": "H10"},
            # the labelled preliminary-test cells: label from the CSV, patient from the cell's UID_ name
            "prelim-1": {"phenotype": "leukemia", "group": "57",
                         "source_files": [f"{LK}/validation_data/C-NMC_test_prelim_phase_data/1.bmp"]},
            "prelim-4": {"phenotype": "wildtype", "group": "H49"},
            "final-1": {"phenotype": None, "source_files": [f"{LK}/testing_data/C-NMC_test_final_phase_data/1.bmp"]},
        },
    },
    "kaggle_hpa": {
        "ids": [f"{H1}-protein", f"{H1}-reference", f"{H2}-protein", f"{H2}-reference"],
        "all": {"microscopy": "fluorescence", "organism": "human", "cell_type": None},
        "rows": {
            f"{H1}-protein": {"channels": ["protein"], "source_files": [f"train/{H1}_green.png"], "group": H1,
                              "cell_visible": "cytokinetic bridge|nucleoplasm"},
            f"{H1}-reference": {"channels": HPA_REF, "group": H1, "cell_visible": HPA_REF_VISIBLE,
                                "source_files": [f"train/{H1}_{c}.png" for c in ("red", "blue", "yellow")]},
            f"{H2}-protein": {"cell_visible": "golgi apparatus|nuclear membrane|nucleoli|nucleoplasm"},
        },
    },
    "kaggle_hpa_single": {
        "ids": [f"{S1}-protein", f"{S1}-reference", f"{S2}-protein", f"{S2}-reference"],
        "all": {"microscopy": "fluorescence", "organism": "human"},
        "rows": {
            f"{S1}-protein": {"channels": ["protein"],
                              "cell_visible": "intermediate filaments|nuclear bodies|nucleoplasm"},
            f"{S2}-protein": {"cell_visible": "mitochondria|nucleoplasm"},
            f"{S2}-reference": {"channels": HPA_REF, "cell_visible": HPA_REF_VISIBLE,
                                "source_files": [f"train/{S2}_{c}.png" for c in ("red", "blue", "yellow")]},
        },
    },
    "rxrx1": {
        "ids": ["HUVEC-1_1_B02_1", "HUVEC-1_1_M23_1", "HUVEC-1_1_M23_2"],
        "all": {"channels": SIX, "microscopy": "fluorescence", "organism": "human", "cell_type": "huvec",
                "cell_visible": SIX_VISIBLE, "compound": None},
        "rows": {
            "HUVEC-1_1_M23_2": {"sirna": "s8645", "group": "HUVEC-1_1_M23",
                                "source_files": _rx("rxrx1", "HUVEC-1", "M23", 2, 6)},
            "HUVEC-1_1_M23_1": {"group": "HUVEC-1_1_M23"},
            "HUVEC-1_1_B02_1": {"sirna": None},  # negative control: sirna EMPTY
        },
    },
    "rxrx2": {
        "ids": ["HUVEC-1_1_AA02_1", "HUVEC-1_1_AA02_2", "HUVEC-1_1_AA03_1"],
        "all": {"channels": SIX, "microscopy": "fluorescence", "organism": "human", "cell_type": "huvec",
                "phenotype": None, "sirna": None},
        "rows": {
            "HUVEC-1_1_AA02_2": {"compound": "bmp-2", "source_files": _rx("rxrx2", "HUVEC-1", "AA02", 2, 6)},
            "HUVEC-1_1_AA03_1": {"compound": None},
        },
    },
    "rxrx19a": {
        "ids": ["HRCE-1_1_AA02_2", "HRCE-1_1_AA03_1", "VERO-1_1_AA02_1"],
        "all": {"channels": ["w1", "w2", "w3", "w4", "w5"], "microscopy": "fluorescence", "cell_visible": None},
        "rows": {
            "HRCE-1_1_AA02_2": {"organism": "human", "cell_type": "hrce", "phenotype": "active sars-cov-2",
                                "compound": "remdesivir (gs-5734)",
                                "source_files": _rx("RxRx19a", "HRCE-1", "AA02", 2, 5)},
            "HRCE-1_1_AA03_1": {"phenotype": "mock", "compound": None},
            "VERO-1_1_AA02_1": {"organism": "african green monkey", "cell_type": "vero",
                                "phenotype": "uv inactivated sars-cov-2", "compound": "chloroquine"},
        },
    },
    "rxrx19b": {
        "ids": ["HUVEC-1_1_AA02_1", "HUVEC-1_1_AA03_1", "HUVEC-1_1_AB02_1"],
        "all": {"channels": SIX, "microscopy": "fluorescence", "organism": "human", "cell_type": "huvec"},
        "rows": {
            "HUVEC-1_1_AA02_1": {"phenotype": "storm-severe", "compound": "lapatinib",
                                 "source_files": _rx("rxrx19b", "HUVEC-1", "AA02", 1, 6)},
            "HUVEC-1_1_AA03_1": {"phenotype": "healthy", "compound": None},
            "HUVEC-1_1_AB02_1": {"phenotype": None},  # blank: no cytokines
        },
    },
    "cil_kinome": {
        "ids": ["53366", "53464", "54049"],  # 99999.tif is not an atlas id: left out, with a warning
        "warnings": 1,
        "all": {"channels": ["all channels"], "microscopy": "fluorescence", "organism": "human", "cell_type": "hela"},
        "rows": {
            "53366": {"cell_visible": "camk kinase", "source_files": ["53366.tif"]},
            "53464": {"cell_visible": "agc kinase"},
            "54049": {"cell_visible": "tk kinase"},
        },
    },
    "segebarth2020": {
        "ids": ["lab-mue-1025", "lab-mue-1031", "lab-wue1-0001", "lab-wue1-0004"],  # lab-inns1 ships no images
        "all": {"channels": ["cFOS"], "microscopy": "fluorescence", "organism": "mouse", "cell_visible": "c-fos"},
        "rows": {
            "lab-wue1-0001": {"phenotype": "homecage", "source_files": ["bioimage_data/lab-wue1/images/0001.tif"]},
            "lab-wue1-0004": {"phenotype": "context conditioned"},
            # the same code means something else in another lab
            "lab-mue-1025": {"phenotype": "early retrieval", "source_files": ["bioimage_data/lab-mue/images/1025.tif"]},
            "lab-mue-1031": {"phenotype": "late retrieval"},
        },
    },
}


@pytest.mark.parametrize("source_id", sorted(EXPECTED))
def test_source_reads_its_real_layout(tmp_path, source_id):
    if source_id == "segebarth2020":
        pytest.importorskip("openpyxl")
    folder = FIXTURES[source_id](tmp_path, 8)
    df = records(source_id, folder)
    check_records(df, folder)
    want = EXPECTED[source_id]
    assert list(df["sample_id"]) == want["ids"]
    by_id = df.set_index("sample_id")
    for col, value in want["all"].items():
        assert all(v == value for v in by_id[col]), (col, list(by_id[col]))
    for sample_id, cols in want["rows"].items():
        for col, value in cols.items():
            assert by_id.at[sample_id, col] == value, (sample_id, col)
    # every file a record names is on disk; fixtures' extra files (regions, stray TIFFs) are not records
    assert all((folder / f).is_file() for files in df["source_files"] for f in files)
    assert len(warnings_of(df)) == want.get("warnings", 0), warnings_of(df)


def test_fixtures_cover_every_source_of_this_family():
    assert set(FIXTURES) == set(EXPECTED)
    for source_id in FIXTURES:
        entry = get_source(source_id).entry
        assert entry.adapter and entry.download is not None and entry.licence
        assert "verify" not in entry.model_dump_json().lower()


@pytest.mark.parametrize("source_id", ["rxrx2", "rxrx1"])
def test_recursion_metadata_under_either_name_and_folder(tmp_path, source_id):
    """rxrx2's README names rxrx2-metadata.csv, the original read rxrx2/metadata.csv; a tree unpacked one level
    up (metadata beside images/ in the source folder) reads the same, with the folder-relative paths."""
    folder = FIXTURES[source_id](tmp_path, 8)
    df = records(source_id, folder)
    top = folder / source_id
    (top / ("rxrx2-metadata.csv" if source_id == "rxrx2" else "metadata.csv")).rename(top / "metadata.csv")
    assert records(source_id, folder)["sample_id"].tolist() == df["sample_id"].tolist()
    for item in list(top.iterdir()):
        shutil.move(str(item), folder / item.name)
    top.rmdir()
    flat = records(source_id, folder)
    assert [f[len(source_id) + 1:] for f in df.loc[0, "source_files"]] == flat.loc[0, "source_files"]


def test_recursion_shuffled_metadata_gives_the_same_records(tmp_path):
    folder = FIXTURES["rxrx19b"](tmp_path, 8)
    df = records("rxrx19b", folder)
    csv = folder / "rxrx19b" / "metadata.csv"
    pd.read_csv(csv, dtype=str).sample(frac=1, random_state=3).to_csv(csv, index=False)
    pd.testing.assert_frame_equal(df, records("rxrx19b", folder))


def test_recursion_missing_column_is_named(tmp_path):
    folder = FIXTURES["rxrx19b"](tmp_path, 8)
    csv = folder / "rxrx19b" / "metadata.csv"
    pd.read_csv(csv, dtype=str).drop(columns=["site"]).to_csv(csv, index=False)
    with pytest.raises(UserError, match=r"metadata\.csv: missing column\(s\) site"):
        records("rxrx19b", folder)


def test_recursion_label_column_absent_is_a_warning_not_silence(tmp_path):
    folder = FIXTURES["rxrx19a"](tmp_path, 8)
    csv = folder / "RxRx19a" / "metadata.csv"
    pd.read_csv(csv, dtype=str).drop(columns=["treatment"]).to_csv(csv, index=False)
    df = records("rxrx19a", folder)
    assert df["compound"].isna().all()
    assert any("'treatment'" in w and "compound" in w for w in warnings_of(df))


def test_recursion_without_metadata_says_what_to_unpack(tmp_path):
    folder = FIXTURES["rxrx19a"](tmp_path, 8)
    (folder / "RxRx19a" / "metadata.csv").unlink()
    with pytest.raises(UserError, match=r"RxRx19a/metadata\.csv.*unpack the dataset's metadata zip"):
        records("rxrx19a", folder)


def test_leukemia_without_labels_csv_leaves_the_prelim_cells_out_with_a_warning(tmp_path):
    folder = FIXTURES["kaggle_leukemia"](tmp_path, 8)
    (folder / LK / "validation_data" / "C-NMC_test_prelim_phase_data_labels.csv").unlink()
    df = records("kaggle_leukemia", folder)
    assert not df["sample_id"].str.startswith("prelim").any()
    assert any("C-NMC_test_prelim_phase_data_labels.csv" in w for w in warnings_of(df))


def test_leukemia_unknown_label_value_is_named(tmp_path):
    folder = FIXTURES["kaggle_leukemia"](tmp_path, 8)
    csv = folder / LK / "validation_data" / "C-NMC_test_prelim_phase_data_labels.csv"
    table = pd.read_csv(csv, dtype=str)
    table.loc[1, "labels"] = "2"
    table.to_csv(csv, index=False)
    with pytest.raises(UserError, match=r"labels\.csv: labels '2' \(row of 4\.bmp\) is neither 1"):
        records("kaggle_leukemia", folder)


def test_hpa_unknown_class_is_named(tmp_path):
    folder = FIXTURES["kaggle_hpa"](tmp_path, 8)
    table = pd.read_csv(folder / "train.csv", dtype=str)
    table.loc[1, "Target"] = "99"
    table.to_csv(folder / "train.csv", index=False)
    with pytest.raises(UserError, match=r"train\.csv: Target '99' has an unknown class '99'"):
        records("kaggle_hpa", folder)


def test_hpa_single_negative_class_gives_no_label(tmp_path):
    folder = FIXTURES["kaggle_hpa_single"](tmp_path, 8)
    table = pd.read_csv(folder / "train.csv", dtype=str)
    table.loc[1, "Label"] = "18"
    table.to_csv(folder / "train.csv", index=False)
    df = records("kaggle_hpa_single", folder).set_index("sample_id")
    assert df.at[f"{S2}-protein", "cell_visible"] is None


def test_cil_kinome_stray_tiff_is_reported(tmp_path):
    folder = FIXTURES["cil_kinome"](tmp_path, 8)
    df = records("cil_kinome", folder)
    assert "99999" not in set(df["sample_id"])
    assert any("99999.tif" in w for w in warnings_of(df))


def test_segebarth_unknown_code_is_named(tmp_path):
    pytest.importorskip("openpyxl")
    folder = FIXTURES["segebarth2020"](tmp_path, 8)
    path = folder / "bioimage_data" / "image_mapping.xlsx"
    table = pd.read_excel(path)
    table.loc[0, "condition"] = "Q"
    table.to_excel(path, index=False)
    with pytest.raises(UserError, match=r"image_mapping\.xlsx: condition code.*lab-wue1:q"):
        records("segebarth2020", folder)


def test_segebarth_missing_column_names_the_sheet(tmp_path):
    pytest.importorskip("openpyxl")
    folder = FIXTURES["segebarth2020"](tmp_path, 8)
    path = folder / "bioimage_data" / "image_mapping.xlsx"
    pd.read_excel(path).drop(columns=["name"]).to_excel(path, index=False)
    with pytest.raises(UserError, match=r"image_mapping\.xlsx \(sheet 'Sheet1'\): missing column\(s\) name"):
        records("segebarth2020", folder)
