"""End to end over every adapter family: one sources root holding a small tree of each native layout (plus the
spine sources bbbc021 and rxrx1 and one source that is not adaptable yet) builds into a release that validates
and loads, and whose records carry the channels and bit depths of their sources.

The trees are written by the same writers as the adapter tests (tests/catalog/catalog_fixtures.py), with
fields large enough for quality control and 70 px crops, and a handful of images per label so that every family
reaches the small min_per_class below."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd
import pytest

# the tree writers live beside the adapter tests; appended (not prepended) so no other module is shadowed
_CATALOG_TESTS = str(Path(__file__).parent / "catalog")
if _CATALOG_TESTS not in sys.path:
    sys.path.append(_CATALOG_TESTS)

import catalog_fixtures as fx  # noqa: E402

from cytoimagenet.format import BuildConfig  # noqa: E402

pytestmark = pytest.mark.slow

SIZE = 144  # >= 140: a 1/2 crop is 72 px, above the 70 px floor
# bbbc006, bbbc013 and bbbc038 have no label of their own (u2os, nucleus, actin, human are shared): they reach
# the release through the stratified sample of a shared class, which keeps at least one row per stratum while
# max_per_class exceeds the class's number of strata. 16 leaves room for that (at 10 or 12 they keep 1 sample)
CONFIG = BuildConfig(seed=0, min_per_class=4, max_per_class=16, shard_size=96, png_compress_level=1)
# the spine at its smallest (writing it at crop size would double the test's time): the crops planned for its
# classes under max_per_class are quarantined as too small, which is what the builder does with such images
DEMO_SHAPES = dict(bbbc021_shape=(32, 40), rxrx1_shape=(32, 32))
NOT_ADAPTABLE = "bbbc011"

# every family of catalog/layouts.py, by the source that stands for it here
FAMILIES = {
    "bbbc022": "BBBC image CSV",
    "bbbc005": "BBBC single folder (SIMCEP pairs)",
    "bbbc006": "BBBC single folder (z-plane folders, 16-bit)",
    "bbbc010": "BBBC single folder (brightfield kept apart)",
    "bbbc013": "BBBC single folder (BMP)",
    "bbbc020": "BBBC single folder (composite skipped)",
    "bbbc026": "BBBC single folder (one PNG per image)",
    "bbbc041": "BBBC single folder (JSON boxes, RGB)",
    "kaggle_leukemia": "single folder (RGB BMP per cell)",
    "idr0081": "IDR screen (ImageXpress, plates.tsv)",
    "idr0080": "IDR screen (Harmony, Cell Painting)",
    "idr0088": "IDR screen (CellVoyager)",
    "idr0072": "IDR screen (Opera FLEX container)",
    "idr0021": "IDR experiment (z-stacks, no plates)",
    "rxrx19a": "Recursion (5 channels)",
    "rxrx2": "Recursion (own metadata file)",
    "rxrx19b": "Recursion (6 channels)",
    "kaggle_hpa": "Kaggle HPA (protein kept apart)",
    "kaggle_hpa_single": "Kaggle HPA single cell (16-bit)",
    "bbbc038": "Data Science Bowl 2018 (RGBA)",
    "segebarth2020": "Segebarth et al. 2020 (xlsx)",
}
SPINE = ("bbbc021", "rxrx1")
SIXTEEN_BIT = ("bbbc006", "bbbc010", "bbbc022", "idr0081", "idr0080", "idr0088", "idr0072", "idr0021",
               "kaggle_hpa_single", "segebarth2020", "bbbc021")
EIGHT_BIT = ("bbbc005", "bbbc013", "bbbc020", "bbbc026", "bbbc041", "kaggle_leukemia", "rxrx19a", "rxrx2", "rxrx19b",
             "kaggle_hpa", "bbbc038", "rxrx1")


def _hpa_id(n: int) -> str:
    return f"{n:08x}-bbc3-11e8-b2bc-ac1f6b6435d0"


def write_family_sources(root: Path, size: int = SIZE) -> Path:
    """One tree per family under `root`, each with a few images per label, in the sources' real layouts."""
    s = dict(size=size)
    # BBBC image CSV: vehicle (mock) wells and two compounds, two fields a well, on two plates
    fields = []
    for plate in ("20585", "20586"):
        fields += [(plate, "A01", site, "mock", None) for site in (1, 2)]
        fields += [(plate, "B02", site, "treated", "Cytochalasin D") for site in (1, 2)]
        fields += [(plate, "C03", site, "treated", "Staurosporine") for site in (1, 2)]
    fx.bbbc022_tree(root, fields=fields, **s)
    # BBBC single folders
    fx.bbbc005_tree(root, fields=[(f"A{i:02d}", c, f, i) for i, (c, f) in
                                  enumerate([(1, 1), (1, 48), (14, 1), (14, 48), (27, 1), (27, 48)], start=1)], **s)
    fx.bbbc006_tree(root, planes=("00", "16", "32"), wells=("a01", "b02"), sites=(1,), **s)
    fx.bbbc010_tree(root, wells=("A01", "A02", "B01", "A13", "A14", "B13"), **s)
    fx.bbbc013_tree(root, wells=[(i, r, c) for i, (r, c) in enumerate([("A", 1), ("A", 2), ("B", 1), ("H", 12), ("H", 11)], 1)],
                    **s)
    fx.bbbc020_tree(root, images=("jw-1h 1", "jw-1h 2", "jw-24h 3", "jw-24h 4", "jw-Kontrolle 1"), **s)
    fx.bbbc026_tree(root, names=[f"Plate1_{w}_s1" for w in ("A01", "A02", "B03", "C04", "D05")], **s)
    fx.bbbc041_tree(root, entries=[
        (f"{n:08x}-6c71-4e47-b50a-6cc8d5eb1d55", ext, cats) for n, (ext, cats) in enumerate([
            ("png", ("red blood cell", "ring")), ("png", ("red blood cell", "ring")),
            ("jpg", ("red blood cell", "ring", "trophozoite")), ("png", ("red blood cell", "ring")),
            ("png", ("red blood cell",)), ("jpg", ("red blood cell", "leukocyte")),
            ("png", ("red blood cell",)), ("png", ("red blood cell",)),
        ])
    ], **s)
    fx.leukemia_tree(root, cells=[("fold_0", "all", f"UID_{p}_{i}_1_all") for p in (11, 12) for i in (1, 2, 3)]
                     + [("fold_1", "hem", f"UID_H{p}_{i}_1_hem") for p in (10, 22) for i in (1, 2, 3)], **s)
    # IDR screens, one per instrument naming, and an experiment
    fx.idr0081_tree(root, wells=[
        ("HAdV-pre", w, "DMSO", None, "infected cell", "infected cell", None) for w in ("A2", "A3", "A4", "A5")
    ] + [("HAdV-pre", w, "Nelfinavir mesylate", None, None, None, "Nucleus") for w in ("B10", "B11", "B12", "B9")]
      + [("Za_BSF018104", w, None, "HEXIM1|PLK1", "plaque", None, None) for w in ("A1", "A2")], **s)
    fx.idr0080_tree(root, wells=[("A2", "MCL1", None), ("A3", "MCL1", None), ("B1", "Chr2", "negative")],
                    fields=(1, 2), **s)
    fx.idr0088_tree(root, wells=[("I12", "Staurosporine"), ("I13", "Staurosporine"), ("J12", "DMSO")],
                    fields=(1, 2), **s)
    fx.idr0072_tree(root, wells=[("A11", "TOMM20"), ("B11", "TOMM20"), ("C11", "LMNB1")], fields=(0, 1),
                    channels=3, **s)
    fx.idr0021_tree(root, images=[("CEP192", f"CEP192_{i:02d}.tif", True) for i in range(1, 5)]
                    + [("PCNT", f"PCNT_{i:02d}.tif", True) for i in range(1, 5)], planes=3, **s)
    # Recursion
    fx.recursion_tree(root, "rxrx19a", [
        fx.recursion_site(cell, 1, plate, well, site, disease_condition=cond, treatment=treat,
                          treatment_conc=None if treat is None else 1.0, SMILES=None)
        for cell, plate, cond, treat in (("HRCE", 1, "Active SARS-CoV-2", "Remdesivir"), ("VERO", 2, "Mock", None))
        for well in ("AA02", "AB03") for site in (1, 2)
    ], 5, **s)
    fx.recursion_tree(root, "rxrx2", [
        fx.recursion_site("HUVEC", 1, 1, well, site, treatment="IL-6", treatment_conc=0.1)
        for well in ("AA02", "AA03") for site in (1, 2)
    ], 6, metadata="rxrx2-metadata.csv", **s)
    fx.recursion_tree(root, "rxrx19b", [
        fx.recursion_site("HUVEC", 1, 1, well, 1, disease_condition=cond, treatment=None, treatment_conc=None, SMILES=None)
        for well, cond in (("AA02", "storm-severe"), ("AA03", "storm-severe"), ("AB02", "storm-severe"),
                           ("AB03", "storm-severe"), ("AC02", None))
    ], 6, **s)
    # Kaggle HPA (8-bit) and HPA single cell (16-bit): the protein channel is its own sample
    fx.hpa_tree(root, "kaggle_hpa", "Id", "Target", ["0", "0 25", "0", "25 0", "23", "23"], bits=8,
                ids=[_hpa_id(n) for n in range(6)], **s)
    fx.hpa_tree(root, "kaggle_hpa_single", "ID", "Label", ["14", "14|0", "14", "14", "18"], bits=16,
                ids=[_hpa_id(100 + n) for n in range(5)], **s)
    # Data Science Bowl 2018: RGBA PNGs under stage*/{id}/images/
    fx.dsb_tree(root, ids=[(stage, f"{n:016x}{'0' * 48}") for n, stage in enumerate(
        ["stage1_train"] * 4 + ["stage1_test"] * 2, start=1)], mode="RGBA", **s)
    # Segebarth et al. 2020: xlsx key, per-lab treatment codes
    rows = [(f"{n:04d}", f"m{n}_dg", "DG", "no", "lab-wue1", code) for n, code in
            enumerate(["H", "H", "+", "+", "-", "-"], start=1)]
    rows += [(f"{100 + n:04d}", f"m{n}_bla", "BLA", "no", "lab-mue", code) for n, code in
             enumerate(["Ext", "Ext", "Ret", "Ret"], start=1)]
    rows += [("0201", "f1", "IL", "no", "lab-inns1", "Ext")]
    fx.segebarth_tree(root, rows=rows, **s)
    # a catalogued source without an adapter: the build reports it, and goes on
    fx.write_image(root / NOT_ADAPTABLE / "BBBC011_v1_images" / "plate1_A01_w1.tif", size=16)
    return root


@pytest.fixture(scope="module")
def family_build(tmp_path_factory):
    from cytoimagenet.builder.release import build_release
    from cytoimagenet.catalog import demo

    root = tmp_path_factory.mktemp("families") / "sources"
    t0 = time.perf_counter()
    demo.write_demo_sources(root, seed=0, **DEMO_SHAPES)
    write_family_sources(root)
    t1 = time.perf_counter()
    out = tmp_path_factory.mktemp("families-release") / "cytoimagenet"
    # every folder named: bbbc021 is evaluation-only and left out of an implicit build
    report = build_release(root, out, CONFIG, workers=1, only=sorted(p.name for p in root.iterdir() if p.is_dir()))
    t2 = time.perf_counter()
    print(f"sources written in {t1 - t0:.1f} s, built in {t2 - t1:.1f} s")
    return root, out, report


@pytest.fixture(scope="module")
def metadata(family_build) -> pd.DataFrame:
    return pd.read_parquet(family_build[1] / "metadata" / "metadata.parquet")


def test_every_family_builds_into_the_release(family_build, metadata):
    _, _, report = family_build
    built = set(metadata["source_id"])
    missing = sorted(set(FAMILIES) - built)
    assert not missing, f"families with no sample in the release: {[(m, FAMILIES[m]) for m in missing]}"
    assert set(SPINE) <= built
    assert report.skipped_sources.keys() == {NOT_ADAPTABLE}
    assert "not adaptable" in report.skipped_sources[NOT_ADAPTABLE].lower()
    assert NOT_ADAPTABLE not in built


def test_release_validates(family_build):
    from cytoimagenet.validation.release import validate_release

    stats = {}
    assert validate_release(family_build[1], stats=stats) == []
    assert stats["leaked_groups"] == 0


def test_only_the_planted_bad_rows_are_quarantined(family_build):
    """Every fixture file is readable and passes QC: a quarantined fixture row means an adapter names a file
    that is not there (or the builder cannot read a layout's format)."""
    from cytoimagenet.catalog import demo

    q = pd.read_parquet(family_build[1] / "metadata" / "quarantine.parquet")
    families = q[q["source_id"].isin(list(FAMILIES))]
    assert families.empty, families[["source_id", "sample_id", "reason"]].to_string()
    spine = q[~q["sample_id"].isin(list(demo.BBBC021_BAD))]
    assert spine["reason"].str.startswith("too small").all(), spine[["sample_id", "reason"]].to_string()


def test_channels_and_modalities_are_kept_apart(metadata):
    md = metadata
    hpa = md[md["source_id"].isin(["kaggle_hpa", "kaggle_hpa_single"])]
    protein = hpa[hpa["idx"].str.endswith("-protein")]
    reference = hpa[~hpa.index.isin(protein.index)]
    assert len(protein) and len(reference)
    for files, channels in zip(protein["source_files"], protein["channels"]):
        assert list(channels) == ["protein"] and len(files) == 1 and files[0].endswith("_green.png")
    for files, channels in zip(reference["source_files"], reference["channels"]):
        assert list(channels) == ["microtubules", "nucleus", "endoplasmic reticulum"]
        assert not any(f.endswith("_green.png") for f in files)
    # brightfield never merges with fluorescence
    bf = md[md["microscopy"] == "brightfield"]
    assert {"bbbc010", "bbbc041", "kaggle_leukemia"} <= set(bf["source_id"])
    for channels in bf["channels"]:
        assert set(channels) <= {"brightfield", "RGB"}
    for channels in md.loc[md["microscopy"] == "fluorescence", "channels"]:
        assert "brightfield" not in set(channels)
    worms = md[md["source_id"] == "bbbc010"]
    assert set(worms["microscopy"]) == {"brightfield", "fluorescence"}
    assert (worms["idx"].str.endswith("-bf") == (worms["microscopy"] == "brightfield")).all()
    assert all(list(c) == (["brightfield"] if m == "brightfield" else ["GFP"])
               for c, m in zip(worms["channels"], worms["microscopy"]))
    # records list every channel they merged, one file each (or one container holding them)
    expected = {
        "bbbc022": ["Hoechst", "ER", "Syto", "Ph_golgi", "Mito"], "bbbc005": ["cell body", "nuclei"],
        "bbbc006": ["Hoechst", "phalloidin"], "bbbc013": ["DNA"],
        "idr0080": ["DNA", "ER", "RNA", "AGP", "Mito"], "idr0088": ["BFP", "GFP", "RFP"], "idr0081": ["Hoechst", "GFP"],
        "idr0072": ["all channels"], "idr0021": ["stack"], "rxrx19a": ["w1", "w2", "w3", "w4", "w5"],
        "rxrx19b": ["nucleus", "endoplasmic reticulum", "actin", "nucleoli", "mitochondria", "golgi apparatus"], "bbbc038": ["image"],
        "segebarth2020": ["cFOS"], "bbbc021": ["DAPI", "Tubulin", "Actin"],
    }
    for source_id, channels in expected.items():
        rows = md[md["source_id"] == source_id]
        assert all(list(c) == channels for c in rows["channels"]), source_id
        assert all(len(f) == len(channels) for f in rows["source_files"]), source_id
    # BBBC020: one sample per stain, as the original read one file per image
    assert {tuple(c) for c in md.loc[md["source_id"] == "bbbc020", "channels"]} == {("DAPI",), ("CD11b",)}
    # the BBBC020 composite is not a channel
    assert not any("(c1+c5)" in f for files in md.loc[md["source_id"] == "bbbc020", "source_files"] for f in files)


def test_bit_depths_are_recorded(metadata):
    depth = metadata.groupby("source_id")["bit_depth"].agg(lambda d: set(d))
    for source_id in SIXTEEN_BIT:
        assert depth[source_id] == {16}, source_id
    for source_id in EIGHT_BIT:
        assert depth[source_id] == {8}, source_id


def test_crops_of_small_classes_are_recorded(metadata):
    crops = metadata[metadata["crop"]]
    assert len(crops)
    assert (crops["width"] >= 70).all() and (crops["height"] >= 70).all()
    assert (crops["x_max"] - crops["x_min"] == crops["width"]).all()
    assert (crops["y_max"] - crops["y_min"] == crops["height"]).all()
    whole = metadata[~metadata["crop"]]
    assert (whole["scaling"] == 1.0).all()
    # a whole image has no box; a BBBC041 box sample (one cell of a smear) has its box in the smear
    boxes = whole["source_id"] == "bbbc041"
    assert whole.loc[~boxes, "x_min"].isna().all() and boxes.any() and whole.loc[boxes, "x_min"].notna().all()
    assert (whole.loc[boxes, "x_max"] - whole.loc[boxes, "x_min"] == whole.loc[boxes, "width"]).all()
    assert (whole.loc[boxes, "y_max"] - whole.loc[boxes, "y_min"] == whole.loc[boxes, "height"]).all()


def test_load_dataset_reads_both_splits(family_build, metadata):
    from datasets import load_dataset

    ds = load_dataset(str(family_build[1]))
    assert set(ds) == {"train", "validation"}
    counts = metadata["split"].value_counts()
    assert ds["train"].num_rows == counts["train"] and ds["validation"].num_rows == counts["validation"]
    row = ds["validation"][0]
    assert row["png"].mode == "L" and row["json"]["split"] == "validation"
    assert ds["train"].features["cls"].names[row["cls"]] == row["json"]["label"]
