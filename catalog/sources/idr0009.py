"""IDR idr0009: Early secretory pathway siRNA screen (Simpson et al.).

Native layout: idr0009-screen*-annotation.csv + plate folders (file naming unverified).
"""

from __future__ import annotations

from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="idr0009",
    database="Image Data Resource",
    name="Early secretory pathway siRNA screen (Simpson et al.)",
    dir_name="idr0009",
    homepage="https://github.com/IDR/idr0009-simpson-secretion",
    licence="CC-BY-4.0",  # was: CC BY 4.0 (verify)
    citation=(
        "Simpson JC, Joggerst B, Laketa V, et al. Genome-wide RNAi screening identifies human proteins with a"
        " regulatory function in the early secretory pathway. Nat Cell Biol 14(7):764-774 (2012)"
    ),
    modality="fluorescence",
    channels=["DNA", "VSVG-CFP", "VSVG surface"],
    organism="human",
    cell_type="hela",
    adapter=None,
    layout="idr0009-screen*-annotation.csv + plate folders (file naming unverified)",
    note=(
        "Not adaptable yet: the microscope's file-name convention inside the plate folders has not been "
        "verified. Licence: verify."
    ),
)
