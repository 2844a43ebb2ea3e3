"""Cell Image Library: the kinome atlas (HeLa cells, kinase knockdowns), used by CytoImageNet."""

from __future__ import annotations

from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="cil_kinome",
    database="Cell Image Library",
    name="Kinome Atlas",
    dir_name="cil_kinome",
    homepage="http://www.cellimagelibrary.org/",
    licence="unknown",  # was: per image on the Cell Image Library (verify; most are CC BY 3.0)
    citation="Cell Image Library kinome atlas collection (verify the collection's publication and CIL ids)",
    modality="fluorescence",
    channels=["DNA", "microtubules", "actin"],
    organism="human",
    adapter=None,
    layout="one folder per CIL image id, each a multi-channel image + per-image XML/JSON metadata",
    note=(
        "Not adaptable yet: the collection's ids, per-image metadata format and channel order have not been "
        "verified; channels, cell line and licence above are to be verified too."
    ),
)
