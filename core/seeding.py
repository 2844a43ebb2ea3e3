"""Randomness derived from sample keys, never from time or process ids: the same inputs give the same release
on any machine, executor and worker count."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd


def key_seed(seed: int, *parts: object) -> int:
    """A 64-bit seed for one sample (or group), stable across Python processes (unlike hash())."""
    text = "\x1f".join(map(str, (seed, *parts))).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little")


def key_rng(seed: int, *parts: object) -> np.random.Generator:
    return np.random.default_rng(key_seed(seed, *parts))


def hash_order(values: pd.Series, seed: int, salt: str = "") -> np.ndarray:
    """A stable pseudo-random 64-bit rank per value (vectorised; pandas' hash is platform-independent)."""
    salted = values.astype(str) + f"\x1f{salt}\x1f{seed}"
    return pd.util.hash_pandas_object(salted, index=False, hash_key="cytoimagenet0000").to_numpy()
