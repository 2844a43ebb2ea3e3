"""Fixtures of BBBC sources 005, 006, 010, 011, 012, 013, 014, 015 and 017 in their real native layouts.

File names and metadata rows are copied from the sources' own files (see each writer's docstring and the
source module's `evidence`); only the pixels are synthetic, at the source's format and bit depth. Every writer
is `FIXTURES[id](root, size) -> ROOT/<id>/` and yields at least two samples.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

from catalog_fixtures import texture, write_image

# stan-hua/CytoImageNet annotations/bbbc005_metadata.csv at aec7751 (F1 fields); the P-row F48 name is a
# blurred copy (rows are blur levels, 'F48' the strongest) that the adapter must leave out
BBBC005_FIELDS = (("A14", 57, 1, 21), ("A04", 14, 1, 15), ("A22", 91, 1, 25))
BBBC005_BLURRED = (("P14", 57, 48, 21),)

# stan-hua/CytoImageNet annotations/bbbc006_metadata.csv at aec7751
BBBC006_FILES = (
    "mcf-z-stacks-03212011_a01_s1_w1248254b0-0193-4e11-8762-62b5d2b86216.tif",
    "mcf-z-stacks-03212011_a01_s1_w29fd6a02e-3931-4457-a5e9-3c6063bf1015.tif",
    "mcf-z-stacks-03212011_h15_s2_w1317b2847-1d0b-43c6-8c73-55d495a6473d.tif",
    "mcf-z-stacks-03212011_h15_s2_w2e0acc168-6624-431b-9309-d008b161fffa.tif",
)

# names of BBBC010 files as public readers of the set use them (GitHub code search for the plate prefix)
BBBC010_FILES = (
    "1649_1109_0003_Amp5-1_B_20070424_A01_w1_9E84F49F-1B25-4E7E-8040-D1BB2D7E73EA.tif",
    "1649_1109_0003_Amp5-1_B_20070424_A01_w2_15ADF48D-C09E-47DE-B763-5BC479534681.tif",
    "1649_1109_0003_Amp5-1_B_20070424_A05_w2_9F329A58-2D6D-42E2-9E6D-E23ACBACE9E0.tif",
    "1649_1109_0003_Amp5-1_B_20070424_D20_w1_066B88BE-96FA-420D-B631-F6E3CF2E71D9.tif",
)

# Arierrot/WormSegmentation dataset/ (real BBBC012 files: uint16 holding 12-bit values)
BBBC012_FILES = (
    "101210OranePlt2_M08_w1_[ABB5DA61-DCF0-4F2D-9061-DF24E65E73E1].tif",
    "101210OranePlt2_M08_w2_[9CDBBF97-BD6B-452C-B914-8027AEE48A11].tif",
    "101210OranePlt2_M08_w3_[3008928C-2DBE-4151-B8E9-63DDF40656CB].tif",
    "101210OranePlt2_M24_w1_[44F8AE94-D8F3-43B9-865C-8A875B7802B8].tif",
    "101210OranePlt2_M24_w2_[FE267751-30AB-44D1-AF5D-930FB8249E8A].tif",
    "101210OranePlt2_M24_w3_[BF3CFA07-CCEB-455C-B655-3AEEC98F4CF6].tif",
)

# stan-hua/CytoImageNet annotations/bbbc013_metadata.csv and bbbc014_metadata.csv at aec7751
BBBC013_WELLS = ((6, "A", 6), (36, "C", 12), (96, "H", 12))
BBBC014_WELLS = ((6, "A", 6), (29, "C", 5), (84, "G", 12))

# stan-hua/CytoImageNet annotations/bbbc015_metadata.csv at aec7751 (well 54 field 4, well 62 field 1)
BBBC015_FIELDS = ((54, 4), (62, 1))

# BBBC017: folder and file names as in zindy/qupath-extension-fireparser sample_data (barcode, well, field)
# with the d0/d1/d2 channel suffix of stan-hua/CytoImageNet scripts/preprocessor.py
BBBC017_BARCODE = "AS_09125_050117080001"
BBBC017_FIELDS = (("+", 1, "A01", 0), ("+", 1, "A02", 0), ("-", 1, "A01", 0), ("+", 2, "A02", 1), ("+", 1, "O13", 0))
# four real rows of BBBC017_v1_metadata.xls (stan-hua/CytoImageNet annotations/bbbc_human_ht29_shRNAi_screen.xls
# at b0e57cf): Gabra3 and MAPK11 hairpins, an shLuc and an EMPTY control well
BBBC017_HEADER = [
    "384well-index", "384-Plate#", "384-quad", "384-well", "96-Plate#", "96-well", "96row", "96col", "384row",
    "384col", "384-well PlateName", "96-well PlateName", "Row", "Col", "senseOligoId", "location", "Nmid",
    "taxonId", "locuslinkId", "gene name", "Transcript Description", "SenseOligoSeq", "ProdStatus", "class", "",
    "", "plate order",
]
BBBC017_ROWS = [
    [1.0, 1.0, 1.0, "A01", 1.0, "A01", 1.0, 1.0, 1.0, 1.0, "JVALRvi001", "VAL01_CLO", "A", 1.0, "NM_008067-305s1c1",
     "CDS", "NM_008067", 10090.0, 14396.0, "Gabra3", "gamma-aminobutyric acid (GABA-A) receptor, subunit alpha 3",
     "CCGGGGGAATCAAGACGACAAGAACCTCGAGGTTCTTGTCGTCTTGATTCCCTTTTT", "cloned", "NONE", "NM_000808.2 (LOC:2556)",
     "noAltMouse", 4321.0],
    [2.0, 1.0, 2.0, "A02", 2.0, "A01", 1.0, 1.0, 1.0, 2.0, "JVALRvi001", "VAL02_CLO", "A", 1.0, "NM_002751-424s1c1",
     "CDS", "NM_002751", 9606.0, 5600.0, "MAPK11", "mitogen-activated protein kinase 11",
     "CCGGGAACAACATCGTCAAGTGCCACTCGAGTGGCACTTGACGATGTTGTTCTTTTT", "cloned", "kinase", "noAltHuman", "noAltMouse",
     4417.0],
    [386.0, 2.0, 2.0, "A02", 6.0, "A01", 1.0, 1.0, 1.0, 2.0, "JVALRvi002", "JDctavi001", "", "", "", "", "", "", "",
     "shLuc", "", "", "", "", "", "", ""],
    [349.0, 1.0, 1.0, "O13", 1.0, "H07", 8.0, 7.0, 15.0, 13.0, "JVALRvi001", "VAL01_CLO", "H", 7.0, "EMPTY", "", "",
     "", "", "EMPTY", "", "", "", "", "", "", 4411.0],
]


def _bmp(path: Path, size: int, suffix_format: str = "BMP") -> Path:
    """An 8-bit grayscale BMP (Windows DIB) under any extension; write_image picks formats by extension."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(zlib.crc32(path.name.encode()))
    Image.fromarray(texture((size, size), 8, rng), "L").save(path, format=suffix_format)
    return path


def bbbc005(root: Path, size: int = 8, fields=BBBC005_FIELDS + BBBC005_BLURRED) -> Path:
    """BBBC005_v1_images/SIMCEPImages_<well>_C<count>_F<blur>_s<sample>_w<1|2>.TIF, 8-bit."""
    folder = root / "bbbc005"
    for well, count, blur, sample in fields:
        for w in (1, 2):
            name = f"SIMCEPImages_{well}_C{count}_F{blur}_s{sample:02d}_w{w}.TIF"
            write_image(folder / "BBBC005_v1_images" / name, size=size)
    return folder


def bbbc006(root: Path, size: int = 8, planes=("16",), files=BBBC006_FILES) -> Path:
    """BBBC006_v1_images_z_<zz>/mcf-z-stacks-03212011_<well>_s<site>_w<n><GUID>.tif, 16-bit."""
    folder = root / "bbbc006"
    for z in planes:
        for name in files:
            write_image(folder / f"BBBC006_v1_images_z_{z}" / name, bits=16, size=size)
    return folder


def bbbc010(root: Path, size: int = 8, files=BBBC010_FILES) -> Path:
    """BBBC010_v2_images/<prefix>_<well>_w<1|2>_<GUID>.tif, 16-bit (the zip's folder name is not known)."""
    folder = root / "bbbc010"
    for name in files:
        write_image(folder / "BBBC010_v2_images" / name, bits=16, size=size)
    return folder


def bbbc012(root: Path, size: int = 8, files=BBBC012_FILES) -> Path:
    """BBBC012_v1_images/<plate>_<well>_w<1|2|3>_[<GUID>].tif, 12-bit values in 16-bit TIFFs."""
    folder = root / "bbbc012"
    for name in files:
        write_image(folder / "BBBC012_v1_images" / name, bits=12, size=size)
    return folder


def bbbc013(root: Path, size: int = 8, wells=BBBC013_WELLS) -> Path:
    """BBBC013_v1_images_bmp/Channel<1|2>-<index>-<row>-<col>.BMP, 8-bit."""
    folder = root / "bbbc013"
    for index, row, col in wells:
        for ch in (1, 2):
            write_image(folder / "BBBC013_v1_images_bmp" / f"Channel{ch}-{index:02d}-{row}-{col:02d}.BMP", size=size)
    return folder


def bbbc014(root: Path, size: int = 8, wells=BBBC014_WELLS) -> Path:
    """BBBC014_v1_images/Channel <1|2>-<index>-<row>-<col>-00.Bmp, 8-bit."""
    folder = root / "bbbc014"
    for index, row, col in wells:
        for ch in (1, 2):
            write_image(folder / "BBBC014_v1_images" / f"Channel {ch}-{index:02d}-{row}-{col:02d}-00.Bmp", size=size)
    return folder


def bbbc015(root: Path, size: int = 8, fields=BBBC015_FIELDS) -> Path:
    """BBBC015_v1_images/<well>_<field>_<0|1>.JPG, 8-bit JPEG."""
    folder = root / "bbbc015"
    for well, field in fields:
        for ch in (0, 1):
            write_image(folder / "BBBC015_v1_images" / f"{well}_{field}_{ch}.JPG", size=size)
    return folder


def write_xls(path: Path, header, rows) -> Path:
    """A legacy .xls workbook with one sheet 'Data', as the BBBC017 plate map is distributed."""
    import xlwt

    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlwt.Workbook()
    sheet = book.add_sheet("Data")
    for j, name in enumerate(header):
        sheet.write(0, j, name)
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            if value != "":
                sheet.write(i, j, value)
    book.save(str(path))
    return path


def bbbc017(root: Path, size: int = 8, fields=BBBC017_FIELDS, rows=BBBC017_ROWS) -> Path:
    """BBBC017_v1_images_NIRHTa<+|->NNN/<barcode>_<well>f<field>d<0|1|2>.DIB + BBBC017_v1_metadata.xls."""
    folder = root / "bbbc017"
    write_xls(folder / "BBBC017_v1_metadata.xls", BBBC017_HEADER, rows)
    for arm, plate, well, field in fields:
        for d in (0, 1, 2):
            name = f"{BBBC017_BARCODE}_{well}f{field:02d}d{d}.DIB"
            _bmp(folder / f"BBBC017_v1_images_NIRHTa{arm}{plate:03d}" / name, size)
    return folder


FIXTURES: dict[str, Callable[[Path, int], Path]] = {
    "bbbc005": bbbc005,
    "bbbc006": bbbc006,
    "bbbc010": bbbc010,
    "bbbc012": bbbc012,
    "bbbc013": bbbc013,
    "bbbc014": bbbc014,
    "bbbc015": bbbc015,
    "bbbc017": bbbc017,
}
