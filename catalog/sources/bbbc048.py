"""BBBC048: Jurkat cells in seven cell-cycle phases, imaging flow cytometry (brightfield, darkfield, PI)."""

from __future__ import annotations

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry

ORIGINAL = "stan-hua/CytoImageNet"
INFO = f"{ORIGINAL} datasets_info.csv (bbbc_jurkat)"

ENTRY = SourceEntry(
    id="bbbc048",
    database="Broad Bioimage Benchmark Collection",
    name="Cell Cycle Jurkat Cells",
    dir_name="bbbc048",
    homepage="https://bbbc.broadinstitute.org/BBBC048",
    licence="unknown",
    citation=(
        "Eulenberg P, Köhler N, Blasi T, et al. Reconstructing cell cycle and disease progression using deep "
        "learning. Nat Commun 8:463 (2017); " + layouts.BBBC_CITATION
    ),
    modality="fluorescence|brightfield",
    channels=["fluorescence", "brightfield", "darkfield"],
    organism="human",
    cell_type="jurkat",
    adapter=None,
    layout="BBBC048v1.zip (holding CellCycle.zip) + Ground_truth.lst (id, phase, path; tab-separated, no header)",
    note=(
        "Not adaptable: the phase labels are in Ground_truth.lst (id, cycle, path), but the form of its paths "
        "and of the per-cell file names inside CellCycle.zip, and which file is brightfield, darkfield or the "
        "DNA stain, are in no source reachable here (the original's bbbc048_metadata.csv is a Git LFS object "
        "missing from the mirror); reading it blind would risk merging brightfield with fluorescence."
    ),
    evidence={
        "layout": (
            f"{ORIGINAL} scripts/analyze_metadata.py (commit b0e57cf: reads BBBC048/Ground_truth.lst as a "
            f"headerless table id, cycle, path); {INFO} (download: BBBC048v1.zip, Ground_truth.lst)"
        ),
        "channels": f"{INFO} (channels f_nucleus, brightfield, darkfield); unknown: which file holds which",
        "labels": f"{INFO} (phenotype G1, S, G2, Prophase, Metaphase, Anaphase, Telophase; 32,266 cells)",
        "licence": (
            "unknown: the BBBC048 page is not reachable here and no public copy of its licence line was found "
            "(catalogued before as CC BY 3.0 without a source). Searched: GitHub file search (exact strings "
            "'BBBC048v1', 'BBBC048 (CC', 'BBBC048 |', 'We used image set BBBC0', 'neighboring rights to BBBC'), "
            "BBBC loader libraries (mario-koddenbrock/bbbc_datasets, psteinb/b3get), NFDI4BIOIMAGE/training's "
            "BBBC entries, and the pages/docs/code search corpora. Cost: a release using it states unknown terms "
            "for it"
        ),
        "download": INFO,
        "organism": INFO,
        "cell_type": INFO,
        "microscopy": f"{INFO} (microscopy fluorescence, brightfield, darkfield)",
    },
    download=Download(
        route="https",
        files=[
            DownloadFile(url="https://data.broadinstitute.org/bbbc/BBBC048/BBBC048v1.zip", path="BBBC048v1.zip"),
            DownloadFile(url="https://data.broadinstitute.org/bbbc/BBBC048/Ground_truth.lst", path="Ground_truth.lst"),
        ],
        instructions="unknown: sizes and checksums; BBBC048v1.zip holds CellCycle.zip, which must be unzipped in turn",
        evidence=INFO,
    ),
)
