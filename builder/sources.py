"""Source discovery and records: which source folders under a sources root a build takes (catalog ids, evaluation-only
sets, the licence policy), and their records read through the adapters into one table, with the adapters' warnings
written machine-independently and the records contract checked before any image work."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Iterator, Optional

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cytoimagenet.catalog.registry import catalog, get_source
from cytoimagenet.catalog.source import records_arrow_schema, warnings_of
from cytoimagenet.errors import UserError


def discover_sources(root: Path, only: Optional[list[str]] = None, *, licences: str = "all",
                     allow_noderivatives: bool = False) -> tuple[dict[str, Path], dict[str, str]]:
    """Source folders under root (one per catalog id) -> (adaptable {id: folder}, skipped {id: reason}).
    Evaluation-only sources (a transfer-evaluation set such as BBBC021) are built only when `only` names them:
    pretraining on an evaluation set would leak it into the features it is meant to test. A source whose licence
    the policy `licences` (catalog/licences.py POLICIES) does not admit is skipped with the reason; so is
    no-derivatives material unless `allow_noderivatives`, named or not."""
    from cytoimagenet.catalog.licences import excluded_by

    root = Path(root)
    if not root.is_dir():
        raise UserError(f"sources root {root} is not a folder")
    names = only or sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not names:
        raise UserError(f"sources root {root} holds no source folders (expected e.g. {root}/bbbc021/)")
    known = catalog()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UserError(
            f"{', '.join(str(root / n) for n in unknown)}: not a catalog source; "
            f"known ids: {', '.join(sorted(known))} (see `cytoimagenet sources list`)"
        )
    found, skipped = {}, {}
    for name in names:
        source = get_source(name)
        folder = root / name
        if not folder.is_dir():
            raise UserError(f"source {name!r}: folder {folder} does not exist")
        if not source.adaptable:
            skipped[name] = source.entry.note or "no adapter yet"
        elif source.entry.evaluation_only and not only:
            skipped[name] = (f"evaluation only: {source.entry.name} is a transfer-evaluation set, left out so "
                             f"pretraining never sees it; build it anyway with --source {name}")
        elif excluded_by(source.entry.licence_terms, licences, allow_noderivatives):
            skipped[name] = "licence: " + excluded_by(source.entry.licence_terms, licences, allow_noderivatives)
        else:
            found[name] = folder
    if not found:
        raise UserError(f"no buildable source under {root}; skipped: "
                        + "; ".join(f"{sid} ({why})" for sid, why in sorted(skipped.items())))
    return found, skipped


SOURCE_WARNINGS = "source_warnings"  # records.attrs key: {source id: [warning, ...]}


def _portable(message: str, sid: str, folder: Path) -> str:
    """A warning with the source's folder written as `<id>/`, so the manifest says the same on every machine
    and a cached records table stays right when the sources root moves."""
    for form in sorted({str(folder), str(folder.absolute()), str(folder.resolve())}, key=len, reverse=True):
        message = message.replace(form + os.sep, f"{sid}/").replace(form, sid)
    return message


def read_records(folders: dict[str, Path]) -> Iterator[tuple[str, pd.DataFrame]]:
    """Each source's records, in source order, checked against the records contract, with the adapter's warnings
    (machine-independent) in attrs[SOURCE_WARNINGS]. One source at a time: the full build's 2.7M records, their
    file lists as Python objects, never need to be held together (`write_records` writes them one by one)."""
    for sid, folder in sorted(folders.items()):
        try:
            frame = get_source(sid).records(folder)
        except UserError as exc:
            # adapters name the file they choke on; errors about the table as a whole get the folder
            if str(folder) in str(exc):
                raise
            raise UserError(f"{folder}: {exc}") from exc
        except (ValueError, OSError) as exc:
            # pandas' parser and decoding errors never say which file: this source's metadata is the culprit
            raise UserError(
                f"source {sid!r}: the metadata under {folder} cannot be read ({type(exc).__name__}: "
                f"{str(exc).strip().splitlines()[0] if str(exc).strip() else 'no detail'}); check it is the file the "
                "source distributes, complete and unmodified"
            ) from exc
        _check_records(frame, folders)
        frame.attrs = {SOURCE_WARNINGS: [_portable(w, sid, folder) for w in warnings_of(frame)]}
        yield sid, frame


def write_records(sources: Iterable[tuple[str, pd.DataFrame]], path: Path) -> dict:
    """Write the sources' records, one after another, as one parquet table at `path` (the records schema, row
    order = source order then each adapter's order) and return its attrs ({SOURCE_WARNINGS: {id: [...]}}). Peak
    memory is one source's table, not all of them."""
    schema = records_arrow_schema()
    warnings = {}
    with pq.ParquetWriter(path, schema, compression="zstd", write_statistics=True, store_schema=False) as writer:
        for sid, frame in sources:
            if frame.attrs.get(SOURCE_WARNINGS):
                warnings[sid] = frame.attrs[SOURCE_WARNINGS]
            if len(frame):  # an empty frame's columns have whatever dtype pandas gave them: nothing to write
                writer.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False))
            del frame  # before the next source is read, not after
    return {SOURCE_WARNINGS: warnings}


def _check_records(records: pd.DataFrame, folders: dict[str, Path]) -> None:
    """The records contract the shard stage relies on, checked before hours of image work rather than during."""
    n_files = records["source_files"].str.len()
    bad = (n_files.fillna(0) == 0) | (n_files != records["channels"].str.len()) | (records["sample_id"] == "")
    if bad.any():
        row = records[bad].iloc[0]
        raise UserError(
            f"source {row['source_id']!r} ({folders[row['source_id']]}): {int(bad.sum())} record(s) without a usable "
            f"sample id or with source_files and channels of different lengths, e.g. sample {row['sample_id']!r} "
            f"files {list(row['source_files'] or [])} channels {list(row['channels'] or [])}; the adapter or its "
            "metadata is wrong"
        )
