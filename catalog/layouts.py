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

from cytoimagenet.catalog.source import read_csv, require_columns, warn
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


# ---------------------------------------------------------------------------------------------------------
# family: Image Data Resource (lives in catalog/idr.py; re-exported for the source modules that call it here)

from cytoimagenet.catalog.idr import (  # noqa: E402
    IDR_COLUMNS,
    IDR_LABEL_COLUMNS,
    IDR_NAMING,
    idr_file_records,
    idr_plate_dirs,
    idr_project_records,
    idr_screen_records,
    read_idr_annotation,
)


# ---------------------------------------------------------------------------------------------------------
# family: Recursion RxRx

RECURSION_COLUMNS = ["site_id", "experiment", "plate", "well", "site"]


def recursion_records(folder: Path, channel_names: Sequence[str], metadata: str = "metadata.csv") -> pd.DataFrame:
    """RxRx2/RxRx19a/RxRx19b: a metadata CSV (site_id, well_id, cell_type, experiment, plate, well, site
    and, by dataset, disease_condition, treatment, treatment_conc, SMILES) with one 8-bit PNG per channel at
    images/{experiment}/Plate{plate}/{well}_s{site}_w{1..n}.png. Blank treatment or disease_condition
    means none (untreated, no cytokines) and gives no label."""
    meta = read_csv(folder / metadata, RECURSION_COLUMNS)
    n_channels = len(channel_names)
    out = pd.DataFrame(index=meta.index)
    out["sample_id"] = meta["site_id"]
    out["group"] = meta["experiment"] + "_" + meta["plate"].astype(str) + "_" + meta["well"]
    cols = set(meta.columns)
    if "cell_type" in cols:
        out["cell_type"] = meta["cell_type"]
    if "disease_condition" in cols:
        out["phenotype"] = meta["disease_condition"]
    if "treatment" in cols:
        out["compound"] = meta["treatment"]
    base = (
        "images/" + meta["experiment"] + "/Plate" + meta["plate"].astype(str) + "/" + meta["well"]
        + "_s" + meta["site"].astype(str)
    )
    out["source_files"] = [[f"{b}_w{w}.png" for w in range(1, n_channels + 1)] for b in base]
    out["channels"] = [list(channel_names)] * len(meta)
    return out.sort_values("sample_id", kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------
# family: Kaggle Human Protein Atlas

HPA_REFERENCE = {"red": "microtubules", "blue": "nucleus", "yellow": "endoplasmic reticulum"}


def hpa_records(
    folder: Path,
    *,
    csv_name: str,
    id_col: str,
    target_col: str,
    classes: Mapping[int, Optional[str]],
    image_dir: str,
    ext: str = "png",
    separator: str = r"[ |]",
) -> pd.DataFrame:
    """Kaggle HPA competitions: a CSV of image Id and integer localisation classes, and one file per stain
    `{Id}_{green,red,blue,yellow}.png`. The green channel is the protein whose localisation is the label;
    the other three are reference stains shared by every image. They are kept apart: one sample merges the
    reference stains (labelled with what they stain), another is the protein channel alone (labelled with
    its localisations). Both share the image's split group."""
    path = folder / csv_name
    table = read_csv(path, [id_col, target_col])
    ids = table[id_col].astype(str).str.strip()

    def names(value):
        if not isinstance(value, str):
            return None
        out = []
        for tok in re.split(separator, value.strip()):
            if not tok:
                continue
            try:
                name = classes[int(tok)]
            except (ValueError, KeyError):
                raise UserError(f"{path}: {target_col} {value!r} has an unknown class {tok!r}") from None
            if name:  # None: a class that names no structure (HPA single-cell "Negative")
                out.append(name)
        return "|".join(out) or None

    targets = table[target_col].map(names)
    prefix = f"{image_dir}/" if image_dir else ""
    ref = pd.DataFrame(
        {
            "sample_id": ids + "-reference",
            "group": ids,
            "cell_visible": "|".join(HPA_REFERENCE.values()),
            "source_files": [[f"{prefix}{i}_{c}.{ext}" for c in HPA_REFERENCE] for i in ids],
            "channels": [list(HPA_REFERENCE.values())] * len(ids),
        }
    )
    protein = pd.DataFrame(
        {
            "sample_id": ids + "-protein",
            "group": ids,
            "cell_visible": targets,
            "source_files": [[f"{prefix}{i}_green.{ext}"] for i in ids],
            "channels": [["protein"]] * len(ids),
        }
    )
    out = pd.concat([ref, protein], ignore_index=True)
    return out.sort_values("sample_id", kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------
# family: Kaggle 2018 Data Science Bowl (BBBC038)

DSB_PATTERN = r"(?P<stage>stage1_train|stage1_test|stage2_test_final)/(?P<image>[0-9a-f]{16,})/images/(?P=image)\.png"


def dsb_records(folder: Path) -> pd.DataFrame:
    """`stage*/{id}/images/{id}.png` (the masks/ beside them are segmentation targets, not samples). The
    distribution does not say which images are fluorescence, brightfield or histology; they are single
    files, so nothing is merged across modalities."""
    files = scan(folder, DSB_PATTERN)
    require_files(files, folder, DSB_PATTERN, "Data Science Bowl images")
    samples = file_samples(files, "image")
    samples["cell_visible"] = "nucleus"
    return finish(samples, ["image"], ["image"])


# ---------------------------------------------------------------------------------------------------------
# family: bioimage data package of Segebarth et al. 2020 (Zenodo / Dryad)

# Treatment codes per laboratory (the package's own key): the same code means different things in
# different labs ("Ext" is early retrieval in lab-mue, extinction in lab-inns1), so the map is per lab.
SEGEBARTH_CONDITIONS = {
    "lab-wue1": {"h": "homecage", "-": "context control", "+": "context conditioned"},
    "lab-mue": {"ext": "early retrieval", "ret": "late retrieval"},
    "lab-inns1": {"ctrl": "control", "ext": "extinction"},
    "lab-inns2": {"saline": "saline", "l-dopa responder": "l-dopa responder",
                  "l-dopa non-responder": "l-dopa non-responder"},
    "lab-wue2": {"wt": "wildtype", "ko": "gad1b knock-down"},
}
SEGEBARTH_ORGANISMS = {"lab-wue2": "zebrafish"}
SEGEBARTH_COLUMNS = ["ID", "name", "area", "training", "experiment", "condition"]


def _read_xlsx(path: Path) -> dict[str, pd.DataFrame]:
    if not path.is_file():
        raise UserError(f"{path} not found: the source folder is not in its native layout")
    try:
        return pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
    except ImportError as exc:
        raise UserError(f"reading {path} needs openpyxl: pip install openpyxl") from exc


def segebarth_records(folder: Path, mapping: str = "image_mapping.xlsx") -> pd.DataFrame:
    """`image_mapping.xlsx` (ID, name, area, training, experiment, condition; one sheet, or one per lab)
    and the images at `lab-*/images/{ID}.tif`. The lab of a row is its sheet name when sheets are per lab,
    else its `lab`/`experiment` value when that names a lab, else the lab folder that holds the file.
    The package ships the images of two labs only (lab-wue1, lab-mue): rows of a lab without an images/
    folder describe images that are not distributed and are left out; rows whose lab is unknown are kept,
    so the builder quarantines them by name."""
    path = folder / mapping
    sheets = _read_xlsx(path)
    parts = []
    for sheet, table in sheets.items():
        table = table.dropna(how="all")
        if table.empty:
            continue
        require_columns(table, SEGEBARTH_COLUMNS, Path(f"{path} (sheet {sheet!r})"))
        table = table.copy()
        table["_sheet"] = str(sheet).strip().lower()
        parts.append(table)
    if not parts:
        raise UserError(f"{path}: no rows")
    table = pd.concat(parts, ignore_index=True)
    shipped = {p.parent.name.lower(): p.parent.name for p in folder.glob("lab-*/images") if p.is_dir()}
    on_disk: dict[str, str] = {}
    for lab_name in sorted(shipped.values()):
        for f in sorted((folder / lab_name / "images").iterdir()):
            on_disk.setdefault(f.stem, lab_name.lower())
    ids = table["ID"].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    lab = table["_sheet"].where(table["_sheet"].isin(list(SEGEBARTH_CONDITIONS)))
    for col in ("lab", "experiment"):
        if col in table.columns:
            named = table[col].astype("string").str.strip().str.lower()
            lab = lab.where(lab.notna() | ~named.isin(list(SEGEBARTH_CONDITIONS)), named)
    lab = lab.where(lab.notna(), ids.map(on_disk)).astype(object)
    keep = lab.isna() | lab.isin(list(shipped))
    table, ids, lab = table[keep], ids[keep], lab[keep].fillna("lab-unknown")
    code = table["condition"].astype("string").str.strip().str.lower()
    phenotype = [SEGEBARTH_CONDITIONS.get(l, {}).get(c) if isinstance(c, str) else None for l, c in zip(lab, code)]
    unknown = sorted(
        {f"{l}:{c}" for l, c, p in zip(lab, code, phenotype) if l in SEGEBARTH_CONDITIONS and isinstance(c, str) and p is None}
    )
    if unknown:
        raise UserError(
            f"{path}: condition code(s) {unknown[:5]} are not in the package's treatment key; "
            "add them to layouts.SEGEBARTH_CONDITIONS"
        )
    out = pd.DataFrame(index=table.index)
    out["lab"] = lab
    out["image"] = ids
    out["phenotype"] = phenotype
    out["organism"] = lab.map(lambda l: SEGEBARTH_ORGANISMS.get(l, "mouse"))
    out["cell_visible"] = "c-fos"
    folder_of = {k.lower(): v for k, v in shipped.items()}
    out["source_files"] = [[f"{folder_of.get(l, l)}/images/{i}.tif"] for l, i in zip(lab, ids)]
    out["channels"] = [["cFOS"]] * len(out)
    return finish(out, ["lab", "image"], ["lab", "image"])
