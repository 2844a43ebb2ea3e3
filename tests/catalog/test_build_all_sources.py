"""One build over the fixtures of every CytoImageNet source in its real layout: every adaptable source of the 40
has a fixture, every one of them reads, and the release they make together validates."""

from __future__ import annotations

import pandas as pd
import pytest
import sources_bbbc_a
import sources_bbbc_b
import sources_idr
import sources_idr2
import sources_other

from cytoimagenet.builder.release import build_release, work_dir_for
from cytoimagenet.catalog.registry import catalog
from cytoimagenet.validation.release import validate_release
from cytoimagenet.format import BuildConfig

FIXTURES = {**sources_bbbc_a.FIXTURES, **sources_bbbc_b.FIXTURES, **sources_idr.FIXTURES, **sources_idr2.FIXTURES,
            **sources_other.FIXTURES}
FORTY = sorted(sid for sid, s in catalog().items() if s.entry.in_cytoimagenet)
ADAPTABLE = sorted(sid for sid in FORTY if catalog()[sid].adaptable)


def test_the_catalog_holds_forty_cytoimagenet_sources_each_adaptable_or_saying_why():
    assert len(FORTY) == 40
    for sid in FORTY:
        entry = catalog()[sid].entry
        assert entry.adapter or entry.note.lower().startswith("not adaptable"), sid


def test_every_adaptable_source_has_a_fixture_in_its_real_layout():
    assert sorted(set(ADAPTABLE) - set(FIXTURES)) == []


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("all-sources")
    for sid in ADAPTABLE:
        FIXTURES[sid](root, 96)
    out = tmp_path_factory.mktemp("all-release") / "cytoimagenet"
    # no-derivatives sources (idr0017) admitted: this build tests reading, it is never published
    config = BuildConfig(seed=0, min_per_class=2, max_per_class=6, shard_size=64, allow_noderivatives=True)
    report = build_release(root, out, config, workers=2, only=ADAPTABLE)
    return root, out, report


def test_every_adaptable_source_reads_and_the_release_validates(built):
    _, out, report = built
    records = pd.read_parquet(work_dir_for(out) / "records.parquet", columns=["source_id"])
    per_source = records["source_id"].value_counts()
    assert sorted(per_source.index) == ADAPTABLE
    assert (per_source >= 2).all(), per_source[per_source < 2]
    assert validate_release(out) == []
    assert sum(report.samples.values()) > 0 and not report.skipped_sources


def test_no_sample_is_quarantined_for_an_unreadable_file(built):
    _, out, _ = built
    q = pd.read_parquet(out / "metadata" / "quarantine.parquet")
    # at 96 px the only expected rejections are crops with no room for 70 px
    assert not q["reason"].str.startswith("unreadable").any(), q[q["reason"].str.startswith("unreadable")]


def test_sources_list_shows_the_forty_and_why_a_source_cannot_be_read(monkeypatch):
    from typer.testing import CliRunner

    from cytoimagenet.cli.app import app

    monkeypatch.setenv("COLUMNS", "400")  # one table row per line
    out = CliRunner().invoke(app, ["sources", "list"]).output
    assert f"40 CytoImageNet sources ({len(ADAPTABLE)} read from their real layout)" in out
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.startswith("│")}
    for sid in sorted(set(FORTY) - set(ADAPTABLE)):
        assert "│ no: " in rows[sid], sid
    assert "evaluation only" in rows["bbbc021"] and "extra" in rows["segebarth2020"]
