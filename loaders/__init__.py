"""Loading a CytoImageNet release.

- :func:`load`: the Hugging Face dataset (``image``, ``label``, metadata fields), map-style or streaming, from a
  release folder or a Hub repo id;
- :func:`stream`: fast, exactly-split, deterministic ``(images, labels)`` batches for training (numpy, torch
  DataLoader, ``keras.utils.PyDataset``);
- :func:`metadata` / :func:`query` / :func:`labels`: the parquet tables.

Names resolve lazily, so ``import cytoimagenet.loaders`` stays cheap (no datasets, torch or keras import)."""

from __future__ import annotations

import importlib

_EXPORTS = {
    "load": "dataset",
    "friendly": "dataset",
    "stream": "streaming",
    "Stream": "streaming",
    "metadata": "tables",
    "labels": "tables",
    "query": "tables",
    "UnsafeShard": "shards",
    "resize_rotate": "augment",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"cytoimagenet.loaders.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cytoimagenet.loaders' has no attribute {name!r}")


def __dir__():
    return __all__
