"""IDR idr0067: Yeast meiosis nuclear remodelling (King et al.).

Native layout: experimentA/idr0067-experimentA-annotation.csv (one row per file: Dataset Name = figure panel,
Image Name, Experimental Condition [Imaging Type], Comment [Image File Type], Channels, the tagged proteins) and
experimentA/idr0067-experimentA-filePaths.tsv (each panel's folder on the IDR server, e.g.
`20190904-ftp/Figure 1/Figure 1C`). Per panel: DeltaVision stacks `*_R3D.dv` (raw) and `*_R3D_D3D.dv`
(deconvolved) with FITC and mCherry, their z-projections `*_MAX_*_zproj_*.tif`, the bright-field reference
`*_R3D_REF.dv`, and for some panels serial EM sections (`*.tif`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import idr_experiments as idr
from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry, label_column

STUDY = "idr0067-king-yeastmeiosis"
REPO = f"IDR/{STUDY}"
ANNOTATION = "experimentA/idr0067-experimentA-annotation.csv"
FILE_PATHS = "experimentA/idr0067-experimentA-filePaths.tsv"
# the commit the original pinned for its idr0067 annotations, and the one read for these facts
RAW = f"https://raw.githubusercontent.com/{REPO}/6c09e7ef1e2e1744edba50f267fe513ad24b8f70/"

ENTRY = SourceEntry(
    id="idr0067",
    database="Image Data Resource",
    name="Yeast meiosis nuclear remodelling (King et al.)",
    dir_name="idr0067",
    homepage="https://github.com/IDR/idr0067-king-yeastmeiosis",
    licence="CC-BY-4.0",
    citation=(
        "King GA, Goodman JS, Schick JG, et al. Meiotic cellular rejuvenation is coupled to nuclear "
        "remodeling in budding yeast. eLife 8:e47156 (2019)"
    ),
    modality="fluorescence|brightfield",
    channels=["stack"],
    organism="yeast",
    cell_type=None,
    adapter="read",
    layout=(
        f"{ANNOTATION} (Dataset Name, Image Name, Imaging Type, Image File Type, Channels) + {FILE_PATHS} "
        "(panel -> <date>-ftp/<figure>/<panel>/); *.dv DeltaVision stacks, *_REF.dv bright field, *.tif"
    ),
    note=(
        "An IDR experiment: one sample per annotated file, each file's planes (FITC, mCherry; z; time) merged as "
        "one image. Bright-field references (`_REF.dv`, Channels 'Bright-field') are their own brightfield "
        "samples. Serial EM sections (Imaging Type 'Electron microscopy', 83 files) are left out: the original "
        "kept them as 'em', but a sample here is fluorescence or brightfield. All files of one figure panel image "
        "the same cells and share a split group. unknown: which planes or time points the original kept from "
        "each stack (the builder merges them all)."
    ),
    evidence={
        "layout": f"{REPO} {ANNOTATION}, {FILE_PATHS}; {idr.DOWNLOAD_URLS} (idr0067 row: 20190924-ftp/Figure 1B/...dv)",
        "channels": (
            f"{REPO} {ANNOTATION} columns Channels ('FITC = Hsp104-eGFP, mCherry = Htb1-mCherry'; 'Bright-field' for "
            f"Reference files) and Comment [Image File Type]; {REPO} experimentA/Figure 1B/*.dv.yml rendering "
            "settings (two channels; one 'Bright-field' channel in _REF.dv)"
        ),
        "labels": (
            f"{REPO} {ANNOTATION} columns Characteristics [Organism], Comment [Gene Symbol] 1/2, Comment [Protein] 1; "
            "stan-hua/CytoImageNet annotations/datasets_info.csv (idr0067 cell_component: the FITC proteins, "
            "Nup170, Nsr1, ... Hsp104) and annotations/idr0067_labels.csv (the same annotation, as the original "
            "read it)"
        ),
        "licence": f"{REPO} idr0067-study.txt (Study License CC BY 4.0)",
        "download": f"{idr.DOWNLOAD_URLS} (idr0067 row); {REPO} {FILE_PATHS}",
        "organism": f"{REPO} idr0067-study.txt (Study Organism Saccharomyces cerevisiae; strain SK1 in the annotation)",
        "cell_type": "unknown: the annotation names a strain (SK1), no cell type; no cell_type labels",
        "microscopy": (
            f"{REPO} idr0067-study.txt (Experiment Imaging Method: fluorescence, transmission electron, bright-field "
            f"microscopy); {ANNOTATION} columns Experimental Condition [Imaging Type], Channels"
        ),
    },
    download=Download(
        route="idr",
        tree=f"{idr.IDR_FTP}{STUDY}/",
        files=[
            DownloadFile(url=RAW + ANNOTATION, path=ANNOTATION),
            DownloadFile(url=RAW + FILE_PATHS, path=FILE_PATHS),
        ],
        instructions=(
            "Mirror the study folder into ROOT/idr0067/ (the <date>-ftp/ folders at its top) and put the two "
            "metadata files under experimentA/."
        ),
        evidence=(
            f"{idr.DOWNLOAD_URLS} (uod/idr/filesets -> https://ftp.ebi.ac.uk/pub/databases/IDR); {REPO} {FILE_PATHS}"
        ),
    ),
)

BRIGHTFIELD = "Bright-field"
ELECTRON = "Electron microscopy"


def read(folder: Path) -> pd.DataFrame:
    ann, path = idr.read_annotations(folder, STUDY, ["Dataset Name", "Image Name"])
    dirs = idr.dataset_dirs(folder, STUDY)
    names = ann["Image Name"].str.strip()
    datasets = ann["Dataset Name"].str.strip()
    ann["path"] = idr.locate(names, datasets.map(lambda d: dirs.get(d, [d])), idr.file_index(folder))
    ann["dataset"] = datasets
    ann["image"] = names.str.rsplit(".", n=1).str[0]
    channels = label_column(ann, "Channels", path, label="channels").astype("string").str.strip()
    imaging = label_column(ann, "Experimental Condition [Imaging Type]", path, label="microscopy").astype("string")
    ann["microscopy"] = "fluorescence"
    ann.loc[(channels == BRIGHTFIELD).fillna(False).to_numpy(bool), "microscopy"] = "brightfield"
    # electron micrographs are not light microscopy: the records contract (and a merge with either modality)
    # has no place for them
    ann = ann[~(imaging.str.strip() == ELECTRON).fillna(False).to_numpy(bool)].copy()
    ann["organism"] = layouts.organism_label(label_column(ann, "Characteristics [Organism]", path, label="organism"))
    genes = pd.DataFrame({
        c: label_column(ann, c, path, label="gene") for c in ("Comment [Gene Symbol] 1", "Comment [Gene Symbol] 2")
    })
    ann["gene"] = layouts.join_labels(genes)
    # the FITC-tagged protein is what a fluorescence image shows (the original's labels for this source)
    protein = label_column(ann, "Comment [Protein] 1", path, label="cell_visible")
    ann["cell_visible"] = protein.where(ann["microscopy"] == "fluorescence", None)
    samples = layouts.file_samples(ann, "stack")
    out = layouts.finish(samples, ["dataset", "image"], ["dataset"])
    return idr.carry_warnings(out, ann)
