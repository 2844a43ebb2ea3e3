"""Image Data Resource family: a study's `*-annotation.csv` tables (Plate, Well, Characteristics [...],
Compound Name, Gene Symbol, Phenotype N, Channels ...), its `*-plates.tsv` plate lists and the plates' image
files, named by the instrument's convention.

What a download of a study holds: IDR's file server mirrors `/uod/idr/filesets/<study>/` at
https://ftp.ebi.ac.uk/pub/databases/IDR/<study>/ (IDR website `_data/download_urls.tsv` maps the one onto the
other), so the part of a plate-list path below the study's own folder is where that plate lies under
ROOT/<id>/. The annotation and plate-list files come from the study's GitHub repository and may sit at the
top of ROOT/<id>/ or in its `screenX/` folder, as in the repository.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Mapping, Optional, Sequence

import pandas as pd

from cytoimagenet.catalog.layouts import (
    _well_from_row_col,
    file_samples,
    finish,
    gene_label,
    join_labels,
    norm_well,
    organism_label,
    pivot_channels,
    scan,
)
from cytoimagenet.catalog.source import label_column, read_csv, warn, warnings_of
from cytoimagenet.errors import UserError

# File-name conventions of the instruments IDR screens were acquired on, matched against the path below
# the per-plate folder. Each names the well (or row/col, or well index), the field and the channel token.
IDR_NAMING = {
    # MetaXpress / ImageXpress: <prefix>_B02_s3_w2<GUID>.tif (site optional)
    "imagexpress": r"[^/]*_(?P<well>[A-Pa-p]\d{2})(?:_s(?P<field>\d+))?_w(?P<channel>\d)[^/]*",
    # Operetta / Opera Phenix (Harmony export): r02c03f04p01-ch2sk1fk1fl1.tiff
    "harmony": r"r(?P<row>\d{2})c(?P<col>\d{2})f(?P<field>\d{2})p(?P<plane>\d{2})-ch(?P<channel>\d+)[^/]*",
    # Yokogawa CellVoyager CV7000/8000: <plate>_B02_T0001F003L01A02Z01C02.tif (A: the acquisition, which
    # differs between channels imaged in separate passes, so it is not part of the key)
    "cellvoyager": r"[^/]*_(?P<well>[A-P]\d{2})_T\d{4}F(?P<field>\d{3})L\d{2}A\d{2}Z\d{2}C(?P<channel>\d{2})[^/]*",
    # Opera FLEX: one multi-channel file per well and field, RRRCCCFFF.flex
    "flex": r"(?P<row>\d{3})(?P<col>\d{3})(?P<field>\d{3})\.flex",
    # GE IN Cell Analyzer: "B - 3(fld 2 wv DAPI - DAPI).tif" (column not zero-padded)
    "incell": r"(?P<wrow>[A-P]) - (?P<wcol>\d{1,2})\(fld (?P<field>\d+) wv (?P<channel>[^)/]+?) - [^)/]+\)\.tif",
    # Olympus ScanR: data/--W00002--P00001--Z00000--T00000--nucleus-dapi.tif (W: well index, P: position)
    # (a prefix before --W is tolerated, so a renamed export still pairs its channels)
    "scanr": r"[^/]*?--W(?P<well_index>\d{5})--P(?P<field>\d{5})--Z\d{5}--T\d{5}--(?P<channel>[^/]+?)\.tif",
}

# Native columns of each label, first present wins. Studies name the same fact differently between
# submissions ("Characteristics [Organism 1]" beside a virus as organism 2, "siRNA Pool Identifier 1" ...).
IDR_LABEL_COLUMNS: dict[str, tuple[str, ...]] = {
    "organism": ("Characteristics [Organism]", "Characteristics [Organism 1]"),
    "cell_type": ("Characteristics [Cell Line]",),
    "compound": ("Compound Name", "Experimental Condition [Compound]"),
    "gene": ("Gene Symbol", "Comment [Gene Symbol]"),
    "sirna": ("siRNA Identifier", "siRNA Pool Identifier 1", "siRNA Pool Identifier"),
}
# Kept for callers that read one column per label.
IDR_COLUMNS = {label: names[0] for label, names in IDR_LABEL_COLUMNS.items()}
_PHENOTYPE = re.compile(r"^Phenotype(?: \d+)?$")


def _with_numbered_siblings(ann: pd.DataFrame, names: Sequence[str], values: pd.Series) -> pd.Series:
    """IDR numbers a repeated fact ("siRNA Pool Identifier 1", "... 2", "... 3": the siRNAs pooled in one
    well): when the column read ends in " 1", its present siblings join it as a multi-label."""
    name = next((n for n in names if n in ann.columns), None)
    if name is None or not re.search(r" 1$", name):
        return values
    siblings = [c for c in ann.columns if re.fullmatch(re.escape(name[:-1]) + r"\d+", str(c))]
    if len(siblings) < 2:
        return values
    ordered = sorted(siblings, key=lambda c: int(str(c).rsplit(" ", 1)[1]))
    return join_labels(ann[ordered])

# Annotation files name organisms by their Latin names; released labels use the original's common names.
_VISIBLE_WORDS = {"nuclei": "nucleus", "nuclear": "nucleus", "mitochondrion": "mitochondria"}


def _organisms(values: pd.Series) -> pd.Series:
    return organism_label(values)


def _genes(values: pd.Series) -> pd.Series:
    return gene_label(values.astype(object))


_BRIGHTFIELD_STAIN = re.compile(r"(?i)bright\s*field|transmit")


def channels_visible(values: pd.Series, *, brightfield: bool = False) -> pd.Series:
    """cell_visible from an annotation's `Channels` cell, as the original took it: the structures each stain
    shows. Cells look like "Hoechst:nuclei; GFP:infection", "Ch1 (blue): Nuclei/Cytoplasm, Ch2 (green): ACTB"
    or "H2B-mCherry:cytosol;GFP:tagged protein;bright field/transmitted:cell contour, vacuole": entries
    separated by ";" (or "," when there is no ";"), the part after each colon what is visible, "/" (and ","
    within ";"-separated entries) separating several structures of one stain. A brightfield image shows what
    the bright-field entries name, a fluorescence image what the others name: `brightfield` picks which."""

    def one(cell):
        if not isinstance(cell, str) or ":" not in cell:
            return None
        semicolons = ";" in cell
        tokens = []
        for entry in re.split(r";" if semicolons else r",", cell):
            if ":" not in entry:
                continue
            stain, shown = entry.split(":", 1)
            if bool(_BRIGHTFIELD_STAIN.search(stain)) != brightfield:
                continue
            for part in re.split(r"[/,]" if semicolons else r"/", shown):
                word = part.strip().lower()
                if word:
                    tokens.append(_VISIBLE_WORDS.get(word, word))
        return "|".join(dict.fromkeys(tokens)) or None

    uniq = {v: one(v) for v in pd.unique(values.astype(object))}
    out = values.astype(object).map(uniq)
    return out.astype(object).where(out.notna(), None)


def annotation_paths(folder: Path) -> list[Path]:
    """The study's annotation tables; studies distribute large ones compressed (idr0088 .csv.zip, idr0093
    .csv.gz), read as they are; where a table is there both compressed and unpacked, the unpacked one."""
    found: dict[str, Path] = {}
    for pattern in ("*annotation.csv", "*annotation.csv.gz", "*annotation.csv.zip"):
        for p in sorted(folder.glob(pattern)) + sorted(folder.glob(f"*/{pattern}")):
            key = str(p.with_name(re.sub(r"\.(gz|zip)$", "", p.name)))
            if key not in found or p.suffix == ".csv":
                found[key] = p
    paths = [found[k] for k in sorted(found)]
    if not paths:
        raise UserError(f"{folder}: no idrNNNN-*-annotation.csv found; download the study's annotation file(s)")
    return paths


def _screen_of(path: Path) -> str:
    m = re.search(r"-(screen[A-Za-z0-9]+|experiment[A-Za-z0-9]+)-", path.name)
    return m.group(1) if m else ""


def read_idr_annotation(
    folder: Path,
    keys: Sequence[str],
    *,
    labels: Optional[Mapping[str, Sequence[str]]] = None,
    visible: Optional[str] = None,
    screens: Optional[Sequence[str]] = None,
    carry: Sequence[str] = (),
) -> pd.DataFrame:
    """All `*annotation.csv` tables of the study (one per screen or experiment), labels normalised.

    `labels` (label -> native columns, first present wins) names the labels the study has: a label column
    that is absent or empty is a warning on the result. Without it the common IDR columns are read where
    present. `visible` names the column whose stains give cell_visible (IDR's "Channels"). `screens` keeps
    only those screens' tables; `carry` passes columns through for the module. The result has a `screen`
    column."""
    paths = annotation_paths(folder)
    if screens is not None:
        paths = [p for p in paths if _screen_of(p) in set(screens)]
        if not paths:
            raise UserError(f"{folder}: no annotation file of screen(s) {', '.join(screens)}; download them")
    parts, messages = [], []
    for p in paths:
        ann = read_csv(p, list(keys))
        out = pd.DataFrame({k: ann[k].astype(str).str.strip() for k in keys})
        out["screen"] = _screen_of(p)
        cols = set(ann.columns)
        wanted = labels if labels is not None else {
            k: [c for c in v if c in cols] for k, v in IDR_LABEL_COLUMNS.items()}
        for label, names in wanted.items():
            if not names:
                continue
            values = label_column(ann, names, p, label=label)
            values = _with_numbered_siblings(ann, names, values)
            if label == "organism":
                values = _organisms(values)
            elif label == "gene":
                values = _genes(values)
            out[label] = values.astype(object).where(values.notna(), None)
        if visible is not None:
            stains = label_column(ann, [visible], p, label="cell_visible")
            out["cell_visible"] = channels_visible(stains)
            out["_visible_bf"] = channels_visible(stains, brightfield=True)
        # the CMPO term name is the curated phenotype; the free-text column is the fallback
        phen = sorted(c for c in ann.columns if _PHENOTYPE.match(str(c)))
        if phen and "phenotype" not in wanted:
            chosen = pd.DataFrame(
                {c: ann[f"{c} Term Name"].fillna(ann[c]) if f"{c} Term Name" in cols else ann[c] for c in phen})
            out["phenotype"] = join_labels(chosen)
        for c in carry:
            if c in cols:
                out[c] = ann[c].astype(object)
        messages += warnings_of(ann)
        parts.append(out)
    out = pd.concat(parts, ignore_index=True)
    # a well annotated twice (several screens, several reagents): merge its labels, order-independently
    if out.duplicated(list(keys)).any():
        rest = [c for c in out.columns if c not in keys]

        def merge(series):
            tokens = sorted({t for v in series.dropna() for t in str(v).split("|") if t})
            return "|".join(tokens) or None

        out = out.groupby(list(keys), sort=True).agg({c: merge for c in rest}).reset_index()
    for m in messages:
        warn(out, m)
    return out


# ---------------------------------------------------------------------------------------------------------
# plate lists

# Files IDR's importer is pointed at instead of a folder: the plate is the folder that holds them.
_DESCRIPTOR = re.compile(r"(?i)\.(htd|wpi|xdce|screen|mrf|mlf|xml|flex|pattern)$")


def _bulk_columns(tsv: Path) -> Optional[list[str]]:
    """The column order a plate list's bulk.yml states (`columns: [path, name]`), following `include:`;
    None when no bulk file is beside it."""
    import yaml

    bulk = tsv.with_name(tsv.name.replace("-plates.tsv", "-bulk.yml"))
    seen = set()
    while bulk.is_file() and bulk not in seen:
        seen.add(bulk)
        try:
            conf = yaml.safe_load(bulk.read_text()) or {}
        except yaml.YAMLError as exc:
            raise UserError(f"{bulk}: not valid YAML ({exc}); download it again from the study repository") from None
        if conf.get("columns"):
            return [str(c) for c in conf["columns"]]
        if not conf.get("include"):
            return None
        bulk = (bulk.parent / conf["include"]).resolve()
    return None


def read_plate_list(tsv: Path) -> pd.DataFrame:
    """A `*-plates.tsv` as (name, path) rows. Studies write (name, path), (path, name) or the path alone
    (their bulk.yml says which); without a bulk.yml the path column is the one holding absolute paths.
    A single-column list has no names (None)."""
    table = pd.read_csv(tsv, sep="\t", header=None, dtype=str, keep_default_na=False, quoting=3)
    table = table.loc[:, [c for c in table.columns if table[c].str.strip().ne("").any()]]
    if table.shape[1] == 0:
        return pd.DataFrame({"name": [], "path": []}, dtype=object)
    columns = _bulk_columns(tsv)
    if columns and len(columns) >= table.shape[1] and "path" in columns[: table.shape[1]]:
        table.columns = columns[: table.shape[1]]
    else:
        # IDR's default is (name, path) (IDR/idr-metadata bulk.yml); the path is what holds "/"s, absolute ones first
        is_path = [table[c].str.strip().str.startswith("/").mean() + table[c].str.contains("/").mean()
                   for c in table.columns]
        path_col = table.columns[max(range(len(is_path)), key=is_path.__getitem__)]
        others = [c for c in table.columns if c != path_col]
        table = table.rename(columns={path_col: "path", **({others[0]: "name"} if others else {})})
    out = pd.DataFrame({"path": table["path"].str.strip()})
    out["name"] = table["name"].str.strip() if "name" in table.columns else None
    return out


def server_dir(path: str) -> str:
    """The plate's folder below the study's folder on the IDR file server, for a plate-list path that names
    the folder or a descriptor file in it (.HTD, .wpi, .xdce, Index.idx.xml, .screen)."""
    parts = [p for p in str(path).replace("\\", "/").split("/") if p and p != "."]
    if parts and _DESCRIPTOR.search(parts[-1]):
        parts = parts[:-1]
    study = next((i for i, p in enumerate(parts) if re.match(r"^idr\d{4}-", p)), None)
    if study is not None:
        return "/".join(parts[study + 1 :])
    # a path relative to the study repository (idr0016's ../screens/<plate>.screen, generated by IDR's
    # importer) says nothing of where the images lie: unknown, so the plate name stands
    return "" if str(path).startswith((".", "..")) else "/".join(parts)


def plate_lists(folder: Path, screens: Optional[Sequence[str]] = None) -> pd.DataFrame:
    """Every plate list of the study as (screen, name, dir) rows."""
    parts = []
    for tsv in sorted(set(folder.glob("*plates.tsv")) | set(folder.glob("*/*plates.tsv"))):
        screen = _screen_of(tsv)
        if screens is not None and screen not in set(screens):
            continue
        table = read_plate_list(tsv)
        table["dir"] = table["path"].map(server_dir)
        # a list of paths alone (idr0088): the plate is named as IDR names it, by its descriptor file's stem
        # (.../1013608248/1013608248.wpi), else by its folder
        unnamed = table["name"].isna()
        if unnamed.any():
            last = table["path"].str.replace("\\", "/", regex=False).str.rstrip("/").str.rsplit("/", n=1).str[-1]
            table.loc[unnamed, "name"] = last[unnamed].str.replace(_DESCRIPTOR, "", regex=True)
        table["screen"] = screen
        parts.append(table)
    if not parts:
        return pd.DataFrame({"screen": [], "name": [], "path": [], "dir": []}, dtype=object)
    return pd.concat(parts, ignore_index=True)


def idr_plate_dirs(folder: Path, plates: Sequence[str], *, screens: Optional[Sequence[str]] = None) -> dict[str, str]:
    """Folder of each plate, relative to the source folder, from the study's plate lists (see
    `read_plate_list`, `server_dir`). Without a plate list, or for a plate it does not name, the folder is
    the plate name."""
    lists = plate_lists(folder, screens)
    named = lists[lists["name"].notna()] if len(lists) else lists
    mapped: dict[str, str] = {}
    for name, below in zip(named.get("name", []), named.get("dir", [])):
        if not below:
            continue
        mapped[name] = next((c for c in (below, name) if (folder / c).is_dir()), below)
    return {p: mapped.get(p, p) for p in plates}


# ---------------------------------------------------------------------------------------------------------
# records


def _row_letter(n: int) -> str:
    return chr(ord("A") + n - 1) if n <= 26 else "A" + chr(ord("A") + n - 27)


def _wells(files: pd.DataFrame, plate_columns: int) -> pd.Series:
    if "well" in files.columns and files["well"].notna().any():
        return files["well"]
    if "wrow" in files.columns:
        return files["wrow"].str.upper() + pd.to_numeric(files["wcol"]).map(lambda c: f"{int(c):02d}")
    if "well_index" in files.columns:
        # ScanR numbers wells row by row from 1 (the "Well Number" IDR annotations carry beside "Well")
        idx = pd.to_numeric(files["well_index"]) - 1
        return (idx // plate_columns + 1).map(_row_letter) + (idx % plate_columns + 1).map(lambda c: f"{int(c):02d}")
    return _well_from_row_col(files)


def idr_file_records(
    files: pd.DataFrame,
    ann: pd.DataFrame,
    *,
    channels: Mapping[str, str],
    brightfield: Sequence[str] = (),
    container: Optional[str] = None,
    plate_columns: int = 24,
) -> pd.DataFrame:
    """Records from located plate files (columns plate, path, channel, field and well or row/col or
    well_index) joined to the annotation `ann` (Plate, Well, labels) on plate and well."""
    files = files.copy()
    files["well"] = norm_well(_wells(files, plate_columns).astype(str))
    field = files["field"] if "field" in files.columns else pd.Series(None, index=files.index, dtype=object)
    files["field"] = "f" + pd.to_numeric(field, errors="coerce").fillna(1).astype(int).astype(str)
    keys = ["plate", "well", "field"]
    if "plane" in files.columns and files["plane"].nunique(dropna=True) > 1:
        files["plane"] = "p" + files["plane"].astype(str)
        keys.append("plane")
    skipped: list[str] = []
    if container is not None:
        samples = file_samples(files, container, "fluorescence")
    else:
        known = {str(k).lower() for k in channels}
        other = files.loc[~files["channel"].astype(str).str.lower().isin(known)]
        if len(other):
            # a channel the module does not name is not merged; said, so a misnamed stain is never lost quietly
            tokens = sorted(other["channel"].astype(str).unique())
            skipped.append(f"{len(other)} file(s) of channel token(s) {', '.join(tokens)} not read "
                           f"(e.g. {other['path'].iloc[0]}); the source module names channels {', '.join(channels)}")
        samples = pivot_channels(files, keys, channels, brightfield=brightfield)
    ann = ann.drop(columns=[c for c in ("screen",) if c in ann.columns])
    samples = samples.merge(ann, how="left", left_on=["plate", "well"], right_on=["Plate", "Well"])
    if "_visible_bf" in samples.columns:
        if "microscopy" in samples.columns:
            # a brightfield image shows what the bright-field entry names, never the fluorescent stains
            bf = samples["microscopy"] == "brightfield"
            samples["cell_visible"] = samples["cell_visible"].where(~bf, samples["_visible_bf"])
        samples = samples.drop(columns=["_visible_bf"])
    out = finish(samples, keys, ["plate", "well"])
    for m in warnings_of(ann) + skipped:
        warn(out, m)
    return out


def scan_plate_folders(folder: Path, plates: Sequence[str], dirs: Mapping[str, str],
                       naming: str) -> tuple[list[pd.DataFrame], list[str]]:
    """The files of each plate's folder (`dirs[plate]`, else the plate's name) that is on disk, at any depth below
    it, in the instrument's `naming` (a key of IDR_NAMING), each with its plate: (parts, folders not on disk).
    A plate folder holding no file in that naming is an error: the naming, or the folder, is not the study's."""
    parts, unmatched, absent = [], [], []
    for plate in plates:
        rel = dirs.get(plate, plate)
        if not (folder / rel).is_dir():
            absent.append(rel)
            continue
        pattern = re.escape(rel) + r"/(?:[^/]+/)*" + IDR_NAMING[naming]
        found = scan(folder, pattern, under=rel)
        if found.empty:
            unmatched.append(rel)
            continue
        found["plate"] = plate
        parts.append(found)
    if unmatched:
        raise UserError(
            f"{folder}: no file in plate folder(s) {unmatched[:3]} matches the {naming!r} naming "
            f"({IDR_NAMING[naming]!r}); the study's instrument convention or its plate folders are not as catalogued"
        )
    return parts, absent


def idr_screen_records(
    folder: Path,
    *,
    naming: str,
    channels: Mapping[str, str],
    brightfield: Sequence[str] = (),
    container: Optional[str] = None,
    labels: Optional[Mapping[str, Sequence[str]]] = None,
    visible: Optional[str] = None,
    screens: Optional[Sequence[str]] = None,
    plate_dirs: Optional[Mapping[str, str]] = None,
    plate_columns: int = 24,
) -> pd.DataFrame:
    """IDR screens: the annotation (see `read_idr_annotation`) and the plates' files, one folder per plate
    (see `idr_plate_dirs`, or `plate_dirs` given by the module), named by the instrument's convention
    `naming` (a key of IDR_NAMING). `container` names the channels of a file that holds them all (FLEX).
    Plates not downloaded are skipped; a plate folder with no file matching the convention is an error,
    since that means the convention is wrong for this study."""
    ann = read_idr_annotation(folder, ["Plate", "Well"], labels=labels, visible=visible, screens=screens)
    ann["Well"] = norm_well(ann["Well"])
    plates = sorted(ann["Plate"].unique())
    dirs = dict(plate_dirs) if plate_dirs is not None else idr_plate_dirs(folder, plates, screens=screens)
    parts, absent = scan_plate_folders(folder, plates, dirs, naming)
    if not parts:
        raise UserError(
            f"{folder}: none of the {len(plates)} annotated plates has its folder here "
            f"(e.g. {dirs.get(plates[0], plates[0]) if plates else '?'!r}); download the study's plates"
        )
    files = pd.concat(parts, ignore_index=True)
    out = idr_file_records(files, ann, channels=channels, brightfield=brightfield, container=container,
                           plate_columns=plate_columns)
    if absent:
        # a partial download is allowed, and said: its plates' images are not in the release
        warn(out, f"{folder}: {len(absent)} of {len(plates)} annotated plate(s) have no folder here "
                  f"(e.g. {absent[0]!r}); their images are not read")
    return out


def idr_project_records(folder: Path, *, container: str) -> pd.DataFrame:
    """IDR experiments (no plates): `<idr>-experimentX-annotation.csv` with Dataset Name and Image Name;
    each image is one file holding all its channels, found by name anywhere under the folder."""
    ann = read_idr_annotation(folder, ["Dataset Name", "Image Name"]).drop(columns=["screen"])
    index: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        rel = Path(dirpath).relative_to(folder).as_posix()
        for f in sorted(filenames):
            index.setdefault(f, f if rel == "." else f"{rel}/{f}")
    out = ann.copy()
    # not on disk: listed where IDR's own layout puts it, so the builder quarantines it by name
    out["path"] = [index.get(n, f"{d}/{n}") for d, n in zip(out["Dataset Name"], out["Image Name"])]
    out["dataset"] = out["Dataset Name"]
    out["image"] = out["Image Name"].str.rsplit(".", n=1).str[0]
    samples = file_samples(out, container, "fluorescence")
    return finish(samples, ["dataset", "image"], ["dataset", "image"])
