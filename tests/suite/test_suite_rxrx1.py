import numpy as np
import pytest
from suite_fixtures import rxrx1_table

from cytoimagenet.errors import UserError
from cytoimagenet.suite.tasks import rxrx1


def test_centering_and_tvn_remove_a_planted_plate_offset():
    r = rxrx1.evaluate(rxrx1_table(), k=1)
    res = r["results"]
    assert r["split"]["test_experiments"] == ["HUVEC-02"]
    assert r["split"]["train_experiments"] == ["HUVEC-01"]
    assert (res["raw"]["n"], res["raw"]["correct"]) == (4, 1)  # everything predicted s0
    assert res["raw"]["confusion"]["matrix"][1] == [1, 0, 0, 0]
    assert res["centered"]["accuracy"] == 1.0
    assert res["tvn"]["accuracy"] == 1.0
    # positive and negative controls are neither scored nor neighbours
    assert res["raw"]["confusion"]["classes"] == ["s0", "s1", "s2", "s3"]
    assert res["raw"]["n_train_wells"] == 8


def test_tvn_removes_typical_variation_that_centering_keeps():
    r = rxrx1.evaluate(rxrx1_table(nuisance=True), k=1)
    assert r["results"]["centered"]["accuracy"] == 0.0
    assert r["results"]["tvn"]["accuracy"] == 1.0
    assert r["tvn_scope"] == "experiment"
    for scope in ("all", "plate"):
        assert rxrx1.evaluate(rxrx1_table(nuisance=True), k=1, tvn_scope=scope)["results"]["tvn"]["accuracy"] == 1.0


def test_center_on_controls_subtracts_each_groups_control_mean():
    x = np.array([[1.0, 1.0], [3.0, 1.0], [10.0, 0.0], [20.0, 5.0], [22.0, 5.0]])
    groups = np.array([0, 0, 0, 1, 1])
    ctrl = np.array([True, True, False, True, False])
    out = rxrx1.center_on_controls(x, groups, ctrl)
    assert out.tolist() == [[-1.0, 0.0], [1.0, 0.0], [8.0, -1.0], [0.0, 0.0], [2.0, 0.0]]
    with pytest.raises(ValueError):
        rxrx1.center_on_controls(x, groups, np.array([True, False, False, False, False]))


def test_whitening_equalises_control_variation():
    rng = np.random.default_rng(0)
    ctrl = rng.normal(size=(400, 3)) * [10.0, 1.0, 0.1]
    mean, sd = ctrl.mean(axis=0), ctrl.std(axis=0, ddof=1)
    x = np.concatenate([ctrl, [mean + [sd[0], 0, 0], mean + [0, 0, sd[2]]]])
    is_ctrl = np.arange(len(x)) < 400
    out = rxrx1.whiten_on_controls(x, np.zeros(len(x), dtype=int), is_ctrl, shrink=1e-9)
    cov = np.cov(out[is_ctrl].T)
    assert np.allclose(cov, np.eye(3), atol=0.02)
    # one control standard deviation along a loud axis and along a quiet one end up the same length
    assert np.linalg.norm(out[-2]) == pytest.approx(np.linalg.norm(out[-1]), rel=0.1)


def test_official_split_must_not_cut_an_experiment():
    t = rxrx1_table()
    t.loc[t.index[0], "dataset"] = "test"  # one site of a train experiment marked test
    with pytest.raises(UserError, match="held out whole"):
        rxrx1.evaluate(t, k=1)


def test_fallback_split_holds_out_last_experiment_per_cell_type():
    t = rxrx1_table().drop(columns="dataset")
    r = rxrx1.evaluate(t, k=1)
    assert r["split"]["test_experiments"] == ["HUVEC-02"]
    assert "last experiment" in r["split"]["rule"]
    r = rxrx1.evaluate(rxrx1_table(), k=1, test_experiments=["HUVEC-01"])
    assert r["split"]["train_experiments"] == ["HUVEC-02"]


def test_plate_without_controls_skips_normalised_variants():
    t = rxrx1_table()
    t = t[~((t["experiment"] == "HUVEC-02") & (t["well_type"] == "negative_control"))]
    r = rxrx1.evaluate(t, k=1)
    assert "accuracy" in r["results"]["raw"]
    assert "HUVEC-02/1" in r["results"]["centered"]["skipped"]
    assert "skipped" in r["results"]["tvn"]
