"""The builder: the stages that turn the catalog's records into a release (label assignment, plan, image
standardisation, shards, metadata, card, croissant, figures) and the v1 import. It writes every file of a release
through the release format (`cytoimagenet.format`) and the atomic write (`cytoimagenet.io`); it imports the catalog
and core, never validation, the loaders or the suite."""
