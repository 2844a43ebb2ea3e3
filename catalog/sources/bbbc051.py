"""BBBC051: human kidney cortex cells, 3D nuclear (DAPI) stain, eight cell types."""

from __future__ import annotations

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="bbbc051",
    database="Broad Bioimage Benchmark Collection",
    name="Human kidney cortex cells",
    dir_name="bbbc051",
    homepage="https://bbbc.broadinstitute.org/BBBC051",
    licence="CC-BY-3.0",  # was: CC BY 3.0 (verify)
    citation=(
        "Woloshuk A, Khochare S, Almulhim AF, et al. In situ classification of cell types in human kidney "
        "tissue using 3D nuclear staining. Cytometry A 99(7):707-721 (2021) (verify); " + layouts.BBBC_CITATION
    ),
    modality="fluorescence",
    channels=["DAPI"],
    organism="human",
    cell_type="kidney cell",
    adapter=None,
    layout="Images/ (32x32x7 nucleus volumes) + groundtruthlabels.txt (cell type per image)",
    note=(
        "Not adaptable yet: the line format of groundtruthlabels.txt and the image naming have not been "
        "verified; each image is a 7-plane volume whose plane choice is still to be decided. "
        "Citation and licence: verify."
    ),
)
