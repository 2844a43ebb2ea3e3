"""BBBC011: C. elegans metabolism assay (fat storage after RNAi of the insulin pathway)."""

from __future__ import annotations

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="bbbc011",
    database="Broad Bioimage Benchmark Collection",
    name="C. elegans metabolism assay",
    dir_name="bbbc011",
    homepage="https://bbbc.broadinstitute.org/BBBC011",
    licence="CC-BY-3.0",  # was: CC BY 3.0 (verify)
    citation=layouts.BBBC_CITATION + " (verify the assay's own publication on the BBBC page)",
    modality="brightfield",
    channels=["brightfield"],
    organism="nematode",
    adapter=None,
    layout="BBBC011_v1_images/ (one folder of images; per-image phenotype in the BBBC page's ground truth)",
    note=(
        "Not adaptable yet: the mapping from file names to the wildtype/fat phenotype has not been verified "
        "against the download, and guessing it would mislabel images. Citation and licence: verify."
    ),
)
