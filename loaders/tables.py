"""The metadata table of a release (``metadata/metadata.parquet``: one row per sample, every record field plus
``label_id`` and ``shard``) and the queries the CLI runs on it.

Queries filter in the parquet reader (predicate push-down), so asking for one label of a 900k-row table reads
only the row groups that may hold it."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Optional, Sequence, Union

from cytoimagenet.errors import UserError

METADATA = "metadata/metadata.parquet"
LABELS = "metadata/labels.parquet"

Values = Union[str, Sequence[str], None]


def _file(path: Union[str, Path], relative: str, revision: Optional[str] = None) -> Path:
    p = Path(path).expanduser()
    if p.is_file():
        return p
    if p.is_dir():
        f = p / relative
        if not f.is_file():
            raise UserError(f"{p} is not a CytoImageNet release ({relative} missing)")
        return f
    parts = str(path).split("/")
    if len(parts) == 2 and all(parts):
        from huggingface_hub import hf_hub_download

        return Path(hf_hub_download(str(path), relative, repo_type="dataset", revision=revision))
    raise UserError(f"{path}: no such release folder or file")


def _read(file: Path, **kwargs):
    """pq.read_table, with a damaged or foreign file as a one-line UserError naming it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_table(file, **kwargs)
    except (pa.ArrowException, OSError, KeyError, ValueError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else "no detail"
        raise UserError(f"{file}: not a readable release table ({type(exc).__name__}: {detail}); rebuild the release "
                        "or fetch the file again") from None


def metadata(path: Union[str, Path], as_arrow: bool = False, columns: Optional[list[str]] = None,
             revision: Optional[str] = None):
    """The metadata table as a pandas DataFrame (or a pyarrow Table with ``as_arrow``).

    ``path``: a release folder, the parquet file itself, or a Hub repo id."""
    table = _read(_file(path, METADATA, revision), columns=columns)
    return table if as_arrow else table.to_pandas()


def labels(path: Union[str, Path], as_arrow: bool = False, revision: Optional[str] = None):
    """``labels.parquet``: label, label_id, category, train/validation/total counts, sources."""
    table = _read(_file(path, LABELS, revision))
    return table if as_arrow else table.to_pandas()


def _as_list(v: Values) -> Optional[list[str]]:
    if v is None:
        return None
    return [v] if isinstance(v, str) else list(v)


def query(path: Union[str, Path], *, label: Values = None, category: Values = None, source: Values = None,
          split: Values = None, columns: Optional[list[str]] = None, as_arrow: bool = False,
          revision: Optional[str] = None):
    """Rows of the metadata table matching every given filter (each filter: one value or a list, any of which).

    ``label``: exact label (labels are lowercase; the query is lowered). ``category``: organism, cell_type,
    cell_visible, phenotype, compound, gene or sirna. ``source``: catalog id (``source_id``, e.g. ``rxrx1``).
    ``split``: train or validation. A label or source that the release does not have is a ``UserError`` naming
    the closest ones, rather than an empty table."""
    from cytoimagenet.format import CATEGORIES, SPLITS

    file = _file(path, METADATA, revision)
    filters = []
    wanted = {
        "label": [v.strip().lower() for v in _as_list(label) or []],
        "category": _as_list(category) or [],
        "source_id": _as_list(source) or [],
        "split": _as_list(split) or [],
    }
    for value in wanted["category"]:
        if value not in CATEGORIES:
            raise UserError(f"unknown category {value!r}; one of {', '.join(CATEGORIES)}")
    for value in wanted["split"]:
        if value not in SPLITS:
            raise UserError(f"unknown split {value!r}; one of {', '.join(SPLITS)}")
    for column in ("label", "source_id"):
        values = wanted[column]
        if values:
            known = set(_read(file, columns=[column]).column(column).unique().to_pylist())
            for value in values:
                if value not in known:
                    close = difflib.get_close_matches(value, sorted(known), n=3, cutoff=0.6)
                    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
                    what = "label" if column == "label" else "source"
                    raise UserError(f"{file}: no {what} {value!r} in this release{hint} "
                                    f"(list them with `cytoimagenet info {Path(path)}`)")
    for column, values in wanted.items():
        if values:
            filters.append((column, "in", values))
    table = _read(file, columns=columns, filters=filters or None)
    return table if as_arrow else table.to_pandas()


def summary(table) -> dict:
    """Counts of a (queried) metadata table: samples, per split, per label, per source."""
    import pandas as pd

    df = table if isinstance(table, pd.DataFrame) else table.to_pandas()
    count = lambda col: {str(k): int(v) for k, v in df[col].value_counts().sort_index().items()} if col in df else {}
    return {"samples": int(len(df)), "splits": count("split"), "labels": count("label"), "sources": count("source_id"),
            "categories": count("category")}
