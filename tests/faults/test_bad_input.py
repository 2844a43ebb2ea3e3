"""Bad input: every kind gets a clear error or a quarantine entry naming the file, and nothing else is lost.

The corpus is generated here, in BBBC021's native layout (its real adapter reads it): a small plate of good
fields, fields whose files are broken in each way below, and metadata cells of each awkward kind. KINDS is the
list the README's Reliability section counts."""

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tifffile
from PIL import Image

from cytoimagenet.builder.image import MAX_PIXELS, UnreadableImage, read_planes
from cytoimagenet.builder.release import build_release
from cytoimagenet.catalog.registry import get_source
from cytoimagenet.catalog.source import standardise_records
from cytoimagenet.errors import UserError
from cytoimagenet.validation.release import validate_release
from cytoimagenet.format import BuildConfig

from faults_fixtures import CHANNELS, COLUMNS, PLATE, SHAPE, WEEK, clean_source, png_bomb, texture, tiff_bomb

KINDS = {
    # image files: quarantined with the file named, or read correctly
    "truncated TIFF": "quarantine", "truncated PNG": "quarantine", "truncated JPEG": "quarantine",
    "zero-byte TIFF": "quarantine", "zero-byte PNG": "quarantine", "zero-byte JPEG": "quarantine",
    "1-bit image": "quarantine", "float image with NaN/inf": "quarantine", "complex pixel type": "quarantine",
    "8-bit channel among 16-bit channels": "read at its own depth", "32-bit float channel": "read at full precision",
    "two-channel (gray+alpha) image": "quarantine", "RGB file in a grayscale channel": "read as mean of colours",
    "channel of another size than its siblings": "quarantine",
    "PNG decompression bomb": "quarantine, refused before decoding",
    "PNG just over the pixel limit (Pillow only warns there)": "quarantine, refused before decoding",
    "TIFF decompression bomb": "quarantine, refused before decoding",
    "metadata row whose files are missing": "quarantine",
    # metadata
    "NaN metadata cell": "no label from it", "empty metadata cell": "no label from it",
    "mixed-type metadata cells": "labels as text", "upper-case labels": "lowercased",
    "regex-special labels": "kept literally", "duplicate idx": "error naming folder and id",
    "CSV with a missing column": "error naming column and file", "CSV with a renamed column": "error naming column and file",
    "empty (0-byte) or unparsable metadata CSV": "error naming the source folder",
    "empty source folder": "error naming the expected file", "source not in the catalog": "error naming the folder",
}
COMPOUNDS = ("taxol", "NOCODAZOLE", "Cytochalasin (B)+[x]*?.^$\\{2}", "DmSo")
PER_CLASS = 8
CONFIG = BuildConfig(seed=0, min_per_class=PER_CLASS, max_per_class=PER_CLASS, shard_size=12)


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def encoded(array, fmt, mode=None) -> bytes:
    import io

    buf = io.BytesIO()
    Image.fromarray(array, mode).save(buf, format=fmt) if mode else Image.fromarray(array).save(buf, format=fmt)
    return buf.getvalue()


def write_corpus(root: Path) -> dict:
    """root/bbbc021 in its native layout. Returns {sample_id: expected quarantine reason fragment} for the bad
    fields, the ids of the odd-but-valid fields, and the ids of the NaN/empty-compound rows."""
    folder = root / "bbbc021"
    plate_dir = folder / PLATE
    plate_dir.mkdir(parents=True)
    rng = np.random.default_rng(0)
    u8 = lambda: texture(rng, dtype=np.uint8, high=250)  # noqa: E731

    # each bad kind: (name, file suffix of the DAPI file, its bytes, expected quarantine reason fragment)
    def tif_bytes(arr):
        import io

        buf = io.BytesIO()
        tifffile.imwrite(buf, arr)
        return buf.getvalue()

    bad = [
        ("trunc-tif", ".tif", truncated(tif_bytes(texture(rng))), "unreadable"),
        ("zero-tif", ".tif", b"", "empty file (0 bytes)"),
        ("trunc-png", ".png", truncated(encoded(u8(), "PNG")), "unreadable"),
        ("zero-png", ".png", b"", "empty file (0 bytes)"),
        ("trunc-jpg", ".jpg", truncated(encoded(u8(), "JPEG")), "unreadable"),
        ("zero-jpg", ".jpg", b"", "empty file (0 bytes)"),
        ("bilevel", ".png", encoded(u8() > 128, "PNG"), "1-bit"),
        ("nan-float", ".tif", tif_bytes(np.where(rng.random(SHAPE) < 0.01, np.nan, rng.random(SHAPE)).astype(np.float32)),
         "non-finite"),
        ("complex", ".tif", tif_bytes((rng.random(SHAPE) + 1j).astype(np.complex64)), "unsupported pixel type"),
        ("gray-alpha", ".png", encoded(np.dstack([u8(), u8()]), "PNG", "LA"), "expected a 2-D grayscale or RGB"),
        ("wrong-size", ".tif", tif_bytes(texture(rng, (SHAPE[0] // 2, SHAPE[1]))), "channels differ in shape"),
        ("bomb-png", ".png", png_bomb(100_000, 100_000), "refused before decoding"),
        ("bomb-png-warnzone", ".png", png_bomb(20_000, 20_000), "refused before decoding"),
        ("bomb-tif", ".tif", None, "refused before decoding"),
        ("missing", ".tif", "missing", "missing file"),
    ]
    odd = [
        ("eight-bit", ".tif", tif_bytes(u8())),  # an 8-bit DAPI among 16-bit Tubulin and Actin
        ("rgb", ".png", encoded(np.dstack([u8(), u8(), u8()]), "PNG")),
        ("float-ok", ".tif", tif_bytes(rng.random(SHAPE).astype(np.float32))),
    ]
    rows, expect_bad, expect_odd = [], {}, []
    specials = [(name, suffix, data, reason) for name, suffix, data, reason in bad] + \
               [(name, suffix, data, None) for name, suffix, data in odd]
    n_rows = len(COMPOUNDS) * PER_CLASS
    assert len(specials) < n_rows
    for i in range(n_rows):
        well = f"{'ABCDEFGHIJKLMNOP'[i // 12]}{i % 12 + 1:02d}"
        names = {c: f"{PLATE}_{well}_s1_w{j + 1}.tif" for j, c in enumerate(CHANNELS)}
        arrays = {c: texture(rng) for c in CHANNELS}
        special = specials[i] if i < len(specials) else None
        if special:
            name, suffix, data, reason = special
            names["DAPI"] = f"{PLATE}_{well}_s1_w1{suffix}"
            sample_id = f"{PLATE}-{well}-s1"
            if reason:
                expect_bad[sample_id] = (reason, names["DAPI"])
            else:
                expect_odd.append(sample_id)
        for c in CHANNELS:
            path = plate_dir / names[c]
            if special and c == "DAPI":
                if data == "missing":
                    continue
                if name == "bomb-tif":
                    tiff_bomb(path)
                else:
                    path.write_bytes(data)
            else:
                tifffile.imwrite(path, arrays[c])
        if special and special[0] == "missing":
            for c in CHANNELS:
                (plate_dir / names[c]).unlink(missing_ok=True)  # the row's files are all missing
        rows.append([1, i + 1, names["DAPI"], f"{WEEK}/{PLATE}", names["Tubulin"], f"{WEEK}/{PLATE}", names["Actin"],
                     f"{WEEK}/{PLATE}", PLATE, well, 1, COMPOUNDS[i % len(COMPOUNDS)], "1.0"])
    # rows whose compound cell is empty or NaN: they carry no compound label, and are not a class of their own
    unlabelled = []
    for j, cell in enumerate(["", "NaN"]):
        well = f"P{j + 1:02d}"
        names = [f"{PLATE}_{well}_s1_w{k + 1}.tif" for k in range(3)]
        for n in names:
            tifffile.imwrite(plate_dir / n, texture(rng))
        rows.append([1, 100 + j, names[0], f"{WEEK}/{PLATE}", names[1], f"{WEEK}/{PLATE}", names[2], f"{WEEK}/{PLATE}",
                     PLATE, well, 1, cell, ""])
        unlabelled.append(f"{PLATE}-{well}-s1")
    pd.DataFrame(rows, columns=COLUMNS).to_csv(folder / "BBBC021_v1_image.csv", index=False)
    return {"bad": expect_bad, "odd": expect_odd, "unlabelled": unlabelled}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad_sources")
    expected = write_corpus(root)
    out = tmp_path_factory.mktemp("bad_release") / "cytoimagenet"
    report = build_release(root, out, CONFIG, workers=1, only=["bbbc021"])  # evaluation-only: named
    return root, out, report, expected


def test_each_bad_file_is_quarantined_with_its_name_and_nothing_else_is_lost(corpus):
    root, out, report, expected = corpus
    q = pd.read_parquet(out / "metadata" / "quarantine.parquet")
    md = pd.read_parquet(out / "metadata" / "metadata.parquet")
    plan = pd.read_parquet(out.parent / ".cytoimagenet.work" / "plan.parquet")
    reasons = dict(zip(q["sample_id"], q["reason"]))
    assert set(reasons) == set(expected["bad"]), (sorted(reasons), sorted(expected["bad"]))
    for sample_id, (fragment, file_name) in expected["bad"].items():
        assert fragment in reasons[sample_id], (sample_id, reasons[sample_id])
        assert file_name in reasons[sample_id], (sample_id, reasons[sample_id])  # the reason names the file
    # every planned sample is either in the release or in quarantine: none vanished
    assert set(plan["key"]) == set(md["key"]) | set(q["key"]) and not set(md["key"]) & set(q["key"])
    assert len(md) == len(plan) - len(expected["bad"])
    # the odd-but-valid fields are in, each channel read at its own depth
    odd = md.set_index("idx").loc[[f"bbbc021-{s}" for s in expected["odd"]]]
    assert list(odd["bit_depth"]) == [16, 16, 32]
    assert report.quarantined == len(expected["bad"])
    assert validate_release(out) == []


def test_awkward_label_cells_become_clean_lowercase_labels_kept_literally(corpus):
    root, out, _, expected = corpus
    labels = pd.read_parquet(out / "metadata" / "labels.parquet")
    assert sorted(labels["label"]) == sorted(c.lower() for c in COMPOUNDS)
    assert "cytochalasin (b)+[x]*?.^$\\{2}" in set(labels["label"])  # a regex would have choked or matched loosely
    assert (labels["count"] <= PER_CLASS).all()
    md = pd.read_parquet(out / "metadata" / "metadata.parquet")
    assert md["key"].str.fullmatch(r"[A-Za-z0-9_-]+").all()
    # the empty and the "NaN" compound cells gave no label (and no "nan" label), but the rows are in the records
    records = pd.read_parquet(out.parent / ".cytoimagenet.work" / "records.parquet").set_index("sample_id")
    assert records.loc[expected["unlabelled"], "compound"].isna().all()
    assert not {"nan", "none", ""} & set(labels["label"])


def test_mixed_type_nan_and_empty_cells_standardise_to_text_labels_or_none():
    entry = get_source("bbbc021").entry
    cells = [1, 2.5, True, "Taxol", None, np.nan, "", "  ", "NaN", " A | b |a"]
    df = pd.DataFrame({
        "sample_id": [f"s{i}" if i % 2 else i for i in range(len(cells))],  # ids of mixed types too
        "group": [i % 3 for i in range(len(cells))],
        "compound": pd.Series(cells, dtype=object),
        "source_files": [["a.tif"]] * len(cells), "channels": [["DAPI"]] * len(cells),
    })
    out = standardise_records(df, entry).set_index("sample_id")
    got = [out.loc[str(i) if not i % 2 else f"s{i}", "compound"] for i in range(len(cells))]
    assert got == ["1", "2.5", "true", "taxol", None, None, None, None, None, "a|b"]


# ---------------------------------------------------------------------------------------------------------
# errors before any image work: each names what is wrong and where


def build_error(root: Path, tmp_path: Path, **kw) -> str:
    # every folder named, as --source does: bbbc021 is evaluation-only and left out of an implicit build
    kw.setdefault("only", sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else None)
    with pytest.raises(UserError) as info:
        build_release(root, tmp_path / "out" / "cytoimagenet", CONFIG, **{**kw, "only": kw["only"] or None})
    return str(info.value)


def test_duplicate_idx_is_an_error_naming_the_folder_and_the_id(tmp_path):
    folder = clean_source(tmp_path / "src")
    csv = folder / "BBBC021_v1_image.csv"
    df = pd.read_csv(csv)
    pd.concat([df, df.iloc[[1]]]).to_csv(csv, index=False)
    msg = build_error(tmp_path / "src", tmp_path)
    assert str(folder) in msg and f"{PLATE}-A02-s1" in msg and "not unique" in msg


@pytest.mark.parametrize("change", ["drop", "rename"])
def test_csv_with_a_missing_or_renamed_column_names_the_column_and_the_file(tmp_path, change):
    folder = clean_source(tmp_path / "src")
    csv = folder / "BBBC021_v1_image.csv"
    df = pd.read_csv(csv)
    df = df.drop(columns=["Image_Metadata_Compound"]) if change == "drop" else \
        df.rename(columns={"Image_Metadata_Compound": "Compound"})
    df.to_csv(csv, index=False)
    msg = build_error(tmp_path / "src", tmp_path)
    assert str(csv) in msg and "missing column(s) Image_Metadata_Compound" in msg


@pytest.mark.parametrize("content", [b"", b"\x00\xff\xfe garbage \x00\n\x89PNG"])
def test_empty_or_unparsable_metadata_csv_names_the_source(tmp_path, content):
    folder = clean_source(tmp_path / "src")
    (folder / "BBBC021_v1_image.csv").write_bytes(content)
    msg = build_error(tmp_path / "src", tmp_path)
    assert "bbbc021" in msg and str(folder) in msg


def test_empty_source_folder_names_the_file_it_expected(tmp_path):
    (tmp_path / "src" / "bbbc021").mkdir(parents=True)
    msg = build_error(tmp_path / "src", tmp_path)
    assert "BBBC021_v1_image.csv not found" in msg and "native layout" in msg


def test_sources_root_without_source_folders_is_an_error(tmp_path):
    (tmp_path / "src").mkdir()
    assert "holds no source folders" in build_error(tmp_path / "src", tmp_path)


@pytest.mark.parametrize("how", ["folder", "--source"])
def test_a_source_not_in_the_catalog_is_named(tmp_path, how):
    clean_source(tmp_path / "src")
    if how == "folder":
        (tmp_path / "src" / "bbbc999").mkdir()
        msg = build_error(tmp_path / "src", tmp_path)
    else:
        msg = build_error(tmp_path / "src", tmp_path, only=["bbbc999"])
    assert "bbbc999" in msg and "not a catalog source" in msg
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# ---------------------------------------------------------------------------------------------------------
# decompression bombs are refused from their headers: no pixel is decoded


def test_bombs_are_refused_from_the_header_without_decoding(tmp_path, monkeypatch):
    from PIL import ImageFile

    def no_decoding(*a, **k):
        raise AssertionError("pixel data decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    monkeypatch.setattr(tifffile.TiffPage, "asarray", no_decoding)
    monkeypatch.setattr(tifffile.TiffPageSeries, "asarray", no_decoding)
    cases = {"huge.png": png_bomb(100_000, 100_000), "warnzone.png": png_bomb(20_000, 20_000)}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    tiff_bomb(tmp_path / "huge.tif")
    for name in [*cases, "huge.tif"]:
        started = time.perf_counter()
        with pytest.raises(UnreadableImage, match="refused before decoding"):
            read_planes(tmp_path / name)
        assert time.perf_counter() - started < 1.0
    assert 20_000 * 20_000 > MAX_PIXELS  # the warn zone really is over the limit
