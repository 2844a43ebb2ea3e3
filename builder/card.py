"""The Hugging Face dataset card: YAML front matter that `datasets` and the Hub read (licence, configs,
features, splits) and a body for people. Everything in it derives from the manifest and metadata, so it is as
deterministic as they are.

The front matter keeps to the fields the Hub documents for dataset cards (hub-docs datasetcard.md; licence ids
from hub-docs docs/hub/repositories-licenses.md): `license` is a Hub licence id when the release has one licence,
otherwise `other` with `license_name` and `license_link: LICENSE.md`, the file (written beside the card) that the
Hub's docs ask for when `license: other`. The version, which no documented key holds, is in the body
(`card_version` reads it back)."""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path
from typing import Sequence
from urllib.parse import quote

import pandas as pd
import yaml

from cytoimagenet.catalog.licences import Licence, get_licence, release_terms
# read_front_matter: the format's reader, under the name callers of the card module know it by
from cytoimagenet.format import (CROISSANT_FILE, SPLITS, Manifest, SampleRecord, read_front_matter,  # noqa: F401
                                 release_features)
from cytoimagenet.io import write_text_atomic

LICENCE_FILE = "LICENSE.md"
# The Hub's licence ids (hub-docs docs/hub/repositories-licenses.md) that a catalog licence id maps to by
# lowercasing; a licence outside this set is `license: other`.
HUB_LICENCE_IDS = frozenset({
    "cc0-1.0", "cc-by-2.0", "cc-by-2.5", "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0", "cc-by-nc-2.0",
    "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0",
    "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0", "unknown",
})
PAPER_KEY = "hua2021cytoimagenet"
PAPER_URL = "https://arxiv.org/abs/2111.11646"
# Authors as the arXiv record lists them; primary class cs.CV (https://arxiv.deeppaper.ai/papers/2111.11646v2,
# https://hyper.ai/en/papers/2111.11646).
PAPER_FIELDS = (
    ("title", "{CytoImageNet}: A large-scale pretraining dataset for bioimage transfer learning"),
    ("author", "Hua, Stanley Bryan Z. and Lu, Alex X. and Moses, Alan M."),
    ("year", "2021"),
    ("eprint", "2111.11646"),
    ("archivePrefix", "arXiv"),
    ("primaryClass", "cs.CV"),
    ("url", PAPER_URL),
    ("note", "NeurIPS 2021 Workshop on Learning Meaningful Representations of Life"),
)
KAGGLE_V1 = "https://www.kaggle.com/stanleyhua/cytoimagenet"


def size_category(n: int) -> str:
    for bound, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                        (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M")):
        if n < bound:
            return name
    return "10M<n<100M"


# --- licence of the release as a whole (issue 12) ---
def source_licences(manifest: Manifest) -> list[tuple[dict, Licence]]:
    """(catalog entry, its licence) for every source that went in; an entry whose licence id is absent or not in
    the licence table counts as unknown terms rather than stopping the card."""
    out = []
    for entry in manifest.catalog:
        try:
            lic = get_licence(str(entry.get("licence") or "unknown"))
        except ValueError:
            lic = get_licence("unknown")
        out.append((entry, lic))
    return out


def licence_terms(manifest: Manifest) -> dict:
    """release_terms of the sources, plus the Hub fields: `license`, and `license_name`/`license_link` when the
    Hub has no id for the terms. A synthetic release uses no source's data and no licence was chosen for the
    generated images: `unknown`."""
    pairs = source_licences(manifest)
    if not pairs:
        return {"ids": [], "unknown_sources": [], "hub": {"license": "unknown"}, "name": (
            "unknown: no licence has been chosen for the generated demo images" if manifest.synthetic
            else "unknown: the release records no source"), "link": None, "flags": []}
    terms = release_terms([lic for _, lic in pairs])
    unknown_sources = sorted(str(e.get("id")) for e, lic in pairs if not lic.known)
    flags = [w for f, w in (("attribution", "attribution"), ("noncommercial", "non-commercial use only"),
                            ("sharealike", "share-alike"), ("noderivatives", "no derivatives")) if terms[f]]
    if terms["single"]:
        lic = get_licence(terms["single"])
        name, link = lic.name, lic.link
        hub_id = lic.id.lower()
        hub = ({"license": hub_id} if hub_id in HUB_LICENCE_IDS else
               {"license": "other", "license_name": re.sub(r"[^a-z0-9.-]+", "-", hub_id), "license_link": LICENCE_FILE})
    else:
        name = "mixed source licences: " + (", ".join(flags) or "no conditions") + (
            f"; terms unknown for {len(unknown_sources)} source(s)" if unknown_sources else "")
        link = None
        slug = "-".join(["mixed-source-licences"] + [t for f, t in (("attribution", "by"), ("noncommercial", "nc"),
                         ("sharealike", "sa"), ("noderivatives", "nd")) if terms[f]]
                        + (["unknown"] if unknown_sources else []))
        hub = {"license": "other", "license_name": slug, "license_link": LICENCE_FILE}
    return {"ids": terms["ids"], "unknown_sources": unknown_sources, "hub": hub, "name": name, "link": link,
            "flags": flags}


def _config_info(name: str, shards: list, manifest: Manifest, features, splits: list[str]) -> dict:
    split_info = [{"name": s, "num_bytes": sum(e.bytes for e in shards if e.split == s),
                   "num_examples": manifest.splits[s]} for s in splits]
    return {
        "config_name": name,
        "features": features._to_yaml_list(),
        # num_bytes are the shards' bytes (the PNGs as stored): the release is never converted to Arrow
        # here, and `datasets` takes dataset_size as the sum of the splits' num_bytes
        "splits": split_info,
        "download_size": sum(e.bytes for e in shards),
        "dataset_size": sum(s["num_bytes"] for s in split_info),
    }


def config_infos(meta: dict) -> dict[str, dict]:
    """A card's dataset_info by config name: one mapping (a card with the default config alone) or a list of them
    with config_name (one per config: datasets reads a config's declared features only from there)."""
    info = meta.get("dataset_info")
    entries = info if isinstance(info, list) else [info] if isinstance(info, dict) else []
    return {e.get("config_name", "default"): e for e in entries if isinstance(e, dict)}


def front_matter(manifest: Manifest) -> dict:
    splits = [s for s in SPLITS if any(e.split == s for e in manifest.shards)]
    features = release_features(manifest.labels)
    sets = manifest.training_sets()
    infos = [_config_info("default", manifest.shards, manifest, features, splits)] + [
        _config_info(f"train-{n}", entries, manifest, features, splits) for n, entries in sets.items()]
    return {
        **licence_terms(manifest)["hub"],
        "pretty_name": manifest.name,
        "task_categories": ["image-classification"],
        "tags": ["biology", "microscopy", "cell-biology", "webdataset"] + (["synthetic"] if manifest.synthetic else []),
        "size_categories": [size_category(sum(manifest.splits.values()))],
        "configs": [{
            "config_name": "default",
            "default": True,
            "data_files": [{"split": s, "path": f"data/{s}-*.tar"} for s in splits],
        }] + [{
            # the same samples, each reduced as `stream(image_size=N)` reduces it first (builder/shard.py)
            "config_name": f"train-{n}",
            "data_files": [{"split": s, "path": f"data/{n}/{s}-*.tar"} for s in splits],
        } for n in sets],
        # a list when there are training-size configs: without its own features, datasets would infer a
        # config's from its first samples (and fail on the json's nulls)
        "dataset_info": infos[0] if len(infos) == 1 else infos,
    }


# Escaping. Labels and source-provided text (names, citations, homepages) reach the card as data, never as
# markup: a label `<script>` or `![x](https://...)` would otherwise run or be fetched by whoever views the card,
# a `|` or newline would split the class table, and `$...$` would render as maths on the Hub.
_MD_PUNCT = re.compile(r"([\\`*_{}\[\]()#!|~$])")


class Markdown(str):
    """Text that is already markdown (built here from escaped parts): _md_table leaves it as it is."""


def md_text(value) -> str:
    """`value` as inert markdown/HTML text on one line: whitespace runs (newlines too) become one space, control
    and format characters go, markdown punctuation is backslash-escaped, and & < > become HTML entities."""
    text = " ".join(str(value).split())
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    return html.escape(_MD_PUNCT.sub(r"\\\1", text), quote=False)


def md_link(text, url) -> Markdown:
    """A link to an http(s) URL, percent-encoding what could end the link or start markup; other schemes
    (javascript:, data:, relative paths) give the text alone."""
    url = str(url or "").strip()
    if not re.match(r"https?://[^/]", url, re.IGNORECASE):
        return Markdown(md_text(text))
    return Markdown(f"[{md_text(text)}]({quote(url, safe=':/?#@!$&*+,;=%~-._')})")


def _md_table(header: list[str], rows: list[list]) -> str:
    esc = lambda v: v if isinstance(v, Markdown) else md_text(v)
    lines = ["| " + " | ".join(esc(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(esc(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)


def _figures_section(figures: Sequence[str]) -> str:
    """Markdown for the card's figures (paths relative to the release, so the links work locally and on the Hub)."""
    from cytoimagenet.builder.figures import CLASS_SIZES, MONTAGE

    captions = {
        CLASS_SIZES: ("Images per class, by category", "Images per class, grouped and coloured by the category the "
                      "label was taken from (light part: validation split)."),
        MONTAGE: ("Sample images", "Randomly chosen classes (seeded by the build seed), a few random images of each, "
                  "as stored in the shards."),
    }
    parts = ["## Figures", ""]
    for path in figures:
        alt, caption = captions.get(path, (Path(path).stem.replace("_", " "), ""))
        parts += [f"![{alt}]({path})", "", caption, ""] if caption else [f"![{alt}]({path})", ""]
    parts.append("Rebuilt with the release (`cytoimagenet build`); the same release gives byte-identical figures.")
    return "\n".join(parts) + "\n\n"


# --- synthetic (demo) releases: one notice, and no source dataset cited (issue 10, part D) ---
def synthetic_notice(manifest: Manifest) -> str:
    """The card's notice for a demo release (empty otherwise): generated images must not pass for data."""
    if not getattr(manifest, "synthetic", False):
        return ""
    layouts = ", ".join(f"`{i}`" for i in manifest.imitates) or "the demo sources"
    return (f"> **Synthetic demo release.** Every image here was generated by `cytoimagenet demo`: synthetic images "
            f"in the native layouts of {layouts}, written to exercise the builder. No image or metadata row comes "
            "from those datasets: do not cite them as its sources, and do not use it as microscopy data.\n\n")
# --- end synthetic


# --- BibTeX ---
# LaTeX specials, and the characters that would read as markup where the card shows the block (`<`, `>`, `|`,
# backticks, brackets): each written as LaTeX text so the entry compiles to the citation as given and the card's
# markdown stays inert.
_BIB_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&", "_": r"\_",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
    "|": r"\textbar{}", "`": r"\textasciigrave{}", "[": "{[}", "]": "{]}", "@": r"\@",
}


def bib_text(value) -> str:
    """`value` as the text of a brace-delimited BibTeX field: one line, control characters gone, specials escaped."""
    text = " ".join(str(value).split())
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    return "".join(_BIB_ESCAPES.get(ch, ch) for ch in text)


def _bib_url(url) -> str | None:
    url = str(url or "").strip()
    if not re.match(r"https?://[^/]", url, re.IGNORECASE):
        return None
    return quote(url, safe=":/?#!$&*+,;=%~-._")  # braces, backslashes, spaces and markup characters encoded


def bibtex_entry(kind: str, key: str, fields: Sequence[tuple[str, str]], raw: Sequence[str] = ("url",)) -> str:
    """One BibTeX entry; fields named in `raw` are already safe (the paper's fixed strings, encoded URLs)."""
    lines = [f"@{kind}{{{key},"]
    lines += [f"  {name} = {{{value if name in raw else bib_text(value)}}}," for name, value in fields]
    return "\n".join(lines) + "\n}"


def source_bibtex(entry: dict) -> str:
    """An @misc for a source dataset: its citation text as the note, its homepage as the url."""
    key = "cytoimagenet-source-" + re.sub(r"[^A-Za-z0-9_-]+", "-", str(entry.get("id", "")))
    fields = [("title", entry.get("name") or entry.get("id", "")), ("note", entry.get("citation") or "")]
    url = _bib_url(entry.get("homepage"))
    if url:
        fields.append(("url", url))
    return bibtex_entry("misc", key, fields)


def paper_bibtex() -> str:
    return bibtex_entry("misc", PAPER_KEY, PAPER_FIELDS, raw=[n for n, _ in PAPER_FIELDS])


# --- the record's fields ---
# Descriptions of the fields SampleRecord leaves undescribed (the label columns and crop box), so the table
# describes every field.
_PLACE = ("Where the sample lies in the source image, pixels (an upsampling crop, or a BBBC041 cell's box; empty for "
          "whole images).")
_FIELD_NOTES = {
    "organism": "Organism, lowercase; '|' joins several.",
    "cell_type": "Cell type or line, lowercase; '|' joins several.",
    "cell_visible": "Stained or visible structure, lowercase; '|' joins several.",
    "phenotype": "Phenotype or treatment condition, lowercase; '|' joins several.",
    "compound": "Compound applied, lowercase; '|' joins several.",
    "sirna": "siRNA, lowercase; '|' joins several.",
    "gene": "Targeted gene, lowercase, with the suffix ' targeted'; '|' joins several.",
    "x_min": _PLACE,
    "x_max": _PLACE,
    "y_min": _PLACE,
    "y_max": _PLACE,
    "split": "'train' or 'validation'.",
}


def _type_name(feature) -> str:
    from datasets import List, Value

    if isinstance(feature, List):
        return f"list of {_type_name(feature.feature)}"
    return feature.dtype if isinstance(feature, Value) else type(feature).__name__


def field_rows() -> list[list]:
    """(field, type, description) of every record field, from SampleRecord (types as the card's features)."""
    import types
    import typing

    from cytoimagenet.format import record_struct

    struct = record_struct()
    rows = []
    for name, field in SampleRecord.model_fields.items():
        optional = typing.get_origin(field.annotation) in (typing.Union, types.UnionType) and type(None) in \
            typing.get_args(field.annotation)
        kind = _type_name(struct[name]) + (", may be empty" if optional else "")
        rows.append([Markdown(f"`{name}`"), kind, field.description or _FIELD_NOTES.get(name, "")])
    return rows


def _columns_section(manifest: Manifest) -> str:
    fields = _md_table(["field", "type", "description"], field_rows())
    return f"""## Columns and record fields

`load_dataset` gives one row per sample with these columns (the Hub's WebDataset convention):

- `png`: the image, 8-bit grayscale (`Image`, mode L), at the source's resolution or the crop's;
- `cls`: the class index (`ClassLabel`; `features["cls"].names` are the {len(manifest.labels)} labels);
- `json`: the sample's metadata record (fields below);
- `__key__`: the sample key (the shard members' name, equal to `json.key`);
- `__url__`: the shard the sample was read from.

`cytoimagenet.loaders.load` gives the same rows flattened: `image`, `label`, every record field (the record's
`label` string as `label_name`), then `__key__` and `__url__` as they are.

{fields}

"""


# --- sources, licences, evaluation sets ---
def licence_link(lic: Licence) -> Markdown:
    return md_link(lic.name, lic.link) if lic.link else Markdown(md_text(lic.name))


def _terms_paragraph(manifest: Manifest, in_card: bool = True) -> str:
    terms = licence_terms(manifest)
    hub = terms["hub"]
    if manifest.synthetic:
        return ("**Licence of the release: unknown.** The images are generated by `cytoimagenet demo`; they hold no "
                "source dataset's data, and no licence has been chosen for them.")
    lines = [f"**Licence of the release as a whole: {md_link(terms['name'], terms['link']) if terms['link'] else md_text(terms['name'])}.**"]
    if len(terms["ids"]) > 1:
        lines.append("Its images are derivatives (merged, normalised, cropped) of sources under different licences, "
                     "so the most restrictive terms of those that went in hold for the release: "
                     + (md_text(", ".join(terms["flags"])) or "no conditions") + ". Every sample keeps, in addition, "
                     "the licence of its own source (`json.source_id`, table below).")
    if terms["unknown_sources"]:
        lines.append(f"The distributors of {len(terms['unknown_sources'])} source(s) state no licence "
                     f"({md_text(', '.join(terms['unknown_sources']))}): their terms are unknown, so neither is the "
                     "whole release's; ask those distributors before any use they might not allow.")
    if hub.get("license_link") and in_card:
        lines.append(f"The card's `license: other` names these terms `{md_text(hub['license_name'])}`; "
                     f"[{LICENCE_FILE}]({LICENCE_FILE}) holds them with the per-source table.")
    return "\n".join(lines)


def _sources_table(manifest: Manifest) -> str:
    return _md_table(
        ["id", "dataset", "database", "licence", "citation"],
        [[e["id"], md_link(e["name"], e["homepage"]), e["database"], licence_link(lic), e["citation"]]
         for e, lic in source_licences(manifest)],
    )


def _evaluation_paragraph(manifest: Manifest) -> str:
    from cytoimagenet.catalog.registry import catalog

    if manifest.synthetic:
        return ""  # no source's data: nothing to keep out
    inside = {str(e.get("id")) for e in manifest.catalog}
    held_out = sorted(i for i, s in catalog().items() if s.entry.evaluation_only and i not in inside)
    included = sorted(str(e.get("id")) for e in manifest.catalog if e.get("evaluation_only"))
    parts = []
    if held_out:
        parts.append(f"Kept out: {md_text(', '.join(held_out))}, the transfer-evaluation set(s) of the reference suite "
                     "(pretraining on an evaluation set would leak it into the features), as the original kept "
                     "BBBC021 out.")
    if included:
        parts.append(f"**This release includes the evaluation set(s) {md_text(', '.join(included))}** (named at build "
                     "time): do not report transfer results on them with features pretrained on this release.")
    return " ".join(parts)


# --- notices ---
def v1_notice(manifest: Manifest) -> str:
    if getattr(manifest, "origin", "build") != "v1":
        return ""
    return (f"> **CytoImageNet v1, as published.** This is the release of Hua, Lu & Moses (2021), published on "
            f"[Kaggle]({KAGGLE_V1}), repackaged as WebDataset shards: its labels and PNGs are unchanged (byte for "
            "byte), only the train/validation split is new (grouped by `idx`). Cite the paper (below) and the "
            f"source datasets it was curated from; the licences of its {len(manifest.catalog)} source datasets are "
            "in the Sources table.\n\n")


def _how_made(manifest: Manifest) -> str:
    c = manifest.config
    if getattr(manifest, "origin", "build") == "v1":
        return f"""## How it was made

The images and labels are those of the published v1: the original project read each source's metadata, assigned
weak labels (candidates with at least 287 images, from the rarest, an image used once, classes above 1,000 images
stratified-downsampled), merged and normalised channels into 8-bit grayscale PNGs and added crops. This release
reads the v1 `metadata.csv` and class folders, validates every row with the record schema and writes the PNGs into
the shards as they are. Rows whose PNG was missing or unreadable ({manifest.quarantined}) are listed in
`metadata/quarantine.parquet`. The 90/10 train/validation split is grouped by `idx`: crops of one source image never
straddle it.

"""
    return f"""## How it was made

1. Source metadata was read in each dataset's native layout into one record per image (channels listed).
2. Every `|`-separated token of organism, cell_type, cell_visible, phenotype, compound, gene and sirna with at least
   {c.min_per_class} images is a candidate label; labels are assigned from the rarest, an image is used
   once, and classes above {c.max_per_class} images are stratified-downsampled.
3. Channels were read at full bit depth, each normalised to its {c.percentile_low}th–{c.percentile_high}th
   percentile, averaged and stored as one 8-bit grayscale PNG at native resolution.
4. Quality control removed unreadable, uniform, binary and dim images ({manifest.quarantined} quarantined; the list is
   `metadata/quarantine.parquet`).
5. The 90/10 train/validation split is grouped: images of one well never straddle the split.

"""


_USE_AND_LIMITS = """## Intended use

Pretraining image models for microscopy (bioimage) transfer learning: features learnt here are meant to be
evaluated on, or fine-tuned for, downstream microscopy tasks (the reference suite's BBBC021, COOS-7, CyCLOPS and
RxRx1 tasks). It is not a benchmark of biological ground truth: its classes are weak labels, so accuracy on them
measures how well a model separates the sources' metadata, not a biological finding, and it must not be used for
diagnosis or any clinical decision.

## Limitations

- **Weak labels.** A class is a token of the source's own metadata (an organism, cell type, stain, phenotype,
  compound, targeted gene or siRNA), not an annotation of the image: a compound with no visible effect still
  labels its images, and each image carries one label though its metadata may fit several.
- **Overlapping classes.** Classes of different categories can describe the same images (a cell line and the
  compound screened on it), and a class may draw from one source only, so a model can learn a source's
  acquisition (microscope, stain, plate) instead of biology; `json.source_id` and `json.database` let you check.
- **Quality control is coarse.** It removes unreadable, uniform (0.1th and 99.9th percentiles equal), binary and
  dim (75th percentile 0) images only: out-of-focus, saturated, debris or empty fields that pass those tests stay.
- **Label text is normalised.** {label_text}
- **Channels are averaged.** Each image is the mean of its normalised channels: which stain showed what is in
  `json.channels`, not in the pixels.

"""


_LABEL_TEXT = {
    "build": "Labels are the sources' tokens normalised once (Unicode NFC, control characters removed, whitespace "
             "collapsed, lowercased; a token over 100 characters keeps 91, then '…' and 8 hex digits of its SHA-256; "
             "gene labels end in ' targeted'): spellings that normalise alike are one class, and a label may read "
             "differently from the source's column.",
    "v1": "The labels are the v1 labels as published: the original project lowercased the sources' tokens (gene "
          "labels end in ' targeted'); spellings it merged are one class, and a label may read differently from "
          "the source's column.",
}


def _use_and_limits(manifest: Manifest) -> str:
    return _USE_AND_LIMITS.replace("{label_text}", _LABEL_TEXT.get(getattr(manifest, "origin", "build"),
                                                                   _LABEL_TEXT["build"]))


def _version_section(manifest: Manifest) -> str:
    return f"""## Version

**Version:** `{manifest.version}` (release id `{manifest.release_id[:12]}`).
`1.0` is the record schema; the last number comes from the release's content hash, so every distinct release has
its own version (and, on the Hub, its own `v{manifest.version}` tag).

"""


def card_version(text: str) -> str | None:
    """The version a card states in its body, or None."""
    m = re.search(r"^\*\*Version:\*\* `(\d+\.\d+\.\d+)`", text, re.MULTILINE)
    return m.group(1) if m else None


def _citation_section(manifest: Manifest) -> str:
    blocks = [paper_bibtex()] + ([] if manifest.synthetic else [source_bibtex(e) for e in manifest.catalog])
    sources = "" if manifest.synthetic else " and the source datasets you use"
    return f"""## Citation

Cite the paper that curated CytoImageNet{sources}:

```bibtex
{chr(10).join(b + chr(10) for b in blocks).rstrip()}
```
"""


def body(manifest: Manifest, labels: pd.DataFrame, figures: Sequence[str] = (), croissant: bool = False) -> str:
    total = sum(manifest.splits.values())
    sources = _sources_table(manifest)
    classes = _md_table(
        ["id", "label", "category", "train", "validation", "sources"],
        [[r.label_id, r.label, r.category, r.train, r.validation, r.sources] for r in labels.itertuples()],
    )
    by_cat = labels.groupby("category").size().sort_values(ascending=False)
    cats = ", ".join(f"{md_text(c)} {n}" for c, n in by_cat.items())
    figures_md = _figures_section(figures) if figures else ""
    if synthetic_notice(manifest):  # a demo release cites no source dataset (issue 10, part D)
        sources = "None: the images are synthetic (see the notice above)."
    croissant_md = (
        ",\n`croissant.json` (an [MLCommons Croissant](https://mlcommons.org/croissant/) description of the files and "
        "record fields, with sha256 checksums)" if croissant else ""
    )
    evaluation = _evaluation_paragraph(manifest)
    return f"""# {md_text(manifest.name)}

{synthetic_notice(manifest)}{v1_notice(manifest)}A weakly-labelled microscopy pretraining dataset: **{total:,} grayscale images** in **{len(manifest.labels)} classes**
(train {manifest.splits.get('train', 0):,} / validation {manifest.splits.get('validation', 0):,}), curated from
{len(manifest.catalog)} public source dataset(s). Release `{manifest.version}`, id `{manifest.release_id[:12]}`.

Each class is a *weak* label taken from the source metadata: an organism, cell type, stained structure
(cell_visible), phenotype, compound, targeted gene or siRNA. Classes by category: {cats}.

{figures_md}{_how_made(manifest)}## Loading

```python
from datasets import load_dataset

ds = load_dataset("path/to/this/folder")            # or the Hub repo id
ds = load_dataset("path/to/this/folder", streaming=True)
sample = ds["train"][0]   # {{'png': PIL image (mode L), 'cls': class index, 'json': metadata record, '__key__': ..., '__url__': ...}}
names = ds["train"].features["cls"].names
```

Files: `data/{{split}}-NNNNNN.tar` (WebDataset shards: `<key>.png`, `<key>.json`, `<key>.cls`),
`metadata/metadata.parquet` (one row per sample), `metadata/labels.parquet`, `manifest.json` (sha256 per shard),
`{LICENCE_FILE}` (the release's terms){croissant_md}.

{_columns_section(manifest)}{_use_and_limits(manifest)}## Sources and licences

{_terms_paragraph(manifest)}

{sources}

{evaluation}

## Classes

{classes}

{_version_section(manifest)}{_citation_section(manifest)}"""


def licence_file(manifest: Manifest) -> str:
    """LICENSE.md: the release's terms and the per-source licences (the file `license_link` names)."""
    if manifest.synthetic:
        table = "No source dataset: the images are synthetic."
    else:
        table = _md_table(["source", "dataset", "licence"],
                          [[e["id"], md_link(e["name"], e["homepage"]), licence_link(lic)]
                           for e, lic in source_licences(manifest)])
    return f"""# Licence of {md_text(manifest.name)} {manifest.version}

{_terms_paragraph(manifest, in_card=False)}

{table}

Every image of this release is a derivative (channels merged, intensities normalised, crops) of the source named
in its record (`source_id`); its source's licence and attribution requirements apply to it. Cite the sources as the
dataset card (README.md) lists them.
"""


def front_matter_yaml(data: dict) -> str:
    """`data` as YAML that reads back equal and that no reader can cut short: no line starts with '---' or '...',
    and no raw CR, NEL or line/paragraph separator (pyyaml's unicode output can carry those, which readers,
    huggingface_hub's front matter pattern among them, take for line breaks); ASCII escapes where needed."""
    for allow_unicode in (True, False):
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=allow_unicode, width=1000)
        if (not re.search(r"^(---|\.\.\.)", text, re.MULTILINE) and not any(c in text for c in "\r\x85\u2028\u2029")
                and yaml.safe_load(text) == data):
            return text
    raise ValueError("the card's front matter does not survive a YAML round trip; a value is not plain data")


def render(manifest: Manifest, labels: pd.DataFrame, figures: Sequence[str] = (), croissant: bool = False) -> str:
    yaml_text = front_matter_yaml(front_matter(manifest))
    return f"---\n{yaml_text}---\n\n{body(manifest, labels, figures, croissant)}"


def write_card(release: Path, manifest: Manifest) -> Path:
    """Render README.md and LICENSE.md; embeds the figures and names croissant.json when they are already in the
    release folder (write them first: builder.figures.write_figures, builder.croissant.write_croissant)."""
    from cytoimagenet.builder.figures import CLASS_SIZES, MONTAGE

    release = Path(release)
    labels = pd.read_parquet(release / "metadata" / "labels.parquet")
    figures = [f for f in (CLASS_SIZES, MONTAGE) if (release / f).is_file()]
    write_text_atomic(release / LICENCE_FILE, licence_file(manifest))
    path = release / "README.md"
    write_text_atomic(path, render(manifest, labels, figures, (release / CROISSANT_FILE).is_file()))
    return path
