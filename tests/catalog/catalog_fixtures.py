"""Writers of small source trees in the sources' real native layouts (file names, CSV columns, bit depths),
shared by the adapter tests (tests/catalog/) and the end-to-end build over every family
(tests/test_build_families.py).

Every writer takes `size`: the adapter tests keep the default tiny images (only names and tables matter to an
adapter), the build test asks for fields large enough for quality control and 70 px crops. Pixels are
textured (noise plus blobs, scaled to the stored bit depth's full range) and a function of the file name only,
so a tree is the same on every run and every machine.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import tifffile
from PIL import Image

from cytoimagenet.catalog.registry import get_source
from cytoimagenet.catalog.source import LABEL_COLUMNS, RECORD_COLUMNS

# ---------------------------------------------------------------------------------------------------------
# images


def texture(shape: tuple[int, int], bits: int, rng: np.random.Generator) -> np.ndarray:
    """A microscopy-like plane: dim noisy background and bright blobs ("cells"), spanning 0 .. 2**bits - 1
    (stored as uint8 up to 8 bits, uint16 above: 12-bit data sits in 16-bit containers)."""
    h, w = shape
    img = rng.normal(0.08, 0.03, (h, w)).astype(np.float32)
    yy, xx = np.ogrid[0:h, 0:w]
    for _ in range(max(3, h * w // 500)):
        cy, cx, s = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(2.0, 7.0)
        y0, y1 = max(0, int(cy - 3 * s)), min(h, int(cy + 3 * s) + 1)
        x0, x1 = max(0, int(cx - 3 * s)), min(w, int(cx + 3 * s) + 1)
        if y0 >= y1 or x0 >= x1:
            continue
        blob = np.exp(-((yy[y0:y1] - cy) ** 2 + (xx[:, x0:x1] - cx) ** 2) / (2 * s * s))
        img[y0:y1, x0:x1] += rng.uniform(0.3, 1.0) * blob
    img = np.clip(img, 0, None)
    img /= img.max()
    top = 2**bits - 1
    return np.rint(img * top).astype(np.uint8 if bits <= 8 else np.uint16)


def write_image(path: Path, bits: int = 8, mode: str = "L", size: int | tuple[int, int] = 8, pages: int = 1) -> Path:
    """An image at the source's bit depth: `mode` L (grayscale), RGB or RGBA; `pages` > 1 writes a multi-page
    TIFF (a z-stack, or the channels of an Opera FLEX)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shape = (size, size) if isinstance(size, int) else tuple(size)
    rng = np.random.default_rng(zlib.crc32(path.name.encode()))
    ext = path.suffix.lower()
    if ext in (".tif", ".tiff", ".flex"):
        if pages > 1:
            data = np.stack([texture(shape, bits, rng) for _ in range(pages)])
            tifffile.imwrite(path, data, photometric="minisblack")
        else:
            tifffile.imwrite(path, texture(shape, bits, rng), photometric="minisblack")
        return path
    if mode in ("RGB", "RGBA"):
        planes = [texture(shape, 8, rng) for _ in range(3)]
        if mode == "RGBA":
            planes.append(np.full(shape, 255, np.uint8))
        img = Image.fromarray(np.stack(planes, axis=-1), mode)
    elif bits > 8:
        img = Image.fromarray(texture(shape, bits, rng))  # uint16 -> 16-bit PNG
    else:
        img = Image.fromarray(texture(shape, 8, rng), "L")
    fmt = {".png": "PNG", ".bmp": "BMP", ".jpg": "JPEG", ".jpeg": "JPEG"}[ext]
    img.save(path, format=fmt)
    return path


# ---------------------------------------------------------------------------------------------------------
# the records contract


def records(source_id: str, folder: Path) -> pd.DataFrame:
    return get_source(source_id).records(folder)


def check_records(df: pd.DataFrame, folder: Path) -> None:
    """The records contract every adapter must meet."""
    assert tuple(df.columns) == RECORD_COLUMNS
    assert len(df) > 0
    assert df["sample_id"].is_unique
    assert df["sample_id"].str.fullmatch(r"[A-Za-z0-9_-]+").all()
    assert list(df["sample_id"]) == sorted(df["sample_id"])
    for col in LABEL_COLUMNS:
        values = df[col].dropna()
        assert (values == values.str.lower()).all(), col
        assert not values.str.contains(r"\|\||^\||\|$").any(), col
    for files, channels in zip(df["source_files"], df["channels"]):
        assert len(files) == len(channels) >= 1
        for f in files:
            assert not f.startswith("/") and "\\" not in f and ".." not in f.split("/")
    assert df["microscopy"].isin(["fluorescence", "brightfield", "fluorescence|brightfield"]).all()


def shuffled_rewrite(csv: Path, seed: int = 1) -> None:
    table = pd.read_csv(csv, dtype=str, keep_default_na=False)
    table.sample(frac=1, random_state=seed).to_csv(csv, index=False)


# ---------------------------------------------------------------------------------------------------------
# BBBC single-folder families


def bbbc005_tree(root: Path, fields=(("A01", 1, 1, 5), ("A02", 1, 48, 5), ("B01", 14, 1, 5)), size=8) -> Path:
    """BBBC005_v1_images/SIMCEPImages_<well>_C<count>_F<blur>_s<sample>_w<1|2>.TIF, 8-bit."""
    folder = root / "bbbc005"
    for well, count, blur, sample in fields:
        for w in (1, 2):
            write_image(folder / "BBBC005_v1_images" / f"SIMCEPImages_{well}_C{count}_F{blur}_s{sample:02d}_w{w}.TIF",
                        size=size)
    return folder


def bbbc006_tree(root: Path, planes=("00", "16"), wells=("a01",), sites=(1, 2), size=8) -> Path:
    """BBBC006_v1_images_z_<zz>/mcf-z-stacks-03212011_<well>_s<site>_w<1|2><GUID>.tif, 16-bit."""
    folder = root / "bbbc006"
    for z in planes:
        for well in wells:
            for site in sites:
                for w in (1, 2):
                    name = f"mcf-z-stacks-03212011_{well}_s{site}_w{w}8F1E2C3D.tif"
                    write_image(folder / f"BBBC006_v1_images_z_{z}" / name, bits=16, size=size)
    return folder


def bbbc010_tree(root: Path, wells=("A01", "A13"), size=8) -> Path:
    """BBBC010_v2_images/<plate prefix>_<well>_w<1|2>_<GUID>.tif, 16-bit; w1 brightfield, w2 fluorescence."""
    folder = root / "bbbc010"
    for well in wells:
        for w in (1, 2):
            write_image(folder / "BBBC010_v2_images" / f"1649_1109_0003_Amp5-1_B_20070424_{well}_w{w}_9E84F49F-1B25.tif",
                        bits=16, size=size)
    return folder


def bbbc013_tree(root: Path, wells=((1, "A", 1), (96, "H", 12)), size=8) -> Path:
    """BBBC013_v1_images_bmp/Channel<1|2>-<index>-<row>-<col>.BMP, 8-bit."""
    folder = root / "bbbc013"
    for index, row, col in wells:
        for ch in (1, 2):
            write_image(folder / "BBBC013_v1_images_bmp" / f"Channel{ch}-{index:02d}-{row}-{col:02d}.BMP", size=size)
    return folder


def bbbc020_tree(root: Path, images=("jw-1h 1", "jw-24h 3"), size=8) -> Path:
    """BBBC020_v1_images/<image>/<image>_c1.TIF, _c5.TIF and the _(c1+c5) composite (which is not a channel)."""
    folder = root / "bbbc020"
    for image in images:
        for suffix in ("c1", "c5", "(c1+c5)"):
            write_image(folder / "BBBC020_v1_images" / image / f"{image}_{suffix}.TIF", size=size)
    return folder


def bbbc026_tree(root: Path, names=("Plate1_A01_s1", "Plate1_B03_s2"), size=8) -> Path:
    """BBBC026_v1_images/<name>.png, one 8-bit channel per image."""
    folder = root / "bbbc026"
    for name in names:
        write_image(folder / "BBBC026_v1_images" / f"{name}.png", size=size)
    return folder


BBBC041_ENTRIES = (
    ("8d02117d-6c71-4e47-b50a-6cc8d5eb1d55", "png", ("red blood cell", "ring")),
    ("0ac747cd-ff32-49bf-bc1a-3e9b7702ce9c", "jpg", ("red blood cell", "leukocyte")),
)


def bbbc041_box(n: int, size: int) -> dict:
    """Box n (from 1) of a `size` px smear: nearly the whole image (a side of size - size // 72, so 142 px of 144,
    room for a 70 px upsampling crop), shifted by n so each box of a smear differs."""
    margin = size // 72
    r0, c0 = n % (margin + 1), (n + 1) % (margin + 1)
    return {"minimum": {"r": r0, "c": c0}, "maximum": {"r": r0 + size - margin, "c": c0 + size - margin}}


def bbbc041_tree(root: Path, entries=BBBC041_ENTRIES, size=8) -> Path:
    """malaria/training.json (image.pathname, objects[].category and .bounding_box) +
    malaria/images/<uuid>.png|jpg, RGB; one box per category listed (bbbc041_box)."""
    folder = root / "bbbc041"
    table = [
        {
            "image": {"checksum": uid[:8], "pathname": f"/images/{uid}.{ext}", "shape": {"r": 1200, "c": 1600, "channels": 3}},
            "objects": [{"bounding_box": bbbc041_box(n, size), "category": c}
                        for n, c in enumerate(categories, start=1)],
        }
        for uid, ext, categories in entries
    ]
    (folder / "malaria").mkdir(parents=True, exist_ok=True)
    (folder / "malaria" / "training.json").write_text(json.dumps(table))
    for uid, ext, _ in entries:
        write_image(folder / "malaria" / "images" / f"{uid}.{ext}", mode="RGB", size=size)
    return folder


LEUKEMIA_CELLS = (("fold_0", "all", "UID_11_10_1_all"), ("fold_0", "all", "UID_11_11_2_all"), ("fold_1", "hem", "UID_H10_43_1_hem"))


def leukemia_tree(root: Path, cells=LEUKEMIA_CELLS, size=8, test_images=("1",)) -> Path:
    """C-NMC_Leukemia/training_data/fold_<k>/{all,hem}/UID_*.bmp (RGB) and unlabelled test-phase images."""
    folder = root / "kaggle_leukemia"
    base = folder / "C-NMC_Leukemia"
    for fold, cls, name in cells:
        write_image(base / "training_data" / fold / cls / f"{name}.bmp", mode="RGB", size=size)
    for name in test_images:
        write_image(base / "testing_data" / "C-NMC_test_final_phase_data" / f"{name}.bmp", mode="RGB", size=size)
    return folder


DSB_IDS = (
    ("stage1_train", "00071198d059ba7f5914a526d124d28e6d010c92466da21d4a04cd5413362552"),
    ("stage1_test", "0114f484a16c152baa2d82fdd43740880a762c93f436c8988ac461c5c9dbe7d5"),
)


def dsb_tree(root: Path, ids=DSB_IDS, size=8, mode="RGB") -> Path:
    """Data Science Bowl 2018: stage*/{id}/images/{id}.png (the stage1 PNGs are RGBA) + masks/ of train ids."""
    folder = root / "bbbc038"
    for stage, i in ids:
        write_image(folder / stage / i / "images" / f"{i}.png", mode=mode, size=size)
        if stage == "stage1_train":
            write_image(folder / stage / i / "masks" / f"{zlib.crc32(i.encode()):08x}mask.png", size=size)
    return folder


# ---------------------------------------------------------------------------------------------------------
# BBBC image-CSV family: BBBC022

BBBC022_STEMS_2017 = {"DNA": "OrigHoechst", "ER": "OrigER", "RNA": "OrigSyto", "AGP": "OrigPh_golgi", "Mito": "OrigMito"}
BBBC022_STEMS_CP = {c: f"Orig{c}" for c in ("DNA", "ER", "RNA", "AGP", "Mito")}
# (plate, well, site, role, compound)
BBBC022_FIELDS = (
    ("20585", "A01", 1, "mock", None),
    ("20585", "A01", 2, "mock", None),
    ("20585", "B02", 1, "treated", "Cytochalasin D"),
    ("20586", "A01", 1, "treated", "Staurosporine"),
)


def bbbc022_tree(root: Path, stems=BBBC022_STEMS_2017, fields=BBBC022_FIELDS, size=8) -> Path:
    """BBBC022_v1_image.csv (Image_FileName_/Image_PathName_<stem> per channel, the analysis machine's paths)
    + per-plate channel folders <plate>w<1..5>/ of 16-bit TIFFs."""
    folder = root / "bbbc022"
    rows = []
    for n, (plate, well, site, role, compound) in enumerate(fields, start=1):
        row = {
            "TableNumber": 0,
            "ImageNumber": n,
            "Image_Metadata_PlateID": plate,
            "Image_Metadata_CPD_WELL_POSITION": well,
            "Image_Metadata_Site": site,
            "Image_Metadata_ASSAY_WELL_ROLE": role,
            "Image_Metadata_SOURCE_COMPOUND_NAME": compound,
            "Image_Metadata_BROAD_ID": None if compound is None else f"BRD-K{n:08d}",
            "Image_Metadata_CPD_MMOL_CONC": None if compound is None else "5",
        }
        for w, channel in enumerate(("DNA", "ER", "RNA", "AGP", "Mito"), start=1):
            name = f"IXMtest_{well}_s{site}_w{w}ABCDEF-0{w}.tif"
            row[f"Image_FileName_{stems[channel]}"] = name
            row[f"Image_PathName_{stems[channel]}"] = f"/cbnt/cbimageX/HCS/bray/{plate}w{w}"
            write_image(folder / f"{plate}w{w}" / name, bits=16, size=size)
        rows.append(row)
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / "BBBC022_v1_image.csv", index=False)
    return folder


# ---------------------------------------------------------------------------------------------------------
# IDR screens and experiments

IDR0081_ANNOTATION = "screenA/idr0081-screenA-annotation.csv"
# (plate, well, compound, gene, phenotype 1, phenotype 1 term, phenotype 2)
IDR0081_WELLS = (
    ("HAdV-pre", "A2", "DMSO", None, "infected cell", "infected cell", None),
    ("HAdV-pre", "B10", "Nelfinavir mesylate", None, None, None, "Nucleus"),
    ("Za_BSF018104", "A1", None, "HEXIM1|PLK1", "plaque", None, None),
)
IDR0081_PLATE_DIRS = {"HAdV-pre": "1-prePlates/Data_UZH/preScreen", "Za_BSF018104": "2-ZPLates/Data_UZH/Za_BSF018104"}


def idr0081_tree(root: Path, wells=IDR0081_WELLS, size=8) -> Path:
    """idr0081: screenA/<idr>-screenA-annotation.csv + -plates.tsv (plate -> fileserver path) and the plates'
    ImageXpress files <plate>_<well>_w<n>.TIF (16-bit) below the study's folder."""
    folder = root / "idr0081"
    n = len(wells)
    ann = pd.DataFrame(
        {
            "Plate": [w[0] for w in wells],
            "Well": [w[1] for w in wells],
            "Characteristics [Organism]": ["Homo sapiens"] * n,
            "Term Source 1 REF": ["NCBITaxon"] * n,
            "Characteristics [Cell Line]": ["A549"] * n,
            "Compound Name": [w[2] for w in wells],
            "Gene Symbol": [w[3] for w in wells],
            "Phenotype 1": [w[4] for w in wells],
            "Phenotype 1 Term Name": [w[5] for w in wells],
            "Phenotype 2": [w[6] for w in wells],
        }
    )
    (folder / "screenA").mkdir(parents=True, exist_ok=True)
    ann.to_csv(folder / IDR0081_ANNOTATION, index=False)
    (folder / "screenA" / "idr0081-screenA-plates.tsv").write_text(
        "HAdV-pre\t/uod/idr/filesets/idr0081-georgi-adenovirus/1-prePlates/Data_UZH/preScreen\n"
        "Za_BSF018104\t/uod/idr/filesets/idr0081-georgi-adenovirus/2-ZPLates/Data_UZH/Za_BSF018104\n"
    )
    for plate, well, *_ in wells:
        well = f"{well[0]}{int(well[1:]):02d}"
        for w in (1, 2):
            write_image(folder / IDR0081_PLATE_DIRS[plate] / f"{plate}_{well}_w{w}.TIF", bits=16, size=size)
    return folder


IDR0080_PLATE = "SQ00014610_illum_corrected"


def idr0080_tree(root: Path, wells=(("A2", "MCL1", None), ("B1", "Chr2", "negative")), fields=(1, 2), size=8) -> Path:
    """idr0080 (Cell Painting on Opera Phenix): annotation CSV and Harmony exports
    <plate>/Images/r<RR>c<CC>f<FF>p01-ch<n>sk1fk1fl1.tiff, 5 channels, 16-bit."""
    folder = root / "idr0080"
    folder.mkdir(parents=True, exist_ok=True)
    n = len(wells)
    pd.DataFrame(
        {
            "Plate": [IDR0080_PLATE] * n,
            "Well": [w[0] for w in wells],
            "Characteristics [Organism]": ["Homo sapiens"] * n,
            "Characteristics [Cell Line]": ["A549"] * n,
            "Gene Symbol": [w[1] for w in wells],
            "Control Type": [w[2] for w in wells],
        }
    ).to_csv(folder / "idr0080-screenA-annotation.csv", index=False)
    for well, *_ in wells:
        rc = f"r{ord(well[0]) - ord('A') + 1:02d}c{int(well[1:]):02d}"
        for f in fields:
            for ch in range(1, 6):
                write_image(folder / IDR0080_PLATE / "Images" / f"{rc}f{f:02d}p01-ch{ch}sk1fk1fl1.tiff", bits=16, size=size)
    return folder


IDR0072_PLATE = "WS_MCF10A_Landmark_20180506/Meas_01"
IDR0072_PLATE_DIR = "20191127-disk/UpLoadtoIDR/MCF10A/Plates/WS_MCF10A-landmark_library_20180506/Meas_01"


def idr0072_tree(root: Path, wells=(("A11", "TOMM20"),), fields=(0, 1), channels=1, size=8) -> Path:
    """idr0072 (Opera): annotation CSV + plates.tsv, and one FLEX per well and field, RRRCCCFFF.flex, holding
    every channel of the field as a page (16-bit)."""
    folder = root / "idr0072"
    (folder / "screenA").mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {"Plate": [IDR0072_PLATE] * len(wells), "Well": [w[0] for w in wells],
         "Characteristics [Cell Line]": ["MCF10A"] * len(wells), "Gene Symbol": [w[1] for w in wells]}
    ).to_csv(folder / "screenA" / "idr0072-screenA-annotation.csv", index=False)
    (folder / "screenA" / "idr0072-screenA-plates.tsv").write_text(
        f"{IDR0072_PLATE}\t/uod/idr/filesets/idr0072-schormann-subcellref/{IDR0072_PLATE_DIR}\n"
    )
    for well, _ in wells:
        row, col = ord(well[0]) - ord("A") + 1, int(well[1:])
        for field in fields:
            write_image(folder / IDR0072_PLATE_DIR / f"{row:03d}{col:03d}{field:03d}.flex", bits=16, size=size,
                        pages=channels)
    return folder


IDR0088_PLATE = "110000252072"
IDR0088_PLATE_DIR = "p171114PPS107/PpsL05Wpmy1ActbRab5a_PPS107_20171115_152709"


def idr0088_tree(root: Path, wells=(("I12", "Staurosporine"),), fields=(1, 2), size=8) -> Path:
    """idr0088 (Yokogawa CellVoyager): annotation CSV + plates.tsv and
    AssayPlate_Greiner_781091_<well>_T0001F<fff>L01A0<c>Z01C0<c>.tif, three channels, 16-bit."""
    folder = root / "idr0088"
    (folder / "screenA").mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {"Plate": [IDR0088_PLATE] * len(wells), "Well": [w[0] for w in wells],
         "Characteristics [Cell Line]": ["WPMY1"] * len(wells), "Compound Name": [w[1] for w in wells]}
    ).to_csv(folder / "screenA" / "idr0088-screenA-annotation.csv", index=False)
    (folder / "screenA" / "idr0088-screenA-plates.tsv").write_text(
        f"{IDR0088_PLATE}\t/uod/idr/filesets/idr0088-cox-phenomicprofiling/{IDR0088_PLATE_DIR}\n"
    )
    for well, _ in wells:
        for field in fields:
            for ch in (1, 2, 3):
                name = f"AssayPlate_Greiner_781091_{well}_T0001F{field:03d}L01A0{ch}Z01C0{ch}.tif"
                write_image(folder / IDR0088_PLATE_DIR / name, bits=16, size=size)
    return folder


IDR0021_IMAGES = (("CEP192", "CEP192_01.tif", True), ("CEP192", "CEP192_02.tif", False), ("PCNT", "PCNT_01.tif", True))


def idr0021_tree(root: Path, images=IDR0021_IMAGES, size=8, planes=1) -> Path:
    """idr0021 (an experiment, no plates): annotation CSV with Dataset Name and Image Name, and the image
    files (z-stacks, 16-bit) wherever the download put them; (dataset, image, on_disk)."""
    folder = root / "idr0021"
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {
            "Dataset Name": [i[0] for i in images],
            "Image Name": [i[1] for i in images],
            "Characteristics [Organism]": ["Homo sapiens"] * len(images),
            "Gene Symbol": [i[0] for i in images],
        }
    ).to_csv(folder / "idr0021-experimentA-annotation.csv", index=False)
    for dataset, name, on_disk in images:
        if on_disk:
            write_image(folder / "raw" / dataset / name, bits=16, size=size, pages=planes)
    return folder


# ---------------------------------------------------------------------------------------------------------
# Recursion


def recursion_site(cell, exp, plate, well, s, **extra) -> dict:
    """One row of a Recursion metadata CSV."""
    return {"site_id": f"{cell}-{exp}_{plate}_{well}_{s}", "well_id": f"{cell}-{exp}_{plate}_{well}",
            "cell_type": cell, "experiment": f"{cell}-{exp}", "plate": plate, "well": well, "site": s, **extra}


def recursion_tree(root: Path, source_id: str, rows: list[dict], n_channels: int, metadata="metadata.csv", size=8) -> Path:
    """<metadata>.csv + images/{experiment}/Plate{plate}/{well}_s{site}_w{1..n}.png, 8-bit."""
    folder = root / source_id
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / metadata, index=False)
    for r in rows:
        for w in range(1, n_channels + 1):
            write_image(folder / "images" / r["experiment"] / f"Plate{r['plate']}" / f"{r['well']}_s{r['site']}_w{w}.png",
                        size=size)
    return folder


# ---------------------------------------------------------------------------------------------------------
# Kaggle HPA, Segebarth et al. 2020

HPA_IDS = ("00070df0-bbc3-11e8-b2bc-ac1f6b6435d0", "000a6c98-bb9b-11e8-b2b9-ac1f6b6435d0")
HPA_STAINS = ("green", "red", "blue", "yellow")


def hpa_tree(root: Path, source_id: str, id_col: str, target_col: str, targets: Sequence[str], bits: int,
             ids: Sequence[str] = HPA_IDS, size=8) -> Path:
    """train.csv (image id, localisation classes) + train/{id}_{green,red,blue,yellow}.png."""
    folder = root / source_id
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({id_col: list(ids), target_col: list(targets)}).to_csv(folder / "train.csv", index=False)
    for i in ids:
        for c in HPA_STAINS:
            write_image(folder / "train" / f"{i}_{c}.png", bits=bits, size=size)
    return folder


SEGEBARTH_ROWS = (
    # ID, name, area, training, experiment, condition
    ("0001", "m1_dg_s1", "DG", "yes", "lab-wue1", "H"),
    ("0002", "m2_ca3_s1", "CA3", "no", "lab-wue1", "+"),
    ("0003", "m3_ca1_s2", "CA1", "no", "lab-wue1", "-"),
    ("0101", "m7_bla", "BLA", "no", "lab-mue", "Ext"),
    ("0102", "m8_bla", "BLA", "no", "lab-mue", "Ret"),
    ("0201", "f1", "IL", "no", "lab-inns1", "Ext"),  # images not distributed
)
SEGEBARTH_SHIPPED = ("lab-wue1", "lab-mue")


def segebarth_tree(root: Path, rows=SEGEBARTH_ROWS, size=8) -> Path:
    """image_mapping.xlsx (ID, name, area, training, experiment, condition) + lab-*/images/{ID}.tif (16-bit) of
    the two labs whose images the package ships."""
    folder = root / "segebarth2020"
    folder.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(list(rows), columns=["ID", "name", "area", "training", "experiment", "condition"])
    table.to_excel(folder / "image_mapping.xlsx", index=False)
    for i, *_, lab, _ in rows:
        if lab in SEGEBARTH_SHIPPED:
            write_image(folder / lab / "images" / f"{i}.tif", bits=16, size=size)
    return folder
