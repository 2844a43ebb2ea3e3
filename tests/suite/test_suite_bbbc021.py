import numpy as np
import pandas as pd
import pytest
from suite_fixtures import BBBC021_NSC, BBBC021_NSCB, BBBC021_TREATMENTS, bbbc021_tables

from cytoimagenet.errors import UserError
from cytoimagenet.suite.tasks import bbbc021


def _predictions(result, variant):
    return {(p["compound"], p["concentration"]): p for p in result["results"][variant]["predictions"]}


def test_nsc_excludes_same_compound_twin():
    images, moa = bbbc021_tables()
    r = bbbc021.evaluate(images, moa)
    preds = _predictions(r, "NSC")
    # A@3 is A@1's nearest treatment; NSC must look past it to C
    assert preds[("A", 1.0)]["neighbour"] == ["C", 1.0]
    assert {k: p["predicted"] for k, p in preds.items() if p["scored"]} == BBBC021_NSC
    nsc = r["results"]["NSC"]
    assert (nsc["n"], nsc["correct"]) == (6, 3)
    assert nsc["accuracy"] == pytest.approx(0.5)


def test_nscb_also_excludes_shared_batch():
    images, moa = bbbc021_tables()
    r = bbbc021.evaluate(images, moa)
    preds = _predictions(r, "NSCB")
    # C is in Week1 with A: NSCB looks past it to B (Week2/Week3)
    assert preds[("A", 1.0)]["neighbour"] == ["B", 1.0]
    assert {k: p["predicted"] for k, p in preds.items() if p["scored"]} == BBBC021_NSCB
    nscb = r["results"]["NSCB"]
    assert (nscb["n"], nscb["correct"]) == (6, 5)


def test_nscb_batch_set_covers_every_plate_of_a_treatment():
    # X is on Week1 and Week2 plates; Y (Week2) is nearest to X but shares Week2 through X's second plate
    treatments = [
        ("X", 1.0, "M1", ["Week1_1", "Week2_1"], (1.0, 0.0, 0.0)),
        ("Y", 1.0, "M2", ["Week2_2"], (1.0, 0.1, 0.0)),
        ("Z", 1.0, "M1", ["Week3_1"], (1.0, 0.0, 0.6)),
        ("W", 1.0, "M2", ["Week3_2"], (0.0, 1.0, 0.0)),
    ]
    images, moa = bbbc021_tables(treatments)
    r = bbbc021.evaluate(images, moa)
    assert _predictions(r, "NSC")[("Y", 1.0)]["neighbour"] == ["X", 1.0]
    assert _predictions(r, "NSCB")[("Y", 1.0)]["neighbour"] == ["Z", 1.0]
    assert _predictions(r, "NSC")[("X", 1.0)]["neighbour"] == ["Y", 1.0]
    assert _predictions(r, "NSCB")[("X", 1.0)]["neighbour"] == ["Z", 1.0]


def test_dmso_and_treatments_without_moa_are_dropped_and_reported():
    images, moa = bbbc021_tables()
    r = bbbc021.evaluate(images, moa)
    assert r["n_treatments"] == 7  # A@1, A@3, B, C, D, F, G
    assert r["n_control_images_dropped"] == 2
    assert r["treatments_without_moa"] == [["E", 1.0]]
    names = {p["compound"] for p in r["results"]["NSC"]["predictions"]}
    assert "DMSO" not in names and "E" not in names


def test_treatment_without_admissible_same_moa_is_unscored_but_still_a_neighbour():
    images, moa = bbbc021_tables()
    r = bbbc021.evaluate(images, moa)
    for variant in ("NSC", "NSCB"):
        assert [u["compound"] for u in r["results"][variant]["unanswerable"]] == ["G"]
        assert "M3" not in r["results"][variant]["per_class"]
    # G sits on B's third axis: make it B's nearest and B must now answer M3 (wrong)
    treatments = [t if t[0] != "G" else ("G", 1.0, "M3", ["Week4_401"], (1.0, 0.0, 0.5)) for t in
                  BBBC021_TREATMENTS]
    images, moa = bbbc021_tables(treatments)
    r = bbbc021.evaluate(images, moa)
    assert _predictions(r, "NSC")[("B", 1.0)]["predicted"] == "M3"


def test_mean_and_median_profiles():
    images, moa = bbbc021_tables()
    # an outlier image in treatment D: it moves D's mean, not its median of three
    extra = images[images["Image_Metadata_Compound"] == "D"].iloc[[0]].copy()
    extra["features"] = [np.array([0.0, 1.0, 30.0])]
    images = pd.concat([images, extra], ignore_index=True)
    t_mean, p_mean, _ = bbbc021.treatment_profiles(images, moa, "mean")
    t_med, p_med, _ = bbbc021.treatment_profiles(images, moa, "median")
    d = int(np.flatnonzero(t_mean["compound"] == "D")[0])
    assert p_med[d] == pytest.approx([0.0, 1.0, 0.105])  # middle of 0.095, 0.105, 30
    assert p_mean[d][2] == pytest.approx((0.105 + 0.095 + 30) / 3)
    a = int(np.flatnonzero((t_mean["compound"] == "A") & (t_mean["concentration"] == 1.0))[0])
    assert p_mean[a] == pytest.approx([1.0, 0.0, 0.0])
    assert t_mean.loc[t_mean["compound"] == "B", "batches"].iloc[0] == ["Week2", "Week3"]


def test_bad_plate_name_and_missing_moa_column_are_user_errors():
    images, moa = bbbc021_tables()
    images.loc[0, "Image_Metadata_Plate_DAPI"] = "Plate_1"
    with pytest.raises(UserError, match="WeekN"):
        bbbc021.evaluate(images, moa)
    images, moa = bbbc021_tables()
    with pytest.raises(UserError, match="'moa'"):
        bbbc021.evaluate(images, moa.drop(columns="moa"))
