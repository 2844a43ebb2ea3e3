"""Source trees, in their real native layouts, of bbbc022, bbbc051, bbbc041, bbbc038, bbbc020, bbbc026 and bbbc021
(bbbc025, bbbc045 and bbbc048 are not adaptable: see their catalog notes).

`FIXTURES[id](root, size)` writes ROOT/<id>/ and returns it: real folder and file names and real metadata rows
where the source's files were found (the provenance of each is in the writer's docstring), synthetic pixels of
the source's format and bit depth, `size` px a side, textured enough to pass quality control at 96 px.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pandas as pd

from catalog_fixtures import write_image

# ---------------------------------------------------------------------------------------------------------
# bbbc022

# Real: the CSV's name, the Image_FileName_Orig* columns and their w1..w5 numbers, the zip folder names
# (IDR/idr0016-wawer-bioactivecompoundprofiling rename_dirs_BBBC022_v1_image.py), plate 20585 with mock wells
# and 9 sites a well, "IXMtest_<well>_s<site>_w<n><GUID>.tif", and the name
# IXMtest_P23_s1_w2227537B3-6004-4D7C-9992-EC22DFA440D1.tif. The other GUIDs are made up (the real ones are
# per file), as is which well holds cytochalasin D.
BBBC022_COLUMNS = [
    "ImageNumber",
    "Image_FileName_OrigER", "Image_FileName_OrigHoechst", "Image_FileName_OrigMito",
    "Image_FileName_OrigPh_golgi", "Image_FileName_OrigSyto",
    "Image_Metadata_ASSAY_WELL_ROLE", "Image_Metadata_CPD_WELL_POSITION", "Image_Metadata_PlateID",
    "Image_Metadata_SOURCE_COMPOUND_NAME", "Image_Metadata_Site",
]
BBBC022_STEMS = {1: "OrigHoechst", 2: "OrigER", 3: "OrigSyto", 4: "OrigPh_golgi", 5: "OrigMito"}
# (ImageNumber, plate, well, site, role, compound)
BBBC022_FIELDS = (
    (1, "20585", "P23", 1, "mock", None),
    (2, "20585", "P23", 2, "mock", None),
    (3, "20585", "B02", 1, "treated", "cytochalasin D"),
)


def _guid(n: int, w: int) -> str:
    if (n, w) == (1, 2):
        return "227537B3-6004-4D7C-9992-EC22DFA440D1"
    return f"{n:08X}-{w:04X}-4D7C-9992-EC22DFA440D1"


def bbbc022(root: Path, size: int = 8) -> Path:
    """BBBC022_v1_image.csv (with one row of too many fields and one of too few, as the real file has) and
    BBBC022_v1_images_<plate>w<n>/IXMtest_<well>_s<site>_w<n><GUID>.tif, 16-bit."""
    folder = root / "bbbc022"
    lines = [",".join(BBBC022_COLUMNS)]
    for n, plate, well, site, role, compound in BBBC022_FIELDS:
        names = {w: f"IXMtest_{well}_s{site}_w{w}{_guid(n, w)}.tif" for w in BBBC022_STEMS}
        for w, name in names.items():
            write_image(folder / f"BBBC022_v1_images_{plate}w{w}" / name, bits=16, size=size)
        by_stem = {f"Image_FileName_{stem}": names[w] for w, stem in BBBC022_STEMS.items()}
        row = {**by_stem, "ImageNumber": n, "Image_Metadata_ASSAY_WELL_ROLE": role,
               "Image_Metadata_CPD_WELL_POSITION": well, "Image_Metadata_PlateID": plate,
               "Image_Metadata_SOURCE_COMPOUND_NAME": compound or "", "Image_Metadata_Site": site}
        lines.append(",".join(str(row[c]) for c in BBBC022_COLUMNS))
    lines.append(lines[-1].replace("3,", "4,", 1) + ",extra,fields")  # too many fields
    lines.append("5,IXMtest_A01_s1_w2X.tif,IXMtest_A01_s1_w1X.tif")  # too few fields
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "BBBC022_v1_image.csv").write_text("\n".join(lines) + "\n")
    return folder


# ---------------------------------------------------------------------------------------------------------
# bbbc051

# Real: folder names, All_3D/ and object file names (stan-hua/CytoImageNet annotations/bbbc051_metadata.csv at
# commit aec7751). Bit depth unknown: written 16-bit; 7 planes a volume (datasets_info.csv notes).
BBBC051_FILES = (
    ("CD_CNT", "object_38359_333__4395__44_1.tif"),
    ("Nestin", "object_109850_2354__3837__14_1.tif"),
    ("CD45.1", "object_4235_13993__2026__26_1.tif"),
)


def bbbc051(root: Path, size: int = 8) -> Path:
    """<cell type>/All_3D/object_*.tif, 7-plane volumes."""
    folder = root / "bbbc051"
    for kind, name in BBBC051_FILES:
        write_image(folder / kind / "All_3D" / name, bits=16, size=size, pages=7)
    (folder / "groundtruthlabels.txt").write_text("")  # beside the images; the folders carry the labels
    return folder


# ---------------------------------------------------------------------------------------------------------
# bbbc041

# Real: the JSON structure (image.checksum/pathname/shape, objects[].bounding_box.minimum/maximum r,c and
# .category; stan-hua/CytoImageNet scripts/data_curation/crop_bb.py), the category names, PNG and JPG images of
# 1600x1200. The uuids, checksums and boxes are made up.
BBBC041_ENTRIES = (
    ("training.json", "8d02117d-6c71-4e47-b50a-6cc8d5eb1d55", "png",
     ("red blood cell", "red blood cell", "trophozoite", "difficult")),
    ("training.json", "10be6380-cbbb-4886-8b9e-ff56b1710576", "png", ("red blood cell", "ring", "leukocyte")),
    ("test.json", "41be1bd3-0d31-4881-bf1f-3ccdfa21ff12", "jpg", ("red blood cell", "gametocyte", "schizont")),
)


def bbbc041_box(i: int, size: int) -> dict:
    """Box i (from 0) of a `size` px smear: 3/4 of it tall, 5/8 wide, moving down and right with i; inside the
    image for the four boxes a smear has here."""
    r0, c0 = i * size // 16, i * size // 32
    return {"minimum": {"r": r0, "c": c0}, "maximum": {"r": r0 + size * 3 // 4, "c": c0 + size * 5 // 8}}


def bbbc041(root: Path, size: int = 8) -> Path:
    """malaria/{training,test}.json + malaria/images/<uuid>.png|jpg, RGB; one box per listed category."""
    folder = root / "bbbc041"
    tables: dict[str, list] = {}
    for table, uid, ext, categories in BBBC041_ENTRIES:
        objects = [{"bounding_box": bbbc041_box(i, size), "category": c} for i, c in enumerate(categories)]
        tables.setdefault(table, []).append(
            {"image": {"checksum": uid.replace("-", "")[:32], "pathname": f"/images/{uid}.{ext}",
                       "shape": {"r": 1200, "c": 1600, "channels": 3}},
             "objects": objects}
        )
        write_image(folder / "malaria" / "images" / f"{uid}.{ext}", mode="RGB", size=size)
    for table, entries in tables.items():
        (folder / "malaria" / table).write_text(json.dumps(entries))
    return folder


# ---------------------------------------------------------------------------------------------------------
# bbbc038

# Real: the stage folders, {id}/images/{id}.png and masks/, and the two ids (stan-hua/CytoImageNet
# annotations/kag_bowl_2018_stage_1.csv and kag_bowl_2018_stage_2.csv ImageId, commit aec7751, and the stage1
# train id of the Data Science Bowl); RGBA PNG (stage 1).
BBBC038_IDS = (
    ("stage1_train", "00071198d059ba7f5914a526d124d28e6d010c92466da21d4a04cd5413362552"),
    ("stage1_test", "0114f484a16c152baa2d82fdd43740880a762c93f436c8988ac461c5c9dbe7d5"),
    ("stage2_test_final", "0019c086029dd3be01f72131edb74e21ee995574e6d5c136ea868630b0d73523"),
)


def bbbc038(root: Path, size: int = 8) -> Path:
    """stage*/{id}/images/{id}.png (RGBA) + masks/ of the train ids."""
    folder = root / "bbbc038"
    for stage, i in BBBC038_IDS:
        write_image(folder / stage / i / "images" / f"{i}.png", mode="RGBA", size=size)
        if stage == "stage1_train":
            write_image(folder / stage / i / "masks" / f"{i[:16]}mask.png", size=size)
    return folder


# ---------------------------------------------------------------------------------------------------------
# bbbc020

# Real: BBBC020_v1_images/<image>/<image>_c1.TIF, _c5.TIF and _(c1+c5).TIF, and the image names "jw-1h 1",
# "jw-Kontrolle1" (public readers of BBBC020_v1_images.zip). 8-bit as datasets_info.csv's tiff, unknown depth.
BBBC020_IMAGES = ("jw-1h 1", "jw-Kontrolle1")


def bbbc020(root: Path, size: int = 8) -> Path:
    """BBBC020_v1_images/<image>/<image>_c1.TIF, _c5.TIF and the composite."""
    folder = root / "bbbc020"
    for image in BBBC020_IMAGES:
        for suffix in ("c1", "c5", "(c1+c5)"):
            write_image(folder / "BBBC020_v1_images" / image / f"{image}_{suffix}.TIF", size=size)
    return folder


# ---------------------------------------------------------------------------------------------------------
# bbbc026

# Real: the file names (stan-hua/CytoImageNet annotations/bbbc026_metadata.csv at commit aec7751), 8-bit PNG.
BBBC026_FILES = (
    "ADSASS092408-GHAD2-D6-20x_A01_s1_w1D751105E-2D33-485F-9FF9-061C4CB2F27A.png",
    "ADSASS092408-GHAD2-D6-20x_A01_s2_w102757319-E524-42CB-9884-F1608FFBD7EF.png",
    "ADSASS092408-GHAD2-D6-20x_E19_s2_w192B78EF4-2580-4B85-B93D-FE5463F2AB1B.png",
)


def bbbc026(root: Path, size: int = 8) -> Path:
    """<plate>_<well>_s<site>_w1<GUID>.png, one 8-bit channel per field."""
    folder = root / "bbbc026"
    for name in BBBC026_FILES:
        write_image(folder / name, size=size)
    return folder


# ---------------------------------------------------------------------------------------------------------
# bbbc021 (the evaluation set)

# Real: the columns (stan-hua/CytoImageNet scripts/data_curation/clean_metadata.py), Week1_22123, the
# file-name form Week1_150607_<well>_s<site>_w<n><GUID>.tif. GUIDs made up; moa rows from BBBC021_v1_moa.csv.
def bbbc021(root: Path, size: int = 8) -> Path:
    """BBBC021_v1_image.csv + BBBC021_v1_moa.csv + Week1_22123/*.tif, 16-bit."""
    from cytoimagenet.catalog.sources.bbbc021 import IMAGE_COLUMNS

    folder = root / "bbbc021"
    rows = []
    for n, (well, site, compound, conc) in enumerate(
        (("B02", 1, "DMSO", 0.0), ("B02", 2, "DMSO", 0.0), ("C02", 1, "taxol", 0.3)), start=1
    ):
        row = {"TableNumber": 0, "ImageNumber": n}
        for w, channel in ((1, "DAPI"), (2, "Tubulin"), (4, "Actin")):
            name = f"Week1_150607_{well}_s{site}_w{w}{n:04d}ABCD-1234-5678-9ABC-DEF012345678.tif"
            row[f"Image_FileName_{channel}"] = name
            row[f"Image_PathName_{channel}"] = "Week1/Week1_22123"
            write_image(folder / "Week1_22123" / name, bits=16, size=size)
        row.update({"Image_Metadata_Plate_DAPI": "Week1_22123", "Image_Metadata_Well_DAPI": well, "Replicate": 1,
                    "Image_Metadata_Compound": compound, "Image_Metadata_Concentration": conc})
        rows.append(row)
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=IMAGE_COLUMNS).to_csv(folder / "BBBC021_v1_image.csv", index=False)
    pd.DataFrame({"compound": ["DMSO", "taxol"], "concentration": [0.0, 0.3],
                  "moa": ["DMSO", "Microtubule stabilizers"]}).to_csv(folder / "BBBC021_v1_moa.csv", index=False)
    return folder


FIXTURES: dict[str, Callable[[Path, int], Path]] = {
    "bbbc022": bbbc022,
    "bbbc051": bbbc051,
    "bbbc041": bbbc041,
    "bbbc038": bbbc038,
    "bbbc020": bbbc020,
    "bbbc026": bbbc026,
    "bbbc021": bbbc021,
}
