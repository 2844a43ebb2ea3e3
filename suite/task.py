"""The one interface every transfer task implements; ``suite.registry`` finds the tasks, ``suite.evaluate`` runs them.

A task module in ``suite/tasks/`` defines ``TASK = Task(...)``: its name and aliases, how to read its native image
table and the images of that table's rows, and its protocol. Nothing outside that module names the task.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from .native import Unreadable

Points = Callable[[], tuple[np.ndarray, list[str]]]
"""Deferred 2-D embedding inputs of a scored table (features, colour labels): computed only when a report is asked."""


def keep_order(table: pd.DataFrame) -> pd.DataFrame:
    return table


@dataclass(frozen=True)
class Task:
    """A transfer task.

    ``image_table(data_dir)``: one row per image, from the task's native layout (labels only, no pixels).
    ``read_images(data_dir, table)``: each row's channels (2-D arrays) in table order, or ``Unreadable`` for a row
    whose file cannot be read (that row is left out and listed, not fatal).
    ``protocol(table, data_dir, aggregate=, k=, source=, **options)``: scores a features table (the image table
    plus ``features``), reading the task's other native tables from ``data_dir``; returns (result, points).
    ``k`` is None for the task's own default.
    ``reading_order(table)``: the order ``read_images`` reads fastest in (HDF5 files: file by file); the features
    table follows it.
    ``fixed_k``: a protocol whose neighbour count is part of its definition; ``fixed_k_why`` is the error for
    another ``--k``.
    """

    name: str
    image_table: Callable[[Path], pd.DataFrame]
    read_images: Callable[[Path, pd.DataFrame], Iterable[list[np.ndarray] | Unreadable]]
    protocol: Callable[..., tuple[dict, Points]]
    aliases: tuple[str, ...] = ()
    reading_order: Callable[[pd.DataFrame], pd.DataFrame] = keep_order
    fixed_k: Optional[int] = None
    fixed_k_why: str = ""
