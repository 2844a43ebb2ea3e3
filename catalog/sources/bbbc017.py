"""BBBC017: HT29 colon-cancer cells, genome-scale lentiviral shRNA screen (mitosis regulators)."""

from __future__ import annotations

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="bbbc017",
    database="Broad Bioimage Benchmark Collection",
    name="Human HT29 colon-cancer cells shRNAi screen",
    dir_name="bbbc017",
    homepage="https://bbbc.broadinstitute.org/BBBC017",
    licence="CC-BY-3.0",  # was: CC BY 3.0 (verify)
    citation=(
        "Moffat J, Grueneberg DA, Yang X, et al. A lentiviral RNAi library for human and mouse genes applied "
        "to an arrayed viral high-content screen. Cell 124(6):1283-1298 (2006) (verify); " + layouts.BBBC_CITATION
    ),
    modality="fluorescence",
    channels=["Hoechst", "phalloidin", "phospho-histone H3"],
    organism="human",
    cell_type="ht29",
    adapter=None,
    layout="BBBC017_v1_images_NIRHTa[+-]0NN/ (DIB per well, field and channel) + plate-map spreadsheet",
    note=(
        "Not adaptable yet: the shRNA-to-well plate maps come as a spreadsheet whose columns have not been "
        "verified, and the DIB file-name scheme neither. Citation and licence: verify."
    ),
)
