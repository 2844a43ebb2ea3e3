"""The Hugging Face dataset card: YAML front matter that `datasets` reads (configs, features, splits) and a
body for people. Everything in it derives from the manifest and metadata, so it is as deterministic as they are."""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path
from typing import Sequence
from urllib.parse import quote

import pandas as pd
import yaml

from cytoimagenet.io import write_text_atomic
from cytoimagenet.validation.schema import SPLITS, Manifest, release_features


def size_category(n: int) -> str:
    for bound, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                        (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M")):
        if n < bound:
            return name
    return "10M<n<100M"


def front_matter(manifest: Manifest) -> dict:
    splits = [s for s in SPLITS if any(e.split == s for e in manifest.shards)]
    features = release_features(manifest.labels)
    return {
        "license": "other",
        "license_name": "mixed-source-licences",
        "license_details": "Each sample keeps the licence of its source dataset; see the Sources table.",
        "pretty_name": manifest.name,
        "task_categories": ["image-classification"],
        "tags": ["biology", "microscopy", "cell-biology", "webdataset"],
        "size_categories": [size_category(sum(manifest.splits.values()))],
        "configs": [{
            "config_name": "default",
            "version": manifest.version,
            "default": True,
            "data_files": [{"split": s, "path": f"data/{s}-*.tar"} for s in splits],
        }],
        "dataset_info": {
            "config_name": "default",
            "features": features._to_yaml_list(),
            "splits": [{"name": s, "num_examples": manifest.splits[s],
                        "num_bytes": sum(e.bytes for e in manifest.shards if e.split == s)} for s in splits],
            "download_size": sum(e.bytes for e in manifest.shards),
        },
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


def body(manifest: Manifest, labels: pd.DataFrame, figures: Sequence[str] = (), croissant: bool = False) -> str:
    total = sum(manifest.splits.values())
    sources = _md_table(
        ["id", "dataset", "database", "licence", "citation"],
        [[e["id"], md_link(e["name"], e["homepage"]), e["database"], e["licence"], e["citation"]]
         for e in manifest.catalog],
    )
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
    return f"""# {md_text(manifest.name)}

{synthetic_notice(manifest)}A weakly-labelled microscopy pretraining dataset: **{total:,} grayscale images** in **{len(manifest.labels)} classes**
(train {manifest.splits.get('train', 0):,} / validation {manifest.splits.get('validation', 0):,}), curated from
{'no' if synthetic_notice(manifest) else len(manifest.catalog)} public source dataset(s). Release `{manifest.version}`, id `{manifest.release_id[:12]}`.

Each class is a *weak* label taken from the source metadata: an organism, cell type, stained structure
(cell_visible), phenotype, compound, targeted gene or siRNA. Classes by category: {cats}.

{figures_md}## How it was made

1. Source metadata was read in each dataset's native layout into one record per image (channels listed).
2. Every `|`-separated token of organism, cell_type, cell_visible, phenotype, compound, gene and sirna with at least
   {manifest.config.min_per_class} images is a candidate label; labels are assigned from the rarest, an image is used
   once, and classes above {manifest.config.max_per_class} images are stratified-downsampled.
3. Channels were read at full bit depth, each normalised to its {manifest.config.percentile_low}th–{manifest.config.percentile_high}th
   percentile, averaged and stored as one 8-bit grayscale PNG at native resolution.
4. Quality control removed unreadable, uniform, binary and dim images ({manifest.quarantined} quarantined; the list is
   `metadata/quarantine.parquet`).
5. The 90/10 train/validation split is grouped: images of one well never straddle the split.

## Loading

```python
from datasets import load_dataset

ds = load_dataset("path/to/this/folder")            # or the Hub repo id
ds = load_dataset("path/to/this/folder", streaming=True)
sample = ds["train"][0]   # {{'png': PIL image (mode L), 'cls': class index, 'json': metadata record}}
names = ds["train"].features["cls"].names
```

Files: `data/{{split}}-NNNNNN.tar` (WebDataset shards: `<key>.png`, `<key>.json`, `<key>.cls`),
`metadata/metadata.parquet` (one row per sample), `metadata/labels.parquet`, `manifest.json` (sha256 per shard){croissant_md}.

## Sources and licences

Every sample keeps the licence of its source dataset. Cite the sources you use.

{sources}

## Classes

{classes}

## Citation

Hua SBZ, Lu AX, Moses AM. CytoImageNet: A large-scale pretraining dataset for bioimage transfer learning.
NeurIPS 2021 Workshop on Learning Meaningful Representations of Life (2021).
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
    """Render README.md; embeds the figures and names croissant.json when they are already in the release folder
    (write them first: builder.figures.write_figures, builder.croissant.write_croissant)."""
    from cytoimagenet.builder.croissant import CROISSANT_FILE
    from cytoimagenet.builder.figures import CLASS_SIZES, MONTAGE

    release = Path(release)
    labels = pd.read_parquet(release / "metadata" / "labels.parquet")
    figures = [f for f in (CLASS_SIZES, MONTAGE) if (release / f).is_file()]
    path = release / "README.md"
    write_text_atomic(path, render(manifest, labels, figures, (release / CROISSANT_FILE).is_file()))
    return path


def read_front_matter(text: str) -> dict:
    if not text.startswith("---\n"):
        raise ValueError("card does not start with a YAML front matter block ('---')")
    end = text.find("\n---", 4)
    if end < 0:
        raise ValueError("card's YAML front matter is not closed by '---'")
    data = yaml.safe_load(text[4:end])
    if not isinstance(data, dict):
        raise ValueError("card's YAML front matter is not a mapping")
    return data
