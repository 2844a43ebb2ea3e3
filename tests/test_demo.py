"""The demo source tree: deterministic, in the layouts the real adapters read, microscopy-like, and carrying
the planted bad rows that the build must reject (and only those)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tifffile
from PIL import Image

from cytoimagenet.catalog import demo
from cytoimagenet.catalog.registry import get_source

# Test time grows with pixels, the properties under test do not: the inspected tree is half the default side
# (cells keep their pixel size, so a field holds a quarter as many), and the trees that are only hashed are
# the smallest allowed.
SHAPES = dict(bbbc021_shape=(128, 160), rxrx1_shape=(64, 64))
SMALL = dict(bbbc021_shape=(32, 40), rxrx1_shape=(32, 32))


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    return demo.write_demo_sources(tmp_path_factory.mktemp("demo"), seed=0, **SHAPES)


@pytest.fixture(scope="module")
def bbbc021(tree) -> pd.DataFrame:
    return get_source("bbbc021").records(tree / "bbbc021")


@pytest.fixture(scope="module")
def rxrx1(tree) -> pd.DataFrame:
    return get_source("rxrx1").records(tree / "rxrx1")


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# --- the standardisation and QC rules of DESIGN.md, restated here so the test does not trust the builder ---


def _normalise(channel: np.ndarray) -> np.ndarray:
    x = channel.astype(np.float64)
    lo, hi = np.percentile(x, (0.1, 99.9))
    if hi <= lo:
        return np.zeros_like(x)
    return np.clip((x - lo) / (hi - lo), 0.0, 1.0)


def _merge(channels: list[np.ndarray]) -> np.ndarray:
    return np.rint(np.mean([_normalise(c) for c in channels], axis=0) * 255).astype(np.uint8)


def _qc(image: np.ndarray) -> str | None:
    lo, p75, hi = np.percentile(image, (0.1, 75, 99.9))
    if lo == hi:
        return "uniform"
    if np.unique(image).size <= 2:
        return "binary"
    if p75 == 0:
        return "dim"
    return None


def _read(folder: Path, record) -> list[np.ndarray]:
    return [tifffile.imread(folder / f) if f.endswith(".tif") else np.asarray(Image.open(folder / f))
            for f in record.source_files]


# --- determinism --------------------------------------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    a = _digests(demo.write_demo_sources(tmp_path / "a", seed=7, **SMALL))
    b = _digests(demo.write_demo_sources(tmp_path / "b", seed=7, **SMALL))
    c = _digests(demo.write_demo_sources(tmp_path / "c", seed=8, **SMALL))
    assert a == b
    # csvs, TIFFs less the missing one, PNGs, and the SYNTHETIC.md markers of the root and both source folders
    assert len(a) == 3 + 3 * demo.BBBC021_ROWS - 1 + 6 * demo.RXRX1_ROWS + 3
    assert {f"{d}{demo.SYNTHETIC_MARKER}" for d in ("", "bbbc021/", "rxrx1/")} <= set(a)
    # a new seed draws new pixels and new GUID file-name suffixes, but keeps the layout, so sample ids are stable
    assert a["bbbc021/BBBC021_v1_image.csv"] != c["bbbc021/BBBC021_v1_image.csv"]
    assert a["bbbc021/BBBC021_v1_moa.csv"] == c["bbbc021/BBBC021_v1_moa.csv"]
    assert a["rxrx1/metadata.csv"] == c["rxrx1/metadata.csv"]
    pngs = [k for k in a if k.endswith(".png")]
    assert sum(a[k] != c[k] for k in pngs) == len(pngs)
    ids = lambda root: set(get_source("bbbc021").records(root / "bbbc021")["sample_id"])
    assert ids(tmp_path / "a") == ids(tmp_path / "c") >= set(demo.BBBC021_BAD)


def test_rejects_bad_shapes(tmp_path):
    from cytoimagenet.errors import UserError

    with pytest.raises(UserError, match="bbbc021_shape"):
        demo.write_demo_sources(tmp_path, bbbc021_shape=(8, 8))
    with pytest.raises(UserError, match="rxrx1_shape"):
        demo.write_demo_sources(tmp_path, rxrx1_shape=(128,))


# --- native layouts read by the real adapters ----------------------------------------------------------------


def test_bbbc021_layout(tree, bbbc021):
    folder = tree / "bbbc021"
    images = pd.read_csv(folder / "BBBC021_v1_image.csv", dtype=str)
    assert list(images.columns) == [
        "TableNumber", "ImageNumber", "Image_FileName_DAPI", "Image_PathName_DAPI", "Image_FileName_Tubulin",
        "Image_PathName_Tubulin", "Image_FileName_Actin", "Image_PathName_Actin", "Image_Metadata_Plate_DAPI",
        "Image_Metadata_Well_DAPI", "Replicate", "Image_Metadata_Compound", "Image_Metadata_Concentration",
    ]
    moa = pd.read_csv(folder / "BBBC021_v1_moa.csv", dtype=str)
    assert list(moa.columns) == ["compound", "concentration", "moa"]
    assert ("DMSO", "0.0", "DMSO") in set(map(tuple, moa.to_numpy()))
    assert images["Image_PathName_DAPI"].str.fullmatch(r"Week\d/Week\d_\d{5}").all()
    assert images["Image_FileName_DAPI"].str.fullmatch(
        r"Week\d_\d{6}_[B-G]\d\d_s\d_w1[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\.tif"
    ).all()
    assert images["Image_FileName_Tubulin"].str.contains("_w2").all()
    assert images["Image_FileName_Actin"].str.contains("_w4").all()
    assert images["ImageNumber"].astype(int).is_unique

    assert len(bbbc021) == demo.BBBC021_ROWS == 149
    assert set(demo.BBBC021_BAD) <= set(bbbc021["sample_id"])
    assert bbbc021["compound"].value_counts().to_dict() == {
        "dmso": 29, "alln": 24, "cytochalasin b": 24, "emetine": 24, "nocodazole": 24, "taxol": 24,
    }
    # every treatment has a mechanism in the moa table, so the phenotype labels are as large as the compounds
    assert bbbc021["phenotype"].notna().all()
    assert bbbc021["phenotype"].value_counts().min() >= 24
    # plates unzip to <plate>/ while the CSV says WeekN/<plate>: the adapter resolves to what exists
    assert bbbc021["source_files"].map(lambda fs: fs[0].split("/")[0]).isin(
        [p for p, *_ in demo.BBBC021_PLATES]).all()
    on_disk = bbbc021["source_files"].map(lambda fs: all((folder / f).is_file() for f in fs))
    assert set(bbbc021.loc[~on_disk, "sample_id"]) == {demo.BBBC021_MISSING}


def test_rxrx1_layout(tree, rxrx1):
    meta = pd.read_csv(tree / "rxrx1" / "metadata.csv", dtype=str)
    assert list(meta.columns) == ["site_id", "well_id", "cell_type", "dataset", "experiment", "plate", "well",
                                  "site", "well_type", "sirna", "sirna_id"]
    assert meta["site_id"].str.fullmatch(r"(HEPG2|U2OS)-\d\d_[1-4]_[B-O]\d\d_[12]").all()
    assert (meta["site_id"] == meta["well_id"] + "_" + meta["site"]).all()
    assert set(meta["dataset"]) == {"train", "test"}
    assert set(meta["well_type"]) == {"treatment", "negative_control", "positive_control"}
    assert (meta.loc[meta["well_type"] == "negative_control", "sirna"] == "EMPTY").all()
    assert meta["sirna_id"].str.fullmatch(r"\d+").all()

    assert len(rxrx1) == demo.RXRX1_ROWS == 192
    assert rxrx1["cell_type"].value_counts().to_dict() == {"hepg2": 96, "u2os": 96}
    # EMPTY is no treatment: no sirna label
    assert rxrx1["sirna"].isna().sum() == 64
    assert rxrx1["sirna"].value_counts().to_dict() == {"s15652": 32, "s20894": 32, "s21721": 32, "s501357": 32}
    assert rxrx1["source_files"].map(lambda fs: all((tree / "rxrx1" / f).is_file() for f in fs)).all()


# --- pixels -------------------------------------------------------------------------------------------------


def test_tiffs_are_real_16_bit(tree, bbbc021):
    folder = tree / "bbbc021"
    good = bbbc021[~bbbc021["sample_id"].isin(list(demo.BBBC021_BAD))]
    for record in good.iloc[::10].itertuples():
        tops = []
        for path in record.source_files:
            with tifffile.TiffFile(folder / path) as tif:
                page = tif.pages[0]
                assert len(tif.pages) == 1 and page.dtype == np.uint16 and page.shape == SHAPES["bbbc021_shape"]
                assert "DateTime" not in page.tags and "Software" not in page.tags
                arr = page.asarray()
            # a camera offset lifts the background off zero; signal spans more than 8 bits
            assert arr.min() > 0 and arr.max() - arr.min() > 255
            tops.append(int(arr.max()))
        assert max(tops) > 1000, record.sample_id


def test_pngs_are_8_bit_grayscale(tree, rxrx1):
    for record in rxrx1.iloc[::25].itertuples():
        for path in record.source_files:
            with Image.open(tree / "rxrx1" / path) as im:
                assert im.mode == "L" and im.size == SHAPES["rxrx1_shape"][::-1]


def test_images_look_like_fluorescence(tree, bbbc021):
    folder = tree / "bbbc021"
    good = bbbc021[~bbbc021["sample_id"].isin(list(demo.BBBC021_BAD))]

    def bright(a: np.ndarray) -> float:
        lo, hi = np.percentile(a, (1, 99.9))
        return float((a > lo + 0.25 * (hi - lo)).mean())

    fractions = []
    for record in good[good["compound"] == "dmso"].itertuples():
        channels = [tifffile.imread(folder / f).astype(np.float64) for f in record.source_files]
        for channel in channels:
            # a dark background with a bright tail: the median sits near the floor, far from the top
            lo, med, hi = np.percentile(channel, (1, 50, 99.9))
            assert (med - lo) < 0.3 * (hi - lo), record.sample_id
        fractions.append([bright(c) for c in channels])
    dapi, tubulin, _ = np.mean(fractions, axis=0)
    # nuclei are compact: fewer bright DAPI pixels than bright cytoplasm pixels
    assert dapi < 0.5 * tubulin


def test_treatments_change_morphology(tree, bbbc021):
    """Classes are not pure noise: cytochalasin B cells are larger than DMSO cells, emetine fields sparser."""
    folder = tree / "bbbc021"
    good = bbbc021[~bbbc021["sample_id"].isin(list(demo.BBBC021_BAD))]

    def coverage(compound: str) -> float:
        fractions = []
        for record in good[good["compound"] == compound].iloc[::3].itertuples():
            tub = tifffile.imread(folder / record.source_files[1]).astype(np.float64)
            lo, hi = np.percentile(tub, (1, 99.9))
            fractions.append(((tub - lo) > 0.15 * (hi - lo)).mean())
        return float(np.mean(fractions))

    assert coverage("cytochalasin b") > coverage("dmso") > coverage("emetine")


def test_plates_differ_in_intensity(tree, bbbc021):
    folder = tree / "bbbc021"
    floors = {}
    for plate, *_ in demo.BBBC021_PLATES:
        record = bbbc021[bbbc021["sample_id"].str.startswith(plate) & (bbbc021["compound"] == "taxol")].iloc[0]
        floors[plate] = np.percentile(tifffile.imread(folder / record.source_files[0]), 1)
    # camera offsets differ by plate (tens to hundreds of counts), as in the real screens
    assert max(floors.values()) - min(floors.values()) > 20


# --- planted bad rows and QC ----------------------------------------------------------------------------------


def test_planted_rows_fail_as_declared(tree, bbbc021):
    folder = tree / "bbbc021"
    by_id = bbbc021.set_index("sample_id")
    for sample_id, reason in demo.BBBC021_QC_FAILURES.items():
        assert _qc(_merge(_read(folder, by_id.loc[sample_id]))) == reason, sample_id

    # the binary field is not dark as well: it fails for one reason only, whatever order a QC applies rules in
    assert np.percentile(_merge(_read(folder, by_id.loc[demo.BBBC021_BINARY])), 75) > 0

    dim = _read(folder, by_id.loc[demo.BBBC021_DIM])
    at_min = [c == c.min() for c in dim]
    assert all(m.mean() >= 0.8 for m in at_min) and all((m == at_min[0]).all() for m in at_min)

    missing = by_id.loc[demo.BBBC021_MISSING, "source_files"]
    assert [(folder / f).exists() for f in missing] == [True, True, False]

    truncated = folder / by_id.loc[demo.BBBC021_TRUNCATED, "source_files"][0]
    with pytest.raises(Exception):
        with tifffile.TiffFile(truncated) as tif:
            tif.pages[0].asarray()
    with pytest.raises(Exception):
        with Image.open(truncated) as im:
            im.load()


def test_normal_rows_pass_qc(tree, bbbc021, rxrx1):
    folder = tree / "bbbc021"
    good = bbbc021[~bbbc021["sample_id"].isin(list(demo.BBBC021_BAD))]
    assert len(good) == 144
    failures = {r.sample_id: _qc(_merge(_read(folder, r))) for r in good.itertuples()}
    assert {k: v for k, v in failures.items() if v} == {}
    failures = {r.sample_id: _qc(_merge(_read(tree / "rxrx1", r))) for r in rxrx1.iloc[::4].itertuples()}
    assert {k: v for k, v in failures.items() if v} == {}
