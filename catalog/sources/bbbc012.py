"""BBBC012: C. elegans infection marker (intestinal and pharyngeal GFP markers, with brightfield)."""

from __future__ import annotations

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="bbbc012",
    database="Broad Bioimage Benchmark Collection",
    name="C. elegans infection marker",
    dir_name="bbbc012",
    homepage="https://bbbc.broadinstitute.org/BBBC012",
    licence="CC-BY-3.0",  # was: CC BY 3.0 (verify)
    citation=layouts.BBBC_CITATION + " (verify the assay's own publication on the BBBC page)",
    modality="fluorescence|brightfield",
    channels=["brightfield", "intestine marker", "pharynx marker"],
    organism="nematode",
    adapter=None,
    layout="BBBC012_v1_images/ (brightfield and two fluorescence channels per well)",
    note=(
        "Not adaptable yet: the channel suffixes (which file is brightfield) and the well-to-phenotype map "
        "have not been verified; brightfield must not be merged with fluorescence, so a guess is unsafe. "
        "Citation and licence: verify."
    ),
)
