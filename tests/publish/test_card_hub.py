"""The card as the Hub documents dataset cards, the release's licence terms, BibTeX, and the webdataset loader's
`__key__`/`__url__` columns (issues 12 and 13)."""

import json
import re

import pytest
from publish_fixtures import release_a  # noqa: F401 (fixture)

from cytoimagenet.builder.card import (LICENCE_FILE, bib_text, body, card_version, front_matter, licence_file,
                                       md_text, read_front_matter, render)
from cytoimagenet.builder.croissant import croissant_license
from cytoimagenet.catalog.licences import LICENCES
from cytoimagenet.format import BuildConfig, Manifest, SampleRecord

# The dataset card metadata the Hub documents, offline. Top-level keys, and the keys inside configs and
# dataset_info: huggingface/hub-docs datasetcard.md (the metadata spec the card template links to, commit
# 0923adfd5bbec358ccbe68b1dfcdbc711134ca35); `default` in a config: hub-docs docs/hub/datasets-manual-configuration.md
# ("You can set a default subset using `default: true`"; other config keys are builder parameters, the webdataset
# builder has none we use); `multilinguality` and `train-eval-index`: huggingface_hub's DatasetCardData.
DOCUMENTED_TOP = {
    "language", "license", "license_name", "license_link", "license_details", "tags", "annotations_creators",
    "language_creators", "language_details", "pretty_name", "size_categories", "source_datasets", "task_categories",
    "task_ids", "paperswithcode_id", "configs", "dataset_info", "extra_gated_fields", "extra_gated_prompt",
    "train-eval-index", "multilinguality",
}
LEGACY = {"license_details"}  # datasetcard.md: "Legacy, textual description of a custom license."
CONFIG_KEYS = {"config_name", "data_files", "data_dir", "default"}
DATA_FILES_KEYS = {"split", "path"}
DATASET_INFO_KEYS = {"features", "config_name", "splits", "download_size", "dataset_size"}
SPLIT_KEYS = {"name", "num_bytes", "num_examples"}
# size_categories values as datasetcard.md's example and the Hub's filters write them
SIZES = {"n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "10M<n<100M", "100M<n<1B", "1B<n<10B",
         "10B<n<100B", "100B<n<1T", "n>1T"}
# Licence identifiers of hub-docs docs/hub/repositories-licenses.md that our catalog's licences can map to.
HUB_LICENCES = {"cc0-1.0", "cc-by-2.0", "cc-by-2.5", "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0",
                "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0",
                "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0", "unknown", "other"}


def hub_problems(meta: dict) -> list[str]:
    """What in a card's front matter the Hub does not document (or documents as legacy), as lines."""
    problems = [f"top-level key {k!r} is not documented" for k in meta if k not in DOCUMENTED_TOP]
    problems += [f"legacy key {k!r}" for k in meta if k in LEGACY]
    if meta.get("license") not in HUB_LICENCES:
        problems.append(f"license {meta.get('license')!r} is not a Hub licence id")
    if meta.get("license") == "other" and not (meta.get("license_name") and meta.get("license_link")):
        problems.append("license: other without license_name and license_link")
    if meta.get("license") != "other" and ("license_name" in meta or "license_link" in meta):
        problems.append("license_name/license_link are for license: other")
    for size in meta.get("size_categories", []):
        if size not in SIZES:
            problems.append(f"size category {size!r}")
    for config in meta.get("configs", []):
        problems += [f"configs key {k!r} is not documented" for k in config if k not in CONFIG_KEYS]
        for entry in config.get("data_files", []):
            problems += [f"data_files key {k!r}" for k in entry if k not in DATA_FILES_KEYS]
    # one mapping, or a list of them with config_name, one per config (datasets/info.py,
    # DatasetInfosDict.from_dataset_card_data, reads both)
    info = meta.get("dataset_info", {})
    for one in info if isinstance(info, list) else [info]:
        problems += [f"dataset_info key {k!r} is not documented" for k in one if k not in DATASET_INFO_KEYS]
        for split in one.get("splits", []):
            if set(split) != SPLIT_KEYS:
                problems.append(f"split entry keys {sorted(split)}")
    return problems


def _manifest(catalog, **kw):
    return Manifest(name="CytoImageNet", version="1.0.42", release_id="ab" * 32, config=BuildConfig(),
                    labels=["a"], splits={}, shards=[], catalog=catalog, **kw)


def _entry(id_, licence, citation="Someone A. A dataset. J Data 1:1 (2020)"):
    return {"id": id_, "name": f"Dataset {id_}", "homepage": f"https://example.org/{id_}", "database": "BBBC",
            "licence": licence, "citation": citation}


def _unbib(text):
    """Inverse of the card's BibTeX escaping: the citation text back."""
    words = {r"\textbackslash{}": "\\", r"\textasciitilde{}": "~", r"\textasciicircum{}": "^", r"\textless{}": "<",
             r"\textgreater{}": ">", r"\textbar{}": "|", r"\textasciigrave{}": "`", "{[}": "[", "{]}": "]"}
    return re.sub(r"\\text[a-z]+\{\}|\{[\[\]]\}|\\([{}#$%&_@])",
                  lambda m: m.group(1) if m.group(1) else words[m.group(0)], text)


# -- the front matter -------------------------------------------------------------------------------------------

def test_card_front_matter_is_the_hubs_documented_metadata(release_a):
    """The built card's YAML against the Hub's documented dataset-card fields, offline: the field list is
    huggingface/hub-docs datasetcard.md (top-level keys, configs, dataset_info with splits, download_size and
    dataset_size), `default` from hub-docs docs/hub/datasets-manual-configuration.md, licence ids from hub-docs
    docs/hub/repositories-licenses.md, `multilinguality`/`train-eval-index` from huggingface_hub's DatasetCardData.
    Unknown top-level keys, the legacy license_details and undocumented config keys (`version`) are rejected."""
    text = (release_a / "README.md").read_text()
    meta = read_front_matter(text)
    manifest = Manifest.model_validate_json((release_a / "manifest.json").read_text())
    assert hub_problems(meta) == []
    assert meta["pretty_name"] == manifest.name and meta["task_categories"] == ["image-classification"]
    from cytoimagenet.builder.card import config_infos

    info = config_infos(meta)["default"]
    assert {s["name"]: s["num_examples"] for s in info["splits"]} == manifest.splits
    assert info["download_size"] == sum(s.bytes for s in manifest.shards)
    assert info["dataset_size"] == sum(s["num_bytes"] for s in info["splits"])
    assert card_version(text) == manifest.version
    # the Hub's own parser reads it
    hub = pytest.importorskip("huggingface_hub")
    assert hub.DatasetCard(text).data.to_dict()["license"] == meta["license"]


def test_the_checker_rejects_what_the_hub_does_not_document():
    meta = front_matter(_manifest([_entry("x", "CC-BY-4.0")]))
    assert hub_problems(meta) == []
    bad = {**meta, "version": "1.0.0", "license_details": "text",
           "configs": [{**meta["configs"][0], "version": "1.0.0"}]}
    problems = hub_problems(bad)
    assert "top-level key 'version' is not documented" in problems and "legacy key 'license_details'" in problems
    assert "configs key 'version' is not documented" in problems


# -- licence of the release -------------------------------------------------------------------------------------

def test_one_licence_is_its_hub_id():
    meta = front_matter(_manifest([_entry("a", "CC-BY-NC-SA-4.0"), _entry("b", "CC-BY-NC-SA-4.0")]))
    assert meta["license"] == "cc-by-nc-sa-4.0" and "license_name" not in meta and "license_link" not in meta
    assert croissant_license(_manifest([_entry("a", "CC0-1.0")])) == "https://creativecommons.org/publicdomain/zero/1.0/"


def test_mixed_licences_state_the_most_restrictive_terms_and_link_the_licence_file():
    manifest = _manifest([_entry("a", "CC0-1.0"), _entry("b", "CC-BY-NC-4.0"), _entry("c", "CC-BY-SA-4.0"),
                          _entry("d", "LicenseRef-Kaggle-Competition")])
    meta = front_matter(manifest)
    assert meta["license"] == "other" and meta["license_link"] == LICENCE_FILE
    assert meta["license_name"] == "mixed-source-licences-by-nc-sa" and hub_problems(meta) == []
    md = body(manifest, _labels())
    assert "attribution, non-commercial use only, share-alike" in md and "no derivatives" not in md
    for lic in ("CC0-1.0", "CC-BY-NC-4.0", "CC-BY-SA-4.0"):  # each source's licence, named and linked
        assert f"[{LICENCES[lic].name}]({LICENCES[lic].link})" in md
    assert md_text(LICENCES["LicenseRef-Kaggle-Competition"].name) in md  # no public text: named, not linked
    assert f"[{LICENCE_FILE}]({LICENCE_FILE})" in md
    text = licence_file(manifest)
    assert "non-commercial use only" in text and all(f"| {i} |" in text for i in "abcd")
    docs = croissant_license(manifest)
    assert docs[:3] == [LICENCES[i].link for i in ("CC-BY-NC-4.0", "CC-BY-SA-4.0", "CC0-1.0")]
    assert docs[3]["@type"] == "sc:CreativeWork"  # Kaggle rules: no public licence text to link


def test_unknown_terms_are_said_and_kaggle_alone_is_other():
    manifest = _manifest([_entry("a", "CC-BY-4.0"), _entry("u", "unknown")])
    meta = front_matter(manifest)
    assert meta["license_name"].endswith("-unknown") and "state no licence (u)" in body(manifest, _labels())
    assert front_matter(_manifest([_entry("u", "unknown")]))["license"] == "unknown"
    kaggle = front_matter(_manifest([_entry("k", "LicenseRef-Kaggle-Competition")]))
    assert kaggle["license"] == "other" and kaggle["license_link"] == LICENCE_FILE and hub_problems(kaggle) == []


def test_the_release_carries_and_publishes_its_licence_file(release_a):
    from cytoimagenet.validation.publish import release_files

    meta = read_front_matter((release_a / "README.md").read_text())
    assert (release_a / LICENCE_FILE).is_file()
    if meta["license"] == "other":
        assert (release_a / meta["license_link"]).is_file()
    manifest = Manifest.model_validate_json((release_a / "manifest.json").read_text())
    assert LICENCE_FILE in {f.path for f in release_files(release_a, manifest)}


# -- BibTeX ----------------------------------------------------------------------------------------------------

def _bib_blocks(md):
    block = md.split("```bibtex\n", 1)[1].split("\n```", 1)[0]
    return [b.strip() for b in re.split(r"\n(?=@)", block) if b.strip()]


def test_bibtex_cites_the_paper_and_every_source_with_specials_escaped():
    hostile = "Doe J & Roe R. 100% of {cells} in #1_a ~x^2 $y$ \\ <b>|[x]` @ 2020"
    manifest = _manifest([_entry("a", "CC-BY-4.0", hostile), _entry("b", "CC0-1.0")])
    md = body(manifest, _labels())
    blocks = _bib_blocks(md)
    assert len(blocks) == 3
    paper = blocks[0]
    assert paper.startswith("@misc{hua2021cytoimagenet,") and "eprint = {2111.11646}" in paper
    assert "Hua, Stanley Bryan Z. and Lu, Alex X. and Moses, Alan M." in paper
    assert "bioimage transfer learning" in paper and "year = {2021}" in paper
    for block in blocks:
        body_ = block.split(",", 1)[1]
        plain = re.sub(r"\\[{}]", "", block)  # escaped braces do not count
        inner, depth = plain[plain.index("{") + 1:-1], 1
        for ch in inner:  # no field closes the entry early
            depth += {"{": 1, "}": -1}.get(ch, 0)
            assert depth >= 1, block
        assert depth == 1 and plain.endswith("}")
        assert not re.search(r"(?<!\\)[#$%&_~^]", re.sub(r"url = \{[^}]*\}", "", body_)), block
    note = re.search(r"note = \{(.*)\},\n", blocks[1]).group(1)
    assert _unbib(note) == hostile
    assert "url = {https://example.org/a}" in blocks[1]
    assert bib_text("a\nb\x00c") == "a bc"


def test_v1_card_is_the_published_release_with_40_sources():
    from cytoimagenet.catalog.registry import catalog

    entries = [s.entry.model_dump() for s in catalog().values() if s.entry.in_cytoimagenet]
    manifest = _manifest(entries, origin="v1")
    card = render(manifest, _labels())
    meta = read_front_matter(card)
    assert len(entries) == 40 and hub_problems(meta) == []
    assert "CytoImageNet v1, as published" in card and "labels and PNGs are unchanged" in card
    assert "hua2021cytoimagenet" in card and len(_bib_blocks(card)) == 41
    sources = card.split("## Sources and licences", 1)[1].split("## Classes", 1)[0]
    for e in entries:
        assert f"| {md_text(e['id'])} |" in sources
    assert "Kept out: bbbc021" in card  # the evaluation set the original left out
    assert meta["license"] == "other" and "no derivatives" in card  # idr study under CC BY-NC-ND in the v1 sources


def test_synthetic_card_keeps_its_notice_and_cites_no_source():
    manifest = _manifest([], synthetic=True, imitates=["rxrx1"])
    card = render(manifest, _labels())
    meta = read_front_matter(card)
    assert "Synthetic demo release" in card and meta["license"] == "unknown" and hub_problems(meta) == []
    assert len(_bib_blocks(card)) == 1 and "Kept out" not in card


def test_every_record_field_is_described(release_a):
    card = (release_a / "README.md").read_text()
    table = card.split("## Columns and record fields", 1)[1].split("\n## ", 1)[0]
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| [^|]+ \| (.+) \|$", table, re.MULTILINE)}
    assert list(rows) == list(SampleRecord.model_fields)
    assert all(len(d) > 5 for d in rows.values())
    for section in ("## Intended use", "## Limitations", "**Weak labels.**", "**Overlapping classes.**",
                    "**Quality control is coarse.**", "**Label text is normalised.**", "## Version"):
        assert section in card
    # the session release was built naming bbbc021, the evaluation set: the card says so
    assert "includes the evaluation set(s) bbbc021" in card


def _labels():
    import pandas as pd

    return pd.DataFrame({"label_id": [0], "label": ["a"], "category": ["compound"], "train": [1], "validation": [0],
                         "count": [1], "sources": ["a"]})


# -- __key__ and __url__ -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("streaming", [False, True])
def test_load_dataset_gives_key_and_url(release, streaming):
    from datasets import Value, load_dataset

    ds = load_dataset(str(release), split="validation", streaming=streaming)
    assert ds.features["__key__"] == Value("string") and ds.features["__url__"] == Value("string")
    assert list(ds.features) == ["png", "cls", "json", "__key__", "__url__"]
    rows = list(ds)
    assert rows
    for row in rows:
        assert row["__key__"] == row["json"]["key"]
        assert re.search(r"data/validation-\d{6}\.tar$", row["__url__"].replace("\\", "/"))
    manifest = json.loads((release / "manifest.json").read_text())
    assert len(rows) == manifest["splits"]["validation"]
