import numpy as np
import pandas as pd
import pytest

from cytoimagenet.errors import UserError
from cytoimagenet.suite.tasks import coos7, cyclops


def _coos_table():
    # train z-scores (mean (1, 2), std (1, 1)) are the four corners (+-1, +-1); test1 is train shifted by +10
    # on the first feature. With *train* statistics every test point lies far out along +x and its nearest
    # training direction (cosine) is class b's; with its own statistics test1 would look exactly like train.
    train = [((0, 1), "a"), ((0, 3), "a"), ((2, 1), "b"), ((2, 3), "b")]
    rows = [{"split": "training", "label": lab, "features": list(map(float, v))} for v, lab in train]
    rows += [{"split": "test1", "label": lab, "features": [v[0] + 10.0, float(v[1])]} for v, lab in train]
    # test2 is unshifted: recovers the training answers
    rows += [{"split": "test2", "label": lab, "features": list(map(float, v))} for v, lab in train]
    return pd.DataFrame(rows)


def test_coos7_standardises_with_training_statistics():
    r = coos7.evaluate(_coos_table(), k=1)
    t1 = r["results"]["test1"]
    assert t1["accuracy"] == 0.5
    assert t1["confusion"]["classes"] == ["a", "b"]
    assert t1["confusion"]["matrix"] == [[0, 2], [0, 2]]
    assert r["results"]["test2"]["accuracy"] == 1.0
    assert r["n_train"] == 4


def test_standardize_uses_train_mean_and_std_and_survives_constant_features():
    train = np.array([[0.0, 5.0], [2.0, 5.0]])
    test = np.array([[4.0, 7.0]])
    ztr, zte = coos7.standardize(train, test)
    assert ztr.tolist() == [[-1.0, 0.0], [1.0, 0.0]]
    assert zte.tolist() == [[3.0, 2.0]]  # constant train feature: divided by 1, not 0


def test_coos7_needs_train_and_known_splits():
    t = _coos_table()
    with pytest.raises(UserError, match="split 'train'"):
        coos7.evaluate(t[t["split"] != "training"], k=1)
    bad = t.copy()
    bad.loc[0, "split"] = "val"
    with pytest.raises(UserError, match="unknown split 'val'"):
        coos7.evaluate(bad, k=1)


def test_coos7_hdf5_reader(tmp_path):
    h5py = pytest.importorskip("h5py")
    rng = np.random.default_rng(0)
    for split, n in (("train", 3), ("test1", 2)):
        with h5py.File(tmp_path / coos7.FILES[split], "w") as f:
            f["data"] = rng.integers(0, 65535, size=(n, 2, 8, 8), dtype=np.uint16)
            f["labels"] = np.arange(n)
    table = coos7.image_table(tmp_path)
    assert table["split"].tolist() == ["train"] * 3 + ["test1"] * 2
    imgs = coos7.read_images(tmp_path, coos7.FILES["train"], np.array([2, 0]))
    with h5py.File(tmp_path / coos7.FILES["train"], "r") as f:
        assert (imgs[0] == f["data"][2]).all() and (imgs[1] == f["data"][0]).all()


def _cyclops_table():
    rows = [
        ((1.0, 0.0), "ACTIN"),
        ((1.0, 0.0), "ER"),  # exact duplicate of row 0 with another class
        ((0.0, 1.0), "actin"),
        ((0.0, 1.0), "ER"),
        ((1.0, 0.001), "DEAD"),  # nearer than anything to rows 0/1 unless dropped
        ((0.001, 1.0), "GHOST"),
        ((0.7, 0.7), "SPINDLEPOLE"),
        ((0.71, 0.7), "Spindle"),
    ]
    t = pd.DataFrame({"label": [lab for _, lab in rows], "features": [list(v) for v, _ in rows]})
    # a shuffled, non-positional index: "by index" must mean the row itself, never df.index as a position
    t.index = [70, 3, 51, 12, 8, 0, 1, 2]
    return t


def test_cyclops_leave_one_out_never_counts_the_query():
    r = cyclops.evaluate(_cyclops_table(), k=1)
    loo = r["results"]["loo"]
    # every ACTIN/ER row's only neighbour at similarity 1 is its twin of the other class; the two spindle rows
    # (one merged from SPINDLEPOLE) are each other's nearest. Counting the query would give 6 / 6.
    assert (loo["n"], loo["correct"]) == (6, 2)
    assert loo["per_class"]["SPINDLE"] == {"accuracy": 1.0, "n": 2}
    assert loo["per_class"]["ACTIN"] == {"accuracy": 0.0, "n": 2}


def test_cyclops_drops_dead_ghost_and_merges_spindlepole():
    r = cyclops.evaluate(_cyclops_table(), k=1)
    assert r["results"]["loo"]["confusion"]["classes"] == ["ACTIN", "ER", "SPINDLE"]
    assert r["n_dropped"] == {"DEAD": 1, "GHOST": 1}
    assert r["n_merged"] == {"SPINDLEPOLE": 1}


def test_cyclops_eleven_nn_by_default():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal([5, 0], 0.5, (12, 2)), rng.normal([0, 5], 0.5, (12, 2))])
    t = pd.DataFrame({"label": ["A"] * 12 + ["B"] * 12, "features": list(x)})
    r = cyclops.evaluate(t)
    assert r["k"] == 11 and r["results"]["loo"]["accuracy"] == 1.0
