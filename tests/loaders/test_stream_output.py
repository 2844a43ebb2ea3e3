"""What a batch looks like: dtypes, layouts, channels, torch tensors and the Keras adapter."""

import numpy as np
import pytest

from cytoimagenet.loaders import stream


def test_numpy_batches_are_nhwc_uint8_by_default(release):
    images, labels = next(iter(stream(release, batch_size=8, image_size=24)))
    assert images.shape == (8, 24, 24, 1) and images.dtype == np.uint8
    assert labels.shape == (8,) and labels.dtype == np.int64
    assert images.max() > images.min(), "real pixels, not a blank"


def test_float_three_channel_nchw(release):
    images, _ = next(iter(stream(release, batch_size=4, image_size=16, dtype="float32", channels=3, layout="NCHW")))
    assert images.shape == (4, 3, 16, 16) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert np.array_equal(images[:, 0], images[:, 2]), "gray repeated"


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
@pytest.mark.parametrize("layout", ["NHWC", "NCHW"])
def test_three_channels_repeat_the_gray_image(release, dtype, layout):
    gray, _ = next(iter(stream(release, batch_size=4, image_size=16, dtype=dtype, layout=layout)))
    rgb, _ = next(iter(stream(release, batch_size=4, image_size=16, dtype=dtype, layout=layout, channels=3)))
    axis = 3 if layout == "NHWC" else 1
    assert rgb.shape[axis] == 3 and rgb.dtype == gray.dtype
    for c in range(3):
        np.testing.assert_array_equal(np.take(rgb, [c], axis=axis), gray)


def test_uint8_is_the_rounded_float(release):
    u8, _ = next(iter(stream(release, batch_size=4, image_size=16)))
    f32, _ = next(iter(stream(release, batch_size=4, image_size=16, dtype="float32")))
    assert np.abs(u8.astype(np.float32) - f32 * 255).max() <= 0.5 + 1e-3


def test_torch_tensors_and_dataloader_with_two_workers(release, monkeypatch):
    torch = pytest.importorskip("torch")
    from loader_helpers import as_dataloader, keys_of, train_keys

    s = stream(release, batch_size=16, image_size=8, output="torch", return_keys=True)
    loader = s.loader(num_workers=2)
    assert len(loader) == len(s)
    batches = list(loader)
    assert len(batches) == len(s)
    images, labels, _ = batches[0]
    assert isinstance(images, torch.Tensor) and images.shape == (16, 1, 8, 8) and images.dtype == torch.uint8
    assert labels.dtype == torch.int64
    keys = keys_of(batches)
    assert len(keys) == len(set(keys)) and set(keys) == train_keys(release)
    # the real DataLoader interleaves its workers exactly as the plan says
    assert keys == keys_of(as_dataloader(s, 2, monkeypatch))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Keras' torch backend and numpy 2's __array__ copy
def test_keras_pydataset(release):
    keras = pytest.importorskip("keras")
    s = stream(release, batch_size=32, image_size=8, rotate=False)
    ds = s.keras()
    assert isinstance(ds, keras.utils.PyDataset)
    assert len(ds) == len(s)
    x, y = ds[0]
    assert x.shape == (32, 8, 8, 1) and y.shape == (32,)
    assert ds[0][0] is x, "asking again for the same index does not consume a batch"
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten(),
                              keras.layers.Dense(len(s.labels), activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert s.epoch >= 2, "each Keras epoch advances the stream's epoch (a new order)"
