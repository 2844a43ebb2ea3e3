"""The published CytoImageNet v1 (Kaggle: class folders of 8-bit grayscale PNGs + metadata.csv, fields as the
original README lists them, e.g. path `/cytoimagenet/human`, filename `human-00001011.png`, idx `bbbc041-14631`)
repackaged as a release: PNGs byte for byte, records equal to their rows, a grouped split, quarantine by name,
exported back to the v1 layout, and published to the local Hub."""

from __future__ import annotations

import io
import json
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from publish_fixtures import ORG, hub  # noqa: F401 (fixtures)
from typer.testing import CliRunner

from cytoimagenet.builder.v1 import V1_COLUMNS, import_v1
from cytoimagenet.cli.app import app
from cytoimagenet.errors import UserError
from cytoimagenet.loaders.export import export_v1
from cytoimagenet.validation.release import validate_release

CLASSES = [
    # label, category, database, name, dir_name, organism, cell_type, cell_visible, phenotype, compound, gene
    ("human", "organism", "Recursion", "RxRx1", "rxrx1", "human", "huvec", "nucleus|actin", None, None, None),
    ("actin", "cell_visible", "Broad Bioimage Benchmark Collection", "Human MCF7 cells - compound-profiling",
     "bbbc021", "human", "mcf-7", "nucleus|microtubules|actin", None, "taxol", None),
    ("rab5 targeted", "gene", "Image Data Resource", "Early Secretory Pathway", "idr0003", "human", "hela",
     "nucleus", None, None, "rab5 targeted"),
]
PER_CLASS = 14
# rows of a source whose licence forbids derivatives (idr0017, CC BY-NC-ND 4.0): kept out unless asked
NO_DERIVATIVES = ("dmso", "compound", "Image Data Resource", "Chemical-genetic interaction screen", "idr0017",
                  "human", "hct116", "nucleus|actin", None, "dmso", None)
ND_ROWS = 4


def _png(seed: int, size: int = 96) -> bytes:
    rng = np.random.default_rng(seed)
    img = (rng.normal(60, 25, (size, size)).clip(0, 255)).astype(np.uint8)
    img[size // 4: size // 2, size // 3: size // 2] = 220
    buf = io.BytesIO()
    Image.fromarray(img, "L").save(buf, format="PNG", compress_level=9)
    return buf.getvalue()


def write_v1(root: Path) -> Path:
    rows = []
    for c, (label, cat, db, name, dir_name, org, ct, cv, ph, cpd, gene) in enumerate(CLASSES):
        # copies of v1 differ in the prefix of `path`: both forms are in one table here
        prefix = "/cytoimagenet" if c % 2 == 0 else "cytoimagenet"
        for n in range(PER_CLASS):
            source_image = n // 2  # two samples per source image: the whole image and a crop of it
            crop = n % 2 == 1
            filename = f"{label}-{n:08b}.png"
            rows.append({
                "label": label, "category": cat, "database": db, "name": name, "dir_name": dir_name,
                "path": f"{prefix}/{label}", "filename": filename, "idx": f"{dir_name}-{1000 + source_image}",
                "organism": org, "cell_type": ct, "cell_visible": cv, "phenotype": ph, "compound": cpd, "sirna": None,
                "gene": gene, "microscopy": "fluorescence", "crop": crop, "scaling": 0.5 if crop else 1.0,
                "x_min": 10 if crop else None, "x_max": 106 if crop else None, "y_min": 0 if crop else None,
                "y_max": 96 if crop else None,
            })
            folder = root / "cytoimagenet" / label
            folder.mkdir(parents=True, exist_ok=True)
            (folder / filename).write_bytes(_png(zlib.crc32(filename.encode())))
    label, cat, db, name, dir_name, org, ct, cv, ph, cpd, gene = NO_DERIVATIVES
    for n in range(ND_ROWS):
        filename = f"{label}-{n:08b}.png"
        rows.append({"label": label, "category": cat, "database": db, "name": name, "dir_name": dir_name,
                     "path": f"/cytoimagenet/{label}", "filename": filename, "idx": f"{dir_name}-{n}",
                     "organism": org, "cell_type": ct, "cell_visible": cv, "phenotype": ph, "compound": cpd,
                     "sirna": None, "gene": gene, "microscopy": "fluorescence", "crop": False, "scaling": 1.0,
                     "x_min": None, "x_max": None, "y_min": None, "y_max": None})
        (root / "cytoimagenet" / label).mkdir(parents=True, exist_ok=True)
        (root / "cytoimagenet" / label / filename).write_bytes(_png(zlib.crc32(filename.encode())))
    pd.DataFrame(rows, columns=list(V1_COLUMNS)).to_csv(root / "metadata.csv", index=False)
    # one row whose PNG is missing, one whose PNG is truncated
    (root / "cytoimagenet" / "actin" / "actin-00000011.png").unlink()
    broken = root / "cytoimagenet" / "human" / "human-00000100.png"
    broken.write_bytes(broken.read_bytes()[:60])
    return root


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    kaggle = write_v1(tmp_path_factory.mktemp("kaggle"))
    out = tmp_path_factory.mktemp("rel") / "cytoimagenet"
    report = import_v1(kaggle, out, shard_size=16, workers=2, chunk_rows=10)
    return kaggle, out, report


def _records(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "metadata" / "metadata.parquet")


def test_import_validates_and_quarantines_by_name(imported):
    kaggle, out, report = imported
    assert validate_release(out) == []
    q = pd.read_parquet(out / "metadata" / "quarantine.parquet").set_index("sample_id")["reason"]
    assert q["actin-00000011.png"].startswith("missing")
    assert q["human-00000100.png"].startswith("unreadable")
    assert report.quarantined == 2 + ND_ROWS and sum(report.samples.values()) == len(CLASSES) * PER_CLASS - 2
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["origin"] == "v1" and manifest["labels"] == sorted(c[0] for c in CLASSES)
    # no-derivatives material stays out, said by name; the licence table lists the sources that went in
    barred = q[q.index.str.startswith("dmso-")]
    assert len(barred) == ND_ROWS and barred.str.startswith("licence: idr0017 is CC-BY-NC-ND-4.0").all()
    assert sorted(e["id"] for e in manifest["catalog"]) == ["bbbc021", "idr0003", "rxrx1"]


def test_no_derivatives_material_only_when_asked_and_then_not_publishable(tmp_path):
    from cytoimagenet.validation.publish import publish

    kaggle = write_v1(tmp_path / "kaggle")
    out = tmp_path / "rel" / "cytoimagenet"
    report = import_v1(kaggle, out, shard_size=64, allow_noderivatives=True)
    assert report.quarantined == 2 and "dmso" in json.loads((out / "manifest.json").read_text())["labels"]
    with pytest.raises(UserError, match="forbids derivatives"):
        publish(out, "org/name", dry_run=True)


def test_every_png_is_byte_identical_and_every_record_equals_its_row(imported):
    from cytoimagenet.loaders.shards import iter_shard

    kaggle, out, _ = imported
    csv = pd.read_csv(kaggle / "metadata.csv", dtype=str, keep_default_na=False).set_index("filename", drop=False)
    records = _records(out).set_index("key")
    seen = 0
    for tar in sorted((out / "data").glob("*.tar")):
        for sample in iter_shard(tar):
            rec = records.loc[sample.key]
            row = csv.loc[rec["filename"]]
            assert sample.png == (kaggle / "cytoimagenet" / row["label"] / rec["filename"]).read_bytes()
            for col in V1_COLUMNS:
                want = row[col]
                got = rec[col]
                if col in ("crop",):
                    assert bool(got) == (want == "True")
                elif col in ("scaling",):
                    assert float(got) == float(want)
                elif col in ("x_min", "x_max", "y_min", "y_max"):
                    assert (pd.isna(got) and want == "") or int(got) == int(float(want))
                else:
                    assert ("" if got is None or (isinstance(got, float) and pd.isna(got)) else got) == want, col
            seen += 1
    assert seen == len(records)


def test_the_split_keeps_each_source_image_on_one_side(imported):
    _, out, _ = imported
    records = _records(out)
    assert (records.groupby("idx")["split"].nunique() == 1).all()
    assert set(records["split"]) == {"train", "validation"}


def test_a_rerun_reuses_every_shard_and_gives_the_same_release(imported, tmp_path):
    kaggle, out, report = imported
    again = import_v1(kaggle, out, shard_size=16, workers=1, chunk_rows=7)
    assert again.version == report.version and again.reused_shards == again.shards


def test_export_back_to_the_v1_layout_gives_the_published_files(imported, tmp_path):
    kaggle, out, _ = imported
    n = export_v1(out, tmp_path / "v1")
    assert n == len(_records(out))
    exported = pd.read_csv(tmp_path / "v1" / "metadata.csv", dtype=str, keep_default_na=False)
    original = pd.read_csv(kaggle / "metadata.csv", dtype=str, keep_default_na=False)
    original = original[original["filename"].isin(exported["filename"])]
    key = ["filename"]
    exported, original = (df.sort_values(key).reset_index(drop=True) for df in (exported, original))
    numeric = ["scaling", "x_min", "x_max", "y_min", "y_max"]
    pd.testing.assert_frame_equal(exported.drop(columns=numeric), original.drop(columns=numeric))
    for col in numeric:  # "10" and "10.0" are one number: compare as numbers, blanks as blanks
        pd.testing.assert_series_equal(pd.to_numeric(exported[col]), pd.to_numeric(original[col]), check_dtype=False)
    for row in exported.itertuples():
        rel = Path(row.path.lstrip("/")) / row.filename
        assert (tmp_path / "v1" / rel).read_bytes() == (kaggle / "cytoimagenet" / row.label / row.filename).read_bytes()


def test_cli_import_then_publish_to_the_local_hub(tmp_path, hub):
    kaggle = write_v1(tmp_path / "kaggle")
    res = CliRunner().invoke(app, ["import-v1", str(kaggle), "--out", str(tmp_path / "rel"), "--shard-size", "16"])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["publish", str(tmp_path / "rel"), "--repo", f"{ORG}/cytoimagenet-v1"])
    assert res.exit_code == 0, res.output
    files = hub.state.files(f"{ORG}/cytoimagenet-v1", "main")
    assert "manifest.json" in files and any(p.startswith("data/train-") for p in files)
    res = CliRunner().invoke(app, ["export", str(tmp_path / "rel"), "--layout", "v1", "--out", str(tmp_path / "exp")])
    assert res.exit_code == 0, res.output and (tmp_path / "exp" / "metadata.csv").is_file()


def test_a_folder_without_metadata_is_one_line(tmp_path):
    with pytest.raises(UserError, match="no metadata.csv"):
        import_v1(tmp_path, tmp_path.parent / "out-none")


def test_metadata_without_the_v1_columns_is_one_line(tmp_path):
    (tmp_path / "metadata.csv").write_text("label,path\nhuman,/cytoimagenet/human\n")
    with pytest.raises(UserError, match="missing column"):
        import_v1(tmp_path, tmp_path.parent / "out-cols")
