"""IDR idr0003: Yeast proteome plasticity under stress (Breker et al.).

Native layout: idr0003-screen*-annotation.csv + plate folders (file naming unverified).
"""

from __future__ import annotations

from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="idr0003",
    database="Image Data Resource",
    name="Yeast proteome plasticity under stress (Breker et al.)",
    dir_name="idr0003",
    homepage="https://github.com/IDR/idr0003-breker-plasticity",
    licence="CC-BY-4.0",  # was: CC BY 4.0 (verify)
    citation=(
        "Breker M, Gymrek M, Schuldiner M. A novel single-cell screening platform reveals proteome plasticity"
        " during yeast stress responses. J Cell Biol 200(6):839-850 (2013)"
    ),
    modality="fluorescence",
    channels=["GFP", "RFP"],
    organism="yeast",
    cell_type=None,
    adapter=None,
    layout="idr0003-screen*-annotation.csv + plate folders (file naming unverified)",
    note=(
        "Not adaptable yet: the microscope's file-name convention inside the plate folders has not been "
        "verified, so channel files cannot be paired safely. Licence: verify."
    ),
)
