"""Feature extraction for the transfer tasks: EfficientNetB0's penultimate layer (global average pool, 1280-d).

The four methods of the original evaluation:

================== ======================================== ==========================================
method             channels                                 intensities
================== ======================================== ==========================================
``per_channel``    each channel through the network alone,  scaled by the dtype's range (raw)
                   features concatenated (1280 x channels)
``per_channel_norm`` same                                   each channel to its 0.1-99.9th percentiles
``merged``         channels averaged into one image         raw, as above
``merged_norm``    channels averaged into one image         each channel normalised before averaging
================== ======================================== ==========================================

Weights: ``None`` (random initialisation, seeded: the baseline), a ``.keras`` model file (e.g. one saved by
``cytoimagenet pretrain``; its penultimate layer is used), or a weights file for EfficientNetB0 without its top
(e.g. ImageNet weights already on disk). Nothing is downloaded.

The image preparation is numpy in, numpy out (``prepare``); keras is imported only by ``Extractor``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from cytoimagenet.errors import UserError

from .native import Unreadable
from .registry import get_task

METHODS = {
    # name: (merge channels?, percentile-normalise?)
    "per_channel": (False, False),
    "per_channel_norm": (False, True),
    "merged": (True, False),
    "merged_norm": (True, True),
}
FEATURE_DIM = 1280
DEFAULT_IMAGE_SIZE = 224


# --- preparation (pure) -------------------------------------------------------------------------------


def to_unit(channel: np.ndarray) -> np.ndarray:
    """Raw intensities into [0, 1] by the dtype's full range: what an un-normalised pipeline sees.

    Float images hold either values in [0, 1] or raw camera counts stored as floats (CyCLOPS' DeepLoc crops):
    an image with a value above 1 is read as 16-bit counts, the cameras' range."""
    if channel.dtype.kind in "ui":
        return channel.astype(np.float32) / np.float32(np.iinfo(channel.dtype).max)
    x = channel.astype(np.float32)
    if x.size and float(np.nanmax(x)) > 1.0:
        x = x / np.float32(65535)
    return np.clip(np.nan_to_num(x), 0.0, 1.0)


def scale_channel(channel: np.ndarray, normalise: bool) -> np.ndarray:
    if normalise:
        from cytoimagenet.builder.image import normalise as percentile_normalise

        return percentile_normalise(channel)
    return to_unit(channel)


def resize_plane(plane: np.ndarray, size: int) -> np.ndarray:
    if plane.shape == (size, size):
        return plane.astype(np.float32, copy=False)
    im = Image.fromarray(np.ascontiguousarray(plane, dtype=np.float32), mode="F")
    return np.asarray(im.resize((size, size), Image.Resampling.BILINEAR), dtype=np.float32)


def prepare(channels: list[np.ndarray], method: str, size: int) -> np.ndarray:
    """One image's channels -> (n_planes, size, size) float32 in [0, 1]; 1 plane when merged, else one each."""
    if method not in METHODS:
        raise UserError(f"unknown feature method {method!r}: choose one of {', '.join(METHODS)}")
    merge, norm = METHODS[method]
    planes = [scale_channel(np.asarray(c), norm) for c in channels]
    if merge:
        if len({p.shape for p in planes}) != 1:
            raise UserError(f"channels differ in shape {[p.shape for p in planes]}: cannot merge them")
        planes = [np.mean(planes, axis=0)]
    return np.stack([resize_plane(p, size) for p in planes])


# --- the network (keras, torch backend) ---------------------------------------------------------------


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
    except ImportError as exc:
        raise UserError("feature extraction needs the keras extra: pip install 'cytoimagenet[keras]'") from exc
    return keras


def efficientnet_b0(image_size: int = DEFAULT_IMAGE_SIZE, channels: int = 3, classes: int | None = None,
                    dropout: float = 0.2):
    """EfficientNetB0 with random weights, NHWC input in 0-255 (the model rescales it itself).

    ``classes=None``: the network to its 1280-d global average pool (layer ``avg_pool``). Otherwise the
    classification head of keras' own ``include_top`` model above that pool (``top_dropout``, softmax Dense
    ``predictions``), so that feature extraction can cut any pretrained model at ``avg_pool``. The head computes
    in float32: under mixed precision a float16 softmax over ~900 classes underflows and the loss saturates.
    Shared by the extractor and by pretraining (``cytoimagenet.suite.pretrain``), so both see the same graph.
    """
    keras = _keras()
    base = keras.applications.EfficientNetB0(
        include_top=False, weights=None, pooling="avg", input_shape=(image_size, image_size, channels))
    if classes is None:
        return base
    x = keras.layers.Dropout(dropout, name="top_dropout")(base.output)
    # keras.applications' own head initialiser (DENSE_KERNEL_INITIALIZER in its efficientnet module)
    init = keras.initializers.VarianceScaling(scale=1.0 / 3.0, mode="fan_out", distribution="uniform")
    out = keras.layers.Dense(classes, activation="softmax", kernel_initializer=init, dtype="float32",
                             name="predictions")(x)
    return keras.Model(base.input, out, name="efficientnetb0")


class Extractor:
    """EfficientNetB0 to its global-average-pool output; call it on (n, size, size) planes in [0, 1]."""

    def __init__(self, weights: str | Path | None = None, image_size: int = DEFAULT_IMAGE_SIZE,
                 batch_size: int = 32, seed: int = 0):
        keras = _keras()
        self.image_size = image_size
        self.batch_size = batch_size
        if weights is None:
            keras.utils.set_random_seed(seed)
            self.model = efficientnet_b0(image_size, 3)
            self.weights = "random"
        else:
            self.model = self._load(keras, Path(weights), image_size)
            self.weights = str(weights)
        self.in_channels = int(self.model.inputs[0].shape[-1])
        fixed = self.model.inputs[0].shape[1]
        if fixed is not None:
            # a saved model fixes its input size; feeding another one would fail deep inside the backend
            self.image_size = int(fixed)

    @staticmethod
    def _load(keras, path: Path, size: int):
        if not path.is_file():
            raise UserError(f"weights file {path} does not exist (nothing is downloaded: pass a local file)")
        if path.suffix == ".keras":
            full = keras.models.load_model(path, compile=False)
            try:
                pooled = full.get_layer("avg_pool").output
            except ValueError:
                # a model whose head was renamed: the input of its last Dense is the penultimate layer
                dense = [layer for layer in full.layers if isinstance(layer, keras.layers.Dense)]
                if not dense:
                    raise UserError(f"{path}: no 'avg_pool' layer and no Dense head to cut below") from None
                pooled = dense[-1].input
            return keras.Model(full.inputs, pooled)
        model = efficientnet_b0(size, 3)
        try:
            model.load_weights(str(path))
        except Exception as exc:
            raise UserError(
                f"{path}: not weights for EfficientNetB0 without its top ({type(exc).__name__}); "
                "pass a .keras model file for a model with a classification head"
            ) from exc
        return model

    def __call__(self, planes: np.ndarray) -> np.ndarray:
        x = np.asarray(planes, dtype=np.float32)[..., None] * np.float32(255.0)  # keras EfficientNet takes 0-255
        if self.in_channels != 1:
            x = np.repeat(x, self.in_channels, axis=-1)
        out = self.model.predict(x, batch_size=self.batch_size, verbose=0)
        return np.asarray(out, dtype=np.float32).reshape(len(x), -1)


def extract(images: Iterable[list[np.ndarray]], method: str, extractor: Callable[[np.ndarray], np.ndarray],
            image_size: int = DEFAULT_IMAGE_SIZE, batch_size: int = 32) -> np.ndarray:
    """Features of each image (a list of 2-D channels): (n, 1280) merged, (n, 1280 * channels) per channel."""
    rows, batch = [], []

    def flush():
        if batch:
            stacked = np.stack(batch)  # (b, planes, s, s)
            b, p = stacked.shape[:2]
            feats = extractor(stacked.reshape(b * p, image_size, image_size))
            rows.append(feats.reshape(b, -1))  # per image: plane 0's features, then plane 1's, ...
            batch.clear()

    for channels in images:
        batch.append(prepare(channels, method, image_size))
        if len(batch) == batch_size:
            flush()
    flush()
    if not rows:
        return np.zeros((0, 0), np.float32)
    return np.concatenate(rows)


# --- a task's images to its features table -----------------------------------------------------------


def extract_task_features(task: str, data_dir: str | Path, method: str, extractor: Extractor,
                          table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The task's image table plus a ``features`` column: the input of ``evaluate_features``.

    The table is put in the task's reading order first (HDF5 files are read file by file); the rows of the result
    follow that order. Rows whose images cannot be read are left out and listed in ``attrs["skipped"]``.
    """
    spec = get_task(task)
    table = spec.image_table(Path(data_dir)) if table is None else table
    table = spec.reading_order(table)
    readable, skipped = [], []

    def images():
        for i, item in enumerate(spec.read_images(Path(data_dir), table)):
            if isinstance(item, Unreadable):
                skipped.append(str(item))
            else:
                readable.append(i)
                yield item

    feats = extract(images(), method, extractor, extractor.image_size, extractor.batch_size)
    out = table.iloc[readable].reset_index(drop=True).assign(features=list(feats))
    out.attrs["skipped"] = skipped  # one line per image left out, naming its file and why
    return out
