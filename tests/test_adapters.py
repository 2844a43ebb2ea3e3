"""The two spine adapters on tiny fixtures in the sources' real layouts."""

import numpy as np
import pandas as pd
import pytest
import tifffile
from PIL import Image

from cytoimagenet.catalog.registry import get_source
from cytoimagenet.errors import UserError

BBBC021_ROWS = [
    # TableNumber, ImageNumber, plate, well, site, compound, concentration
    (1, 233, "Week1_22123", "B02", 1, "taxol", "0.3"),
    (1, 234, "Week1_22123", "B02", 2, "taxol", "0.3"),
    (2, 1301, "Week2_24121", "C04", 1, "DMSO", "0.0"),
]


def write_bbbc021(folder, rows=BBBC021_ROWS, drop_column=None):
    lines = []
    for table, image, plate, well, site, compound, conc in rows:
        week = plate.split("_")[0]
        row = {"TableNumber": table, "ImageNumber": image}
        for ch, w in (("DAPI", "w1"), ("Tubulin", "w2"), ("Actin", "w4")):
            name = f"{week}_150607_{well}_s{site}_{w}EB868A72-19FC-46BB-BDFA-66B8966A8{image:03d}.tif"
            row[f"Image_FileName_{ch}"] = name
            row[f"Image_PathName_{ch}"] = f"{week}/{plate}"
            (folder / plate).mkdir(parents=True, exist_ok=True)
            tifffile.imwrite(folder / plate / name, np.full((8, 10), 1000 + image, np.uint16))
        row.update({"Image_Metadata_Plate_DAPI": plate, "Image_Metadata_Well_DAPI": well, "Replicate": 1,
                    "Image_Metadata_Compound": compound, "Image_Metadata_Concentration": conc})
        lines.append(row)
    df = pd.DataFrame(lines)
    if drop_column:
        df = df.drop(columns=[drop_column])
    df.to_csv(folder / "BBBC021_v1_image.csv", index=False)
    pd.DataFrame({"compound": ["taxol", "DMSO"], "concentration": ["0.3", "0.0"],
                  "moa": ["Microtubule stabilizers", "DMSO"]}).to_csv(folder / "BBBC021_v1_moa.csv", index=False)
    return folder


def test_bbbc021_records(tmp_path):
    rec = get_source("bbbc021").records(write_bbbc021(tmp_path))
    assert list(rec["sample_id"]) == ["Week1_22123-B02-s1", "Week1_22123-B02-s2", "Week2_24121-C04-s1"]
    first = rec.iloc[0]
    assert first["compound"] == "taxol" and first["phenotype"] == "microtubule stabilizers"
    assert first["organism"] == "human" and first["cell_type"] == "mcf-7"
    assert first["channels"] == ["DAPI", "Tubulin", "Actin"]
    # files resolve where the zips unpack them: <plate>/<file>, relative to the source folder
    assert all((tmp_path / f).is_file() for f in first["source_files"])
    assert first["source_files"][0].startswith("Week1_22123/Week1_150607_B02_s1_w1")
    assert rec.iloc[0]["group"] == rec.iloc[1]["group"] != rec.iloc[2]["group"]


def test_bbbc021_sample_ids_do_not_depend_on_csv_row_order(tmp_path):
    a = get_source("bbbc021").records(write_bbbc021(tmp_path / "a"))
    b = get_source("bbbc021").records(write_bbbc021(tmp_path / "b", rows=BBBC021_ROWS[::-1]))
    pd.testing.assert_frame_equal(a, b)


def test_missing_column_names_the_column_and_the_file(tmp_path):
    write_bbbc021(tmp_path, drop_column="Image_FileName_Actin")
    with pytest.raises(UserError, match=r"BBBC021_v1_image\.csv: missing column\(s\) Image_FileName_Actin"):
        get_source("bbbc021").records(tmp_path)


def test_rxrx1_records(tmp_path):
    meta = pd.DataFrame([
        dict(site_id="HEPG2-01_1_B02_1", well_id="HEPG2-01_1_B02", cell_type="HEPG2", dataset="train",
             experiment="HEPG2-01", plate=1, well="B02", site=1, well_type="treatment", sirna="s21721", sirna_id=12),
        dict(site_id="U2OS-02_3_C05_2", well_id="U2OS-02_3_C05", cell_type="U2OS", dataset="test",
             experiment="U2OS-02", plate=3, well="C05", site=2, well_type="negative_control", sirna="EMPTY", sirna_id=1138),
    ])
    meta.to_csv(tmp_path / "metadata.csv", index=False)
    for r in meta.itertuples():
        d = tmp_path / "images" / r.experiment / f"Plate{r.plate}"
        d.mkdir(parents=True, exist_ok=True)
        for w in range(1, 7):
            Image.fromarray(np.zeros((4, 4), np.uint8), "L").save(d / f"{r.well}_s{r.site}_w{w}.png")
    rec = get_source("rxrx1").records(tmp_path).set_index("sample_id")
    hepg2 = rec.loc["HEPG2-01_1_B02_1"]
    assert hepg2["cell_type"] == "hepg2" and hepg2["sirna"] == "s21721" and hepg2["organism"] == "human"
    assert hepg2["source_files"] == [f"images/HEPG2-01/Plate1/B02_s1_w{w}.png" for w in range(1, 7)]
    assert all((tmp_path / f).is_file() for f in hepg2["source_files"])
    assert rec.loc["U2OS-02_3_C05_2", "sirna"] is None  # negative control: no siRNA label
    assert len(hepg2["channels"]) == 6


def test_rxrx1_missing_metadata_is_a_user_error(tmp_path):
    # the dataset's zips may unpack with or without their rxrx1/ folder: both places are named
    with pytest.raises(UserError, match=r"none of rxrx1/metadata\.csv, metadata\.csv found"):
        get_source("rxrx1").records(tmp_path)


def test_labels_are_lowercased_and_genes_get_the_targeted_suffix():
    from cytoimagenet.catalog.source import SourceEntry, standardise_records

    entry = SourceEntry(id="x", database="d", name="n", dir_name="x", homepage="h", licence="CC0-1.0", citation="c",
                        modality="fluorescence", channels=["a"])
    raw = pd.DataFrame({"sample_id": ["1", "2"], "group": ["g", "g"], "source_files": [["a.png"], ["b.png"]],
                        "channels": [["a"], ["a"]], "gene": ["RAB5A|Tp53", "actb targeted"],
                        "compound": ["Taxol ", float("nan")]})
    rec = standardise_records(raw, entry)
    assert rec["gene"].tolist() == ["rab5a targeted|tp53 targeted", "actb targeted"]
    assert rec["compound"].tolist() == ["taxol", None]


def test_bbbc021_matches_moa_concentrations_as_numbers(tmp_path):
    write_bbbc021(tmp_path)
    moa = pd.read_csv(tmp_path / "BBBC021_v1_moa.csv", dtype=str)
    moa["concentration"] = moa["concentration"].replace({"0.3": "0.30"})
    moa.to_csv(tmp_path / "BBBC021_v1_moa.csv", index=False)
    rec = get_source("bbbc021").records(tmp_path)
    assert rec.iloc[0]["phenotype"] == "microtubule stabilizers"


def test_pandas_missing_values_are_never_labels():
    from cytoimagenet.catalog.source import norm_label

    assert norm_label(pd.NA) is None and norm_label(pd.NaT) is None and norm_label(float("nan")) is None
    assert norm_label("A|a| b ") == "a|b"
