"""Recursion family: a metadata CSV per site and one 8-bit PNG per channel under images/{experiment}/Plate{n}/."""

from __future__ import annotations

import pandas as pd
import pytest

from cytoimagenet.errors import UserError

from catalog_fixtures import check_records, records, recursion_tree, shuffled_rewrite
from catalog_fixtures import recursion_site as site


def test_rxrx19a_five_channels_and_vero_organism(tmp_path):
    rows = [
        site("HRCE", 1, 1, "AA02", 1, disease_condition="Active SARS-CoV-2", treatment="Remdesivir",
             treatment_conc=1.0, SMILES="C"),
        site("HRCE", 1, 1, "AA02", 2, disease_condition="Active SARS-CoV-2", treatment="Remdesivir",
             treatment_conc=1.0, SMILES="C"),
        site("VERO", 1, 2, "B03", 1, disease_condition="Mock", treatment=None, treatment_conc=None, SMILES=None),
    ]
    folder = recursion_tree(tmp_path, "rxrx19a", rows, 5)
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


def test_rxrx2_reads_its_own_metadata_file(tmp_path):
    rows = [site("HUVEC", 1, 1, "AA02", s, treatment="IL-6", treatment_conc=0.1) for s in (1, 2)]
    folder = recursion_tree(tmp_path, "rxrx2", rows, 6, metadata="rxrx2-metadata.csv")
    df = records("rxrx2", folder)
    check_records(df, folder)
    assert len(df.loc[0, "source_files"]) == 6 and df.loc[0, "channels"][0] == "Hoechst"
    assert (df["compound"] == "il-6").all()
    shuffled_rewrite(folder / "rxrx2-metadata.csv")
    pd.testing.assert_frame_equal(df, records("rxrx2", folder))


def test_rxrx19b_blank_condition_gives_no_label(tmp_path):
    rows = [site("HUVEC", 1, 1, "AA02", 1, disease_condition="storm-severe", treatment=None),
            site("HUVEC", 1, 1, "AA03", 1, disease_condition=None, treatment=None)]
    folder = recursion_tree(tmp_path, "rxrx19b", rows, 6)
    df = records("rxrx19b", folder)
    assert list(df["phenotype"]) == ["storm-severe", None]


def test_recursion_missing_column(tmp_path):
    folder = recursion_tree(tmp_path, "rxrx19b", [site("HUVEC", 1, 1, "AA02", 1)], 6)
    pd.read_csv(folder / "metadata.csv").drop(columns=["site"]).to_csv(folder / "metadata.csv", index=False)
    with pytest.raises(UserError, match=r"metadata\.csv: missing column\(s\) site"):
        records("rxrx19b", folder)
