"""IDR family: annotation CSV (Plate, Well, Characteristics [...], Compound Name, Gene Symbol, Phenotype N)
beside per-plate folders whose files carry well, field and channel in the instrument's naming."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cytoimagenet.errors import UserError

from catalog_fixtures import check_records, records, shuffled_rewrite, write_image

ANNOTATION = "screenA/idr0081-screenA-annotation.csv"


def idr0081_tree(root: Path) -> Path:
    folder = root / "idr0081"
    ann = pd.DataFrame(
        {
            "Plate": ["HAdV-pre", "HAdV-pre", "Za_BSF018104"],
            "Well": ["A2", "B10", "A1"],
            "Characteristics [Organism]": ["Homo sapiens"] * 3,
            "Term Source 1 REF": ["NCBITaxon"] * 3,
            "Characteristics [Cell Line]": ["A549"] * 3,
            "Compound Name": ["DMSO", "Nelfinavir mesylate", None],
            "Gene Symbol": [None, None, "HEXIM1|PLK1"],
            "Phenotype 1": ["infected cell", None, "plaque"],
            "Phenotype 1 Term Name": ["infected cell", None, None],
            "Phenotype 2": [None, "Nucleus", None],
        }
    )
    (folder / "screenA").mkdir(parents=True)
    ann.to_csv(folder / ANNOTATION, index=False)
    # IDR's plates.tsv: plate name -> path on the IDR fileserver
    (folder / "screenA" / "idr0081-screenA-plates.tsv").write_text(
        "HAdV-pre\t/uod/idr/filesets/idr0081-georgi-adenovirus/1-prePlates/Data_UZH/preScreen\n"
        "Za_BSF018104\t/uod/idr/filesets/idr0081-georgi-adenovirus/2-ZPLates/Data_UZH/Za_BSF018104\n"
    )
    for well in ("A02", "B10"):
        for w in (1, 2):
            write_image(folder / "1-prePlates/Data_UZH/preScreen" / f"HAdV-pre_{well}_w{w}.TIF", bits=16)
    for w in (1, 2):
        write_image(folder / "2-ZPLates/Data_UZH/Za_BSF018104" / f"Za_BSF018104_A01_w{w}.TIF", bits=16)
    return folder


def test_idr_screen_records(root):
    folder = idr0081_tree(root)
    df = records("idr0081", folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == ["HAdV-pre-A02-f1", "HAdV-pre-B10-f1", "Za_BSF018104-A01-f1"]
    assert list(df["group"]) == ["HAdV-pre-A02", "HAdV-pre-B10", "Za_BSF018104-A01"]
    assert df.loc[0, "source_files"] == [
        "1-prePlates/Data_UZH/preScreen/HAdV-pre_A02_w1.TIF",
        "1-prePlates/Data_UZH/preScreen/HAdV-pre_A02_w2.TIF",
    ]
    assert list(df["organism"]) == ["human"] * 3
    assert list(df["cell_type"]) == ["a549"] * 3
    assert list(df["compound"]) == ["dmso", "nelfinavir mesylate", None]
    assert df.loc[2, "gene"] == "hexim1 targeted|plk1 targeted"
    assert list(df["phenotype"]) == ["infected cell", "nucleus", "plaque"]


def test_idr_annotation_row_order_does_not_matter(root):
    folder = idr0081_tree(root)
    before = records("idr0081", folder)
    shuffled_rewrite(folder / ANNOTATION, seed=3)
    pd.testing.assert_frame_equal(before, records("idr0081", folder))


def test_idr_well_annotated_twice_merges_labels(root):
    folder = idr0081_tree(root)
    ann = pd.read_csv(folder / ANNOTATION, dtype=str)
    extra = ann.iloc[[0]].copy()
    extra["Compound Name"] = "Cidofovir"
    pd.concat([ann, extra]).to_csv(folder / ANNOTATION, index=False)
    df = records("idr0081", folder)
    assert df.loc[0, "compound"] == "cidofovir|dmso"


def test_idr_missing_plate_column_names_column_and_file(root):
    folder = idr0081_tree(root)
    pd.read_csv(folder / ANNOTATION).drop(columns=["Plate"]).to_csv(folder / ANNOTATION, index=False)
    with pytest.raises(UserError, match=r"idr0081-screenA-annotation\.csv: missing column\(s\) Plate"):
        records("idr0081", folder)


def test_idr_plate_folder_with_other_naming_fails_loudly(root):
    folder = idr0081_tree(root)
    write_image(folder / "2-ZPLates/Data_UZH/Za_BSF018104" / "Za_BSF018104_A01_w1.TIF")
    for f in (folder / "2-ZPLates/Data_UZH/Za_BSF018104").iterdir():
        f.rename(f.with_name(f.name.replace("_w", "_ch")))
    with pytest.raises(UserError, match="imagexpress"):
        records("idr0081", folder)


def test_idr_harmony_naming_with_cell_painting_channels(root):
    folder = root / "idr0080"
    folder.mkdir()
    plate = "SQ00014610_illum_corrected"
    pd.DataFrame(
        {
            "Plate": [plate, plate],
            "Well": ["A2", "B1"],
            "Characteristics [Organism]": ["Homo sapiens"] * 2,
            "Characteristics [Cell Line]": ["A549"] * 2,
            "Gene Symbol": ["MCL1", "Chr2"],
            "Control Type": [None, "negative"],
        }
    ).to_csv(folder / "idr0080-screenA-annotation.csv", index=False)
    for rc in ("r01c02", "r02c01"):
        for f in (1, 2):
            for ch in range(1, 6):
                write_image(folder / plate / "Images" / f"{rc}f{f:02d}p01-ch{ch}sk1fk1fl1.tiff", bits=16)
    df = records("idr0080", folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == [f"{plate}-{w}-f{f}" for w in ("A02", "B01") for f in (1, 2)]
    assert df.loc[0, "group"] == df.loc[1, "group"] == f"{plate}-A02"
    assert df.loc[0, "channels"] == ["DNA", "ER", "RNA", "AGP", "Mito"]
    assert df.loc[0, "source_files"][0] == f"{plate}/Images/r01c02f01p01-ch1sk1fk1fl1.tiff"
    assert df.loc[0, "gene"] == "mcl1 targeted"


def test_idr_flex_container_is_one_file_with_all_channels(root):
    folder = root / "idr0072"
    (folder / "screenA").mkdir(parents=True)
    pd.DataFrame(
        {"Plate": ["WS_MCF10A_Landmark_20180506/Meas_01"], "Well": ["A11"],
         "Characteristics [Cell Line]": ["MCF10A"], "Gene Symbol": ["TOMM20"]}
    ).to_csv(folder / "screenA" / "idr0072-screenA-annotation.csv", index=False)
    (folder / "screenA" / "idr0072-screenA-plates.tsv").write_text(
        "WS_MCF10A_Landmark_20180506/Meas_01\t/uod/idr/filesets/idr0072-schormann-subcellref/20191127-disk/"
        "UpLoadtoIDR/MCF10A/Plates/WS_MCF10A-landmark_library_20180506/Meas_01\n"
    )
    plate_dir = folder / "20191127-disk/UpLoadtoIDR/MCF10A/Plates/WS_MCF10A-landmark_library_20180506/Meas_01"
    for field in (0, 1):
        write_image(plate_dir / f"001011{field:03d}.flex", bits=16)
    df = records("idr0072", folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == ["WS_MCF10A_Landmark_20180506_Meas_01-A11-f0", "WS_MCF10A_Landmark_20180506_Meas_01-A11-f1"]
    assert df.loc[0, "channels"] == ["all channels"]
    assert df.loc[0, "cell_type"] == "mcf10a" and df.loc[0, "gene"] == "tomm20 targeted"


def test_idr_experiment_finds_images_by_name(root):
    folder = root / "idr0021"
    folder.mkdir()
    pd.DataFrame(
        {
            "Dataset Name": ["CEP192", "CEP192", "PCNT"],
            "Image Name": ["CEP192_01.tif", "CEP192_02.tif", "PCNT_01.tif"],
            "Characteristics [Organism]": ["Homo sapiens"] * 3,
            "Gene Symbol": ["CEP192", "CEP192", "PCNT"],
        }
    ).to_csv(folder / "idr0021-experimentA-annotation.csv", index=False)
    write_image(folder / "raw" / "CEP192" / "CEP192_01.tif", bits=16)
    write_image(folder / "raw" / "PCNT" / "PCNT_01.tif", bits=16)
    df = records("idr0021", folder)
    check_records(df, folder)
    by_id = df.set_index("sample_id")
    assert by_id.loc["CEP192-CEP192_01", "source_files"] == ["raw/CEP192/CEP192_01.tif"]
    # not on disk: listed where IDR puts it, for the builder to quarantine by name
    assert by_id.loc["CEP192-CEP192_02", "source_files"] == ["CEP192/CEP192_02.tif"]
    assert by_id.loc["PCNT-PCNT_01", "gene"] == "pcnt targeted"
    assert (df["group"] == df["sample_id"]).all()


def test_idr_without_annotation_says_what_to_download(root):
    folder = root / "idr0088"
    folder.mkdir()
    with pytest.raises(UserError, match="annotation"):
        records("idr0088", folder)


def test_idr_cellvoyager_naming(root):
    folder = root / "idr0088"
    (folder / "screenA").mkdir(parents=True)
    pd.DataFrame(
        {"Plate": ["110000252072"], "Well": ["I12"], "Characteristics [Cell Line]": ["WPMY1"],
         "Compound Name": ["Staurosporine"]}
    ).to_csv(folder / "screenA" / "idr0088-screenA-annotation.csv", index=False)
    (folder / "screenA" / "idr0088-screenA-plates.tsv").write_text(
        "110000252072\t/uod/idr/filesets/idr0088-cox-phenomicprofiling/p171114PPS107/"
        "PpsL05Wpmy1ActbRab5a_PPS107_20171115_152709\n"
    )
    plate_dir = folder / "p171114PPS107" / "PpsL05Wpmy1ActbRab5a_PPS107_20171115_152709"
    for field in (1, 2):
        for ch in (1, 2, 3):
            write_image(plate_dir / f"AssayPlate_Greiner_781091_I12_T0001F{field:03d}L01A0{ch}Z01C0{ch}.tif", bits=16)
    df = records("idr0088", folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == ["110000252072-I12-f1", "110000252072-I12-f2"]
    assert df.loc[0, "channels"] == ["BFP", "GFP", "RFP"]
    assert df.loc[0, "cell_type"] == "wpmy1" and df.loc[0, "compound"] == "staurosporine"
