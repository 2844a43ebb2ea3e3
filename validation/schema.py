"""Compatibility names: the release format's models moved to :mod:`cytoimagenet.format` (one home for the record,
config and manifest schemas). New code imports from there."""

from cytoimagenet.format import (  # noqa: F401
    CATEGORIES, LABEL_COLUMNS, RECORD_FIELDS, SPLITS, WEBDATASET_KEY, WEBDATASET_URL, BuildConfig, Manifest,
    SampleRecord, ShardEntry, record_arrow_schema, record_struct, release_features,
)
