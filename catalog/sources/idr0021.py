"""IDR idr0021: Pericentriolar material organisation (Lawo et al.).

Native layout: experimentA/idr0021-experimentA-annotation.csv (one row per image: Dataset Name, Image Name,
Characteristics [Cell Line], Comment [Gene Symbol], Channels) and experimentA/idr0021-experimentA-filePaths.tsv
(each dataset's folders on the IDR server, `Raw-files/<dataset>/<session>/`). The images are DeltaVision
SIM projections, `*_SIR_PRJ.dv`, every channel a plane of the one file (a few are TIFFs).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import idr_experiments as idr
from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry, label_column

STUDY = "idr0021-lawo-pericentriolarmaterial"
REPO = f"IDR/{STUDY}"
ANNOTATION = "experimentA/idr0021-experimentA-annotation.csv"
FILE_PATHS = "experimentA/idr0021-experimentA-filePaths.tsv"
# the commit the original pinned in its datasets_info.csv (and the one read for these facts)
RAW = f"https://raw.githubusercontent.com/{REPO}/4fe840cbe3415d51bb8883482e38d2a68905bada/"

ENTRY = SourceEntry(
    id="idr0021",
    database="Image Data Resource",
    name="Pericentriolar material organisation (Lawo et al.)",
    dir_name="idr0021",
    homepage="https://github.com/IDR/idr0021-lawo-pericentriolarmaterial",
    licence="CC-BY-4.0",
    citation=(
        "Lawo S, Hasegan M, Gupta GD, Pelletier L. Subdiffraction imaging of centrosomes reveals higher-order"
        " organizational features of pericentriolar material. Nat Cell Biol 14(11):1148-1158 (2012)"
    ),
    modality="fluorescence",
    channels=["stack"],
    organism="human",
    cell_type="hela",
    adapter="read",
    layout=(
        f"{ANNOTATION} (Dataset Name, Image Name) + {FILE_PATHS} (dataset -> Raw-files/<dataset>/<session>/); "
        "*_SIR_PRJ.dv DeltaVision projections, channels as planes"
    ),
    note=(
        "An IDR experiment (no plates): each annotated image is one DeltaVision SIM projection holding 2-3 "
        "immunostained centrosome proteins (the Channels column: emission wavelength:target); every plane is "
        "a fluorescence channel of one sample. Image names repeat between datasets, so a file is looked for "
        "in its own dataset's folders first."
    ),
    evidence={
        "layout": f"{REPO} {ANNOTATION}, {FILE_PATHS} (Raw-files/<dataset>/<session>/ folders, *_SIR_PRJ.dv names)",
        "channels": (
            f"{REPO} {ANNOTATION} column Channels (e.g. '442:CENT2; 525:PCNT; 615:CDK5RAP2-C'); "
            f"{REPO} scripts/rename_channels.py (channels named by emission wavelength); idr0021-study.txt "
            "(Experiment Size: average XYZCT 257 x 257 x 1 x 2 x 1, one z, 2 channels)"
        ),
        "labels": (
            f"{REPO} {ANNOTATION} columns Characteristics [Organism], Characteristics [Cell Line], "
            "Comment [Gene Symbol]; stan-hua/CytoImageNet annotations/datasets_info.csv (idr0021: cell_type "
            "hela, cell_component centrosome)"
        ),
        "licence": f"{REPO} idr0021-study.txt (Study License CC BY 4.0)",
        "download": (
            f"{idr.DOWNLOAD_URLS} (idr0021 row); {REPO} {FILE_PATHS}; stan-hua/CytoImageNet "
            "scripts/data_curation/download_data.py (IDR studies fetched whole from the EBI IDR server)"
        ),
        "organism": f"{REPO} idr0021-study.txt (Study Organism Homo sapiens)",
        "cell_type": f"{REPO} {ANNOTATION} column Characteristics [Cell Line] (HeLa in every row)",
        "microscopy": f"{REPO} idr0021-study.txt (Experiment Imaging Method structured illumination microscopy (SIM))",
    },
    download=Download(
        route="idr",
        tree=f"{idr.IDR_FTP}{STUDY}/",
        total_bytes=200_000_000,  # the study file's "Total Tb: 0.0002"
        files=[
            DownloadFile(url=RAW + ANNOTATION, path=ANNOTATION),
            DownloadFile(url=RAW + FILE_PATHS, path=FILE_PATHS),
        ],
        instructions=(
            "Mirror the study folder into ROOT/idr0021/ (Raw-files/<dataset>/<session>/*.dv at its top) and put "
            "the two metadata files under experimentA/."
        ),
        evidence=(
            f"{idr.DOWNLOAD_URLS} (idr0021: uod/idr/incoming -> https://ftp.ebi.ac.uk/pub/databases/IDR, e.g. "
            f"Raw-files/CDK5RAP2-C/Centrin_PCNT_Cep215_20110506/...SIR_PRJ.dv); {REPO} {FILE_PATHS}"
        ),
    ),
)


def read(folder: Path) -> pd.DataFrame:
    ann, path = idr.read_annotations(folder, STUDY, ["Dataset Name", "Image Name"])
    dirs = idr.dataset_dirs(folder, STUDY)
    names = ann["Image Name"].str.strip()
    datasets = ann["Dataset Name"].str.strip()
    ann["path"] = idr.locate(names, datasets.map(lambda d: dirs.get(d, [d])), idr.file_index(folder))
    ann["dataset"] = datasets
    ann["image"] = names.str.rsplit(".", n=1).str[0]
    ann["organism"] = layouts.organism_label(label_column(ann, "Characteristics [Organism]", path, label="organism"))
    ann["cell_type"] = label_column(ann, "Characteristics [Cell Line]", path, label="cell_type")
    ann["gene"] = label_column(ann, "Comment [Gene Symbol]", path, label="gene")
    # every image stains centrosome proteins; the original labelled the structure, not each antibody
    ann["cell_visible"] = "centrosome"
    samples = layouts.file_samples(ann, "stack", "fluorescence")
    out = layouts.finish(samples, ["dataset", "image"], ["dataset", "image"])
    return idr.carry_warnings(out, ann)
