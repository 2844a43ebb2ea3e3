"""Shared fixtures of the catalog tests; the tree writers live in catalog_fixtures.py."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path
