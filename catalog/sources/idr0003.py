"""IDR idr0003: Yeast proteome plasticity under stress (Breker et al.).

Native layout: screenA/idr0003-screenA-annotation.csv + -plates.tsv (name, folder); plate folders
201301120/Images/<condition>/p<N>/ of <stem>--GFP.tif, <stem>--Cherry.tif and a brightfield <stem>--Transmit file.
"""

from __future__ import annotations

from cytoimagenet.catalog.source import Download, SourceEntry

REPO = "IDR/idr-metadata"
STUDY = "idr0003-breker-plasticity"
DOWNLOAD_URLS = ("https://raw.githubusercontent.com/will-moore/idr.openmicroscopy.org/refs/heads/"
                 "update_download_urls/_data/download_urls.tsv (uod/idr/filesets -> https://ftp.ebi.ac.uk/pub/databases/IDR)")

ENTRY = SourceEntry(
    id="idr0003",
    database="Image Data Resource",
    name="Yeast proteome plasticity under stress (Breker et al.)",
    dir_name="idr0003",
    homepage=f"https://github.com/{REPO}/tree/master/{STUDY}",
    licence="CC-BY-NC-SA-3.0",
    citation=(
        "Breker M, Gymrek M, Schuldiner M. A novel single-cell screening platform reveals proteome plasticity"
        " during yeast stress responses. J Cell Biol 200(6):839-850 (2013)"
    ),
    modality="fluorescence|brightfield",
    channels=["H2B-mCherry", "GFP", "brightfield"],
    organism="yeast",
    cell_type=None,
    adapter=None,
    layout="screenA/*-annotation.csv + *-plates.tsv (name, folder); 201301120/Images/<condition>/p<N>/<stem>--<GFP|Cherry|Transmit>",
    note=(
        "Not adaptable: the part of the image file names that says the well and field (<stem> before --GFP.tif, "
        "--Cherry.tif, --Transmit) is published nowhere we could read (the annotation CSV and the filesets are not "
        "in the stored repositories; the original's preprocessor shows only the suffixes), so channel files "
        "cannot be paired to wells. Known when adaptable: 3 fields per well, GFP + mCherry fluorescence kept apart "
        "from the brightfield image; labels Experimental Condition [Environmental Stress] (phenotype), Gene "
        "Symbol of the GFP-tagged protein, Characteristics [Strain], Phenotype N (GFP localisation)."
    ),
    evidence={
        "layout": f"{REPO} {STUDY}/screenA/idr0003-screenA-plates.tsv (plate folders 201301120/Images/DTT/p1 ...); "
                  "stan-hua/CytoImageNet scripts/data_processing/preprocessor.py (idr0003: --GFP.tif, --Cherry.tif, "
                  "--Transmit); unknown: the well/field part of the file names, which costs the whole source",
        "channels": f"{REPO} {STUDY}/idr0003-study.txt (Raw Image Channels H2B-mCherry: cytosol; GFP: tagged protein; "
                    "bright field/transmitted: cell contour, vacuole)",
        "labels": f"{REPO} {STUDY}/screenA/idr0003-screenA-bulkmap-config.yml; stan-hua/CytoImageNet "
                  "annotations/datasets_info.csv (stress conditions as labels)",
        "licence": f"{REPO} {STUDY}/idr0003-study.txt (Study License CC BY-NC-SA 3.0)",
        "download": DOWNLOAD_URLS,
        "organism": f"{REPO} {STUDY}/idr0003-study.txt (5,330 yeast strains, GFP fusion library)",
        "cell_type": "unknown: yeast strains, no cell type; costs nothing (the original had none)",
        "microscopy": f"{REPO} {STUDY}/idr0003-study.txt (GFP, Cherry and bright field images per field)",
    },
    download=Download(
        route="idr",
        tree=f"https://ftp.ebi.ac.uk/pub/databases/IDR/{STUDY}/",
        files=[
            {"url": f"https://raw.githubusercontent.com/{REPO}/HEAD/{STUDY}/screenA/idr0003-screenA-{f}",
             "path": f"screenA/idr0003-screenA-{f}"}
            for f in ("annotation.csv", "plates.tsv")
        ],
        total_bytes=200_000_000_000,
        instructions="the whole study tree is mirrored: about 0.20 TB (idr0003-study.txt Total Tb)",
        evidence=f"{DOWNLOAD_URLS}; {REPO} {STUDY}/screenA/idr0003-screenA-plates.tsv; {REPO} {STUDY}/idr0003-study.txt",
    ),
)
