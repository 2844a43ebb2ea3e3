"""Reading the transfer tasks' native layouts: their CSV tables and their image files, one at a time.

Shared by the task modules (``suite/tasks/*.py``), which know the layouts; this module knows none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from cytoimagenet.errors import UserError


def read_csv(path: Path, what: str) -> pd.DataFrame:
    if not path.is_file():
        raise UserError(f"{what} {path} does not exist: the data folder must hold the task's native tables")
    try:
        return pd.read_csv(path)
    except Exception as exc:
        raise UserError(f"{path}: not a readable CSV ({type(exc).__name__})") from exc


def read_plane(path: Path) -> np.ndarray:
    """One 2-D image file at full depth; an unreadable file is a UserError naming it."""
    from cytoimagenet.builder.image import UnreadableImage, read_channel

    try:
        return read_channel(path)[0]
    except UnreadableImage as why:
        raise UserError(f"{path}: {why}") from None


class Unreadable(str):
    """What a native reader yields instead of a row's channels when a file of that row cannot be read: the reason.
    The row is left out of the evaluation and listed in its report, as the builder quarantines a source image."""


def per_row(table: pd.DataFrame, read_row: Callable[[pd.Series], list[np.ndarray]]
            ) -> Iterable[list[np.ndarray] | Unreadable]:
    """``read_row`` over the table's rows; a row whose reading raises a UserError becomes ``Unreadable``."""
    for _, row in table.iterrows():
        try:
            yield read_row(row)
        except UserError as why:
            yield Unreadable(str(why))
