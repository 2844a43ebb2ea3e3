"""What six IDR studies need beyond the shared IDR family in `catalog.idr`: the experiments idr0021, idr0041 and
idr0067 (files named by an annotation row and placed by the study's `*-filePaths.tsv`), and the screens
idr0037, idr0072 and idr0080 (plates placed by `*-plates.tsv`, which may name a plate's descriptor file or a
plate held in another study's fileset).

Paths on the IDR file server (`/uod/idr/filesets/<study>/...`, `/uod/idr/incoming/<study>/...`) become paths
relative to the source folder: a download of the study's tree from the IDR file server holds what is below the
study's own folder. Files are located, never opened: a file the annotation names but the disk lacks is listed
where the study's tree puts it, so the builder quarantines it by name. The screens' wells, fields and channel
pivot are the family's (`catalog.idr.idr_file_records`); what is here is what those six studies add: dataset
folders from filePaths.tsv, plates kept in another study's fileset, split groups shared across plate copies,
and a warning for annotated plates not downloaded.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Mapping, Optional, Sequence

import pandas as pd

from cytoimagenet.catalog import idr as idr_family
from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import read_csv, warn, warnings_of
from cytoimagenet.errors import UserError

# The IDR's public file server: each study's folder mirrors the server paths its filePaths/plates files name
# (e.g. /uod/idr/filesets/idr0067-king-yeastmeiosis/20190904-ftp/... ->
# https://ftp.ebi.ac.uk/pub/databases/IDR/idr0067-king-yeastmeiosis/20190904-ftp/...).
IDR_FTP = "https://ftp.ebi.ac.uk/pub/databases/IDR/"
# where that mapping is stated, study by study (server prefix -> public URL, and one image path each)
DOWNLOAD_URLS = "IDR/idr.openmicroscopy.org _data/download_urls.tsv"

_STUDY = re.compile(r"^idr\d{4}-")
# files that describe a plate rather than being its folder: the plate's images lie beside them
_DESCRIPTORS = re.compile(r"(?i).*\.(idx\.xml|htd|wpi|screen|xml)$")


def below_study(server_path: str, study: str) -> str:
    """A server path relative to the source folder: the part below `study`'s own folder. A path into another
    study's fileset (idr0037 plates kept in idr0034's) keeps that study's folder name as its first component,
    so the user downloads it into ROOT/<source>/<other study>/. A descriptor file stands for its folder."""
    parts = [p for p in str(server_path).strip().replace("\\", "/").split("/") if p]
    if parts and _DESCRIPTORS.fullmatch(parts[-1]):
        parts = parts[:-1]
    at = next((i for i, p in enumerate(parts) if _STUDY.match(p)), None)
    if at is None:
        return "/".join(parts)
    return "/".join(parts[at + 1:] if parts[at] == study else parts[at:])


def carry_warnings(dst: pd.DataFrame, *sources: pd.DataFrame) -> pd.DataFrame:
    """The warnings recorded on intermediate tables, onto the table an adapter returns."""
    for src in sources:
        for message in warnings_of(src):
            warn(dst, message)
    return dst


def study_files(folder: Path, pattern: str) -> list[Path]:
    """The study's metadata files matching `pattern`, at the top of the source folder or one level down (the
    study repository keeps them in experimentA/, screenA/ ...), sorted."""
    found = sorted(set(folder.glob(pattern)) | set(folder.glob(f"*/{pattern}")))
    return found


def read_annotations(folder: Path, study: str, keys: Sequence[str]) -> tuple[pd.DataFrame, Path]:
    """Every `<study>-*-annotation.csv` of the study as one table of strings, with the file each row came from
    in `_annotation`; returns it and the first file's path (for messages)."""
    paths = study_files(folder, f"{study[:7]}-*annotation.csv")
    if not paths:
        raise UserError(
            f"{folder}: no {study[:7]}-*-annotation.csv found; download it from the study repository "
            f"(https://github.com/IDR/{study})"
        )
    tables = []
    for path in paths:
        table = read_csv(path, list(keys))
        table["_annotation"] = path.relative_to(folder).as_posix()
        tables.append(table)
    return pd.concat(tables, ignore_index=True), paths[0]


def server_table(folder: Path, pattern: str) -> pd.DataFrame:
    """A study's `*-filePaths.tsv` or `*-plates.tsv` as (name, path) rows. Their column order differs between
    studies (filePaths: target, path; plates: name, path; some plates files the other way round): the column
    whose values are absolute server paths is the path."""
    rows = []
    for tsv in study_files(folder, pattern):
        table = pd.read_csv(tsv, sep="\t", header=None, dtype=str, keep_default_na=False)
        if table.shape[1] < 2:
            raise UserError(f"{tsv}: expected a name and a server path per line, found {table.shape[1]} column(s)")
        is_path = [table[c].str.startswith("/").mean() for c in table.columns[:2]]
        path_col = table.columns[int(is_path[1] > is_path[0])]
        name_col = table.columns[1 - int(is_path[1] > is_path[0])]
        rows.append(pd.DataFrame({"name": table[name_col].str.strip(), "path": table[path_col].str.strip()}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["name", "path"])


def dataset_dirs(folder: Path, study: str) -> dict[str, list[str]]:
    """Dataset name -> its folders (relative to the source folder), from `*-filePaths.tsv` lines such as
    `Dataset:name:CENT2<TAB>/uod/idr/incoming/<study>/Raw-files/CENT2/Cep192_Centrin_20101014/` or
    `Project:name:<study>/experimentA/Dataset:name:Figure 1B<TAB>/uod/idr/filesets/<study>/20190924-ftp/Figure 1B`.
    Lines naming a file (idr0041) give that file's folder."""
    table = server_table(folder, "*filePaths.tsv")
    out: dict[str, list[str]] = {}
    for target, path in zip(table["name"], table["path"]):
        name = target.rsplit("Dataset:name:", 1)[-1].strip()
        rel = below_study(path, study)
        if rel.lower().endswith(layouts.IMAGE_EXTENSIONS):
            rel = rel.rsplit("/", 1)[0]
        out.setdefault(name, [])
        if rel not in out[name]:
            out[name].append(rel)
    return out


def file_index(folder: Path) -> dict[str, list[str]]:
    """File name -> every path (relative to the source folder) under which it exists, walked once in sorted
    order (several datasets of one study reuse a file name)."""
    index: dict[str, list[str]] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        rel = Path(dirpath).relative_to(folder).as_posix()
        for f in sorted(filenames):
            index.setdefault(f, []).append(f if rel == "." else f"{rel}/{f}")
    return index


def locate(names: pd.Series, dirs: pd.Series, index: Mapping[str, list[str]]) -> list[str]:
    """Each file's path: in one of its candidate folders if there (first that holds it), else anywhere under
    the source folder when the name is found exactly once outside every other row's folders (a download laid
    out differently), else where its first candidate folder puts it, for the builder to quarantine by name."""
    claimed = {d for candidates in dirs for d in candidates if d}
    out = []
    for name, candidates in zip(names, dirs):
        on_disk = index.get(name, [])
        wanted = [f"{d}/{name}" if d else name for d in candidates]
        hit = next((w for w in wanted if w in on_disk), None)
        others = claimed - set(candidates)
        if hit is None and len(on_disk) == 1 and not any(on_disk[0].startswith(f"{d}/") for d in others):
            hit = on_disk[0]
        out.append(hit or (wanted[0] if wanted else name))
    return out


def tokens(values: pd.Series, separator: str = r"\s*[;,|]\s*") -> pd.Series:
    """Free-text label lists ("a, b; c") as '|'-joined tokens."""
    return values.astype("string").str.strip().str.replace(separator, "|", regex=True).astype(object)


def screen_records(
    folder: Path,
    study: str,
    *,
    naming: str,
    channels: Mapping[str, str],
    brightfield: Sequence[str] = (),
    container: Optional[str] = None,
    plate_group: Optional[str] = None,
) -> tuple[pd.DataFrame, pd.DataFrame, Path]:
    """Records of an IDR screen whose `*-plates.tsv` lines give (plate, server path of its folder or of a plate
    descriptor in it). Each listed plate folder that is on disk is scanned for files in the instrument's
    `naming` (a key of catalog.idr.IDR_NAMING), below it at any depth; plates not downloaded are skipped. Returns
    (samples, annotation rows, annotation path): the samples carry the annotation's columns merged on
    (Plate, Well). `plate_group` is a regex whose removal from a plate name gives the split group's plate
    (idr0080's illumination-corrected copies share the raw plate's wells)."""
    ann, ann_path = read_annotations(folder, study, ["Plate", "Well"])
    ann["Plate"] = ann["Plate"].str.strip()
    ann["Well"] = layouts.norm_well(ann["Well"].astype(str))
    dup = ann.duplicated(["Plate", "Well"])
    if dup.any():
        warn(ann, f"{ann_path}: {int(dup.sum())} wells annotated twice; the first row of each is used")
        ann = ann[~dup]
    lists = [idr_family.read_plate_list(t) for t in study_files(folder, "*plates.tsv")]
    plates = pd.concat(lists, ignore_index=True) if lists else pd.DataFrame(columns=["name", "path"])
    dirs = {name: below_study(path, study) for name, path in zip(plates["name"], plates["path"]) if name}
    parts, absent = idr_family.scan_plate_folders(folder, sorted(ann["Plate"].unique()), dirs, naming)
    if not parts:
        example = dirs.get(next(iter(sorted(ann["Plate"].unique())), ""), "?")
        raise UserError(
            f"{folder}: none of the {ann['Plate'].nunique()} annotated plates has its folder here (e.g. "
            f"{example!r}, from the study's *-plates.tsv); download the plates from {IDR_FTP}{study}/"
        )
    if absent:
        # a partial download is allowed, but never silent: the build report says what was not read
        warn(ann, f"{folder}: {len(absent)} of {ann['Plate'].nunique()} annotated plates have no folder here "
                  f"(e.g. {absent[0]!r}); their wells are not read")
    files = pd.concat(parts, ignore_index=True)
    # wells, fields, channel pivot and the join to the annotation: the IDR family's own record builder
    out = idr_family.idr_file_records(files, ann, channels=channels, brightfield=brightfield, container=container)
    if plate_group:
        plate_of = out["plate"].str.replace(plate_group, "", regex=True)
        out["group"] = plate_of + "-" + out["well"].astype(str)
    return carry_warnings(out, ann), ann, ann_path


_VISIBLE = {"nuclei": "nucleus", "nuclear": "nucleus", "dna": "nucleus"}


def stains(cell: object) -> list[tuple[str, list[str]]]:
    """An annotation's `Channels` cell in the "stain:structure, structure;stain:structure" form as
    [(stain, [structures])], in the cell's order (the channel order where a study's rendering settings agree);
    structures lowercased, nuclei as nucleus."""
    if not isinstance(cell, str):
        return []
    out = []
    for entry in cell.split(";"):
        if ":" not in entry:
            continue
        stain, what = entry.split(":", 1)
        words = [w.strip().lower() for w in what.split(",") if w.strip()]
        out.append((stain.strip(), [_VISIBLE.get(w, w) for w in words]))
    return out
