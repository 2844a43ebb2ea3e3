"""The catalog holds every source of the released dataset, with what a user needs to cite and licence it."""

from __future__ import annotations

import pytest

from cytoimagenet.catalog.registry import catalog, get_source
from cytoimagenet.errors import UserError

RELEASED = (
    [f"bbbc{n:03d}" for n in (5, 6, 10, 11, 12, 13, 14, 15, 17, 20, 22, 25, 26, 38, 41, 45, 48, 51)]
    + ["cil_kinome"]
    + [f"idr{n:04d}" for n in (3, 9, 16, 17, 21, 37, 41, 67, 72, 80, 81, 88, 93)]
    + ["kaggle_cell_cycle", "kaggle_hpa", "kaggle_hpa_single", "kaggle_leukemia"]
    + ["rxrx1", "rxrx2", "rxrx19a", "rxrx19b"]
)


def test_all_forty_released_sources_are_catalogued():
    assert len(RELEASED) == 40
    missing = sorted(set(RELEASED) - set(catalog()))
    assert not missing


@pytest.mark.parametrize("source_id", RELEASED)
def test_entry_is_complete(source_id):
    entry = get_source(source_id).entry
    assert entry.id == source_id == entry.dir_name
    for field in ("database", "name", "homepage", "licence", "citation", "layout"):
        assert getattr(entry, field).strip(), field
    assert entry.homepage.startswith("http")
    assert entry.channels
    if entry.adapter is None:
        assert "not adaptable" in entry.note.lower(), "an unadaptable entry says why"


def test_database_names_are_consistent():
    databases = {s.entry.database for s in catalog().values() if s.id in RELEASED}
    assert databases == {
        "Broad Bioimage Benchmark Collection", "Cell Image Library", "Image Data Resource", "Kaggle", "Recursion"
    }


def test_unadaptable_source_reports_why(tmp_path):
    source = get_source("bbbc011")
    assert not source.adaptable
    with pytest.raises(UserError, match="no adapter yet.*Not adaptable: neither the file names"):
        source.records(tmp_path)


def test_adaptable_source_names_its_layout_when_folder_is_empty(tmp_path):
    for source in catalog().values():
        if source.adaptable:
            with pytest.raises(UserError) as err:
                source.records(tmp_path)
            assert str(tmp_path) in str(err.value), source.id
