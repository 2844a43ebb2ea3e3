"""IDR idr0017: Chemical-genetic interaction screen (Breinig et al.).

Native layout: idr0017-screen*-annotation.csv + plate folders (file naming unverified).
"""

from __future__ import annotations

from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="idr0017",
    database="Image Data Resource",
    name="Chemical-genetic interaction screen (Breinig et al.)",
    dir_name="idr0017",
    homepage="https://github.com/IDR/idr0017-breinig-drugscreen",
    licence="CC-BY-4.0",  # was: CC BY 4.0 (verify)
    citation=(
        "Breinig M, Klein FA, Huber W, Boutros M. A chemical-genetic interaction map of small molecules using"
        " high-throughput imaging in cancer cells. Mol Syst Biol 11(12):846 (2015)"
    ),
    modality="fluorescence",
    channels=["DNA", "actin", "tubulin"],
    organism="human",
    cell_type="hct116",
    adapter=None,
    layout="idr0017-screen*-annotation.csv + plate folders (file naming unverified)",
    note=(
        "Not adaptable yet: the microscope's file-name convention inside the plate folders has not been "
        "verified. Licence: verify."
    ),
)
