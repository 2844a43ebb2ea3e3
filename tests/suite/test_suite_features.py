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

    plate = tmp_path / "Week1_22123"
    plate.mkdir()
    chans = _img(1, (12, 12))
    row = {}
    for name, arr in zip(("DAPI", "Tubulin", "Actin"), chans):
        tifffile.imwrite(plate / f"x_{name}.tif", arr)
        row[f"Image_FileName_{name}"] = f"x_{name}.tif"
        row[f"Image_PathName_{name}"] = "Week1/Week1_22123"  # as the CSV writes it; zips unpack the plate only
    got = next(iter(F.bbbc021_images(tmp_path, pd.DataFrame([row]))))
    assert all((g == c).all() for g, c in zip(got, chans))
    row["Image_FileName_Actin"] = "missing.tif"
    with pytest.raises(UserError, match="missing.tif"):
        list(F.bbbc021_images(tmp_path, pd.DataFrame([row])))


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
