"""IDR idr0017: Chemical-genetic interaction screen (Breinig et al.).

Native layout: screenA/idr0017-screenA-annotation.csv + -plates.tsv (name, path to each plate's .xdce);
plate folders below 20151124/14_X-Man_10x/source/ of IN Cell "<row> - <col>(fld <n> wv <ch> - <ch>).tif".
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import idr
from cytoimagenet.catalog.source import Download, SourceEntry

REPO = "IDR/idr0017-breinig-drugscreen"
STUDY = "idr0017-breinig-drugscreen"
DOWNLOAD_URLS = ("https://raw.githubusercontent.com/will-moore/idr.openmicroscopy.org/refs/heads/"
                 "update_download_urls/_data/download_urls.tsv (uod/idr/filesets -> https://ftp.ebi.ac.uk/pub/databases/IDR)")

ENTRY = SourceEntry(
    id="idr0017",
    database="Image Data Resource",
    name="Chemical-genetic interaction screen (Breinig et al.)",
    dir_name="idr0017",
    homepage=f"https://github.com/{REPO}",
    licence="CC-BY-NC-ND-4.0",
    citation=(
        "Breinig M, Klein FA, Huber W, Boutros M. A chemical-genetic interaction map of small molecules using"
        " high-throughput imaging in cancer cells. Mol Syst Biol 11(12):846 (2015)"
    ),
    modality="fluorescence",
    channels=["DNA", "actin"],
    organism="human",
    cell_type="hct116",
    adapter="read",
    layout="screenA/*-annotation.csv + *-plates.tsv (name, .xdce path); IN Cell '<row> - <col>(fld n wv DAPI - DAPI).tif'",
    note=(
        "Two channels per field: DAPI (Hoechst 33342, nuclei) and Cy3 (TRITC-phalloidin, actin). No-derivatives "
        "licence: a release that merges and crops images may not include it. Cell lines are isogenic HCT116 "
        "lines, read from Characteristics [Cell Line]. unknown: the original's cell_type labels were line codes "
        "(02-030, 104-004, PAR001 ...; datasets_info.csv) and which annotation column holds them (the annotation "
        "is not in the stored snapshot); if Characteristics [Cell Line] holds 'HCT116' for all, the per-line "
        "classes are lost (the fixture's cell-line values are not copied from the real file)."
    ),
    evidence={
        "layout": f"{REPO} screenA/idr0017-screenA-plates.tsv and screenA/idr0017-screenA-bulk.yml (columns: name, "
                  f"path); {REPO} script.py ('%s - %s(fld %s wv %s - %s).tif' for DAPI, Cy3, fields 1-4)",
        "channels": f"{REPO} script.py (DAPI then Cy3); {REPO} idr0017-study.txt (Hoechst 33342 and "
                    "TRITC-phalloidin: nuclei and actin)",
        "labels": f"{REPO} screenA/idr0017-screenA-bulkmap-config.yml (Characteristics [Cell Line], Compound Name, "
                  "Channels); stan-hua/CytoImageNet annotations/datasets_info.csv (compound names as labels)",
        "licence": f"{REPO} idr0017-study.txt (Study License CC BY-NC-ND 4.0)",
        "download": DOWNLOAD_URLS,
        "organism": f"{REPO} idr0017-study.txt (Study Organism Homo sapiens)",
        "cell_type": f"{REPO} idr0017-study.txt (HCT116 isogenic cell lines)",
        "microscopy": f"{REPO} idr0017-study.txt (fluorescence microscopy)",
    },
    download=Download(
        route="idr",
        tree=f"https://ftp.ebi.ac.uk/pub/databases/IDR/{STUDY}/",
        files=[
            {"url": f"https://raw.githubusercontent.com/{REPO}/HEAD/screenA/idr0017-screenA-{f}",
             "path": f"screenA/idr0017-screenA-{f}"}
            for f in ("annotation.csv", "plates.tsv", "bulk.yml")
        ],
        total_bytes=2_480_000_000_000,
        instructions=("the whole study tree is mirrored: about 2.48 TB (idr0017-study.txt Total Tb); no-derivatives "
                      "terms: a release may not include it"),
        evidence=f"{DOWNLOAD_URLS}; {REPO} screenA/idr0017-screenA-plates.tsv; {REPO} idr0017-study.txt (Screen Size)",
    ),
)

CHANNELS = {"DAPI": "DNA", "Cy3": "actin"}
LABELS = {
    "organism": ["Characteristics [Organism]"],
    "cell_type": ["Characteristics [Cell Line]"],
    "compound": ["Compound Name"],
}


def read(folder: Path) -> pd.DataFrame:
    return idr.idr_screen_records(folder, naming="incell", channels=CHANNELS, labels=LABELS, visible="Channels")
