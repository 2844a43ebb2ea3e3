"""Adapters shared by the sources of one native-layout family.

A source module keeps its ENTRY and a small adapter that calls one family function here with what is
particular to it (file-name pattern, channel names, fixed labels). Every family function returns the
columns of the records contract (see `source.RECORD_COLUMNS`) plus the identifier columns it parsed, so a
module can derive labels from them with vectorised pandas before `Source.records` standardises the table.

Conventions every family follows:

- `sample_id` and `group` come from the source's own identifiers (plate, well, field, file stem); rows are
  sorted by them, so a shuffled metadata file gives the same records.
- A sample never mixes brightfield with fluorescence: files of a brightfield channel become their own sample
  (sample_id suffix ``-bf``), in the same split group as the fluorescence sample of that field.
- A file that holds several channels or planes itself is listed once, under one channel name that says so:
  ``"all channels"`` (Opera FLEX), ``"stack"`` (IDR experiment files with z/time planes), ``"RGB"`` (colour
  images, converted to grayscale by the builder), ``"image"`` (Data Science Bowl PNGs, RGB or RGBA).
- A sample missing one of its channel files still lists that file, where it would be, so the builder
  quarantines the sample rather than merging fewer channels.
- Files are located, never opened or checked: a file the metadata names but the disk lacks is quarantined
  by the builder, with the reason.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Mapping, Optional, Sequence

import pandas as pd

from cytoimagenet.catalog.source import read_csv, warn
from cytoimagenet.errors import UserError

BBBC_CITATION = (
    "Ljosa V, Sokolnicki KL, Carpenter AE. Annotated high-throughput microscopy image sets for validation. "
    "Nat Methods 9(7):637 (2012)"
)
IMAGE_EXTENSIONS = (".tif", ".tiff", ".png", ".jpg", ".jpeg", ".bmp", ".dib", ".flex", ".dv")

# Annotation files name organisms by their Latin names; the released labels use the common names the
# original CytoImageNet used, so one organism is one class across databases.
ORGANISMS = {
    "homo sapiens": "human",
    "mus musculus": "mouse",
    "rattus norvegicus": "rat",
    "saccharomyces cerevisiae": "yeast",
    "schizosaccharomyces pombe": "fission yeast",
    "caenorhabditis elegans": "nematode",
    "drosophila melanogaster": "fly",
    "danio rerio": "zebrafish",
    "chlorocebus sabaeus": "african green monkey",
}


# ---------------------------------------------------------------------------------------------------------
# label helpers


def organism_label(values: pd.Series) -> pd.Series:
    low = values.astype("string").str.strip().str.lower()
    return low.map(lambda v: ORGANISMS.get(v, v) if isinstance(v, str) else None).astype(object)


def gene_label(values: pd.Series) -> pd.Series:
    """Gene tokens with the suffix " targeted", so a gene never collides with a visible structure."""

    def one(value):
        if not isinstance(value, str) or not value.strip():
            return None
        tokens = [t.strip() for t in value.split("|") if t.strip()]
        return "|".join(t if t.lower().endswith(" targeted") else f"{t} targeted" for t in tokens) or None

    return values.map(one).astype(object)


def join_labels(frame: pd.DataFrame) -> pd.Series:
    """Row-wise '|'-join of the non-empty cells of several label columns."""
    parts = frame.astype("string").apply(lambda col: col.str.strip())
    parts = parts.where(parts.notna() & (parts != ""), None)
    return parts.apply(lambda row: "|".join(v for v in row if isinstance(v, str)) or None, axis=1).astype(object)


# ---------------------------------------------------------------------------------------------------------
# identifiers

_WELL_A01 = re.compile(r"^\s*([A-Za-z]{1,2})0*(\d{1,3})\s*$")
_WELL_RC = re.compile(r"^\s*[rR]0*(\d{1,3})[cC]0*(\d{1,3})\s*$")


def _row_letter(n: int) -> str:
    return chr(ord("A") + n - 1) if n <= 26 else "A" + chr(ord("A") + n - 27)


def norm_well(values: pd.Series) -> pd.Series:
    """Wells as 'A01': annotation files write 'A1', instruments 'A01', 'a01' or 'r01c01'."""

    def one(value):
        if not isinstance(value, str):
            return value
        m = _WELL_A01.match(value)
        if m:
            return f"{m.group(1).upper()}{int(m.group(2)):02d}"
        m = _WELL_RC.match(value)
        if m:
            return f"{_row_letter(int(m.group(1)))}{int(m.group(2)):02d}"
        return value

    return values.astype(object).map(one)


def _well_from_row_col(files: pd.DataFrame) -> pd.Series:
    rows = pd.to_numeric(files["row"], errors="coerce")
    cols = pd.to_numeric(files["col"], errors="coerce")
    letters = rows.map(lambda r: _row_letter(int(r)) if r == r else None)
    return letters + cols.map(lambda c: f"{int(c):02d}" if c == c else None)


def _key(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    out = frame[columns[0]].astype(str)
    for c in columns[1:]:
        out = out + "-" + frame[c].astype(str)
    return out


def resolve_dirs(folder: Path, path_names: pd.Series) -> pd.Series:
    """Folder of each file relative to the source folder. CellProfiler CSVs record the path on the machine
    that analysed the images (`/cbnt/.../20585w1`, `Week1/Week1_22123`); the zips unpack to the last
    component. Prefer what exists, else that last component; each distinct path is looked up once."""
    names = path_names.astype(str).str.replace("\\", "/", regex=False).str.strip("/")
    lookup = {}
    for name in names.unique():
        last = name.rsplit("/", 1)[-1]
        lookup[name] = next((c for c in (name, last) if c and (folder / c).is_dir()), last)
    return names.map(lookup)


# ---------------------------------------------------------------------------------------------------------
# file discovery: the families whose metadata does not name files


def scan(folder: Path, pattern: str | re.Pattern, under: str = "") -> pd.DataFrame:
    """Image files under `folder/under` whose folder-relative POSIX path fully matches `pattern`; one
    column per named group plus `path`. Sorted by path, so the result does not depend on directory order."""
    regex = re.compile(pattern) if isinstance(pattern, str) else pattern
    root = folder / under if under else folder
    rows = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel_dir = Path(dirpath).relative_to(folder).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        for name in filenames:
            if name.lower().endswith(IMAGE_EXTENSIONS):
                m = regex.fullmatch(prefix + name)
                if m:
                    row = {**m.groupdict(), "path": prefix + name}
                    if "channel" in regex.groupindex:
                        row["_channel_span"] = m.span("channel")
                    rows.append(row)
    columns = list(regex.groupindex) + ["path"] + (["_channel_span"] if "channel" in regex.groupindex else [])
    return pd.DataFrame(rows, columns=columns, dtype=object).sort_values("path", kind="stable").reset_index(drop=True)


def require_files(files: pd.DataFrame, folder: Path, pattern, what: str) -> None:
    if files.empty:
        pat = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
        raise UserError(
            f"{folder}: no {what} match {pat!r}; the folder is not in its native layout "
            "(or the source module's PATTERN needs updating for this release of the dataset)"
        )


def pivot_channels(
    files: pd.DataFrame,
    keys: Sequence[str],
    channels: Mapping[str, str],
    *,
    channel_col: str = "channel",
    brightfield: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per sample: the channel files of each key, in the order of `channels` (token -> name).
    Tokens not in `channels` are dropped (e.g. a composite the distribution adds). Brightfield tokens form
    a separate sample with `microscopy` 'brightfield'."""
    f = files.copy()
    token = f[channel_col].astype(str)
    lower = {str(k).lower(): (i, v) for i, (k, v) in enumerate(channels.items())}
    f["_order"] = token.str.lower().map(lambda t: lower.get(t, (None, None))[0])
    f["_name"] = token.str.lower().map(lambda t: lower.get(t, (None, None))[1])
    f = f[f["_name"].notna()].copy()
    bf = {str(b).lower() for b in brightfield}
    f["microscopy"] = token[f.index].str.lower().map(lambda t: "brightfield" if t in bf else "fluorescence")
    by = list(keys) + ["microscopy"]
    dup = f.duplicated(by + ["_order"], keep=False)
    if dup.any():
        clash = f.loc[dup, "path"].head(2).tolist()
        raise UserError(
            f"two files claim the same sample and channel: {clash}; the file-name pattern does not separate "
            "them (a missing field or plane group?)"
        )
    f = f.sort_values(by + ["_order"], kind="stable")
    if "_channel_span" not in f.columns:
        f["_channel_span"] = None
    out = (
        f.groupby(by, sort=True, dropna=False)
        .agg(source_files=("path", list), channels=("_name", list), _orders=("_order", list), _spans=("_channel_span", list))
        .reset_index()
    )
    tokens = list(channels)
    expected = {
        "brightfield": [i for i, t in enumerate(tokens) if str(t).lower() in bf],
        "fluorescence": [i for i, t in enumerate(tokens) if str(t).lower() not in bf],
    }
    short = out["channels"].map(len) < out["microscopy"].map(lambda m: len(expected[m]))
    for i in out.index[short]:
        out.at[i, "source_files"], out.at[i, "channels"] = _complete(out.loc[i], expected, tokens, channels)
    return out.drop(columns=["_orders", "_spans"])


def _complete(sample, expected, tokens, channels):
    """A sample missing a channel file lists the file where it should be (the name of a present channel
    with its channel token swapped), so the builder quarantines the sample instead of merging fewer
    channels. A name that also carries a per-file id (a GUID) will differ from the lost file's: it still
    names the channel that is missing."""
    present = dict(zip(sample["_orders"], zip(sample["source_files"], sample["_spans"])))
    ref_path, ref_span = next(iter(present.values()))
    files, names = [], []
    for order in expected[sample["microscopy"]]:
        if order in present:
            files.append(present[order][0])
        elif ref_span:
            files.append(ref_path[: ref_span[0]] + str(tokens[order]) + ref_path[ref_span[1] :])
        else:
            files.append(f"{ref_path}#missing-{tokens[order]}")
        names.append(channels[tokens[order]])
    return files, names


def file_samples(files: pd.DataFrame, channel: str, microscopy: Optional[str] = None) -> pd.DataFrame:
    """One sample per file, for single-channel (or single multi-channel container) layouts."""
    out = files.copy()
    out["source_files"] = out["path"].map(lambda p: [p])
    out["channels"] = [[channel]] * len(out)
    if microscopy:
        out["microscopy"] = microscopy
    return out


def finish(samples: pd.DataFrame, sample_keys: Sequence[str], group_keys: Sequence[str]) -> pd.DataFrame:
    """sample_id and group from identifier columns; a brightfield sample gets the suffix '-bf'."""
    out = samples.copy()
    sid = _key(out, list(sample_keys))
    if "microscopy" in out.columns:
        sid = sid.where(out["microscopy"] != "brightfield", sid + "-bf")
    out["sample_id"] = sid
    out["group"] = _key(out, list(group_keys))
    return out.sort_values("sample_id", kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------
# family: BBBC image CSV (CellProfiler per-image table naming one file per channel)


def _first_present(columns, candidates: Sequence[str]) -> Optional[str]:
    return next((c for c in candidates if c in columns), None)


def read_table_skipping_bad_rows(path: Path, required: Sequence[str]) -> tuple[pd.DataFrame, list[str]]:
    """A CSV whose distributor left malformed rows in it (BBBC022_v1_image.csv has rows with too many and too
    few fields): rows with more fields than the header, and rows lacking a value in a `required` column, are
    left out and counted in the returned warnings, never dropped without a word."""
    if not path.is_file():
        raise UserError(f"{path} not found: the source folder is not in its native layout")
    too_long: list[list[str]] = []
    table = pd.read_csv(path, dtype=str, engine="python", on_bad_lines=lambda fields: too_long.append(fields))
    warnings = []
    if too_long:
        warnings.append(f"{path}: {len(too_long)} row(s) with more fields than the header left out (malformed in the distribution)")
    present = [c for c in required if c in table.columns]
    if present:
        short = table[present].isna().any(axis=1)
        if short.any():
            warnings.append(
                f"{path}: {int(short.sum())} row(s) lacking a value in {', '.join(present)} left out "
                f"(first at data row {int(short.idxmax()) + 1})"
            )
            table = table[~short].reset_index(drop=True)
    return table, warnings


def image_csv_records(
    folder: Path,
    csv_name: str,
    channels: Mapping[str, Sequence[str]],
    *,
    plate: Sequence[str],
    well: Sequence[str],
    site: Sequence[str] = (),
    compound: Sequence[str] = (),
    carry: Sequence[str] = (),
    dirs: Optional[Mapping[str, str]] = None,
    skip_bad_rows: bool = False,
) -> pd.DataFrame:
    """BBBC image-CSV family (BBBC021, BBBC022 ...): `channels` maps a channel name to the column stems
    that may carry it (`Image_FileName_<stem>`, with `Image_PathName_<stem>` unless `dirs` is given; Cell
    Painting tables name the same stain differently between releases, e.g. OrigDNA / OrigHoechst). `dirs`
    maps a channel name to the folder its zip unpacks to, as a template of `{plate}` (BBBC022:
    `BBBC022_v1_images_{plate}w1`); a folder that is not on disk falls back to the PathName column's last
    component when that exists. `skip_bad_rows` leaves out malformed rows with a warning on the result.
    Columns named in `carry` are passed through when present, for the module to derive labels from."""
    path = folder / csv_name
    if skip_bad_rows:
        header = pd.read_csv(path, nrows=0).columns if path.is_file() else []
        required = [c for c in header if c.startswith("Image_FileName_")]
        required += [c for c in (_first_present(header, plate), _first_present(header, well)) if c]
        table, notes = read_table_skipping_bad_rows(path, required)
    else:
        table, notes = read_csv(path, []), []
    cols = set(table.columns)
    stems = {}
    for name, options in channels.items():
        def has(stem):
            return f"Image_FileName_{stem}" in cols and (dirs is not None or f"Image_PathName_{stem}" in cols)

        stem = next((s for s in options if has(s)), None)
        if stem is None:
            need = "" if dirs is not None else "/Image_PathName_{s}"
            wanted = " or ".join(f"Image_FileName_{s}" + need.format(s=s) for s in options)
            raise UserError(f"{path}: missing column(s) for channel {name}: {wanted}; found {', '.join(table.columns)}")
        stems[name] = stem
    resolved = {}
    for role, options in (("plate", plate), ("well", well)):
        col = _first_present(cols, options)
        if col is None:
            raise UserError(f"{path}: missing column(s) {' or '.join(options)} ({role}); found {', '.join(table.columns)}")
        resolved[role] = col
    out = pd.DataFrame(index=table.index)
    out["plate"] = table[resolved["plate"]].astype(str).str.strip()
    out["well"] = norm_well(table[resolved["well"]].astype(str))
    first_file = table[f"Image_FileName_{stems[next(iter(channels))]}"].astype(str)
    site_col = _first_present(cols, site)
    if site_col is not None:
        out["site"] = "s" + table[site_col].astype(str).str.strip()
    else:
        parsed = first_file.str.extract(r"_s(\d+)[_.]", expand=False)
        # no site in the name: the file stem itself identifies the field
        out["site"] = ("s" + parsed).where(parsed.notna(), first_file.str.rsplit(".", n=1).str[0])
    comp_col = _first_present(cols, compound)
    if comp_col is not None:
        out["compound"] = table[comp_col]
    for col in carry:
        if col in cols:
            out[col] = table[col]
    files = []
    for name, stem in stems.items():
        path_col = f"Image_PathName_{stem}"
        fallback = resolve_dirs(folder, table[path_col]) if path_col in cols else None
        if dirs is not None:
            wanted = out["plate"].map(lambda p: dirs[name].format(plate=p))
            if fallback is None:
                where = wanted
            else:
                # each distinct folder is looked up once
                exists = {d: (folder / d).is_dir() for d in set(wanted) | set(fallback)}
                where = wanted.where(wanted.map(exists) | ~fallback.map(exists), fallback)
        else:
            where = fallback
        files.append(where + "/" + table[f"Image_FileName_{stem}"].astype(str).str.strip())
    out["source_files"] = [list(t) for t in zip(*files)]
    out["channels"] = [list(channels)] * len(out)
    out = finish(out, ["plate", "well", "site"], ["plate", "well"])
    for note in notes:
        warn(out, note)
    return out
