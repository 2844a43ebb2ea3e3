"""BBBC045: human white blood cells imaged by stain-free imaging flow cytometry."""

from __future__ import annotations

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="bbbc045",
    database="Broad Bioimage Benchmark Collection",
    name="Human White Blood Cells",
    dir_name="bbbc045",
    homepage="https://bbbc.broadinstitute.org/BBBC045",
    licence="CC-BY-3.0",  # was: CC BY 3.0 (verify)
    citation=(
        "Lippeveld M, Knill C, Ladlow E, et al. Classification of human white blood cells using machine "
        "learning for stain-free imaging flow cytometry. Cytometry A 97(3):308-319 (2020) (verify); "
        + layouts.BBBC_CITATION
    ),
    modality="fluorescence|brightfield",
    channels=["brightfield", "darkfield", "fluorescence"],
    organism="human",
    cell_type="white blood cell",
    adapter=None,
    layout="Stained_Montages/ (montages of single-cell images per class and channel)",
    note=(
        "Not adaptable yet: images are montages of many cells; cutting them into cells needs the montage "
        "grid, which has not been verified. Citation and licence: verify."
    ),
)
