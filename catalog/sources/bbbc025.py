"""BBBC025: U2OS Cell Painting of an RNAi (shRNA) library, 8 plates, 5 stains."""

from __future__ import annotations

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="bbbc025",
    database="Broad Bioimage Benchmark Collection",
    name="Human U2OS cells - RNAi Cell Painting experiment",
    dir_name="bbbc025",
    homepage="https://bbbc.broadinstitute.org/BBBC025",
    licence="CC0-1.0",  # was: CC0 1.0 (verify)
    citation=(
        "Singh S, Wu X, Ljosa V, et al. Morphological profiles of RNAi-induced gene knockdown are highly "
        "reproducible but dominated by seed effects. PLoS One 10(7):e0131370 (2015); " + layouts.BBBC_CITATION
    ),
    modality="fluorescence",
    channels=["Hoechst", "ERSyto", "ERSytoBleed", "PhGolgi", "Mito"],
    organism="human",
    cell_type="u2os",
    adapter=None,
    layout="<plate>_{Hoechst,ERSyto,ERSytoBleed,PhGolgi,Mito}/ per-plate channel archives",
    note=(
        "Not adaptable yet: the per-image table linking channel files to the shRNA of each well is not part "
        "of the image archives, and its file name and columns have not been verified. Licence: verify."
    ),
)
