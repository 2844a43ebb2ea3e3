"""Fixtures in the real layouts of six IDR studies (idr0021, idr0067, idr0037, idr0041, idr0072, idr0080).

Metadata lines are copied from the studies' own files (pinned commits of the IDR/idr00NN-* repositories the
original CytoImageNet also pinned in its datasets_info.csv; idr0041's annotation from its curation fork
snoopycrimecop/idr0041-cai-mitoticatlas); only the pixels are made up, at the studies' bit depths and formats.
FIXTURES[id](root, size) writes ROOT/<id>/ and returns it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from catalog_fixtures import texture, write_image


def write_lines(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_dv(path: Path, planes: int = 2, size: int = 8, z: int = 1, bits: int = 16) -> Path:
    """A DeltaVision file (Priism MRC header, DV id -16224) of z sections x `planes` wavelengths, 16-bit,
    written by the `mrc` package the builder reads DV with."""
    import zlib

    import mrc

    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(zlib.crc32(path.name.encode()))
    data = np.stack([texture((size, size), bits, rng) for _ in range(z * planes)])
    # mrc's writer takes the shortest axis of a 4-D array as the wavelengths: (z, wavelength, y, x), z > planes
    data = data.reshape(z, planes, size, size) if z > 1 else data
    waves = [442, 525, 615, 0, 0][:planes] + [0] * (5 - planes)
    mrc.imsave(str(path), data.astype(np.uint16), metadata={"wave": waves})
    return path


# ---------------------------------------------------------------------------------------------------------
# idr0021: IDR/idr0021-lawo-pericentriolarmaterial @ 4fe840cb, experimentA/

IDR0021_HEADER = (
    "Dataset Name,Image Name,Characteristics [Organism],Characteristics [Cell Line],Characteristics [Cell Cycle Phase],"
    "Experimental Condition [Antibody Target],Comment [Targeted Protein],Comment [Gene Identifier],Comment [Gene Symbol],"
    "Comment [Gene Symbol Synonyms],Comment [Gene Annotation Comments],Channels,Mean Outer Toroid Diameter,"
    "Standard Deviation of Outer Toroid Diameter,Number of Centrosomes Measured,Has Phenotype,Phenotype Annotation Level,"
    "Phenotype 1,Phenotype 1 Term Name,Phenotype 1 Term Accession"
)
_GRCH38 = '"Gene identifiers and symbols from GRCh38.p5, Ensembl release 84, Mar 2016. Added by IDR curators."'
IDR0021_ROWS = (
    # (line, folder the image lies in below the study folder, planes); CEP120's two datasets reuse one name
    (f"CDK5RAP2-C,Centrin_PCNT_Cep215_20110506_Fri-1545_0_SIR_PRJ.dv,Homo sapiens,HeLa,interphase,CDK5RAP2-C,CDK5RAP2,"
     f"ENSG00000136861,CDK5RAP2,CEP215,{_GRCH38},442:CENT2; 525:PCNT; 615:CDK5RAP2-C,452.2 nanometers,38.1 nanometers,40,"
     "yes,protein,protein localized to centrosome,protein localized in centrosome phenotype,CMPO_0000425",
     "Raw-files/CDK5RAP2-C/Centrin_PCNT_Cep215_20110506", 3),
    (f"CEP120/20111106,Cep120_gtub_001_SIR_PRJ.dv,Homo sapiens,HeLa,interphase,CEP120,CEP120,ENSG00000168944,CEP120,,"
     f"{_GRCH38},525:CEP120; 615:TUBG1-N,364 nanometers,25.3 nanometers,54,yes,protein,protein localized to centrosome,"
     "protein localized in centrosome phenotype,CMPO_0000425",
     "Raw-files/CEP120/20111106", 2),
    (f"CEP120/20111209,Cep120_gtub_001_SIR_PRJ.dv,Homo sapiens,HeLa,interphase,CEP120,CEP120,ENSG00000168944,CEP120,,"
     f"{_GRCH38},525:CEP120; 615:TUBG1-N,364 nanometers,25.3 nanometers,54,yes,protein,protein localized to centrosome,"
     "protein localized in centrosome phenotype,CMPO_0000425",
     "Raw-files/CEP120/20111209", 2),
)
_IDR0021_INCOMING = "/uod/idr/incoming/idr0021-lawo-pericentriolarmaterial/"
IDR0021_FILE_PATHS = [
    f"Dataset:name:CDK5RAP2-C\t{_IDR0021_INCOMING}Raw-files/CDK5RAP2-C/Centrin_PCNT_Cep215_20110506/",
    f"Dataset:name:CDK5RAP2-C\t{_IDR0021_INCOMING}Raw-files/CDK5RAP2-C/Cep215_NEDD1_20101116/",
    f"Dataset:name:CEP120/20111106\t{_IDR0021_INCOMING}Raw-files/CEP120/20111106/",
    f"Dataset:name:CEP120/20111209\t{_IDR0021_INCOMING}Raw-files/CEP120/20111209/",
]


def idr0021(root: Path, size: int = 8) -> Path:
    folder = root / "idr0021"
    write_lines(folder / "experimentA/idr0021-experimentA-annotation.csv", [IDR0021_HEADER] + [r[0] for r in IDR0021_ROWS])
    write_lines(folder / "experimentA/idr0021-experimentA-filePaths.tsv", IDR0021_FILE_PATHS)
    for line, where, planes in IDR0021_ROWS:
        write_dv(folder / where / line.split(",")[1], planes=planes, size=size)
    return folder


# ---------------------------------------------------------------------------------------------------------
# idr0067: IDR/idr0067-king-yeastmeiosis @ 6c09e7ef, experimentA/ (Figure 1B: raw and deconvolved stacks, their
# z-projection and the bright-field reference; Figure 5C: serial EM sections)

IDR0067_HEADER = 'Dataset Name,Image Name,Characteristics [Organism],Term Source 1 REF,Term Source 1 Accession,Characteristics [Strain],Term Source 2 REF,Term Source 2 Accession,Protocol,Experimental Condition [Imaging Type],Comment [Gene Identifier] 1,Comment [Gene Symbol] 1,Comment [Protein] 1,Comment [Construct/Marker] 1,Comment [Gene Identifier] 2,Comment [Gene Symbol] 2,Comment [Protein] 2,Comment [Genetic Background],Comment [Genetic Background Identifier],Comment [Gene Annotation Comments],Assay Name,Comment [Image File Path],Comment [Image File Type],Channels,Comment [Experimental Conclusion]'
IDR0067_ROWS = (
    'Figure 1B,1B_010618_Hsp104Htb1_Meiosis_01_47_R3D_D3D.dv,Saccharomyces cerevisiae,NCBITaxon,4932,SK1,NCBITaxon,580239,"Growth - SPO, 30C",Live cell imaging,YLL026W,HSP104,Hsp104,,YDR224C,HTB1,Htb1,flo8Δ,YER109C,SGD,Figure 1B,/Figure 1/Figure 1B,Deconvolved,"FITC = Hsp104-eGFP, mCherry = Htb1-mCherry",Protein aggregates in aged cells are sequestered away from chromosomes during anaphase II and are subsequently eliminated.',
    'Figure 1B,1B_010618_Hsp104Htb1_Meiosis_01_47_R3D.dv,Saccharomyces cerevisiae,NCBITaxon,4932,SK1,NCBITaxon,580239,"Growth - SPO, 30C",Live cell imaging,YLL026W,HSP104,Hsp104,,YDR224C,HTB1,Htb1,flo8Δ,YER109C,SGD,Figure 1B,/Figure 1/Figure 1B,Raw,"FITC = Hsp104-eGFP, mCherry = Htb1-mCherry",Protein aggregates in aged cells are sequestered away from chromosomes during anaphase II and are subsequently eliminated.',
    'Figure 1B,1B_MAX_010618_Hsp104Htb1_Meiosis_01_47_zproj_R3D_D3D.tif,Saccharomyces cerevisiae,NCBITaxon,4932,SK1,NCBITaxon,580239,"Growth - SPO, 30C",Live cell imaging,YLL026W,HSP104,Hsp104,,YDR224C,HTB1,Htb1,flo8Δ,YER109C,SGD,Figure 1B,/Figure 1/Figure 1B,Deconvolved z-projected,"FITC = Hsp104-eGFP, mCherry = Htb1-mCherry",Protein aggregates in aged cells are sequestered away from chromosomes during anaphase II and are subsequently eliminated.',
    'Figure 1B,1B_010618_Hsp104Htb1_Meiosis_01_47_R3D_REF.dv,Saccharomyces cerevisiae,NCBITaxon,4932,SK1,NCBITaxon,580239,"Growth - SPO, 30C",Live cell imaging,YLL026W,HSP104,Hsp104,,YDR224C,HTB1,Htb1,flo8Δ,YER109C,SGD,Figure 1B,/Figure 1/Figure 1B,Reference,Bright-field,Protein aggregates in aged cells are sequestered away from chromosomes during anaphase II and are subsequently eliminated.',
    'Figure 5C,A2_S1_0003.tif,Saccharomyces cerevisiae,NCBITaxon,4932,SK1,NCBITaxon,580239,"Growth - SPO, 30C",Electron microscopy,YBL079W,NUP170,Nup170,,YDR224C,HTB1,Htb1,WT,,SGD,Figure 5C,/Figure 5/5C - Late anaphase II EM model,Raw,,"Serial TEM sections (70 nm thickness) used to construct a model of a young anaphase II cell, demonstrating the presence of a nuclear-envelope bound compartment outside of developing gametes."',
    'Figure 5C,A2_S2_0003.tif,Saccharomyces cerevisiae,NCBITaxon,4932,SK1,NCBITaxon,580239,"Growth - SPO, 30C",Electron microscopy,YBL079W,NUP170,Nup170,,YDR224C,HTB1,Htb1,WT,,SGD,Figure 5C,/Figure 5/5C - Late anaphase II EM model,Raw,,"Serial TEM sections (70 nm thickness) used to construct a model of a young anaphase II cell, demonstrating the presence of a nuclear-envelope bound compartment outside of developing gametes."',
)
IDR0067_FILE_PATHS = [
    "Project:name:idr0067-king-yeastmeiosis/experimentA/Dataset:name:Figure 1B\t"
    "/uod/idr/filesets/idr0067-king-yeastmeiosis/20190924-ftp/Figure 1B",
    "Project:name:idr0067-king-yeastmeiosis/experimentA/Dataset:name:Figure 5C\t"
    "/uod/idr/filesets/idr0067-king-yeastmeiosis/20190904-ftp/Figure 5/5C - Late anaphase II EM model",
]
IDR0067_DIRS = {"Figure 1B": "20190924-ftp/Figure 1B", "Figure 5C": "20190904-ftp/Figure 5/5C - Late anaphase II EM model"}


def idr0067(root: Path, size: int = 8) -> Path:
    folder = root / "idr0067"
    write_lines(folder / "experimentA/idr0067-experimentA-annotation.csv", [IDR0067_HEADER, *IDR0067_ROWS])
    write_lines(folder / "experimentA/idr0067-experimentA-filePaths.tsv", IDR0067_FILE_PATHS)
    for line in IDR0067_ROWS:
        dataset, name = line.split(",")[:2]
        where = folder / IDR0067_DIRS[dataset] / name
        if name.endswith("_REF.dv"):
            write_dv(where, planes=1, size=size)
        elif name.endswith("_R3D.dv"):
            write_dv(where, planes=2, z=3, size=size)  # raw: z sections of FITC and mCherry
        elif name.endswith(".dv"):
            write_dv(where, planes=2, size=size)
        elif dataset == "Figure 5C":
            write_image(where, bits=8, size=size)  # an EM section
        else:
            write_image(where, bits=16, size=size, pages=2)  # z-projection, FITC and mCherry pages
    return folder


# ---------------------------------------------------------------------------------------------------------
# idr0037: IDR/idr0037-vigilante-hipsci @ 2fa65c5b, screenA/ (experiment_02 is kept in idr0034's fileset)

IDR0037_HEADER = 'Plate,Comment [Operetta Plate Name],Comment [Operetta Measurement],Plate Column,Plate Row,Well,Well Number,Comment [BioSamples Identifier],Characteristics [Organism],Term Source 1 REF,Term Source 1 Accession,Characteristics [Cell Line],Characteristics [Cell Type],Term Source 2 REF,Term Source 2 Accession,Characteristics [Progenitor Cell Type],Term Source 3 REF,Term Source 3 Accession,Characteristics [Donor Identifier],Characteristics [Sex],Term Source 4 REF,Term Source 4 Accession,Characteristics [Age],Characteristics [Disease State],Term Source 5 REF,Term Source 5 Accession,Characteristics [Ethnicity],Experimental Condition [Cell Line],Experimental Condition [Compound],Term Source 6 REF,Term Source 6 Accession,Comment [ChEMBL Identifier],Experimental Condition [Dose],Control Type,Control Comments,Channels,Comments,Results Measurements,Results Summary'
IDR0037_ROWS = (
    'experiment_01,20140424_HipSci + BJ 3000c/well_OC,Measurement1,1,1,A1,1,,Homo sapiens,NCBITaxon,NCBITaxon_9606,A1ATD-iPSC patient 1,,,,fibroblast,CL,CL_0000057,,male,PATO,PATO_0000384,65-69 years,,,,,A1ATD-iPSC patient 1,fibronectin,CHEBI,CHEBI_5058,CHEMBL3810,1 microgram per milliliter,,control cell line,"DAPI:nuclei;Alexa 488:EdU, proliferation;CellMask:plasma membrane;Brightfield:cell outline",,,',
    'experiment_01,20140424_HipSci + BJ 3000c/well_OC,Measurement1,2,1,A2,2,,Homo sapiens,NCBITaxon,NCBITaxon_9606,A1ATD-iPSC patient 1,,,,fibroblast,CL,CL_0000057,,male,PATO,PATO_0000384,65-69 years,,,,,A1ATD-iPSC patient 1,fibronectin,CHEBI,CHEBI_5058,CHEMBL3810,1 microgram per milliliter,,control cell line,"DAPI:nuclei;Alexa 488:EdU, proliferation;CellMask:plasma membrane;Brightfield:cell outline",,,',
    'experiment_02,HipSci Experiment 2,Measurement1,1,1,A1,1,SAMEA2398240,Homo sapiens,NCBITaxon,NCBITaxon_9606,HPSI0513i-golb_1,induced pluripotent stem cell,EFO,EFO_0004905,fibroblast,CL,CL_0000057,HPSI-golb,female,PATO,PATO_0000383,,normal,PATO,PATO_0000461,,HPSI0513i-golb_1,fibronectin,CHEBI,CHEBI_5058,CHEMBL3810,1 microgram per milliliter,,,"DAPI:nuclei;Alexa 488:EdU, proliferation;CellMask:plasma membrane;Brightfield:cell outline",,ftp://ftp.hipsci.ebi.ac.uk/vol1/ftp/data/cellbiol-fn/release/20170809/HPSI0513i-golb_1/,ftp://ftp.hipsci.ebi.ac.uk/vol1/ftp/data/cellbiol-fn/pdf/HPSI0513i-golb_1/',
)
IDR0037_PLATES = [
    'experiment_01\t/uod/idr/filesets/idr0037-vigilante-hipsci/images/20140424_HipSci + BJ 3000c_well_OC__2014-04-24T17_01_22-Measurement1/Images/Index.idx.xml',
    'experiment_02\t/uod/idr/filesets/idr0034-kilpinen-hipsci/20170421-original/Oli/HipSci Experiment 2__2014-04-29T10_58_26-Measurement1/Images/Index.idx.xml',
]
IDR0037_FIELDS = {("experiment_01", "A1"): (1, 2), ("experiment_01", "A2"): (1,), ("experiment_02", "A1"): (1,)}


def idr0037(root: Path, size: int = 8) -> Path:
    from cytoimagenet.catalog.idr_experiments import below_study

    folder = root / "idr0037"
    write_lines(folder / "screenA/idr0037-screenA-annotation.csv", [IDR0037_HEADER, *IDR0037_ROWS])
    write_lines(folder / "screenA/idr0037-screenA-plates.tsv", IDR0037_PLATES)
    dirs = {line.split("\t")[0]: below_study(line.split("\t")[1], "idr0037-vigilante-hipsci") for line in IDR0037_PLATES}
    for (plate, well), fields in IDR0037_FIELDS.items():
        rc = f"r{ord(well[0]) - 64:02d}c{int(well[1:]):02d}"
        for f in fields:
            for ch in (1, 2, 3, 4):
                write_image(folder / dirs[plate] / f"{rc}f{f:02d}p01-ch{ch}sk1fk1fl1.tiff", bits=16, size=size)
    return folder


# ---------------------------------------------------------------------------------------------------------
# idr0041: snoopycrimecop/idr0041-cai-mitoticatlas experimentA/idr0041-experimentA-annotation.csv (the IDR
# repository's copy is a large-file pointer); rows of cell0003_R0028, two raw time points and a mask

IDR0041_HEADER = (
    "Dataset Name,Image Name,Source Name,Characteristics [Organism],Term Source 1 REF,Term Source 1 Accession,"
    "Characteristics [Cell Line],Term Source 2 REF,Term Source 2 Accession,Protocol REF,Protocol REF.1,Protocol REF.2,"
    "Assay Name,Experimental Condition [ # fill in],Comment [Gene Identifier],Comment [Gene Symbol],"
    "Comment [Gene Annotation Comments],Image File,Comment [Image File Path],Comment [Image File Comments],"
    "Comment [Image File Type],Channels,Protocol REF.3,Processed Data File"
)


def _idr0041_row(t: int, kind: str, folder: str, file_type: str) -> str:
    return (
        f"140411_KIF11_MitoSys1,TR1_W0001_P0007_T{t:04d}_{kind},KIF11,Homo sapiens,NCBITaxon,9606,HeLa,EFO,,"
        "growth protocol,treatment protocol,image acquisition and feature extraction protocol,140411_KIF11_MitoSys1,"
        "Genome-edited cell,ENSG00000138160,KIF11,\"Gene identifiers and symbols from GRCh38.p10, Ensembl release 89, "
        f"May 2017.\",TR1_W0001_P0007_T{t:04d}.tif,mitotic_cell_atlas/140411_KIF11_MitoSys1/cell0003_R0028/{folder},,"
        f"{file_type},490-552:GFP; 587-621:mCherry | 622-695:SiR-DNA; 622-695:Dy-481XL,FCS-calibrated imaging,"
    )


IDR0041_ROWS = (
    _idr0041_row(1, "raw", "rawtif", "original images"),
    _idr0041_row(2, "raw", "rawtif", "original images"),
    _idr0041_row(1, "mask", "masktif", "segmentation masks"),
)


def idr0041(root: Path, size: int = 8) -> Path:
    folder = root / "idr0041"
    write_lines(folder / "experimentA/idr0041-experimentA-annotation.csv", [IDR0041_HEADER, *IDR0041_ROWS])
    cell = folder / "140411_KIF11_MitoSys1/cell0003_R0028"
    for t in (1, 2):
        # z-sections x 3 channels as pages (31 x 3 in the real files; 2 x 3 here)
        write_image(cell / "rawtif" / f"TR1_W0001_P0007_T{t:04d}.tif", bits=16, size=size, pages=6)
    write_image(cell / "masktif" / "TR1_W0001_P0007_T0001.tif", bits=8, size=size)
    return folder


# ---------------------------------------------------------------------------------------------------------
# idr0072: IDR/idr0072-schormann-subcellref @ 85d15465, screenA (human MCF 10A) and screenB (mouse NMuMG)

IDR0072_HEADER = 'Plate,Well,Characteristics [Organism],Term Source 1 REF,Term Source 1 Accession,Characteristics [Cell Line],Term Source 2 REF,Term Source 2 Accession,Comment [Gene Identifier],Comment [Gene Symbol],Comment [Protein Name],Comment [Protein Name Abbreviation],Protein Sequence (aa),UniProt ID,Addgene ID,Experimental Condition [Subcellular Localization],Channels'
IDR0072_SCREENS = {
    "A": (['WS_MCF10A_Landmark_20180506/Meas_01,A17,Homo sapiens,NCBITaxon,NCBITaxon_9606,MCF 10A,EFO,EFO_0001200,6844,VAMP2,Vesicle-associated membrane protein 2,VAMP2,1-116,P63027,134661,secretory vesicles,"EGFP (protein of interest), DRAQ5 (DNA)"',
           'WS_MCF10A_Landmark_20180506/Meas_01,A5,Homo sapiens,NCBITaxon,NCBITaxon_9606,MCF 10A,EFO,EFO_0001200,2683,B4GALT1,"beta 1,4-galactosyl-transferase",GalT,1-81\',P15291,134862,Golgi apparatus,"EGFP (protein of interest), DRAQ5 (DNA)"'],
          ['WS_MCF10A_Landmark_20180506/Meas_01\t/uod/idr/filesets/idr0072-schormann-subcellref/20210420-plates/WS_MCF10A-landmark_library_20180506_Meas_01']),
    "B": (['20130916_Landmark_PSS1/Meas_01,A18,Mus musculus,NCBITaxon,NCBITaxon_10090,NMuMG,CLO,CLO_0008186,9791,PTDSS1,Phosphatidylserine synthase-1,PTDSS1,1-473,Q99LH2,134667,"mitochondria-associated ER-membrane, endoplasmic reticulum","EGFP (protein of interest), DRAQ5 (DNA)"'],
          ['20130916_Landmark_PSS1/Meas_01\t/uod/idr/filesets/idr0072-schormann-subcellref/20201217-ftp/20130916_Landmark-PSS1']),
}


def idr0072(root: Path, size: int = 8) -> Path:
    from cytoimagenet.catalog.idr_experiments import below_study

    folder = root / "idr0072"
    for screen, (rows, plates) in IDR0072_SCREENS.items():
        write_lines(folder / f"screen{screen}/idr0072-screen{screen}-annotation.csv", [IDR0072_HEADER, *rows])
        write_lines(folder / f"screen{screen}/idr0072-screen{screen}-plates.tsv", plates)
        where = below_study(plates[0].split("\t")[1], "idr0072-schormann-subcellref")
        for row in rows:
            well = row.split(",")[1]
            name = f"{ord(well[0]) - 64:03d}{int(well[1:]):03d}001.flex"  # one FLEX a well (field 001)
            write_image(folder / where / name, bits=16, size=size, pages=2)  # EGFP and DRAQ5 pages
    return folder


# ---------------------------------------------------------------------------------------------------------
# idr0080: IDR/idr0080-way-perturbation @ 74e537fe, screenA/ (plate SQ00014610: an empty well, a targeted gene,
# a cutting control; and the illumination-corrected copy of the targeted well)

IDR0080_HEADER = 'Plate,Well,Characteristics [Organism],Term Source 1 REF,Term Source 1 Accession,Characteristics [Cell Line],Term Source 2 REF,Term Source 2 Accession,Reagent Identifier,Sense Sequence,Antisense Sequence,Reagent Design Gene Annotation Build,Gene Identifier,Gene Symbol,Control Type,Channels,Comment [Image]'
IDR0080_ROWS = (
    'SQ00014610,A1,Homo sapiens,NCBITaxon,NCBITaxon_9606,A549,EFO,EFO_0001086,,,,,,,no reagent,"Hoechst 33342 (DNA); Concanavalin A/Alexa 488 (endoplasmic reticulum); 488 Long (nucleoli and cytoplasmic RNA); Phalloidin/Alexa 568 and wheat-germ agglutinin/Alexa 555 (actin cytoskeleton, golgi, and plasma membrane (AGP)); MitoTracker Deep Red/Alexa 647 (mitochondria)",empty well',
    'SQ00014610,A2,Homo sapiens,NCBITaxon,NCBITaxon_9606,A549,EFO,EFO_0001086,MCL1-5,CATTCCTGATGCCACCTTCT,GTAAGGACTACGGTGGAAGA,Ensembl release 101 - August 2020,ENSG00000143384,MCL1,,"Hoechst 33342 (DNA); Concanavalin A/Alexa 488 (endoplasmic reticulum); 488 Long (nucleoli and cytoplasmic RNA); Phalloidin/Alexa 568 and wheat-germ agglutinin/Alexa 555 (actin cytoskeleton, golgi, and plasma membrane (AGP)); MitoTracker Deep Red/Alexa 647 (mitochondria)",',
    'SQ00014610,B1,Homo sapiens,NCBITaxon,NCBITaxon_9606,A549,EFO,EFO_0001086,Chr2-1,GACATATAAGAGGTTCCCCG,CTGTATATTCTCCAAGGGGC,,,Chr2,negative,"Hoechst 33342 (DNA); Concanavalin A/Alexa 488 (endoplasmic reticulum); 488 Long (nucleoli and cytoplasmic RNA); Phalloidin/Alexa 568 and wheat-germ agglutinin/Alexa 555 (actin cytoskeleton, golgi, and plasma membrane (AGP)); MitoTracker Deep Red/Alexa 647 (mitochondria)",',
    'SQ00014610_illum_corrected,A2,Homo sapiens,NCBITaxon,NCBITaxon_9606,A549,EFO,EFO_0001086,MCL1-5,CATTCCTGATGCCACCTTCT,GTAAGGACTACGGTGGAAGA,Ensembl release 101 - August 2020,ENSG00000143384,MCL1,,"Hoechst 33342 (DNA); Concanavalin A/Alexa 488 (endoplasmic reticulum); 488 Long (nucleoli and cytoplasmic RNA); Phalloidin/Alexa 568 and wheat-germ agglutinin/Alexa 555 (actin cytoskeleton, golgi, and plasma membrane (AGP)); MitoTracker Deep Red/Alexa 647 (mitochondria)",images are illumination corrected',
)
IDR0080_PLATES = [
    'SQ00014610\t/uod/idr/filesets/idr0080-way-perturbation/20200316-s3/2015_07_01_Cell_Health_Vazquez_Cancer_Broad/CRISPR_PILOT_B1/images/SQ00014610__2016-06-16T00_38_35-Measurement2',
    'SQ00014610_illum_corrected\t/uod/idr/filesets/idr0080-way-perturbation/20200923-illumcorrected/SQ00014610',
]


def idr0080(root: Path, size: int = 8) -> Path:
    from cytoimagenet.catalog.idr_experiments import below_study

    folder = root / "idr0080"
    write_lines(folder / "screenA/idr0080-screenA-annotation.csv", [IDR0080_HEADER, *IDR0080_ROWS])
    write_lines(folder / "screenA/idr0080-screenA-plates.tsv", IDR0080_PLATES)
    dirs = {line.split("\t")[0]: below_study(line.split("\t")[1], "idr0080-way-perturbation") for line in IDR0080_PLATES}
    for row in IDR0080_ROWS:
        plate, well = row.split(",")[:2]
        rc = f"r{ord(well[0]) - 64:02d}c{int(well[1:]):02d}"
        for ch in range(1, 6):
            write_image(folder / dirs[plate] / "Images" / f"{rc}f01p01-ch{ch}sk1fk1fl1.tiff", bits=16, size=size)
    return folder


FIXTURES: dict[str, Callable[[Path, int], Path]] = {
    "idr0021": idr0021,
    "idr0067": idr0067,
    "idr0037": idr0037,
    "idr0041": idr0041,
    "idr0072": idr0072,
    "idr0080": idr0080,
}
