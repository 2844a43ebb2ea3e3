"""BBBC011: C. elegans metabolism assay (fat storage after RNAi of the insulin pathway)."""

from __future__ import annotations

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry

ORIGINAL = "stan-hua/CytoImageNet"
NEMASIZE = "AndersenLab/NemaSize figure_replication/Fig_6/generate_Fig_6.py"

ENTRY = SourceEntry(
    id="bbbc011",
    database="Broad Bioimage Benchmark Collection",
    name="C. elegans metabolism assay",
    dir_name="bbbc011",
    homepage="https://bbbc.broadinstitute.org/BBBC011",
    licence="unknown",
    citation=layouts.BBBC_CITATION,
    modality="brightfield",
    channels=["RGB"],
    organism="nematode",
    adapter=None,
    layout="BBBC011_v1_images.zip: PNG images (file names unknown)",
    note=(
        "Not adaptable: neither the file names inside BBBC011_v1_images.zip nor which images are wildtype "
        "and which fat are in any source reached (the original's annotations/bbbc011_metadata.csv is a Git "
        "LFS object missing from the mirror), and guessing would mislabel the images."
    ),
    evidence={
        "layout": (
            f"unknown: {ORIGINAL} annotations/datasets_info.csv at aec7751 gives only the zip and the format "
            "(png, 691 x 770); costs the whole source"
        ),
        "channels": (
            f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (channels brightfield); {NEMASIZE} (colour "
            "PNGs: one RGB file per image, read as grayscale)"
        ),
        "labels": (
            f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (phenotype wildtype|fat, 50 each); unknown: "
            "which image has which phenotype"
        ),
        "licence": (
            "unknown: the BBBC011 page is not reachable with the project's tools and no public copy of its "
            "licence line was found. Searched: GitHub file search (exact strings 'BBBC011', 'BBBC011 (', "
            "'BBBC011v1', 'We used image set BBBC0', 'neighboring rights to BBBC'), BBBC loader libraries "
            "(mario-koddenbrock/bbbc_datasets, psteinb/b3get: no licence fields), NFDI4BIOIMAGE/training's BBBC "
            "entries, piximi/documentation, and the pages/docs/code search corpora. BBBC sets differ (CC0, CC BY "
            "3.0, CC BY-NC-SA 3.0), so none is assumed; a release that uses bbbc011 states its terms as unknown"
        ),
        "download": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (download: BBBC011_v1_images.zip)",
        "organism": f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (organism nematode)",
        "cell_type": "unknown: no cell type applies to whole worms; the original assigned none",
        "microscopy": (
            f"{ORIGINAL} annotations/datasets_info.csv at aec7751 (microscopy brightfield); {NEMASIZE} (BBBC011: "
            "Oil Red O fat stain, 8-bit colour PNGs, 691 x 770; its image stems 'BBBC011-L4440-Plate6-mNA_H10' and "
            "'BBBC011-daf2-Plate6-mNA_F12' are its own renaming, not the zip's file names)"
        ),
    },
    download=Download(
        route="https",
        files=[DownloadFile(
            url="https://data.broadinstitute.org/bbbc/BBBC011/BBBC011_v1_images.zip", path="BBBC011_v1_images.zip"
        )],
        instructions="unknown: no size or checksum reachable for the zip",
        evidence=f"{ORIGINAL} annotations/datasets_info.csv at aec7751",
    ),
)
