"""Validation: the release validator (every file of a release checked against the format, shards read as streams)
and publishing, which uploads only a release that validates. Reads through `cytoimagenet.format`; may use the
builder's card helpers, never the loaders or the suite."""
