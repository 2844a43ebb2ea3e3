"""Fixtures of the IDR screens idr0016, idr0081, idr0088, idr0093, idr0017, idr0009 in their real layouts.

FIXTURES[id](root, size) writes ROOT/<id>/ as a download of the study holds it: the study repository's
annotation CSV, plate list and bulk.yml under `screenX/`, and the plates' image files where the plate list
puts them below the study folder of the IDR file server, with 16-bit synthetic pixels `size` px a side.
Header rows, plate lists and plate names are copied from the study repositories (named per fixture); where
a study's annotation CSV is too large to be stored there (idr0016, idr0017, idr0093, idr0009), the columns
are those its bulkmap-config.yml names and the cell values are taken from the files that are stored (plate
lists, processed.txt), said per fixture.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from pathlib import Path
from typing import Callable

from catalog_fixtures import write_image


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """A CSV, compressed as the study distributes it when the name says so (.csv.gz, .csv.zip)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.name.endswith(".gz"):
        # mtime 0: the same bytes on every run
        path.write_bytes(gzip.compress(buf.getvalue().encode(), mtime=0))
    elif path.name.endswith(".zip"):
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr(zipfile.ZipInfo(path.name[: -len(".zip")], date_time=(1980, 1, 1, 0, 0, 0)), buf.getvalue())
    else:
        path.write_text(buf.getvalue())


# ---------------------------------------------------------------------------------------------------------
# idr0081: IDR/idr0081-georgi-adenovirus screenA (UZH ImageXpress, plate list of .HTD files as (path, name))

IDR0081_HEADER = (
    "Plate,Well,Characteristics [Organism 1],Term Source 1 REF,Term Source 1 Accession,Characteristics [Organism 2],"
    "Term Source 2 REF,Term Source 2 Accession,Characteristics [Cell Line],Term Source 3 REF,Term Source 3 Accession,"
    "Compound Name,Compound PubChem CID,Compound PubChem URL,Compound Concentration (microMolar),CAS,Compound SMILES,"
    "Experimental Condition [DMSO solvent],Control Type,Comment [Control Type Comments],Quality Control,"
    "Comment [Quality Control Comments],Channels,Max Nuclei Intensity,Total Nuclei Intensity,Mean Nuclei Intensity,"
    "Number Of Nuclei,Max Virus Intensity,Total Virus Intensity,Mean Virus Intensity,Median Virus Intensity,"
    "Number Of Plaques,Number Of Infected Nuclei,Lesion Area,Infection Index"
).split(",")
# screenA/idr0081-screenA-annotation.csv, rows preZ A1 and A10
IDR0081_ROWS = [
    ["preZ", "A1", "Homo sapiens", "NCBITaxon", "NCBITaxon_9606", "Human adenovirus 2", "NCBITaxon", "NCBITaxon_10515",
     "A549", "EFO", "EFO_0001086", "Dimethyl sulfoxide", "679", "https://pubchem.ncbi.nlm.nih.gov/compound/679",
     "1762.5", "67-68-5", "CS(=O)C", "0.01%", "negative control", "solvent control", "pass",
     "non-toxic in absence of infection", "Hoechst:nuclei; GFP:infection", "40231", "11921893687", "2842.400953",
     "17197", "57959", "3408966188", "812.7608747", "", "17", "7316", "1045180", "0.425423039"],
    ["preZ", "A10", "Homo sapiens", "NCBITaxon", "NCBITaxon_9606", "Human adenovirus 2", "NCBITaxon", "NCBITaxon_10515",
     "A549", "EFO", "EFO_0001086", "Dimethyl sulfoxide", "679", "https://pubchem.ncbi.nlm.nih.gov/compound/679",
     "1762.5", "67-68-5", "CS(=O)C", "0.01%", "negative control", "solvent control", "pass",
     "non-toxic in absence of infection", "Hoechst:nuclei; GFP:infection", "31036", "11894795596", "2835.940265",
     "19379", "44574", "4078910912", "972.4881439", "", "20", "8735", "1163676", "0.450745653"],
]
IDR0081_PLATES = (
    "/uod/idr/filesets/idr0081-georgi-adenovirus/20200324-owncloud/1-prePlates/Data_UZH/preScreen/HAdV-pre.HTD\tpreScreen\n"
    "/uod/idr/filesets/idr0081-georgi-adenovirus/20200324-owncloud/1-prePlates/Data_UZH/preZ/HAdV-preZ.HTD\tpreZ\n"
)
IDR0081_BULK = 'target: "Screen:name:idr0081-georgi-adenovirus/screenA"\ninclude: "../bulk.yml"\npath: "idr0081-screenA-plates.tsv"\n'
IDR0081_ROOT_BULK = 'continue: "true"\ntransfer: "ln_s"\nskip: "checksum"\nparallel_upload: "10"\ncolumns:\n  - path\n  - name\n'
IDR0081_PLATE_DIR = "20200324-owncloud/1-prePlates/Data_UZH/preZ"


def idr0081(root: Path, size: int = 8) -> Path:
    folder = root / "idr0081"
    _csv(folder / "screenA/idr0081-screenA-annotation.csv", IDR0081_HEADER, IDR0081_ROWS)
    _write(folder / "screenA/idr0081-screenA-plates.tsv", IDR0081_PLATES)
    _write(folder / "screenA/idr0081-screenA-bulk.yml", IDR0081_BULK)
    _write(folder / "bulk.yml", IDR0081_ROOT_BULK)
    # MetaXpress: one file per well and wavelength, no sites (the original read <plate>_<well>_w<1|2>.tif)
    for well in ("A01", "A10"):
        for w in (1, 2):
            write_image(folder / IDR0081_PLATE_DIR / f"HAdV-preZ_{well}_w{w}.tif", bits=16, size=size)
    return folder


# ---------------------------------------------------------------------------------------------------------
# idr0088: IDR/idr0088-cox-phenomicprofiling screenA (CellVoyager; plate list of .wpi paths alone)

IDR0088_HEADER = (
    "Plate,Well,Characteristics [Organism],Term Source 1 REF,Term Source 1 Accession,Characteristics [Cell Line],"
    "Term Source 2 REF,Term Source 2 Accession,Comment [Cell Line with Markers],Compound Concentration (microMolar),"
    "Compound Set,Compound MoA,Compound Name,Compound ID - Artificial,Compound SMILES,Compound InChIKey,"
    "Compound PubChem CID,Compound PubChem URL,Control Type,Channels,Plate Location"
).split(",")
_CINCHONIDINE = [
    "Prestwick Natural Product", "", "(-)-Cinchonidine", "CPD0001",
    "C=C[C@H]1C[N@@]2CC[C@H]1C[C@H]2[C@H](O)c3ccnc4ccccc34 {A2=R;A7=S;A9=S;A10=R}", "KMPWYEUPVWOPIM-KODHJQJWSA-N",
    "101744", "https://pubchem.ncbi.nlm.nih.gov/compound/101744", "",
    "Ch1 (blue): Nuclei/Cytoplasm, Ch2 (green): ACTB, Ch3 (red): RAB5A",
    "p171224PPS139/PpsL05A549ActbRab5a_PPS139_20171225_200929",
]
# screenA/idr0088-screenA-annotation.csv.zip, rows 1013608248 L10 and L7
IDR0088_ROWS = [
    ["1013608248", well, "Homo sapiens", "NCBITaxon", "NCBITaxon_9606", "A549", "EFO", "EFO_0001086", "A549-ACTB-RAB5A",
     conc, *_CINCHONIDINE]
    for well, conc in (("L10", "0.3"), ("L7", "9"))
]
IDR0088_PLATE_DIR = (
    "20200722-awss3/ds_hcs_02/PhenoPrintScreen/raw_images_for_IDR/p171224PPS139/"
    "PpsL05A549ActbRab5a_PPS139_20171225_200929/1013608248"
)
IDR0088_BULK = (
    'target: "Screen:name:idr0088-cox-phenomicprofiling/screenA"\npath: "idr0088-screenA-plates.tsv"\n'
    'continue: "true"\ntransfer: "ln_s"\nskip: "all"\nparallel_upload: "10"\ncolumns:\n    - path\n'
)


def idr0088(root: Path, size: int = 8) -> Path:
    folder = root / "idr0088"
    _csv(folder / "screenA/idr0088-screenA-annotation.csv.zip", IDR0088_HEADER, IDR0088_ROWS)
    _write(folder / "screenA/idr0088-screenA-plates.tsv",
           f"/uod/idr/filesets/idr0088-cox-phenomicprofiling/{IDR0088_PLATE_DIR}/1013608248.wpi\n")
    _write(folder / "screenA/idr0088-screenA-bulk.yml", IDR0088_BULK)
    _write(folder / IDR0088_PLATE_DIR / "1013608248.wpi", "")
    # CV7000 names: <plate>_<well>_T<time>F<field>L<layer>A<acquisition>Z<plane>C<channel>.tif
    for well in ("L10", "L07"):
        for c in (1, 2, 3):
            name = f"1013608248_{well}_T0001F001L01A0{c}Z01C0{c}.tif"
            write_image(folder / IDR0088_PLATE_DIR / name, bits=16, size=size)
    return folder


# ---------------------------------------------------------------------------------------------------------
# idr0093: IDR/idr0093-mueller-perturbation screenA (CellVoyager; plate list (path, name) of .wpi files).
# The annotation CSV is not stored in the repository snapshot: its columns are those of
# screenA/idr0093-screenA-bulkmap-config.yml; the siRNA ids are among the original's (datasets_info.csv),
# their gene symbols are placeholders of the right form.

IDR0093_HEADER = [
    "Plate", "Well", "Characteristics [Organism]", "Characteristics [Cell Line]", "Comment [Cell Line]",
    "Gene Identifier", "Gene Symbol", "siRNA Pool Identifier 1", "siRNA Pool Identifier 2",
    "siRNA Pool Identifier 3", "Control Type", "Quality Control", "Channels", "Phenotype", "Phenotype Term Name",
]
IDR0093_ROWS = [
    ["001", "B3", "Homo sapiens", "HeLa", "", "ENSG00000000457", "SCYL3", "s10427", "s7902", "", "", "pass", "", "", ""],
    ["001", "B4", "Homo sapiens", "HeLa", "", "ENSG00000000938", "FGR", "s21749", "", "", "", "pass", "", "", ""],
]
IDR0093_PLATES = (
    "/uod/idr/filesets/idr0093-mueller-perturbation/20200910-rsync/001/001.wpi\t001\n"
    "/uod/idr/filesets/idr0093-mueller-perturbation/20200901-rsync/01_batch/002/002.wpi\t002\n"
)
IDR0093_BULK = (
    'target: "Screen:name:idr0093-mueller-perturbation/screenA"\npath: "idr0093-screenA-plates.tsv"\n'
    'continue: "true"\ntransfer: "ln_s"\nparallel_upload: "10"\ncolumns:\n    - path\n    - name\n'
)


def idr0093(root: Path, size: int = 8) -> Path:
    folder = root / "idr0093"
    _csv(folder / "screenA/idr0093-screenA-annotation.csv.gz", IDR0093_HEADER, IDR0093_ROWS)
    _write(folder / "screenA/idr0093-screenA-plates.tsv", IDR0093_PLATES)
    _write(folder / "screenA/idr0093-screenA-bulk.yml", IDR0093_BULK)
    # two acquisitions: DAPI/PCNA (A01) then EU/SE (A02), as the study's protocol says
    for well in ("B03", "B04"):
        for c, a in ((1, 1), (2, 1), (3, 2), (4, 2)):
            write_image(folder / "20200910-rsync/001" / f"001_{well}_T0001F001L01A0{a}Z01C0{c}.tif", bits=16, size=size)
    return folder


# ---------------------------------------------------------------------------------------------------------
# idr0016: IDR/idr0016-wawer-bioactivecompoundprofiling screenA (ImageXpress; one folder per plate and stain,
# <plate>-<stain>/, under 2016-02-19-screens-cellimagelibrary/ and 2017-07-14-cellimagelibrary-60newplates/,
# files <tag>_<well>_s<field>_w<n><uuid>.tif: IDR/idr-utils scripts/gen_screens_0016_0036/make_screen.py and
# make_all). The plate list names IDR-generated .screen files. The annotation CSV is not stored in the
# snapshot: columns from screenA/idr0016-screenA-bulkmap-config.yml.

IDR0016_HEADER = [
    "Plate", "Well", "Characteristics [Organism]", "Characteristics [Cell Line]", "Compound Name",
    "Compound Broad Identifier", "Compound Group", "Control Type", "Channels", "Plate Issues",
]
IDR0016_ROWS = [
    ["24278", "A1", "Homo sapiens", "U2OS", "DMSO", "", "", "negative control", "", ""],
    ["24278", "B2", "Homo sapiens", "U2OS", "", "", "BIO", "", "", ""],
]
# w<n> of each stain as BBBC022's columns pair them (rename_dirs_BBBC022_v1_image.py)
IDR0016_STAINS = {"Hoechst": 1, "ERSyto": 2, "ERSytoBleed": 3, "Ph_golgi": 4, "Mito": 5}
IDR0016_DIR = "2016-02-19-screens-cellimagelibrary"


def idr0016(root: Path, size: int = 8) -> Path:
    folder = root / "idr0016"
    _csv(folder / "screenA/idr0016-screenA-annotation.csv", IDR0016_HEADER, IDR0016_ROWS)
    _write(folder / "screenA/idr0016-screenA-plates.tsv", "24277\t../screens/24277.screen\n24278\t../screens/24278.screen\n")
    uuid = "edcec6dc-b1e3-4ffc-80da-9b049a89447b"
    for stain, w in IDR0016_STAINS.items():
        for well in ("a01", "b02"):
            write_image(folder / IDR0016_DIR / f"24278-{stain}" / f"cdp2bioactives_{well}_s1_w{w}{uuid}.tif",
                        bits=16, size=size)
    return folder


# ---------------------------------------------------------------------------------------------------------
# idr0017: IDR/idr0017-breinig-drugscreen screenA (IN Cell Analyzer; plate list (name, path) of .xdce files;
# file names "<row> - <col>(fld <n> wv <DAPI|Cy3> - <DAPI|Cy3>).tif" as script.py reads them). The
# annotation CSV is not stored in the snapshot: columns from screenA/idr0017-screenA-bulkmap-config.yml.

IDR0017_PLATE = "AKT1-/-_&_AKT2-/-_LOPAC_Plate_1_Replicate_1"
IDR0017_PLATE_DIR = "20151124/14_X-Man_10x/source/2011-11-17_X-Man_LOPAC_X01_LP_S01_1"
IDR0017_HEADER = [
    "Plate", "Well", "Characteristics [Organism]", "Characteristics [Cell Line]", "Mutation Detailed",
    "Compound Name", "Control Type", "Channels",
]
IDR0017_ROWS = [
    [IDR0017_PLATE, "A1", "Homo sapiens", "HCT116", "AKT1-/-; AKT2-/-", "DMSO", "negative control", ""],
    [IDR0017_PLATE, "B3", "Homo sapiens", "HCT116", "AKT1-/-; AKT2-/-", "Taxol", "positive control", ""],
]
IDR0017_BULK = (
    'continue: "true"\ntransfer: "ln_s"\nexclude: "clientpath"\nskip: "all"\noutput: "yaml"\ncolumns:\n'
    '    - name\n    - path\nparallel_upload: "50"\ntarget: "Screen:name:idr0017-breinig-drugscreen/screenA"\n'
    'path: "idr0017-screenA-plates.tsv"\n'
)


def idr0017(root: Path, size: int = 8) -> Path:
    folder = root / "idr0017"
    _csv(folder / "screenA/idr0017-screenA-annotation.csv", IDR0017_HEADER, IDR0017_ROWS)
    _write(folder / "screenA/idr0017-screenA-plates.tsv",
           f"{IDR0017_PLATE}\t/uod/idr/filesets/idr0017-breinig-drugscreen/{IDR0017_PLATE_DIR}/"
           "2011-11-17 X-Man LOPAC_X03_LP_S01_1.xdce\n")
    _write(folder / "screenA/idr0017-screenA-bulk.yml", IDR0017_BULK)
    for row, col in (("A", 1), ("B", 3)):
        for ch in ("DAPI", "Cy3"):
            write_image(folder / IDR0017_PLATE_DIR / f"{row} - {col}(fld 1 wv {ch} - {ch}).tif", bits=16, size=size)
    return folder


# ---------------------------------------------------------------------------------------------------------
# idr0009: IDR/idr-metadata idr0009-simpson-secretion screenA (Olympus ScanR; plate list (name, path) of
# folders; files <plate>/data/--W<well index>--P<pos>--Z00000--T00000--<stain>.tif as in the OME sample
# https://downloads.openmicroscopy.org/images/ScanR/idr0009/0307-10--2007-05-30/data/). Annotation columns
# from screenA/idr0009-screenA-bulkmap-config.yml; siRNA/gene pairs from screenA/idr0009-screenA-processed.txt.

IDR0009_PLATE = "0001-03--2005-08-01"
IDR0009_HEADER = [
    "Plate", "Well", "Characteristics [Organism]", "Characteristics [Cell Line]", "Control Type", "Quality Control",
    "Channels", "siRNA Identifier", "Gene Identifier", "Gene Symbol", "Phenotype 1", "Phenotype 1 Term Name",
]
IDR0009_ROWS = [
    [IDR0009_PLATE, "A1", "Homo sapiens", "HeLa", "", "pass", "", "103782", "ENSG00000000457", "SCYL3",
     "mild inhibition of secretion", ""],
    [IDR0009_PLATE, "A2", "Homo sapiens", "HeLa", "", "pass", "", "1468", "ENSG00000000938", "FGR",
     "strong inhibition of secretion", ""],
]
IDR0009_STAINS = ("nucleus-dapi", "pm-647", "vsvg-cfp")


def idr0009(root: Path, size: int = 8) -> Path:
    folder = root / "idr0009"
    _csv(folder / "screenA/idr0009-screenA-annotation.csv.gz", IDR0009_HEADER, IDR0009_ROWS)
    _write(folder / "screenA/idr0009-screenA-plates.tsv",
           f"{IDR0009_PLATE}\t/uod/idr/filesets/idr0009-simpson-secretion/20150507-VSVG/VSVG/{IDR0009_PLATE}\n")
    for w in (1, 2):
        for stain in IDR0009_STAINS:
            name = f"--W{w:05d}--P00001--Z00000--T00000--{stain}.tif"
            write_image(folder / "20150507-VSVG/VSVG" / IDR0009_PLATE / "data" / name, bits=16, size=size)
    return folder


# ---------------------------------------------------------------------------------------------------------
# idr0003: IDR/idr-metadata idr0003-breker-plasticity screenA (Olympus ScanR; plate list (name, folder)).
# Annotation columns from screenA/idr0003-screenA-bulkmap-config.yml; the rows' genes, condition and
# localisations from JCBYeastProteomePlasticity.BULK_ANNOTATION_DTT_p1_p2_p9_only.csv (DTT p1 A3, A4), the
# Channels cell from idr0003-study.txt (Raw Image Channels), the strain from the original's cell_type.

IDR0003_PLATE = "DTT p1"
IDR0003_HEADER = [
    "Plate", "Well", "Characteristics [Strain]", "Experimental Condition [Environmental Stress]", "Control Type",
    "Quality Control", "Channels", "Characteristics [Organism]", "Gene Identifier", "Gene Symbol", "Phenotype 1",
    "Phenotype 1 Term Name",
]
_IDR0003_CHANNELS = "H2B-mCherry:cytosol;GFP:tagged protein;bright field/transmitted:cell contour, vacuole"
IDR0003_ROWS = [
    [IDR0003_PLATE, "A3", "Y6545", "dithiothreitol", "", "", _IDR0003_CHANNELS, "Saccharomyces cerevisiae",
     "YLR454W", "FMP27", "GFP localization: cytosol", "protein localized in cytosol"],
    [IDR0003_PLATE, "A4", "Y6545", "dithiothreitol", "", "", _IDR0003_CHANNELS, "Saccharomyces cerevisiae",
     "YDL112W", "TRM3", "GFP localization: cytosol", "protein localized in cytosol"],
]


def idr0003(root: Path, size: int = 8) -> Path:
    folder = root / "idr0003"
    _csv(folder / "screenA/idr0003-screenA-annotation.csv", IDR0003_HEADER, IDR0003_ROWS)
    _write(folder / "screenA/idr0003-screenA-plates.tsv",
           f"{IDR0003_PLATE}\t/uod/idr/filesets/idr0003-breker-plasticity/201301120/Images/DTT/p1\n")
    for w in (3, 4):
        for stain in ("GFP", "Cherry", "Transmit"):
            name = f"--W{w:05d}--P00001--Z00000--T00000--{stain}.tif"
            write_image(folder / "201301120/Images/DTT/p1" / name, bits=16, size=size)
    return folder


FIXTURES: dict[str, Callable[[Path, int], Path]] = {
    "idr0016": idr0016,
    "idr0081": idr0081,
    "idr0088": idr0088,
    "idr0093": idr0093,
    "idr0017": idr0017,
    "idr0009": idr0009,
    "idr0003": idr0003,
}
