"""BBBC048: Jurkat cells in seven cell-cycle phases, imaging flow cytometry (brightfield, darkfield, PI)."""

from __future__ import annotations

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="bbbc048",
    database="Broad Bioimage Benchmark Collection",
    name="Cell Cycle Jurkat Cells",
    dir_name="bbbc048",
    homepage="https://bbbc.broadinstitute.org/BBBC048",
    licence="CC-BY-3.0",  # was: CC BY 3.0 (verify)
    citation=(
        "Eulenberg P, Köhler N, Blasi T, et al. Reconstructing cell cycle and disease progression using deep "
        "learning. Nat Commun 8:463 (2017); " + layouts.BBBC_CITATION
    ),
    modality="fluorescence|brightfield",
    channels=["brightfield", "darkfield", "fluorescence"],
    organism="human",
    cell_type="jurkat",
    adapter=None,
    layout="<phase>/ folders (G1, S, G2, Prophase, Metaphase, Anaphase, Telophase) of per-channel cell images",
    note=(
        "Not adaptable yet: the phase comes from the folder, but which channel number is brightfield, "
        "darkfield or fluorescence has not been verified, and they must not be merged. Licence: verify."
    ),
)
