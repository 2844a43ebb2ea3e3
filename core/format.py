"""The release format: the one contract the builder writes through and validation, the loaders and the suite read
through. It imports no folder of the package (only the core modules, pydantic, pyarrow and yaml), so every stage can
depend on it and it on none of them.

- the record: `SampleRecord` (a sample's metadata, the shards' ``json`` members, a row of ``metadata.parquet``),
  its label columns (`CATEGORIES`), `RECORD_FIELDS`, `record_arrow_schema` and the card's `release_features`,
  all derived from the model so the card, the shards and the table cannot drift apart;
- `BuildConfig`, `ShardEntry`, `Manifest`, and the rule that names a release (`release_identity`);
- the quarantine table's schema (`quarantine_arrow_schema`);
- a shard's member grammar and size limits (`MEMBER`, `member_name`, `MAX_MEMBER_BYTES`, `MAX_PIXELS`);
- the card's YAML front matter (`read_front_matter`) and the release's file names."""

from __future__ import annotations

import hashlib
import json
import re
import types
import typing
from typing import Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SPLITS = ("train", "validation")
# The label columns, in DESIGN order: the metadata columns a weak label is taken from (a record's `category` names
# one). A multi-label cell joins tokens with "|". The catalog's records table has the same label columns.
CATEGORIES = ("organism", "cell_type", "cell_visible", "phenotype", "compound", "gene", "sirna")
LABEL_COLUMNS = CATEGORIES


class SampleRecord(BaseModel):
    """One sample of a release: the original CytoImageNet metadata fields plus provenance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(description="Stable WebDataset key: [A-Za-z0-9_-] only, no dots.", pattern=r"^[A-Za-z0-9_-]+$")
    label: str = Field(description="The weak label, lowercase.")
    category: Literal[CATEGORIES] = Field(
        description="Which metadata column the label was taken from."
    )
    database: str = Field(description="Source database (Recursion, Image Data Resource, BBBC, Kaggle, ...).")
    name: str = Field(description="Source dataset name.")
    dir_name: str = Field(description="Source folder name (the catalog id).")
    path: str = Field(description="Folder of the first source file, relative to its source folder.")
    filename: str = Field(description="File name of this sample in the original CytoImageNet scheme: '<idx>.png'.")
    idx: str = Field(description="'<dir_name>-<id>', id taken from the source's own identifiers.")
    organism: Optional[str] = None
    cell_type: Optional[str] = None
    cell_visible: Optional[str] = None
    phenotype: Optional[str] = None
    compound: Optional[str] = None
    sirna: Optional[str] = None
    gene: Optional[str] = None
    microscopy: str = Field(description="Imaging modality, e.g. 'fluorescence' or 'brightfield'.")
    crop: bool = Field(False, description="True when the sample is an upsampling crop of a source image.")
    scaling: float = Field(1.0, description="Upsampling crop side / side of the image it was cut from: the source "
                                            "image, or its box for a boxed sample (BBBC041 cells); 1.0 otherwise.")
    x_min: Optional[int] = None
    x_max: Optional[int] = None
    y_min: Optional[int] = None
    y_max: Optional[int] = None
    # provenance
    source_id: str = Field(description="Catalog id of the source dataset.")
    group: str = Field(description="Split group (a well, or the source image): never in both splits.")
    source_files: list[str] = Field(description="Source files merged into this sample, relative to the source folder.")
    channels: list[str] = Field(description="Channel names of source_files, in the same order.")
    bit_depth: int = Field(description="Bit depth of the source files as stored (8, 12, 16 ...).")
    height: int = Field(description="Height of the sample's image in pixels.")
    width: int = Field(description="Width of the sample's image in pixels.")
    split: Literal[SPLITS]

    @field_validator("label")
    @classmethod
    def _lowercase(cls, v: str) -> str:
        if v != v.lower() or not v.strip():
            raise ValueError(f"labels are non-empty and lowercase, got {v!r}")
        return v

    @model_validator(mode="after")
    def _provenance_lines_up(self) -> "SampleRecord":
        if len(self.source_files) != len(self.channels) or not self.source_files:
            raise ValueError("source_files and channels must be non-empty and of equal length")
        return self

    def to_json_bytes(self) -> bytes:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":")).encode()


RECORD_FIELDS = tuple(SampleRecord.model_fields)


class BuildConfig(BaseModel):
    """What determines a release's content. Execution settings (workers, engine) are deliberately not here:
    they must not change a byte of the output."""

    model_config = ConfigDict(extra="forbid")

    # non-negative: numpy's generators refuse negative seeds, and one sign convention keeps seeds comparable
    seed: int = Field(0, ge=0)
    min_per_class: int = Field(287, ge=1)
    max_per_class: int = Field(1000, ge=1)
    validation_fraction: float = Field(0.1, gt=0, lt=1)
    shard_size: int = Field(1000, ge=1, description="Samples per shard (the last shard of a split may be smaller).")
    percentile_low: float = Field(0.1, ge=0, le=100)
    percentile_high: float = Field(99.9, ge=0, le=100)
    png_compress_level: int = Field(6, ge=0, le=9)
    sources: list[str] = Field(default_factory=list, description="Catalog ids that were built.")
    release_name: str = "CytoImageNet"
    synthetic: bool = Field(False, description="Built from generated demo images, not from any source's data.")
    licences: Literal["open", "noncommercial", "all"] = Field(
        "all", description="Which source licences may go in (catalog/licences.py POLICIES).")
    allow_noderivatives: bool = Field(
        False, description="Let no-derivatives material in (a private build: such a release cannot be published).")
    training_sizes: list[int] = Field(
        default_factory=lambda: [224], description="Training sizes N whose reduced shards (data/N/) are written "
        "beside the full-resolution ones: each image as `stream(image_size=N)` reduces it first. [] for none.")

    @field_validator("training_sizes")
    @classmethod
    def _sizes(cls, v: list[int]) -> list[int]:
        if any(n < 1 for n in v):
            raise ValueError(f"training sizes are positive pixel sizes (0 means none: pass []), got {v}")
        return sorted(set(v))

    @model_validator(mode="after")
    def _ranges(self) -> "BuildConfig":
        if self.max_per_class < self.min_per_class:
            raise ValueError(f"max_per_class ({self.max_per_class}) < min_per_class ({self.min_per_class})")
        if self.percentile_high <= self.percentile_low:
            raise ValueError("percentile_high must exceed percentile_low")
        return self


class ShardEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(pattern=r"^data/([1-9]\d*/)?(train|validation)-\d{6}\.tar$")
    split: Literal["train", "validation"]
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int = Field(ge=0)
    samples: int = Field(ge=0)
    size: Optional[int] = Field(None, ge=1, description="None: a full-resolution shard (data/<split>-*.tar); N: "
                                "its training-size copy (data/N/<split>-*.tar), same samples reduced for N px.")

    @model_validator(mode="after")
    def _path_names_size(self) -> "ShardEntry":
        folder = self.path.split("/")[1] if self.path.count("/") == 2 else None
        if folder != (None if self.size is None else str(self.size)):
            raise ValueError(f"shard {self.path}: its folder must be data/{self.size}/ for size {self.size}"
                             if self.size else f"shard {self.path}: a full-resolution shard lies in data/")
        return self


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    release_id: str = Field(description="sha256 over the shard checksums, metadata and card inputs.")
    config: BuildConfig
    labels: list[str]
    splits: dict[str, int]
    shards: list[ShardEntry]
    # apart from `shards`, so that every reader of the canonical release (card sizes, croissant, publish lists,
    # export, load_dataset) sees exactly the full-resolution shards, and manifests written before them still read
    training_shards: list[ShardEntry] = Field(default_factory=list, description="Training-size copies of `shards` "
                                              "(ShardEntry.size set), per size in the order of `shards`.")
    quarantined: int = 0
    catalog: list[dict] = Field(default_factory=list, description="Catalog entries of the sources built.")
    software: dict[str, str] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list, description="The source adapters' warnings (lost labels ...).")
    synthetic: bool = Field(False, description="True for a demo release: generated images, no source dataset's data.")
    imitates: list[str] = Field(default_factory=list, description="Synthetic releases: catalog ids whose native "
                                "file layouts the generated images were written in (not sources of any pixel).")
    origin: Literal["build", "v1"] = Field(
        "build", description="'build': curated from the sources by this project; 'v1': the published CytoImageNet "
        "v1 (Kaggle) repackaged, its labels and PNGs unchanged.")

    @model_validator(mode="after")
    def _synthetic_cites_no_source(self) -> "Manifest":
        # A demo release must not pass for data of the datasets whose layouts it imitates: their catalog entries
        # (citations, licences, homepages) become layout names only. Idempotent, so a manifest read back is equal.
        if self.config.synthetic:
            self.synthetic = True
        if self.synthetic and self.catalog:
            self.imitates = sorted(set(self.imitates) | {str(e.get("id")) for e in self.catalog})
            self.catalog = []
        return self

    @model_validator(mode="before")
    @classmethod
    def _older_manifest(cls, data):
        # a manifest from before training-size shards has none: its config must not claim the default [224]
        if isinstance(data, dict) and isinstance(data.get("config"), dict) and "training_sizes" not in data["config"]:
            data = {**data, "config": {**data["config"], "training_sizes": []}}
        return data

    @model_validator(mode="after")
    def _training_shards_mirror(self) -> "Manifest":
        full = [(e.path.split("/")[-1], e.split, e.samples) for e in self.shards]
        for size, entries in self.training_sets().items():
            if size is None:
                raise ValueError("training_shards: an entry without size (full-resolution shards go in shards)")
            mine = [(e.path.split("/")[-1], e.split, e.samples) for e in entries]
            if mine != full:
                raise ValueError(f"training_shards of size {size} do not mirror shards (same names, splits and "
                                 "sample counts, in the same order)")
        return self

    @model_validator(mode="after")
    def _consistent(self) -> "Manifest":
        if any(s.size is not None for s in self.shards):
            raise ValueError("shards: a training-size entry (size set) belongs in training_shards")
        for split in SPLITS:
            n = sum(s.samples for s in self.shards if s.split == split)
            if self.splits.get(split, 0) != n:
                raise ValueError(f"splits[{split!r}] = {self.splits.get(split)} but its shards hold {n} samples")
        return self

    def training_sets(self) -> dict[Optional[int], list[ShardEntry]]:
        """The training-size shards by size, smallest first, each size's in manifest order."""
        sets: dict[Optional[int], list[ShardEntry]] = {}
        for e in sorted(self.training_shards, key=lambda e: e.size or 0):  # stable: manifest order within a size
            sets.setdefault(e.size, []).append(e)
        return sets


def _hf_feature(annotation):
    from datasets import List, Value

    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _hf_feature(args[0])
    if origin is Literal:
        return Value("string")
    if origin is list:
        return List(_hf_feature(typing.get_args(annotation)[0]))
    return {str: Value("string"), int: Value("int64"), float: Value("float64"), bool: Value("bool")}[annotation]


def record_struct() -> dict:
    """The `json` struct feature, derived from `SampleRecord` field by field."""
    return {name: _hf_feature(f.annotation) for name, f in SampleRecord.model_fields.items()}


# The two columns the `datasets` webdataset loader adds to every example (datasets/packaged_modules/webdataset/
# webdataset.py, _get_pipeline_from_tar): declared features that omit them make the loader drop them.
WEBDATASET_KEY, WEBDATASET_URL = "__key__", "__url__"


def release_features(labels: list[str]):
    """Features of a release as the Hub's webdataset convention names them: png, cls, json, then the loader's own
    __key__ (the sample key, equal to json.key) and __url__ (the shard the sample was read from), in the order the
    loader yields them."""
    from datasets import ClassLabel, Features, Image, Value

    return Features({"png": Image(mode="L"), "cls": ClassLabel(names=list(labels)), "json": record_struct(),
                     WEBDATASET_KEY: Value("string"), WEBDATASET_URL: Value("string")})


def record_arrow_schema():
    """pyarrow schema of metadata.parquet: every record field plus label_id and shard."""
    import pyarrow as pa

    def arrow(annotation):
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            return arrow([a for a in typing.get_args(annotation) if a is not type(None)][0])
        if origin is Literal:
            return pa.string()
        if origin is list:
            return pa.list_(arrow(typing.get_args(annotation)[0]))
        return {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}[annotation]

    fields = [pa.field(n, arrow(f.annotation)) for n, f in SampleRecord.model_fields.items()]
    return pa.schema(fields + [pa.field("label_id", pa.int64()), pa.field("shard", pa.string())])


# --- the quarantine table ------------------------------------------------------------------------------------------

# metadata/quarantine.parquet: one row per sample refused by the image stage (or, for an import of v1, per row whose
# PNG or fields fail), with the reason; the same schema for a build and an import
def quarantine_arrow_schema():
    import pyarrow as pa

    return pa.schema([
        ("key", pa.string()), ("source_id", pa.string()), ("sample_id", pa.string()), ("label", pa.string()),
        ("split", pa.string()), ("source_files", pa.list_(pa.string())), ("reason", pa.string()),
    ])


# --- shard members -------------------------------------------------------------------------------------------------

# A shard member is a bare `<key>.<ext>`: no folders, no dots in the key (the key grammar of SampleRecord.key), ext
# one of EXTS. The grammar matches any extension so that a reader can say what a foreign member is (a pickle is
# named as such); `EXTS` is what a release holds.
MEMBER = re.compile(r"^(?P<key>[A-Za-z0-9_-]+)\.(?P<ext>[A-Za-z0-9_]+)$")
EXTS = ("png", "json", "cls")
# The largest image plane anything here reads or writes (a source plane, a release PNG): a decompression-bomb guard.
MAX_PIXELS = 16384 * 16384
# Member size limits, checked from the tar header before a byte is read, so a forged size never becomes a huge read.
# One set for every reader: the validator used MAX_PIXELS + 1 MiB for a PNG and the loaders 512 MiB. The tighter one
# is the true bound: a release PNG is 8-bit grayscale of at most MAX_PIXELS pixels, and deflate's worst case (stored
# blocks) adds 5 bytes per 64 KiB plus one filter byte per row, far under 1 MiB at that size; a larger PNG member is
# one no release holds, and a loader refusing it early loses nothing it could have decoded. json: a record is a few
# kB; cls: an ascii integer.
MAX_MEMBER_BYTES = {"png": MAX_PIXELS + (1 << 20), "json": 1 << 20, "cls": 64}


def member_name(key: str, ext: str) -> str:
    """A shard member's name, as the builder writes it and the readers parse it with `MEMBER`."""
    return f"{key}.{ext}"


# --- release files -------------------------------------------------------------------------------------------------

MANIFEST_FILE = "manifest.json"
CARD_FILE = "README.md"
CROISSANT_FILE = "croissant.json"


def read_front_matter(text: str) -> dict:
    """The YAML front matter of a dataset card (the block between the leading '---' lines), as a mapping."""
    if not text.startswith("---\n"):
        raise ValueError("card does not start with a YAML front matter block ('---')")
    end = text.find("\n---", 4)
    if end < 0:
        raise ValueError("card's YAML front matter is not closed by '---'")
    data = yaml.safe_load(text[4:end])
    if not isinstance(data, dict):
        raise ValueError("card's YAML front matter is not a mapping")
    return data


def release_identity(shards: list[ShardEntry], metadata_sha256: str, labels: list[str]) -> tuple[str, str]:
    """(release_id, version) of a release: release_id is the sha256 over its shards' paths and checksums (every
    entry, training-size ones included, in manifest order), the metadata table's checksum and the labels. The
    version is 1.0.<first 7 hex digits of release_id as an integer>: 1.0 is the record schema, and the patch number
    comes from the content, so every distinct release has its own version and the `datasets` cache, keyed on it,
    never serves a stale copy."""
    release_id = hashlib.sha256(json.dumps(
        [[s.path, s.sha256] for s in shards] + [metadata_sha256, labels]).encode()).hexdigest()
    return release_id, f"1.0.{int(release_id[:7], 16)}"
