"""BBBC025: U2OS Cell Painting of an RNAi (shRNA) library, 8 plates, 5 stains, one archive per plate and stain."""

from __future__ import annotations

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry

ORIGINAL = "stan-hua/CytoImageNet"
INFO = f"{ORIGINAL} datasets_info.csv (bbbc_u2os_rnai)"
PLATES = ("37983", "38002", "38003", "38004", "38005", "38006", "38030", "38034")
STAINS = ("ERSyto", "ERSytoBleed", "Hoechst", "Mito", "PhGolgi")

ENTRY = SourceEntry(
    id="bbbc025",
    database="Broad Bioimage Benchmark Collection",
    name="Human U2OS cells - RNAi Cell Painting experiment",
    dir_name="bbbc025",
    homepage="https://bbbc.broadinstitute.org/BBBC025",
    licence="unknown",
    citation=(
        "Singh S, Wu X, Ljosa V, et al. Morphological profiles of RNAi-induced gene knockdown are highly "
        "reproducible but dominated by seed effects. PLoS One 10(7):e0131370 (2015); " + layouts.BBBC_CITATION
    ),
    modality="fluorescence",
    # in the order of the archives' stain names
    channels=list(STAINS),
    organism="human",
    cell_type="u2os",
    adapter=None,
    layout="DatasetS8/<plate>_{ERSyto,ERSytoBleed,Hoechst,Mito,PhGolgi}.tar.gz per plate and stain",
    note=(
        "Not adaptable: the names of the TIFFs inside the DatasetS8 archives and the table that links each "
        "well to its shRNA (the gene label the original would give) are in no source reachable here: "
        "datasets_info.csv lists only the 40 image archives, and the original's bbbc025_metadata.csv is a "
        "Git LFS object missing from the mirror. Adapting it needs one archive's listing and the plate maps."
    ),
    evidence={
        "layout": f"{INFO} (download: DatasetS8/<plate>_<stain>.tar.gz for plates {', '.join(PLATES)})",
        "channels": (
            f"{INFO} (channels f_er, f_nucleoli|f_cytoplasmic RNA, f_nucleus, f_mitochondria, "
            "f_actin|f_golgi|f_plasma_membrane for ERSyto, ERSytoBleed, Hoechst, Mito, PhGolgi)"
        ),
        "labels": (
            f"{INFO} (human, U-2 OS; 315 unique RNAi); unknown: the per-well shRNA table, so no gene labels "
            "can be read"
        ),
        "licence": (
            "unknown: the BBBC025 page is not reachable here and no public copy of its licence line was found "
            "(catalogued before as CC0 without a source). Searched: GitHub file search (exact strings 'BBBC025', "
            "'BBBC025 (', 'BBBC025v1', 'We used image set BBBC0', 'neighboring rights to BBBC'), BBBC loader "
            "libraries (mario-koddenbrock/bbbc_datasets, psteinb/b3get), NFDI4BIOIMAGE/training's BBBC entries, "
            "and the pages/docs/code search corpora. Cost: a release using it states unknown terms for it"
        ),
        "download": INFO,
        "organism": INFO,
        "cell_type": INFO,
        "microscopy": f"{INFO} (microscopy 'confocal (?)', five fluorescent stains)",
    },
    download=Download(
        route="https",
        files=[
            DownloadFile(
                url=f"https://data.broadinstitute.org/bbbc/BBBC025/DatasetS8/{plate}_{stain}.tar.gz",
                path=f"{plate}_{stain}.tar.gz",
            )
            for plate in PLATES
            for stain in STAINS
        ],
        instructions="unknown: sizes, checksums and the archives' inner layout are not published where reachable here",
        evidence=INFO,
    ),
)
