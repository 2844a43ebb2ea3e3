"""Tiny native-layout tables with planted features whose kNN answers are worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
from cytoimagenet.catalog.sources.bbbc021 import IMAGE_COLUMNS as _NATIVE_BBBC021_COLUMNS

BBBC021_IMAGE_COLUMNS = list(_NATIVE_BBBC021_COLUMNS)

# (compound, concentration, moa or None, plates, profile). Worked answers, cosine 1-NN over profiles:
#   NSC : A@1 -> C (M2, wrong; the same-compound twin A@3 is nearer), A@3 -> C (wrong), C -> A@3 (wrong),
#         B -> A@1 (right), D -> F (right), F -> D (right)            => 3 / 6; G (only M3) unanswerable
#   NSCB: A@1 -> B, A@3 -> B (C shares Week1), C -> B (wrong), B -> A@1, D -> F, F -> D  => 5 / 6
BBBC021_TREATMENTS = [
    ("A", 1.0, "M1", ["Week1_101"], (1.0, 0.0, 0.0)),
    ("A", 3.0, "M1", ["Week1_101"], (1.0, 0.01, 0.0)),
    ("C", 1.0, "M2", ["Week1_102"], (1.0, 0.2, 0.0)),
    ("B", 1.0, "M1", ["Week2_201", "Week3_301"], (1.0, 0.0, 0.4)),
    ("D", 1.0, "M2", ["Week2_202"], (0.0, 1.0, 0.1)),
    ("F", 1.0, "M2", ["Week4_401"], (0.1, 1.0, 0.0)),
    ("G", 1.0, "M3", ["Week4_401"], (0.0, 0.0, 1.0)),
    # planted right next to A: wrong answers everywhere unless dropped
    ("DMSO", 0.0, "DMSO", ["Week1_101"], (1.0, 0.005, 0.0)),
    ("E", 1.0, None, ["Week1_101"], (1.0, 0.003, 0.0)),
]
BBBC021_NSC = {("A", 1.0): "M2", ("A", 3.0): "M2", ("C", 1.0): "M1", ("B", 1.0): "M1",
               ("D", 1.0): "M2", ("F", 1.0): "M2"}
BBBC021_NSCB = {("A", 1.0): "M1", ("A", 3.0): "M1", ("C", 1.0): "M1", ("B", 1.0): "M1",
                ("D", 1.0): "M2", ("F", 1.0): "M2"}


def bbbc021_tables(treatments=BBBC021_TREATMENTS, jitter=0.05):
    """(image table with features, MOA table) in the native column layout.

    Each plate of a treatment gets two images at profile +- jitter, so the mean and the median are the profile.
    """
    rows, moa = [], []
    n = 0
    for compound, conc, mech, plates, profile in treatments:
        if mech is not None:
            moa.append({"compound": compound, "concentration": conc, "moa": mech})
        for plate in plates:
            for rep, sign in enumerate((1.0, -1.0), start=1):
                n += 1
                v = np.asarray(profile, dtype=np.float64).copy()
                v[2] += sign * jitter * 0.1
                rows.append({
                    "TableNumber": 1, "ImageNumber": n,
                    "Image_FileName_DAPI": f"img{n}_w1.tif", "Image_PathName_DAPI": f"{plate}",
                    "Image_FileName_Tubulin": f"img{n}_w2.tif", "Image_PathName_Tubulin": f"{plate}",
                    "Image_FileName_Actin": f"img{n}_w4.tif", "Image_PathName_Actin": f"{plate}",
                    "Image_Metadata_Plate_DAPI": plate, "Image_Metadata_Well_DAPI": "B02", "Replicate": rep,
                    "Image_Metadata_Compound": compound, "Image_Metadata_Concentration": conc,
                    "features": v,
                })
    return pd.DataFrame(rows), pd.DataFrame(moa, columns=["compound", "concentration", "moa"])


RXRX1_COLUMNS = ["site_id", "well_id", "cell_type", "dataset", "experiment", "plate", "well", "site",
                 "well_type", "sirna", "sirna_id"]


def rxrx1_table(dim: int = 10, nuisance: bool = False):
    """Sites of RxRx1 in the metadata.csv layout with planted features.

    siRNA s_i is the unit vector e_i (i < 4). Every plate adds its own offset to every site; negative controls
    are the offset plus a symmetric spread along e_6 (3x) and e_8 - 0.3 e_9 (what TVN fits). Worked answers
    (1-NN, cosine): raw: every test well is nearest to s0 (the test plate's offset is 5*e_0) => 1/4;
    centered and tvn: 4/4.

    ``nuisance``: every treatment well also carries +-3 e_6, the controls' typical variation, with the sign
    flipped between the train and the test experiment. Centered, each test well is then nearest to a train well
    of another siRNA with the same sign (=> 0/4); TVN shrinks e_6 by the controls' spread (=> 4/4).
    """
    e = np.eye(dim)
    offsets = {("HUVEC-01", 1): 4 * e[2], ("HUVEC-01", 2): -2 * e[5], ("HUVEC-02", 1): 5 * e[0] + e[4]}
    rows = []

    def add(exp, plate, well, well_type, sirna, vecs):
        for site, v in enumerate(vecs, start=1):
            rows.append({
                "site_id": f"{exp}_{plate}_{well}_{site}", "well_id": f"{exp}_{plate}_{well}",
                "cell_type": "HUVEC", "dataset": "test" if exp == "HUVEC-02" else "train",
                "experiment": exp, "plate": plate, "well": well, "site": site, "well_type": well_type,
                "sirna": sirna, "sirna_id": -1 if sirna is None else int(str(sirna)[1:]),
                "features": offsets[(exp, plate)] + v,
            })

    for (exp, plate) in offsets:
        for i in range(4):
            sign = (1.0 if i % 2 == 0 else -1.0) * (1.0 if exp == "HUVEC-01" else -1.0)
            well = e[i] + (3.0 * sign * e[6] if nuisance else 0.0)
            add(exp, plate, f"B{i + 2:02d}", "treatment", f"s{i}", [well + 0.01 * e[6], well - 0.01 * e[6]])
        add(exp, plate, "N01", "negative_control", "s1138", [3 * e[6], -3 * e[6]])
        add(exp, plate, "N02", "negative_control", "s1138", [e[8] - 0.3 * e[9], -e[8] + 0.3 * e[9]])
        # a positive control right on s3: it must not be scored or used as a neighbour
        add(exp, plate, "P01", "positive_control", "s1108", [e[3], e[3]])
    return pd.DataFrame(rows)
