"""BBBC014: NF-kB cytoplasm-to-nucleus translocation in MCF7 and A549 cells under TNF-alpha."""

from __future__ import annotations

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="bbbc014",
    database="Broad Bioimage Benchmark Collection",
    name="Human U2OS cells cytoplasm-nucleus translocation (2)",
    dir_name="bbbc014",
    homepage="https://bbbc.broadinstitute.org/BBBC014",
    licence="CC-BY-3.0",  # was: CC BY 3.0 (verify)
    citation=layouts.BBBC_CITATION,
    modality="fluorescence",
    channels=["NF-kB", "nuclei"],
    organism="human",
    cell_type="mcf-7|a549",
    adapter=None,
    layout="BBBC014_v1_images/ (one BMP per well and channel)",
    note=(
        "Not adaptable yet: the file-name scheme (well, channel, cell line per plate half) has not been "
        "verified against the download. Name as in the original CytoImageNet; its curation gives MCF7 and A549 "
        "as the cells (verify). Licence: verify."
    ),
)
