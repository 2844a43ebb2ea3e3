"""BBBC015: U2OS Transfluor assay (beta-arrestin-GFP translocation on GPCR stimulation)."""

from __future__ import annotations

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="bbbc015",
    database="Broad Bioimage Benchmark Collection",
    name="Human U2OS cells transfluor",
    dir_name="bbbc015",
    homepage="https://bbbc.broadinstitute.org/BBBC015",
    licence="CC-BY-3.0",  # was: CC BY 3.0 (verify)
    citation=layouts.BBBC_CITATION,
    modality="fluorescence",
    channels=["nuclei", "arrestin-GFP"],
    organism="human",
    cell_type="u2os",
    adapter=None,
    layout="BBBC015_v1_images/ (JPEG per well and channel)",
    note=(
        "Not adaptable yet: the file-name scheme pairing the two channels of a well, and the isoproterenol "
        "dose per well, have not been verified against the download. Licence: verify."
    ),
)
