import numpy as np
import pytest
import tifffile

from cytoimagenet.errors import UserError
from cytoimagenet.suite import features as F


def _img(seed=0, shape=(40, 30)):
    rng = np.random.default_rng(seed)
    # a dim 16-bit channel: only percentile normalisation stretches it
    return [rng.integers(100, 400, size=shape).astype(np.uint16) for _ in range(3)]


def test_prepare_methods_shapes_and_ranges():
    chans = _img()
    for method, planes in (("per_channel", 3), ("per_channel_norm", 3), ("merged", 1), ("merged_norm", 1)):
        out = F.prepare(chans, method, 16)
        assert out.shape == (planes, 16, 16) and out.dtype == np.float32
        assert out.min() >= 0 and out.max() <= 1
    raw = F.prepare(chans, "per_channel", 40)
    norm = F.prepare(chans, "per_channel_norm", 40)
    assert raw.max() < 0.01 and norm.max() > 0.99  # raw keeps the dtype range; norm stretches to [0, 1]
    merged = F.prepare(chans, "merged_norm", 40)
    assert np.allclose(merged[0], norm.mean(axis=0), atol=0.05)  # average of the normalised channels
    with pytest.raises(UserError, match="unknown feature method"):
        F.prepare(chans, "concat", 16)


def test_extract_concatenates_per_channel_features_in_channel_order():
    # a fake network: feature = (mean, max) of the plane, so the layout of the output is checkable
    def net(planes):
        return np.stack([planes.mean(axis=(1, 2)), planes.max(axis=(1, 2))], axis=1)

    imgs = [_img(s) for s in range(5)]
    per = F.extract(iter(imgs), "per_channel_norm", net, image_size=8, batch_size=2)
    assert per.shape == (5, 6)
    one = F.prepare(imgs[3], "per_channel_norm", 8)
    assert np.allclose(per[3], net(one).reshape(-1))
    merged = F.extract(iter(imgs), "merged", net, image_size=8, batch_size=4)
    assert merged.shape == (5, 2)


def test_bbbc021_reader_finds_channels_in_native_layout(tmp_path):
    import pandas as pd

    from cytoimagenet.suite.native import Unreadable
    from cytoimagenet.suite.tasks import bbbc021

    plate = tmp_path / "Week1_22123"
    plate.mkdir()
    chans = _img(1, (12, 12))
    row = {}
    for name, arr in zip(("DAPI", "Tubulin", "Actin"), chans):
        tifffile.imwrite(plate / f"x_{name}.tif", arr)
        row[f"Image_FileName_{name}"] = f"x_{name}.tif"
        row[f"Image_PathName_{name}"] = "Week1/Week1_22123"  # as the CSV writes it; zips unpack the plate only
    got = next(iter(bbbc021.read_images(tmp_path, pd.DataFrame([row]))))
    assert all((g == c).all() for g, c in zip(got, chans))
    row["Image_FileName_Actin"] = "missing.tif"
    # an unreadable row is not an error that stops the task: the reader says which file and why, and the
    # evaluation leaves the row out and lists it in its report
    (got,) = list(bbbc021.read_images(tmp_path, pd.DataFrame([row])))
    assert isinstance(got, Unreadable) and "missing.tif" in got and "missing file" in got


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_keras_efficientnet_random_weights_penultimate_features():
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    ex = F.Extractor(weights=None, image_size=32, batch_size=4, seed=0)
    imgs = [_img(s, (20, 20)) for s in range(2)]
    per = F.extract(imgs, "per_channel_norm", ex, image_size=32)
    merged = F.extract(imgs, "merged", ex, image_size=32)
    assert per.shape == (2, 3 * F.FEATURE_DIM) and merged.shape == (2, F.FEATURE_DIM)
    assert np.isfinite(per).all()
    again = F.Extractor(weights=None, image_size=32, batch_size=4, seed=0)
    assert np.allclose(F.extract(imgs, "merged", again, image_size=32), merged, atol=1e-5)
    with pytest.raises(UserError, match="does not exist"):
        F.Extractor(weights="/nonexistent/w.weights.h5", image_size=32)


class _MeanNet:
    """Stands in for the network: the feature of a plane is its mean, so rows can be traced to images."""

    image_size = 4
    batch_size = 3

    def __call__(self, planes):
        return planes.mean(axis=(1, 2))[:, None]


def test_coos7_features_table_rows_match_their_images(tmp_path):
    h5py = pytest.importorskip("h5py")
    from cytoimagenet.suite.tasks import coos7

    data = {}
    for split, n in (("train", 4), ("test2", 3)):
        # every image constant, with a value unique to (split, row): protein = v, nucleus = 2v
        v = (np.arange(n) + (1 if split == "train" else 10)) * 1000
        arr = np.stack([np.full((2, 6, 6), [[[x]], [[2 * x]]], dtype=np.uint16) for x in v])
        with h5py.File(tmp_path / coos7.FILES[split], "w") as f:
            f["data"], f["labels"] = arr, np.arange(n) % 2
        data[split] = v
    table = F.extract_task_features("coos7", tmp_path, "per_channel", _MeanNet())
    for split, v in data.items():
        rows = table[table["split"] == split].sort_values("index")
        got = np.stack(rows["features"].to_numpy()) * 65535
        assert np.allclose(got, np.stack([v, 2 * v], axis=1), atol=1e-2)


def _deeploc_files(tmp_path, h5py, with_names: bool):
    """The DeepLoc layout: data1 (N, 8192) = GFP plane then RFP plane, 64x64 row-major; Index1 (N, 19) one-hot."""
    from cytoimagenet.suite.tasks import cyclops

    expected = []
    for f_i, name in enumerate(cyclops.HDF5_FILES):
        n = 3
        classes = [(f_i * 5 + j * 7) % 19 for j in range(n)]
        rows, onehot = [], np.zeros((n, 19), np.float32)
        for j, c in enumerate(classes):
            gfp = np.full((64, 64), 100.0 * (f_i * 10 + j + 1), np.float32)
            rfp = np.full((64, 64), 7.0 * (f_i * 10 + j + 1), np.float32)
            gfp[0, 1] = 1.0  # row-major: the second value of the row is pixel (0, 1) of the GFP plane
            rows.append(np.concatenate([gfp.ravel(), rfp.ravel()]))
            onehot[j, c] = 1
            expected.append((cyclops.LABELS[c], gfp, rfp))
        with h5py.File(tmp_path / name, "w") as f:
            f["data1"], f["Index1"] = np.stack(rows), onehot
            if with_names:
                f["Index1_columns"] = np.array([s.lower().encode() for s in cyclops.LABELS])
    return expected


@pytest.mark.parametrize("with_names", [False, True])
def test_cyclops_deeploc_hdf5_reader_pools_files_and_splits_channels(tmp_path, with_names):
    h5py = pytest.importorskip("h5py")
    from cytoimagenet.suite.tasks import cyclops

    expected = _deeploc_files(tmp_path, h5py, with_names)
    table = cyclops.image_table(tmp_path)
    assert table["label"].tolist() == [lab for lab, _, _ in expected]
    assert table["file"].tolist() == [n for n in cyclops.HDF5_FILES for _ in range(3)]
    got = list(cyclops.read_images(tmp_path, table.iloc[::-1], chunk=2))  # any order, chunks across files
    for (lab, gfp, rfp), (g, r) in zip(expected[::-1], got):
        np.testing.assert_array_equal(g, gfp)
        np.testing.assert_array_equal(r, rfp)


def test_cyclops_deeploc_reader_refuses_a_wrong_layout(tmp_path):
    h5py = pytest.importorskip("h5py")
    from cytoimagenet.suite.tasks import cyclops

    with h5py.File(tmp_path / cyclops.HDF5_FILES[0], "w") as f:
        f["data1"], f["Index1"] = np.zeros((2, 4096), np.float32), np.eye(19)[:2]
    with pytest.raises(UserError, match="8192"):
        cyclops.image_table(tmp_path)
    with h5py.File(tmp_path / cyclops.HDF5_FILES[0], "w") as f:
        f["data1"], f["Index1"] = np.zeros((2, 8192), np.float32), np.zeros((2, 19))
    with pytest.raises(UserError, match="row 0 marks 0 classes"):
        cyclops.image_table(tmp_path)


def test_cyclops_tiff_tree_pairs_channels_by_name_and_labels_by_folder(tmp_path):
    from cytoimagenet.suite.tasks import cyclops

    # what the original evaluation read: <CLASS>/<CLASS>_<n>_{gfp,rfp}.tif, DEAD and GHOST folders included
    values = {}
    for c_i, cls in enumerate(["ACTIN", "DEAD", "ER", "GHOST", "SPINDLEPOLE"]):
        (tmp_path / cls).mkdir()
        for n in range(2):
            v = float(c_i * 10 + n + 1)
            tifffile.imwrite(tmp_path / cls / f"{cls}_{c_i * 2 + n}_gfp.tif", np.full((64, 64), 100 * v, np.float32))
            tifffile.imwrite(tmp_path / cls / f"{cls}_{c_i * 2 + n}_rfp.tif", np.full((64, 64), v, np.float32))
            values[f"{cls}_{c_i * 2 + n}"] = v
    table = cyclops.image_table(tmp_path)
    assert len(table) == 10 and set(table["label"]) == {"ACTIN", "DEAD", "ER", "GHOST", "SPINDLEPOLE"}
    assert all(stem.startswith(lab + "_") for stem, lab in zip(table["image"], table["label"]))
    for (gfp, rfp), stem in zip(cyclops.read_images(tmp_path, table), table["image"]):
        assert gfp[0, 0] == 100 * values[stem] and rfp[0, 0] == values[stem]
    (tmp_path / "ER" / "ER_4_rfp.tif").unlink()
    with pytest.raises(UserError, match="lack a GFP or RFP"):
        cyclops.image_table(tmp_path)


def test_cyclops_features_end_to_end_on_the_tiff_tree(tmp_path):
    from cytoimagenet.suite.evaluate import evaluate_table

    rng = np.random.default_rng(0)
    for cls, level in (("ACTIN", 0.2), ("ER", 0.8), ("DEAD", 0.5)):
        (tmp_path / cls).mkdir()
        for n in range(4):
            gfp = np.clip(rng.normal(level, 0.01, (64, 64)), 0, 1).astype(np.float32)
            tifffile.imwrite(tmp_path / cls / f"{cls}_{n}_gfp.tif", gfp)
            tifffile.imwrite(tmp_path / cls / f"{cls}_{n}_rfp.tif", np.full((64, 64), 0.5, np.float32))
    feats = F.extract_task_features("cyclops", tmp_path, "per_channel", _MeanNet())
    assert np.stack(feats["features"]).shape == (12, 2)
    result, _ = evaluate_table("cyclops", tmp_path, feats, k=3)
    assert result["n_dropped"]["DEAD"] == 4
    assert result["results"]["loo"]["accuracy"] == 1.0  # mean GFP separates ACTIN from ER


def test_float_crops_are_read_as_unit_range_or_16_bit_counts():
    assert F.to_unit(np.array([[0.25, 1.0]], np.float32)).tolist() == [[0.25, 1.0]]
    np.testing.assert_allclose(F.to_unit(np.array([[655.35, 65535.0]], np.float32)), [[0.01, 1.0]], rtol=1e-6)
