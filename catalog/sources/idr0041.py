"""IDR idr0041: Mitotic cell atlas (Cai et al.).

Native layout: experimentA/idr0041-experimentA-annotation.csv (one row per file: Dataset Name = assay, Image
Name, Image File, Comment [Image File Path] = `mitotic_cell_atlas/<assay>/<cell>/<rawtif|masktif|conctif>`,
Comment [Image File Type], Comment [Gene Symbol], Channels). Each time point of a cell is one TIFF
`TR1_W0001_P<pos>_T<tt>.tif` holding 31 z-sections of 3 channels (protein of interest, SiR-DNA, Dy-481XL);
`masktif` (segmentation masks) and `conctif` (concentration maps) are derived images and not read.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import idr_experiments as idr
from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry, label_column, require_columns

STUDY = "idr0041-cai-mitoticatlas"
REPO = f"IDR/{STUDY}"
FORK = f"snoopycrimecop/{STUDY}"
ANNOTATION = "experimentA/idr0041-experimentA-annotation.csv"
# the commit the original pinned in its datasets_info.csv for this annotation
RAW = f"https://raw.githubusercontent.com/{REPO}/0f8b51ab2dc745de5fa4081f4f91a346e4aac9fa/"
ORIGINAL = "original images"
PREFIX = "mitotic_cell_atlas/"  # the submitters' top folder; the IDR server keeps what is below it

ENTRY = SourceEntry(
    id="idr0041",
    database="Image Data Resource",
    name="Mitotic cell atlas (Cai et al.)",
    dir_name="idr0041",
    homepage="https://github.com/IDR/idr0041-cai-mitoticatlas",
    licence="CC-BY-4.0",
    citation=(
        "Cai Y, Hossain MJ, Hériché JK, et al. Experimental and computational framework for a dynamic protein"
        " atlas of human cell division. Nature 561(7723):411-415 (2018)"
    ),
    modality="fluorescence",
    channels=["stack"],
    organism="human",
    cell_type="hela",
    adapter="read",
    layout=(
        f"{ANNOTATION} (Image File, Comment [Image File Path], Comment [Image File Type]); "
        "<assay>/<cell>/rawtif/TR1_W0001_P<pos>_T<tt>.tif, 31 z x 3 channels a file"
    ),
    note=(
        "An IDR experiment: one sample per original time-point file (its z-sections and 3 channels merged); "
        "segmentation masks and concentration maps are left out, as the original did. All time points of one "
        "cell share a split group. unknown: the IDR repository's own annotation and filePaths files are stored "
        "as large-file pointers that could not be read; the columns and rows here are those of the curation fork "
        f"{FORK}, so a column renamed in the published version is reported missing (a recorded warning)."
    ),
    evidence={
        "layout": (
            f"{FORK} {ANNOTATION} (Image File, Comment [Image File Path] mitotic_cell_atlas/<assay>/<cell>/rawtif), "
            f"experimentA/idr0041-experimentA-filePaths.tsv (/uod/idr/filesets/{STUDY}/<assay>/<cell>/rawtif/...); "
            f"{REPO} scripts/make_filePaths_from_original_data.py (rawtif/masktif/conctif; 201807*-ftp corrections)"
        ),
        "channels": (
            f"{REPO} idr0041-study.txt (Experiment Size: 256 x 256 x 31 x 3 raw, channels protein of interest, "
            f"chromatin, cell outline); {FORK} {ANNOTATION} column Channels"
        ),
        "labels": (
            f"{FORK} {ANNOTATION} columns Comment [Gene Symbol], Characteristics [Cell Line]; stan-hua/CytoImageNet "
            "annotations/datasets_info.csv (idr0041: hela, the tagged genes MIS12, TUBB4B ...; 'Filter out masks "
            "and concentration maps')"
        ),
        "licence": f"{REPO} idr0041-study.txt (Study License CC BY 4.0)",
        "download": f"{idr.DOWNLOAD_URLS} (idr0041 row); {FORK} experimentA/idr0041-experimentA-filePaths.tsv",
        "organism": f"{REPO} idr0041-study.txt (Study Organism Homo sapiens)",
        "cell_type": f"{FORK} {ANNOTATION} column Characteristics [Cell Line] (HeLa)",
        "microscopy": f"{REPO} idr0041-study.txt (Experiment Imaging Method confocal microscopy)",
    },
    download=Download(
        route="idr",
        tree=f"{idr.IDR_FTP}{STUDY}/",
        total_bytes=600_000_000_000,  # the study file's "Total Tb: 0.6"
        files=[DownloadFile(url=RAW + ANNOTATION, path=ANNOTATION)],
        instructions=(
            "Mirror the study folder into ROOT/idr0041/ (<assay>/<cell>/rawtif/ at its top; masktif/ and "
            "conctif/ are not read and may be skipped) and put the annotation under experimentA/."
        ),
        evidence=f"{idr.DOWNLOAD_URLS} (idr0041: uod/idr/filesets -> https://ftp.ebi.ac.uk/pub/databases/IDR)",
    ),
)


def read(folder: Path) -> pd.DataFrame:
    ann, path = idr.read_annotations(folder, STUDY, ["Dataset Name", "Image Name"])
    require_columns(ann, ["Image File", "Comment [Image File Path]", "Comment [Image File Type]"], path)
    ann = ann[ann["Comment [Image File Type]"].str.strip() == ORIGINAL].copy()
    where = ann["Comment [Image File Path]"].str.strip().str.strip("/")
    where = where.where(~where.str.startswith(PREFIX), where.str[len(PREFIX):])
    names = ann["Image File"].str.strip()
    ann["path"] = idr.locate(names, where.map(lambda d: [d]), idr.file_index(folder))
    parts = where.str.split("/")
    ann["assay"] = parts.str[0]
    ann["cell"] = parts.str[1]
    ann["image"] = names.str.rsplit(".", n=1).str[0]
    ann["cell_type"] = label_column(ann, "Characteristics [Cell Line]", path, label="cell_type")
    ann["organism"] = layouts.organism_label(label_column(ann, "Characteristics [Organism]", path, label="organism"))
    ann["gene"] = label_column(ann, "Comment [Gene Symbol]", path, label="gene")
    samples = layouts.file_samples(ann, "stack", "fluorescence")
    out = layouts.finish(samples, ["assay", "cell", "image"], ["assay", "cell"])
    return idr.carry_warnings(out, ann)
