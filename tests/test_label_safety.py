"""Labels normalised once (catalog/label_text.py) and safe wherever they are written: card, figures, file names."""

import io
import posixpath
import re
import tarfile
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from cytoimagenet.builder.card import body, read_front_matter, render
from cytoimagenet.builder.figures import class_sizes_png, montage_png
from cytoimagenet.builder.labels import assign_labels
from cytoimagenet.builder.plan import plan
from cytoimagenet.catalog.source import gene_tokens, norm_label
from cytoimagenet.format import BuildConfig, Manifest

from test_labels import records

# -- normalisation --------------------------------------------------------------------------------------------


def test_combining_and_precomposed_accents_are_one_class():
    combining, precomposed = "Cafe\u0301ine", "Caf\u00e9ine"
    assert combining != precomposed and norm_label(combining) == norm_label(precomposed) == "caf\u00e9ine"
    df = records(compound=[norm_label(combining)] * 15 + [norm_label(precomposed)] * 15)
    assert assign_labels(df, 20, 100, seed=0)["label"].value_counts().to_dict() == {"caf\u00e9ine": 30}


def test_control_characters_go_and_whitespace_collapses():
    assert norm_label("dm\x00so") == "dmso"
    assert norm_label("two\nlines") == norm_label("two\r\n\tlines") == norm_label("two\u2028lines") == "two lines"
    assert norm_label("\u200bzero\u202e width\x1b") == "zero width"  # zero-width space, bidi override, escape
    assert norm_label("  Golgi   Apparatus ") == "golgi apparatus"
    # '|' still separates labels; a token emptied by the cleaning is no label
    assert norm_label("Actin|\x00| DNA \n|actin") == "actin|dna"
    assert norm_label("\x00\n") is None


def test_length_cap_is_deterministic_and_keeps_long_labels_apart():
    a, b = "x" * 4000 + "a" * 1000, "x" * 4000 + "b" * 1000
    na, nb = norm_label(a), norm_label(b)
    assert len(na) == len(nb) == 100 and na != nb and na == norm_label(a)
    assert na.startswith("x" * 91 + "\u2026")
    assert norm_label("y" * 100) == "y" * 100  # at the cap: unchanged
    gene = gene_tokens(norm_label("g" * 5000))
    assert len(gene) == 100 and gene.endswith(" targeted")
    assert gene_tokens("rab5|rab5 targeted") == "rab5 targeted"


# -- (category, token) labels ---------------------------------------------------------------------------------


def test_compounds_named_like_an_organism_or_structure_are_their_own_class():
    df = records(
        organism=["human"] * 40 + [None] * 84,
        cell_visible=[None] * 40 + ["nucleus"] * 40 + [None] * 32 + ["rab5"] * 12,
        compound=[None] * 80 + ["Human"] * 10 + ["nucleus"] * 10 + [None] * 24,
        gene=[None] * 100 + ["rab5 targeted"] * 12 + [None] * 12,
    )
    df["compound"] = df["compound"].map(norm_label)
    sel = assign_labels(df, 10, 1000, seed=0)
    got = sel.groupby("label").agg(category=("category", "first"), n=("label", "size")).to_dict("index")
    assert got == {
        "human": {"category": "organism", "n": 40},
        "human (compound)": {"category": "compound", "n": 10},
        "nucleus": {"category": "cell_visible", "n": 40},
        "nucleus (compound)": {"category": "compound", "n": 10},
        "rab5": {"category": "cell_visible", "n": 12},  # no clash: gene labels carry " targeted"
        "rab5 targeted": {"category": "gene", "n": 12},
    }
    assert sel.loc[sel["label"].isin(["human", "nucleus"]), "compound"].isna().all()


def test_bare_name_goes_by_category_order_not_by_size():
    df = records(organism=["human"] * 20 + [None] * 300, compound=[None] * 20 + ["human"] * 300)
    sel = assign_labels(df, 10, 1000, seed=0)
    assert sel.groupby("label")["category"].first().to_dict() == {"human": "organism", "human (compound)": "compound"}


def test_a_disambiguated_name_never_takes_another_labels_name():
    # the compound column also holds the literal token "x (compound)"
    df = records(cell_type=["x"] * 20 + [None] * 40, compound=[None] * 20 + ["x"] * 20 + ["x (compound)"] * 20)
    sel = assign_labels(df, 10, 1000, seed=0)
    got = {label: (rows["category"].iloc[0], set(rows["compound"].dropna())) for label, rows in sel.groupby("label")}
    assert got == {"x": ("cell_type", set()), "x (compound)": ("compound", {"x (compound)"}),
                   "x (compound) (compound)": ("compound", {"x"})}


# -- file names -----------------------------------------------------------------------------------------------

HOSTILE = ["a/b", "a_b", "a\\b", "..", ".", ".hidden", "x~y", "x" * 5000, "\u00e9" * 100, "\u65e5" * 100,
           "../../etc/passwd"]
ORDINARY = ["golgi apparatus", "rab5 targeted", "human (compound)", "cpd_$1_$2", "caf\u00e9ine"]


def _plan(labels, per_label=3):
    labels = [lab for lab in labels for _ in range(per_label)]
    sel = pd.DataFrame({"label": labels, "category": "compound", "source_id": "src",
                        "sample_id": [f"s{i:04d}" for i in range(len(labels))]})
    sel["group"] = sel["sample_id"]
    return plan(sel, {"src": SimpleNamespace(dir_name="src")}, seed=0, fraction=0.1, shard_size=10)


def test_paths_are_unique_confined_and_within_name_limits():
    df = _plan(HOSTILE + ORDINARY)
    per_label = df.groupby("label").agg(path=("path", "unique"), n=("filename", "nunique"))
    assert per_label["path"].map(len).eq(1).all() and per_label["n"].eq(3).all()
    assert per_label["path"].map(lambda p: p[0]).is_unique  # a/b, a_b and a\b: three folders
    assert df["filename"].is_unique
    for path, filename in zip(df["path"], df["filename"]):
        top, component = path.split("/", 1)
        assert top == "cytoimagenet" and "/" not in component and "\\" not in component
        assert posixpath.normpath(f"{path}/{filename}").startswith("cytoimagenet/")
        for name in (component, filename):
            assert not name.startswith(".") and "/" not in name and 0 < len(name.encode("utf-8")) <= 255


def test_ordinary_labels_keep_the_original_names():
    df = _plan(ORDINARY)
    assert (df["path"] == "cytoimagenet/" + df["label"]).all()
    pattern = df["label"].map(re.escape) + r"-[01]{8}\.png"
    assert all(re.fullmatch(p, f) for p, f in zip(pattern, df["filename"]))


# -- card -----------------------------------------------------------------------------------------------------

EVIL_LABELS = ["<script>alert(1)</script>", "![x](https://evil.example/p.png)", "two\nlines", "a|b",
               "cpd_$1_$2", "&lt;b&gt;", "yes", "---", "x\u2028---\x85"]


def _manifest(name="CytoImageNet", labels=EVIL_LABELS):
    catalog = [{"id": "evil", "name": "Evil <img src=x onerror=alert(1)>", "homepage": "javascript:alert(1)",
                "database": "db|x", "licence": "CC0-1.0",
                "citation": "Line one\n\n| --- |\n![t](https://evil.example/t)"},
               {"id": "ok", "name": "Fine [set]", "homepage": "https://example.org/a b)(<x>", "database": "BBBC",
                "licence": "CC-BY-4.0", "citation": "Someone et al."}]
    return Manifest(name=name, version="1.0.0", release_id="0" * 64, config=BuildConfig(), labels=labels,
                    splits={}, shards=[], catalog=catalog)


def _labels(labels=EVIL_LABELS):
    return pd.DataFrame({"label_id": range(len(labels)), "label": labels, "category": "compound",
                         "train": 3, "validation": 1, "count": 4, "sources": "evil"})


def _data_sections(md):
    """The card's sections that tabulate data (sources, classes); the record-field table is fixed text."""
    return "\n## ".join(s for s in md.split("\n## ") if s.startswith(("Sources and licences", "Classes")))


def test_card_escapes_labels_and_source_text():
    md = body(_manifest(), _labels())
    assert "<script" not in md and "<img" not in md and "javascript:" not in md
    assert not re.search(r"(?<!\\)!\[", md)  # no markdown image left unescaped
    assert "(https://example.org/a%20b%29%28%3Cx%3E)" in md
    rows = [line for line in _data_sections(md).splitlines() if line.startswith("| ")]
    assert len(rows) == 2 + 2 + len(EVIL_LABELS)  # two header rows: each cell stayed on its line
    for line in rows:
        assert len(re.findall(r"(?<!\\)\|", line)) in (6, 7)  # 5 or 6 columns: no '|' from the data


def test_card_renders_to_inert_html():
    markdown_it = pytest.importorskip("markdown_it")
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(body(_manifest(), _labels()))
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    data = markdown_it.MarkdownIt("commonmark").enable("table").render(_data_sections(body(_manifest(), _labels())))
    assert data.count("<tr>") == 4 + len(EVIL_LABELS)
    # what people read is the label as typed
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "cpd_$1_$2" in html and "&amp;lt;b&amp;gt;" in html


def test_front_matter_stays_valid_yaml_with_hostile_text():
    name = "Cyto\n---\ntitle: injected\u2028---\x85... \r---"
    card = render(_manifest(name=name), _labels())
    meta = read_front_matter(card)
    assert meta["pretty_name"] == name
    assert meta["dataset_info"]["features"][1]["dtype"]["class_label"]["names"] == {
        str(i): lab for i, lab in enumerate(EVIL_LABELS)}
    hub = pytest.importorskip("huggingface_hub")
    assert hub.DatasetCard(card).data.to_dict()["pretty_name"] == name


# -- figures --------------------------------------------------------------------------------------------------

MATHS = ["cpd_$1_$2", "$\\frac{", "$x^$", "a$b"]


def test_class_chart_renders_dollar_labels_as_text():
    labels = pd.DataFrame({"label": MATHS, "category": "compound", "train": [4, 3, 2, 1], "validation": 1})
    png = class_sizes_png(labels.assign(count=labels["train"] + 1), "sizes of $x$")
    with Image.open(io.BytesIO(png)) as im:
        assert im.size == (1000, 480)


def test_montage_renders_dollar_labels(tmp_path):
    (tmp_path / "data").mkdir()
    buf = io.BytesIO()
    Image.fromarray(np.arange(64 * 64, dtype=np.uint32).reshape(64, 64).astype(np.uint8)).save(buf, format="PNG")
    with tarfile.open(tmp_path / "data" / "train-000000.tar", "w") as tf:
        for i in range(len(MATHS)):
            info = tarfile.TarInfo(f"k{i}.png")
            info.size = len(buf.getvalue())
            tf.addfile(info, io.BytesIO(buf.getvalue()))
    metadata = pd.DataFrame({"key": [f"k{i}" for i in range(len(MATHS))], "label": MATHS, "category": "compound",
                             "shard": "train-000000"})
    with Image.open(io.BytesIO(montage_png(tmp_path, metadata, 0, "title $1 and $2"))) as im:
        assert im.width > 300


# -- end to end -----------------------------------------------------------------------------------------------


def test_hostile_labels_build_into_a_valid_safe_release(tmp_path):
    """Native metadata with hostile label text, through adapter, plan, shards, figures and card."""
    from spine_config import CONFIG, SHAPES

    from cytoimagenet.builder.release import build_release
    from cytoimagenet.catalog import demo
    from cytoimagenet.validation.release import validate_release

    sources = demo.write_demo_sources(tmp_path / "src", seed=0, **SHAPES)
    meta = pd.read_csv(sources / "rxrx1" / "metadata.csv", dtype=str)
    hostile = {"s20894": "<script>alert(1)</script>", "s501357": "cpd_$1_$2 / ../x", "s21721": "Cafe\u0301ine",
               "s15652": ".."}
    meta["sirna"] = meta["sirna"].replace(hostile)
    meta["cell_type"] = meta["cell_type"].replace({"U2OS": "Human\nCells", "HEPG2": "Human"})
    meta.to_csv(sources / "rxrx1" / "metadata.csv", index=False)
    out = tmp_path / "cytoimagenet"
    build_release(sources, out, CONFIG, workers=1, only=["rxrx1"])

    manifest = Manifest.model_validate_json((out / "manifest.json").read_text())
    assert {"<script>alert(1)</script>", "cpd_$1_$2 / ../x", "caf\u00e9ine", "..", "human (cell_type)",
            "human cells"} <= set(manifest.labels)
    assert validate_release(out) == []
    md = pd.read_parquet(out / "metadata" / "metadata.parquet", columns=["label", "path", "filename"])
    assert md.groupby("path")["label"].nunique().eq(1).all() and md["filename"].is_unique
    assert not md["path"].str.split("/").str[1].str.startswith(".").any()
    assert (md.loc[md["label"] == "caf\u00e9ine", "path"] == "cytoimagenet/caf\u00e9ine").all()
    card = (out / "README.md").read_text()
    assert "<script" not in card.split("\n---\n", 1)[1]  # the body; in the YAML the label is a quoted string
    from cytoimagenet.builder.card import config_infos

    names = config_infos(read_front_matter(card))["default"]["features"][1]["dtype"]["class_label"]["names"]
    assert list(names.values()) == manifest.labels
    assert (out / "figures" / "class_sizes.png").is_file() and (out / "figures" / "montage.png").is_file()
