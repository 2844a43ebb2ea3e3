"""CytoImageNet: build, validate, load and publish a weakly-labelled microscopy pretraining dataset."""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("cytoimagenet")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
