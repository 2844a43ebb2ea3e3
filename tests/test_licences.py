"""The licence policy: what `build --licences` admits, that no-derivatives material stays out unless explicitly
let in (and then cannot be published), the terms of a release as a whole, and the build's quick source check."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from cytoimagenet.catalog.licences import LICENCES, excluded_by, get_licence, release_terms
from cytoimagenet.catalog.registry import catalog, get_source
from cytoimagenet.cli.app import app
from cytoimagenet.errors import UserError

SMALL = ["--min-per-class", "20", "--max-per-class", "40", "--shard-size", "48"]


def said(res) -> str:
    """What the user sees: the output, and the one-line error `main()` prints for a UserError."""
    return res.output + (str(res.exception) if isinstance(res.exception, UserError) else "")


@pytest.mark.parametrize("licence, policy, admitted", [
    ("CC0-1.0", "open", True), ("CC-BY-4.0", "open", True), ("CC-BY-NC-4.0", "open", False),
    ("CC-BY-SA-4.0", "open", False), ("unknown", "open", False),
    ("CC-BY-NC-SA-4.0", "noncommercial", True), ("LicenseRef-Kaggle-Competition", "noncommercial", True),
    ("unknown", "noncommercial", False), ("unknown", "all", True),
    ("CC-BY-NC-ND-4.0", "all", False), ("CC-BY-ND-4.0", "open", False),
])
def test_policy_table(licence, policy, admitted):
    assert (excluded_by(get_licence(licence), policy) is None) == admitted


def test_noderivatives_only_when_explicitly_allowed():
    nd = get_licence("CC-BY-NC-ND-4.0")
    assert "forbids derivatives" in excluded_by(nd, "all")
    assert excluded_by(nd, "all", allow_noderivatives=True) is None
    assert excluded_by(nd, "open", allow_noderivatives=True) is not None  # still not open


def test_every_catalog_licence_is_known_to_the_policy():
    assert {s.entry.licence for s in catalog().values()} <= set(LICENCES)


def test_release_terms_are_the_most_restrictive_of_its_sources():
    one = release_terms([get_licence("CC-BY-4.0")])
    assert one["single"] == "CC-BY-4.0" and one["link"].startswith("https://creativecommons.org/licenses/by/4.0")
    mixed = release_terms([get_licence("CC0-1.0"), get_licence("CC-BY-NC-SA-4.0"), get_licence("unknown")])
    assert mixed["single"] is None and mixed["noncommercial"] and mixed["sharealike"] and not mixed["noderivatives"]
    assert mixed["unknown"] == ["unknown"] and "non-commercial" in mixed["name"]


@pytest.fixture
def demo_root(sources, tmp_path):
    root = tmp_path / "src"
    shutil.copytree(sources, root)
    # treated as real sources: a synthetic release records no catalog entries (its pixels are nobody's)
    for marker in root.rglob("SYNTHETIC.md"):
        marker.unlink()
    return root


def test_open_policy_leaves_out_non_open_sources_with_the_reason(demo_root, tmp_path):
    res = CliRunner().invoke(app, ["build", "--sources", str(demo_root), "--out", str(tmp_path / "rel"),
                                   "--source", "rxrx1", "--licences", "open", *SMALL])
    assert res.exit_code == 1
    assert "not an open licence" in said(res) and not (tmp_path / "rel").exists()


def test_noderivatives_source_is_skipped_unless_allowed_and_then_cannot_be_published(demo_root, tmp_path, monkeypatch):
    from cytoimagenet.validation.publish import publish

    source = get_source("rxrx1")
    monkeypatch.setattr(source, "entry", source.entry.model_copy(update={"licence": "CC-BY-NC-ND-4.0"}))
    runner = CliRunner()
    res = runner.invoke(app, ["build", "--sources", str(demo_root), "--out", str(tmp_path / "rel"),
                              "--source", "rxrx1", *SMALL])
    assert res.exit_code == 1 and "forbids derivatives" in said(res)
    res = runner.invoke(app, ["build", "--sources", str(demo_root), "--out", str(tmp_path / "rel"),
                              "--source", "rxrx1", "--allow-noderivatives", *SMALL])
    assert res.exit_code == 0, res.output
    with pytest.raises(UserError, match="forbids derivatives"):
        publish(tmp_path / "rel", "org/name", dry_run=True)


def test_build_stops_early_when_a_source_misses_a_large_share_of_its_files(demo_root, tmp_path):
    pngs = sorted((demo_root / "rxrx1" / "images").rglob("*.png"))
    for p in pngs[: len(pngs) // 4]:
        p.unlink()
    runner = CliRunner()
    res = runner.invoke(app, ["build", "--sources", str(demo_root), "--out", str(tmp_path / "rel"),
                              "--source", "rxrx1", *SMALL])
    assert res.exit_code == 1 and "sources incomplete: rxrx1 misses" in said(res)
    assert not (tmp_path / "rel").exists()
    res = runner.invoke(app, ["build", "--sources", str(demo_root), "--out", str(tmp_path / "rel"),
                              "--source", "rxrx1", "--allow-missing", *SMALL])
    assert res.exit_code == 0, res.output
