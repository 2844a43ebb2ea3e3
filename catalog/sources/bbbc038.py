"""BBBC038: the Kaggle 2018 Data Science Bowl nucleus images (many organisms, stains and modalities).

Native layout: `stage1_train/{id}/images/{id}.png` (with `masks/` beside), `stage1_test/{id}/images/{id}.png`,
`stage2_test_final/{id}/images/{id}.png`; RGBA or RGB PNG.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cytoimagenet.catalog import layouts
from cytoimagenet.catalog.source import SourceEntry

ENTRY = SourceEntry(
    id="bbbc038",
    database="Broad Bioimage Benchmark Collection",
    name="Kaggle 2018 Data Science Bowl",
    dir_name="bbbc038",
    homepage="https://bbbc.broadinstitute.org/BBBC038",
    licence="CC0-1.0",  # was: CC0 1.0 (verify)
    citation=(
        "Caicedo JC, Goodman A, Karhohs KW, et al. Nucleus segmentation across imaging experiments: the 2018 "
        "Data Science Bowl. Nat Methods 16(12):1247-1253 (2019); " + layouts.BBBC_CITATION
    ),
    modality="fluorescence|brightfield",
    channels=["image"],
    organism=None,
    adapter="read",
    layout="stage1_train|stage1_test|stage2_test_final/{id}/images/{id}.png",
    note=(
        "Mixed fluorescence, brightfield and histology with no per-image modality in the distribution; each "
        "sample is one file, so no modalities are merged, and records carry the mixed modality. Organism "
        "varies (human, mouse, fly) and is not per image, so it is left unset. Licence: verify."
    ),
)


def read(folder: Path) -> pd.DataFrame:
    return layouts.dsb_records(folder)
