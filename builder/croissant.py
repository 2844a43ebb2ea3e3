"""The release's MLCommons Croissant 1.0 description (`croissant.json`).

Croissant lets dataset search engines and loaders (mlcroissant, TFDS, the Hub's viewer) understand the release
without our code: the distribution names every file with its sha256, and the record sets say how rows are made:
`samples` from metadata/metadata.parquet, `images` from the PNG members of the WebDataset shards (joined to
`samples` on the sample key), `labels` from metadata/labels.parquet.

It is written by hand rather than with mlcroissant's Python API so the builder does not depend on mlcroissant
(and its scipy/rdflib/networkx tree); the tests validate the output with mlcroissant. The JSON is a pure function
of the manifest and the metadata files (no dates, no absolute paths), so a rebuild writes identical bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import pyarrow as pa
import pyarrow.parquet as pq

from cytoimagenet.builder.card import paper_bibtex
from cytoimagenet.format import CROISSANT_FILE, SampleRecord  # noqa: F401  (this module's file, named by the format)
from cytoimagenet.io import sha256_file, write_text_atomic

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
# The original CytoImageNet dataset page; a Hub publication can pass its own repo URL.
DEFAULT_URL = "https://www.kaggle.com/stanleyhua/cytoimagenet"

# The @context of the Croissant 1.0 specification's examples, verbatim: consumers compare against it and
# mlcroissant warns on any difference.
CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

METADATA_ID = "metadata-parquet"
LABELS_ID = "labels-parquet"
PNG_SET_ID = "shard-png-members"


def _data_type(arrow_type: pa.DataType) -> tuple[str, bool]:
    """(Croissant dataType, repeated) of a metadata.parquet column."""
    if pa.types.is_list(arrow_type):
        return _data_type(arrow_type.value_type)[0], True
    if pa.types.is_integer(arrow_type):
        return "sc:Integer", False
    if pa.types.is_floating(arrow_type):
        return "sc:Float", False
    if pa.types.is_boolean(arrow_type):
        return "sc:Boolean", False
    return "sc:Text", False


def _column_field(record_set: str, file_id: str, column: str, data_type: str, description: str,
                  repeated: bool = False) -> dict:
    field = {
        "@type": "cr:Field",
        "@id": f"{record_set}/{column}",
        "name": column,
        "description": description,
        "dataType": data_type,
        "source": {"fileObject": {"@id": file_id}, "extract": {"column": column}},
    }
    if repeated:
        field["repeated"] = True
    return field


def _file_object(id_: str, path: str, sha256: str, size: int, fmt: str, description: str) -> dict:
    return {
        "@type": "cr:FileObject",
        "@id": id_,
        "name": path,
        "description": description,
        "contentUrl": path,
        "contentSize": f"{size} B",
        "encodingFormat": fmt,
        "sha256": sha256,
    }


def croissant_license(manifest):
    """Croissant's `license` (schema.org license: URLs, or CreativeWork where a licence has no public text): the
    one licence's URL when the sources share it, else each licence that went in, so a reader sees every term that
    binds the release. The card and LICENSE.md state the whole-release terms in words."""
    from cytoimagenet.builder.card import source_licences

    licences = {lic.id: lic for _, lic in source_licences(manifest)}
    docs = [lic.link if lic.link else {"@type": "sc:CreativeWork", "name": lic.name,
                                       "description": f"{lic.id}: no public licence text; see LICENSE.md"}
            for _, lic in sorted(licences.items())]
    if not docs:
        return {"@type": "sc:CreativeWork", "name": "unknown: the release records no source"}
    return docs[0] if len(docs) == 1 else docs


def _training_distribution(manifest) -> list[dict]:
    """The training-size copies (data/N/): every file a release holds is described and checksummed. Their PNG
    members get a file set per size, so a consumer can find them; the record sets stay on the canonical shards,
    which hold the same samples at full resolution."""
    out = []
    for size, entries in manifest.training_sets().items():
        out += [_file_object(e.path, e.path, e.sha256, e.bytes, "application/x-tar",
                             f"Training-size copy ({size} px) of the {e.split} split's shard {e.path.split('/')[-1]}: "
                             f"its {e.samples} samples as stream(image_size={size}) first reduces them, as "
                             "<key>.png, <key>.json, <key>.cls.") for e in entries]
        out.append({
            "@type": "cr:FileSet",
            "@id": f"{PNG_SET_ID}-{size}",
            "name": f"{PNG_SET_ID}-{size}",
            "description": f"The PNG images of the {size} px training-size shards, named <key>.png like the "
                           "full-resolution ones.",
            "containedIn": [{"@id": e.path} for e in entries],
            "encodingFormat": "image/png",
            "includes": "*.png",
        })
    return out


def croissant(release_dir: Path, manifest, url: Optional[str] = None) -> dict:
    """The Croissant JSON-LD document of a release folder (metadata files must already be written)."""
    release_dir = Path(release_dir)
    total = sum(manifest.splits.values())
    metadata_path = release_dir / "metadata" / "metadata.parquet"
    labels_path = release_dir / "metadata" / "labels.parquet"

    shards = [
        _file_object(s.path, s.path, s.sha256, s.bytes, "application/x-tar",
                     f"WebDataset shard of the {s.split} split: {s.samples} samples as "
                     "<key>.png, <key>.json, <key>.cls.")
        for s in manifest.shards
    ]
    distribution = shards + [
        {
            "@type": "cr:FileSet",
            "@id": PNG_SET_ID,
            "name": PNG_SET_ID,
            "description": "The 8-bit grayscale PNG image of every sample, inside the shards, named <key>.png.",
            "containedIn": [{"@id": s.path} for s in manifest.shards],
            "encodingFormat": "image/png",
            "includes": "*.png",
        },
        *_training_distribution(manifest),
        _file_object(METADATA_ID, "metadata/metadata.parquet", sha256_file(metadata_path), metadata_path.stat().st_size,
                     "application/x-parquet", "One row per sample: every metadata field, split, label_id and shard."),
        _file_object(LABELS_ID, "metadata/labels.parquet", sha256_file(labels_path), labels_path.stat().st_size,
                     "application/x-parquet",
                     "One row per class: label, label_id, category, counts per split, sources."),
    ]

    docs = {name: (f.description or name) for name, f in SampleRecord.model_fields.items()}
    docs.update(label_id="Class index of the label (the `cls` member of the shard; position in manifest.json labels).",
                shard="Shard holding the sample, e.g. train-000000 (data/<shard>.tar).")
    sample_fields = []
    # the columns of the file itself, so the description matches what was written even if the schema moved on
    for col in pq.read_schema(metadata_path):
        data_type, repeated = _data_type(col.type)
        sample_fields.append(_column_field("samples", METADATA_ID, col.name, data_type, docs.get(col.name, col.name),
                                           repeated))
    by_id = {f["name"]: f for f in sample_fields}
    # the key also names the shard members, so it joins a sample to its image; label_id is the class table's key
    by_id["key"]["references"] = {"field": {"@id": "images/key"}}
    if "label_id" in by_id:
        by_id["label_id"]["references"] = {"field": {"@id": "labels/label_id"}}
    sample_fields.append({
        "@type": "cr:Field",
        "@id": "samples/image",
        "name": "image",
        "description": "The sample's 8-bit grayscale image.",
        "dataType": "sc:ImageObject",
        "source": {"field": {"@id": "images/image"}},
    })

    record_sets = [
        {
            "@type": "cr:RecordSet",
            "@id": "samples",
            "name": "samples",
            "description": f"The {total} samples of the release, one record each, with their image.",
            "key": {"@id": "samples/key"},
            "field": sample_fields,
        },
        {
            "@type": "cr:RecordSet",
            "@id": "images",
            "name": "images",
            "description": "The PNG members of the WebDataset shards, keyed by sample key.",
            "key": {"@id": "images/key"},
            "field": [
                {
                    "@type": "cr:Field",
                    "@id": "images/key",
                    "name": "key",
                    "description": "Sample key: the member's file name without '.png'.",
                    "dataType": "sc:Text",
                    "source": {
                        "fileSet": {"@id": PNG_SET_ID},
                        "extract": {"fileProperty": "filename"},
                        "transform": {"regex": "^(.+)\\.png$"},
                    },
                },
                {
                    "@type": "cr:Field",
                    "@id": "images/image",
                    "name": "image",
                    "description": "The 8-bit grayscale PNG.",
                    "dataType": "sc:ImageObject",
                    "source": {"fileSet": {"@id": PNG_SET_ID}, "extract": {"fileProperty": "content"}},
                },
            ],
        },
        {
            "@type": "cr:RecordSet",
            "@id": "labels",
            "name": "labels",
            "description": f"The {len(manifest.labels)} classes.",
            "key": {"@id": "labels/label_id"},
            "field": [
                _column_field("labels", LABELS_ID, "label_id", "sc:Integer", "Class index."),
                _column_field("labels", LABELS_ID, "label", "sc:Text", "The weak label, lowercase."),
                _column_field("labels", LABELS_ID, "category", "sc:Text",
                              "Metadata column the label was taken from (organism, cell_type, ..., sirna)."),
                _column_field("labels", LABELS_ID, "train", "sc:Integer", "Samples in the train split."),
                _column_field("labels", LABELS_ID, "validation", "sc:Integer", "Samples in the validation split."),
                _column_field("labels", LABELS_ID, "count", "sc:Integer", "Samples in all splits."),
                _column_field("labels", LABELS_ID, "sources", "sc:Text", "Catalog ids of the sources, '|'-joined."),
            ],
        },
    ]

    counts = (f"{total} grayscale images in {len(manifest.labels)} classes (train {manifest.splits.get('train', 0)} / "
              f"validation {manifest.splits.get('validation', 0)})")
    if getattr(manifest, "synthetic", False):
        # generated pixels: no source dataset is cited, licensed or linked as the origin of any of them
        layouts = ", ".join(manifest.imitates) or "the demo sources"
        description = (f"SYNTHETIC DEMO RELEASE, not microscopy data: synthetic images in the native layouts of "
                       f"{layouts}, generated by `cytoimagenet demo` ({counts}); no image or metadata row comes from "
                       f"those datasets. Release id {manifest.release_id}.")
        licence = "Synthetic images generated by cytoimagenet's demo; no source dataset's images or licence."
        based_on = []
    else:
        description = (f"A weakly-labelled microscopy pretraining dataset: {counts}, curated from "
                       f"{len(manifest.catalog)} public source dataset(s). Release id {manifest.release_id}.")
        licence = croissant_license(manifest)
        based_on = [e["homepage"] for e in manifest.catalog if e.get("homepage")]
    keywords = ["microscopy", "cell biology", "bioimage", "pretraining", "image classification", "webdataset"]
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": manifest.name,
        "description": description,
        "version": manifest.version,
        "url": url or DEFAULT_URL,
        "license": licence,
        "citeAs": paper_bibtex(),
        "keywords": keywords + (["synthetic"] if getattr(manifest, "synthetic", False) else []),
        "isBasedOn": based_on,
        "distribution": distribution,
        "recordSet": record_sets,
    }


def write_croissant(release_dir: Path, manifest, url: Optional[str] = None) -> Path:
    """Write `croissant.json` into the release folder and return its path."""
    path = Path(release_dir) / CROISSANT_FILE
    write_text_atomic(path, json.dumps(croissant(release_dir, manifest, url), indent=2, ensure_ascii=False) + "\n")
    return path
