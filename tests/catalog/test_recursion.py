"""Recursion family: a metadata CSV per site and one 8-bit PNG per channel under images/{experiment}/Plate{n}/."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cytoimagenet.errors import UserError

from catalog_fixtures import check_records, records, shuffled_rewrite, write_image


def recursion_tree(root: Path, source_id: str, rows: list[dict], n_channels: int, metadata="metadata.csv") -> Path:
    folder = root / source_id
    folder.mkdir()
    pd.DataFrame(rows).to_csv(folder / metadata, index=False)
    for r in rows:
        for w in range(1, n_channels + 1):
            write_image(folder / "images" / r["experiment"] / f"Plate{r['plate']}" / f"{r['well']}_s{r['site']}_w{w}.png")
    return folder


def site(cell, exp, plate, well, s, **extra):
    return {"site_id": f"{cell}-{exp}_{plate}_{well}_{s}", "well_id": f"{cell}-{exp}_{plate}_{well}",
            "cell_type": cell, "experiment": f"{cell}-{exp}", "plate": plate, "well": well, "site": s, **extra}


def test_rxrx19a_five_channels_and_vero_organism(root):
    rows = [
        site("HRCE", 1, 1, "AA02", 1, disease_condition="Active SARS-CoV-2", treatment="Remdesivir",
             treatment_conc=1.0, SMILES="C"),
        site("HRCE", 1, 1, "AA02", 2, disease_condition="Active SARS-CoV-2", treatment="Remdesivir",
             treatment_conc=1.0, SMILES="C"),
        site("VERO", 1, 2, "B03", 1, disease_condition="Mock", treatment=None, treatment_conc=None, SMILES=None),
    ]
    folder = recursion_tree(root, "rxrx19a", rows, 5)
    df = records("rxrx19a", folder)
    check_records(df, folder)
    assert list(df["sample_id"]) == ["HRCE-1_1_AA02_1", "HRCE-1_1_AA02_2", "VERO-1_2_B03_1"]
    assert df.loc[0, "group"] == df.loc[1, "group"] == "HRCE-1_1_AA02"
    assert df.loc[0, "source_files"] == [f"images/HRCE-1/Plate1/AA02_s1_w{w}.png" for w in range(1, 6)]
    assert list(df["organism"]) == ["human", "human", "african green monkey"]
    assert list(df["cell_type"]) == ["hrce", "hrce", "vero"]
    assert list(df["phenotype"]) == ["active sars-cov-2", "active sars-cov-2", "mock"]
    assert list(df["compound"]) == ["remdesivir", "remdesivir", None]
    assert all((folder / f).is_file() for files in df["source_files"] for f in files)


def test_rxrx2_reads_its_own_metadata_file(root):
    rows = [site("HUVEC", 1, 1, "AA02", s, treatment="IL-6", treatment_conc=0.1) for s in (1, 2)]
    folder = recursion_tree(root, "rxrx2", rows, 6, metadata="rxrx2-metadata.csv")
    df = records("rxrx2", folder)
    check_records(df, folder)
    assert len(df.loc[0, "source_files"]) == 6 and df.loc[0, "channels"][0] == "Hoechst"
    assert (df["compound"] == "il-6").all()
    shuffled_rewrite(folder / "rxrx2-metadata.csv")
    pd.testing.assert_frame_equal(df, records("rxrx2", folder))


def test_rxrx19b_blank_condition_gives_no_label(root):
    rows = [site("HUVEC", 1, 1, "AA02", 1, disease_condition="storm-severe", treatment=None),
            site("HUVEC", 1, 1, "AA03", 1, disease_condition=None, treatment=None)]
    folder = recursion_tree(root, "rxrx19b", rows, 6)
    df = records("rxrx19b", folder)
    assert list(df["phenotype"]) == ["storm-severe", None]


def test_recursion_missing_column(root):
    folder = recursion_tree(root, "rxrx19b", [site("HUVEC", 1, 1, "AA02", 1)], 6)
    pd.read_csv(folder / "metadata.csv").drop(columns=["site"]).to_csv(folder / "metadata.csv", index=False)
    with pytest.raises(UserError, match=r"metadata\.csv: missing column\(s\) site"):
        records("rxrx19b", folder)
