"""CytoImageNet: build, validate, load and publish a weakly-labelled microscopy pretraining dataset.

The package root (the `core/` folder) is the bottom of the import order and imports no folder: errors, atomic I/O
(`io`), seeding, the release format (`format`), the PNG codec readers share (`png`) and the stream's resize and
reduction (`augment`)."""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("cytoimagenet")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
