"""A source dataset's catalog entry and the standard records table its adapter produces."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Literal, Optional

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from cytoimagenet.catalog.licences import Licence, get_licence
from cytoimagenet.errors import UserError
from cytoimagenet.format import LABEL_COLUMNS

# A record's source region: the sample is not the whole image its files hold but the box rows
# [region_y0, region_y1) x columns [region_x0, region_x1) of it, in source pixels, half-open as numpy slices
# (`image[y0:y1, x0:x1]`), origin at the top-left pixel. Optional: an adapter that produces none of these
# columns makes whole-image records, and a record without a box has all four null. A box is all four or none
# (an adapter that sets some only is refused); whether it lies inside the image is known only once the image is
# read: the shard task quarantines a box outside the image, empty or inverted, with the reason.
REGION_COLUMNS = ("region_y0", "region_x0", "region_y1", "region_x1")

# Columns of the records table every adapter returns: one row per source image (a set of channel files that
# merge into one sample). Label columns hold lowercase tokens joined with "|", or None.
RECORD_COLUMNS = (
    "source_id",  # catalog id
    "sample_id",  # stable id built from the source's own identifiers (plate, well, site ...), never row order
    "group",  # split group: samples sharing it never straddle train/validation (a well, a plate ...)
    *LABEL_COLUMNS,  # the release format's label columns, in its order
    "microscopy",
    "source_files",  # list[str], relative to the source folder
    "channels",  # list[str], names of source_files in the same order
    *REGION_COLUMNS,  # optional source region (see below); null for a whole-image record
)

LIST_RECORD_COLUMNS = ("source_files", "channels")


def records_arrow_schema():
    """pyarrow schema of the records table: every column a string (None for no label) but the two lists and the
    region's four nullable int64s. Fixed, so the sources' tables are written one after another into one file
    whatever each one holds."""
    import pyarrow as pa

    def kind(c):
        if c in LIST_RECORD_COLUMNS:
            return pa.list_(pa.string())
        return pa.int64() if c in REGION_COLUMNS else pa.string()

    return pa.schema([(c, kind(c)) for c in RECORD_COLUMNS])


# The facts an entry's `evidence` may name a source for. Every fact carries where it comes from (repository and
# path, or page); a fact nobody could establish says "unknown: <what that costs>".
EVIDENCE_FACTS = ("layout", "channels", "labels", "licence", "download", "organism", "cell_type", "microscopy")


class DownloadFile(BaseModel):
    """One file a distributor serves."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    path: str = Field(description="Where it lands, relative to ROOT/<id>/ (for an archive: the archive's name).")
    bytes: Optional[int] = Field(None, description="Size as served; None when the distributor states none.")
    sha256: Optional[str] = None
    md5: Optional[str] = None
    unpack: Optional[bool] = Field(None, description="Unpack the archive (None: by extension, .zip/.tar/.tar.gz).")
    into: str = Field(".", description="Folder under ROOT/<id>/ an archive unpacks into.")


class Download(BaseModel):
    """How a source is got, as its distributor documents it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    route: Literal["https", "kaggle", "idr", "manual"]
    files: list[DownloadFile] = []
    kaggle: Optional[str] = Field(None, description="'competitions/<slug>' or 'datasets/<owner>/<slug>'.")
    tree: Optional[str] = Field(None, description="idr: the study's folder URL on the IDR file server, mirrored.")
    total_bytes: Optional[int] = Field(None, description="The whole download, when the files list no sizes.")
    instructions: str = Field("", description="The one-line manual step, or what a route cannot do for the user.")
    evidence: str = Field(description="Where these facts come from (page, or repository and path).")


class SourceEntry(BaseModel):
    """What the catalog knows of one source dataset."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$", description="Catalog id; also the source's folder name under ROOT.")
    database: str
    name: str
    dir_name: str
    homepage: str
    licence: str
    citation: str
    modality: Literal["fluorescence", "brightfield", "fluorescence|brightfield"]
    channels: list[str]
    organism: Optional[str] = None
    cell_type: Optional[str] = None
    adapter: Optional[str] = Field(None, description="Adapter function name; None while the source is not adaptable.")
    layout: str = Field("", description="One line on the native layout the adapter reads.")
    note: str = ""
    evidence: dict[str, str] = Field(
        default_factory=dict, description=f"fact ({', '.join(EVIDENCE_FACTS)}) -> where it comes from.")
    evaluation_only: bool = Field(
        False, description="A transfer-evaluation set: a build leaves it out unless it is named with --source.")
    in_cytoimagenet: bool = Field(True, description="One of the 40 sources of the published CytoImageNet.")
    download: Optional[Download] = None

    @field_validator("licence")
    @classmethod
    def _known_licence(cls, value: str) -> str:
        get_licence(value)
        return value

    @field_validator("evidence")
    @classmethod
    def _known_facts(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(EVIDENCE_FACTS))
        if unknown:
            raise ValueError(f"evidence for unknown fact(s) {unknown}; facts: {', '.join(EVIDENCE_FACTS)}")
        return value

    @property
    def licence_terms(self) -> Licence:
        return get_licence(self.licence)


class Source:
    """A catalog entry bound to its adapter function."""

    def __init__(self, entry: SourceEntry, read: Optional[Callable[[Path], pd.DataFrame]]):
        self.entry = entry
        self._read = read

    @property
    def id(self) -> str:
        return self.entry.id

    @property
    def adaptable(self) -> bool:
        return self._read is not None

    def records(self, folder: Path) -> pd.DataFrame:
        """Read the source's native metadata under `folder` into the standard records table."""
        if self._read is None:
            raise UserError(f"source {self.id!r} has no adapter yet: {self.entry.note or 'not adaptable'}")
        folder = Path(folder)
        if not folder.is_dir():
            raise UserError(f"source {self.id!r}: folder {folder} does not exist (expected ROOT/{self.id}/ as distributed)")
        df = self._read(folder)
        return standardise_records(df, self.entry)


def norm_label(value) -> Optional[str]:
    """'|'-joined label tokens, each Unicode NFC, free of control characters, whitespace collapsed, lowercase and
    at most 100 characters (the rules: catalog/label_text.py); None for missing or empty cells."""
    from cytoimagenet.catalog.label_text import norm_cell

    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    return norm_cell(str(value))


def gene_tokens(value: Optional[str]) -> Optional[str]:
    """Gene labels carry " targeted", so a gene never collides with a stained structure of the same name."""
    from cytoimagenet.catalog.label_text import gene_cell

    if value is None:
        return None
    return gene_cell(value)


_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def safe_id(text: str) -> str:
    """An identifier made of [A-Za-z0-9_-] only: usable in WebDataset keys (no dots) and file names."""
    return _UNSAFE.sub("_", str(text)).strip("_")


def safe_ids(texts: pd.Series) -> pd.Series:
    """safe_id of each, made injective: where distinct originals map to one safe id (`Week1.22123` and
    `Week1_22123`), each of them gains a short hash of its original text; every other id stays as safe_id gives."""
    import hashlib

    texts = texts.astype(str)
    safe = texts.map(safe_id)
    distinct = pd.DataFrame({"safe": safe, "text": texts}).drop_duplicates()
    clash = safe.isin(distinct.loc[distinct["safe"].duplicated(keep=False), "safe"])
    if clash.any():
        safe = safe.where(~clash, safe + "-" + texts.map(lambda s: hashlib.sha256(s.encode()).hexdigest()[:8]))
    return safe


WARNINGS = "warnings"  # key of DataFrame.attrs under which an adapter leaves its warnings


def warn(df: pd.DataFrame, message: str) -> pd.DataFrame:
    """Record a warning about a source's metadata (a label column absent or empty, say) on its records table;
    the build report and manifest carry it. Returns `df`."""
    df.attrs.setdefault(WARNINGS, [])
    if message not in df.attrs[WARNINGS]:
        df.attrs[WARNINGS].append(message)
    return df


def warnings_of(df: pd.DataFrame) -> list[str]:
    return list(df.attrs.get(WARNINGS, []))


def label_column(df: pd.DataFrame, names, path: Path, *, label: str) -> pd.Series:
    """The first of `names` (a native label column) present in `df`, as strings; when none is present, or the
    column is empty for the whole table, a warning on `df` naming the file and columns, and an all-None column:
    a label never vanishes without a message."""
    names = [names] if isinstance(names, str) else list(names)
    for name in names:
        if name in df.columns:
            values = df[name]
            if values.isna().all() or values.astype(str).str.strip().eq("").all():
                warn(df, f"{path}: column {name!r} ({label}) is empty in every row; no {label} labels from it")
            return values
    warn(df, f"{path}: none of the column(s) {', '.join(map(repr, names))} ({label}) is present; no {label} labels")
    return pd.Series(None, index=df.index, dtype=object)


def standardise_records(df: pd.DataFrame, entry: SourceEntry) -> pd.DataFrame:
    # label columns and microscopy are optional: absent means "none" (or the entry's default)
    missing = [c for c in ("sample_id", "group", "source_files", "channels") if c not in df.columns]
    if missing:
        raise RuntimeError(f"adapter of {entry.id!r} did not produce columns {missing}")
    out = pd.DataFrame(index=df.index)
    out["source_id"] = entry.id
    out["sample_id"] = safe_ids(df["sample_id"])
    out["group"] = df["group"].astype(str)
    for col in LABEL_COLUMNS:
        default = getattr(entry, col, None) if col in ("organism", "cell_type") else None
        values = df[col] if col in df.columns else pd.Series(default, index=df.index, dtype=object)
        if default is not None:
            values = values.where(values.notna(), default)
        # object dtype keeps None as None (pandas' string dtype would turn it into NaN)
        normed = [norm_label(v) for v in values]
        if col == "gene":
            normed = [gene_tokens(v) for v in normed]
        out[col] = pd.Series(normed, index=df.index, dtype=object)
    out["microscopy"] = df["microscopy"] if "microscopy" in df.columns else entry.modality
    out["source_files"] = df["source_files"].map(list)
    out["channels"] = df["channels"].map(list)
    for col, values in _regions(df, entry).items():
        out[col] = values
    for col in LABEL_COLUMNS:
        # a label column the adapter produced but left empty everywhere is a lost label, said aloud
        if col in df.columns and out[col].isna().all() and len(out):
            warn(df, f"source {entry.id!r}: the adapter's {col} column is empty for every image")
    out.attrs[WARNINGS] = warnings_of(df)
    dup = out["sample_id"].duplicated(keep=False)
    if dup.any():
        raise UserError(
            f"source {entry.id!r}: sample ids are not unique, e.g. {out.loc[dup, 'sample_id'].iloc[0]!r}; "
            "the metadata lists the same image twice"
        )
    return out.sort_values("sample_id", kind="stable").reset_index(drop=True)


def _regions(df: pd.DataFrame, entry: SourceEntry) -> dict[str, pd.Series]:
    """The four region columns as nullable integers (pandas Int64), all null when the adapter gave none."""
    present = [c for c in REGION_COLUMNS if c in df.columns]
    if not present:
        return {c: pd.Series(pd.NA, index=df.index, dtype="Int64") for c in REGION_COLUMNS}
    if len(present) != len(REGION_COLUMNS):
        raise RuntimeError(f"adapter of {entry.id!r} produced region columns {present}: a region is all of "
                           f"{list(REGION_COLUMNS)} or none")
    out = {}
    for col in REGION_COLUMNS:
        try:
            values = pd.array(df[col].astype(object).where(df[col].notna(), None).tolist(), dtype="Int64")
        except (TypeError, ValueError) as exc:
            raise RuntimeError(f"adapter of {entry.id!r}: {col} holds a value that is not an integer ({exc})") from None
        out[col] = pd.Series(values, index=df.index)
    known = pd.DataFrame(out).notna()
    partial = known.any(axis=1) & ~known.all(axis=1)
    if partial.any():
        sid = df.loc[partial, "sample_id"].iloc[0]
        raise RuntimeError(f"adapter of {entry.id!r}: sample {sid!r} has some region columns and not others; a "
                           "region is all four or none")
    return out


def require_columns(df: pd.DataFrame, columns, path: Path) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UserError(f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(map(str, df.columns))}")


def _header(path: Path, sep: str) -> list[str]:
    import csv

    with open(path, newline="", encoding="utf-8-sig", errors="replace") as fh:
        return next(csv.reader(fh, delimiter=sep), [])


def read_csv(path: Path, columns, *, sep: str = ",", allow_empty: bool = False) -> pd.DataFrame:
    """A native metadata table as strings. Tolerates what spreadsheets write (a trailing separator on every row,
    a byte-order mark); refuses, naming the file, what would silently mislead: a duplicated column name (pandas
    would rename the second copy and read the first), and a table with a header but no rows."""
    if not path.is_file():
        raise UserError(f"{path} not found: the source folder is not in its native layout")
    header = [h.strip() for h in _header(path, sep)]
    named = [h for h in header if h]
    dups = sorted({h for h in named if named.count(h) > 1})
    if dups:
        raise UserError(
            f"{path}: column {dups[0]!r} appears {named.count(dups[0])} times in the header; which copy holds the data "
            "is ambiguous: remove or rename the duplicate (the source's own file has each column once)"
        )
    try:
        # index_col=False: rows with one field more than the header (a trailing comma) must not shift the columns
        df = pd.read_csv(path, dtype=str, keep_default_na=True, sep=sep, index_col=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise UserError(f"{path}: the file is empty; it should be the source's metadata table") from None
    # the unnamed, empty column a trailing separator makes
    blank = [c for c in df.columns if str(c).startswith("Unnamed: ") and df[c].isna().all()]
    df = df.drop(columns=blank)
    df.columns = [str(c).strip() for c in df.columns]
    require_columns(df, columns, path)
    if df.empty and not allow_empty:
        raise UserError(f"{path}: lists no images (a header and no rows); is it the complete file the source distributes?")
    return df
