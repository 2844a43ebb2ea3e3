"""`sources fetch`, `sources check` and a build, from an empty ROOT, against a local file server that serves small
archives in a source's real layout and plants what real downloads meet: a dropped connection, a wrong checksum, a
404, a download killed half-way. No test touches the network."""

from __future__ import annotations

import hashlib
import io
import sys
import types
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from file_server import FileServer

from cytoimagenet.catalog import fetch as fetch_mod
from cytoimagenet.catalog.fetch import FetchError, fetch_source, read_state, unpack
from cytoimagenet.catalog.registry import get_source
from cytoimagenet.catalog.source import Download, DownloadFile
from cytoimagenet.cli.app import app

DISTRIBUTOR = "https://distributor.example/rxrx1"


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in sorted(members.items()):
            zf.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data)
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The demo's RxRx1 tree, packed as two archives (metadata, images) on a local server."""
    from spine_config import SHAPES

    from cytoimagenet.catalog.demo import write_demo_sources

    tree = write_demo_sources(tmp_path_factory.mktemp("tree"), seed=0, **SHAPES) / "rxrx1"
    www = tmp_path_factory.mktemp("www")
    files = {p.relative_to(tree).as_posix(): p.read_bytes() for p in sorted(tree.rglob("*")) if p.is_file()}
    _zip(www / "rxrx1" / "rxrx1-metadata.zip", {k: v for k, v in files.items() if not k.startswith("images/")})
    _zip(www / "rxrx1" / "rxrx1-images.zip", {k: v for k, v in files.items() if k.startswith("images/")})
    return www, files


def _download(www: Path, **overrides) -> Download:
    files = []
    for name in ("rxrx1-metadata.zip", "rxrx1-images.zip"):
        p = www / "rxrx1" / name
        spec = {"url": f"{DISTRIBUTOR}/{name}", "path": name, "bytes": p.stat().st_size, "sha256": _sha(p)}
        spec.update(overrides.get(name, {}))
        files.append(DownloadFile(**spec))
    return Download(route="https", files=files, evidence="test fixture")


@pytest.fixture
def rxrx1_entry(served, monkeypatch):
    www, _ = served
    source = get_source("rxrx1")
    entry = source.entry.model_copy(update={"download": _download(www)})
    monkeypatch.setattr(source, "entry", entry)
    return entry


def test_fetch_then_check_then_build_from_an_empty_root(served, rxrx1_entry, tmp_path):
    www, files = served
    root = tmp_path / "sources"
    runner = CliRunner()
    with FileServer(www) as server:
        mirror = f"{DISTRIBUTOR}={server.url}/rxrx1"
        res = runner.invoke(app, ["sources", "fetch", "rxrx1", "--root", str(root), "--mirror", mirror, "--dry-run"])
        assert res.exit_code == 0, res.output
        assert "rxrx1-images.zip" in res.output and not root.exists()
        res = runner.invoke(app, ["sources", "fetch", "rxrx1", "--root", str(root), "--mirror", mirror])
        assert res.exit_code == 0, res.output
    # exactly the layout the adapter reads, byte for byte, and no archive left behind
    got = {p.relative_to(root / "rxrx1").as_posix() for p in (root / "rxrx1").rglob("*") if p.is_file()}
    assert got - {fetch_mod.STATE_FILE} == set(files)
    assert all((root / "rxrx1" / k).read_bytes() == v for k, v in files.items())
    res = runner.invoke(app, ["sources", "check", str(root), "--source", "rxrx1", "--json"])
    assert res.exit_code == 0, res.output
    assert '"complete": true' in res.output and '"missing": 0' in res.output
    res = runner.invoke(app, ["build", "--sources", str(root), "--out", str(tmp_path / "rel"), "--min-per-class", "20",
                              "--max-per-class", "40", "--shard-size", "48"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "rel" / "manifest.json").is_file()


def test_a_dropped_connection_is_continued_with_a_range_request(served, rxrx1_entry, tmp_path):
    www, _ = served
    with FileServer(www) as server:
        server.drop_once.add("rxrx1/rxrx1-images.zip")
        report = fetch_source(rxrx1_entry, tmp_path, url_map={DISTRIBUTOR: f"{server.url}/rxrx1"})
        assert [r for r, _ in server.ranges] == ["rxrx1/rxrx1-images.zip"]
    assert sorted(report.fetched) == ["rxrx1-images.zip", "rxrx1-metadata.zip"]
    assert (tmp_path / "rxrx1" / "metadata.csv").is_file()


def test_a_killed_download_resumes_from_its_part_file_and_a_rerun_fetches_nothing(served, rxrx1_entry, tmp_path):
    www, _ = served
    archive = (www / "rxrx1" / "rxrx1-images.zip").read_bytes()
    folder = tmp_path / "rxrx1"
    folder.mkdir()
    (folder / "rxrx1-images.zip.part").write_bytes(archive[: len(archive) // 3])  # what a kill left
    with FileServer(www) as server:
        url_map = {DISTRIBUTOR: f"{server.url}/rxrx1"}
        report = fetch_source(rxrx1_entry, tmp_path, url_map=url_map)
        assert server.ranges == [("rxrx1/rxrx1-images.zip", f"bytes={len(archive) // 3}-")]
        assert report.bytes < len(archive) + (www / "rxrx1" / "rxrx1-metadata.zip").stat().st_size
        before = sum(server.requests.values())
        again = fetch_source(rxrx1_entry, tmp_path, url_map=url_map)
        assert sum(server.requests.values()) == before and not again.fetched and len(again.skipped) == 2
    assert set(read_state(folder)["done"]) == {"rxrx1-images.zip", "rxrx1-metadata.zip"}


def test_a_wrong_checksum_is_refused_and_nothing_half_verified_is_kept(served, monkeypatch, tmp_path):
    www, _ = served
    source = get_source("rxrx1")
    bad = source.entry.model_copy(update={"download": _download(www, **{"rxrx1-metadata.zip": {"sha256": "0" * 64}})})
    with FileServer(www) as server:
        with pytest.raises(FetchError, match=r"rxrx1-metadata\.zip: sha256 [0-9a-f]{64} does not match") as err:
            fetch_source(bad, tmp_path, url_map={DISTRIBUTOR: f"{server.url}/rxrx1"})
    assert "\n" not in str(err.value)
    folder = tmp_path / "rxrx1"
    assert not (folder / "metadata.csv").exists() and not list(folder.glob("rxrx1-metadata.zip*"))
    assert "rxrx1-metadata.zip" not in read_state(folder)["done"]


def test_a_404_names_the_url_and_the_fix(served, rxrx1_entry, tmp_path):
    www, _ = served
    with FileServer(www) as server:
        server.gone.add("rxrx1/rxrx1-images.zip")
        with pytest.raises(FetchError, match=r"rxrx1-images\.zip: not found \(HTTP 404\)"):
            fetch_source(rxrx1_entry, tmp_path, url_map={DISTRIBUTOR: f"{server.url}/rxrx1"})


def test_a_server_that_ignores_range_restarts_the_file(served, rxrx1_entry, tmp_path):
    www, _ = served
    (tmp_path / "rxrx1").mkdir()
    (tmp_path / "rxrx1" / "rxrx1-images.zip.part").write_bytes(b"stale bytes of another file")
    with FileServer(www) as server:
        server.ignore_range = True
        fetch_source(rxrx1_entry, tmp_path, url_map={DISTRIBUTOR: f"{server.url}/rxrx1"})
    assert (tmp_path / "rxrx1" / "images").is_dir()


def test_idr_route_mirrors_the_study_folder(tmp_path, monkeypatch):
    www = tmp_path / "www"
    study = www / "pub" / "idr0099-study"
    for rel, data in {"plate1/A01_c1.tif": b"one", "plate1/A01_c2.tif": b"two", "plate 2/B02 c1.tif": b"three"}.items():
        (study / rel).parent.mkdir(parents=True, exist_ok=True)
        (study / rel).write_bytes(data)
    source = get_source("idr0016")
    tree_url = "https://idr-files.example/pub/idr0099-study/"
    entry = source.entry.model_copy(update={"download": Download(route="idr", tree=tree_url, evidence="test")})
    with FileServer(www) as server:
        report = fetch_source(entry, tmp_path / "root", url_map={"https://idr-files.example": server.url}, workers=2)
    folder = tmp_path / "root" / "idr0016"
    assert sorted(report.fetched) == ["plate 2/B02 c1.tif", "plate1/A01_c1.tif", "plate1/A01_c2.tif"]
    assert (folder / "plate 2" / "B02 c1.tif").read_bytes() == b"three"


def test_archive_members_outside_the_source_folder_are_refused(tmp_path):
    evil = _zip(tmp_path / "evil.zip", {"../outside.txt": b"x", "ok.txt": b"y"})
    with pytest.raises(FetchError, match="outside"):
        unpack(evil, tmp_path / "src")
    assert not (tmp_path / "outside.txt").exists()


def test_kaggle_route_uses_the_users_own_client_and_unpacks(tmp_path, monkeypatch):
    calls = []

    class FakeApi:
        def authenticate(self):
            calls.append("auth")

        def competition_download_files(self, name, path, quiet):
            calls.append(name)
            _zip(Path(path) / f"{name}.zip", {"train/a.png": b"png"})

    ext = types.ModuleType("kaggle.api.kaggle_api_extended")
    ext.KaggleApi = FakeApi
    for name, mod in {"kaggle": types.ModuleType("kaggle"), "kaggle.api": types.ModuleType("kaggle.api"),
                      "kaggle.api.kaggle_api_extended": ext}.items():
        monkeypatch.setitem(sys.modules, name, mod)
    source = get_source("kaggle_hpa")
    entry = source.entry.model_copy(update={"download": Download(
        route="kaggle", kaggle="competitions/human-protein-atlas-image-classification", evidence="test")})
    fetch_source(entry, tmp_path)
    assert calls == ["auth", "human-protein-atlas-image-classification"]
    assert (tmp_path / "kaggle_hpa" / "train" / "a.png").read_bytes() == b"png"
    fetch_source(entry, tmp_path)  # done: the client is not asked again
    assert calls == ["auth", "human-protein-atlas-image-classification"]


def test_kaggle_route_without_the_client_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "kaggle", None)
    entry = get_source("kaggle_hpa").entry.model_copy(update={"download": Download(
        route="kaggle", kaggle="competitions/x", evidence="test")})
    with pytest.raises(FetchError, match="pip install kaggle"):
        fetch_source(entry, tmp_path)


def test_check_reports_a_missing_file_and_exits_non_zero(served, rxrx1_entry, tmp_path):
    www, files = served
    root = tmp_path / "sources"
    with FileServer(www) as server:
        fetch_source(rxrx1_entry, root, url_map={DISTRIBUTOR: f"{server.url}/rxrx1"})
    victim = sorted(k for k in files if k.endswith(".png"))[0]
    (root / "rxrx1" / victim).unlink()
    res = CliRunner().invoke(app, ["sources", "check", str(root), "--source", "rxrx1", "--json"])
    assert res.exit_code == 1
    assert '"missing": 1' in res.output and '"complete": false' in res.output


def test_check_of_an_absent_source_says_how_to_fetch_it(tmp_path):
    (tmp_path / "rxrx1").mkdir()
    res = CliRunner().invoke(app, ["sources", "check", str(tmp_path), "--source", "bbbc022"])
    assert res.exit_code == 1 and "sources fetch bbbc022" in res.output


def test_show_prints_the_whole_entry_with_its_evidence():
    res = CliRunner().invoke(app, ["sources", "show", "rxrx1"])
    assert res.exit_code == 0
    for word in ("layout", "channels", "licence", "citation", "download"):
        assert word in res.output


def test_dry_run_asks_the_server_for_sizes_the_catalog_lacks(served, monkeypatch, tmp_path):
    www, _ = served
    source = get_source("rxrx1")
    unsized = _download(www, **{n: {"bytes": None, "sha256": None} for n in ("rxrx1-metadata.zip", "rxrx1-images.zip")})
    monkeypatch.setattr(source, "entry", source.entry.model_copy(update={"download": unsized}))
    total = sum((www / "rxrx1" / n).stat().st_size for n in ("rxrx1-metadata.zip", "rxrx1-images.zip"))
    with FileServer(www) as server:
        items = fetch_mod.plan([source.entry], ask_servers=True, url_map={DISTRIBUTOR: f"{server.url}/rxrx1"})
        assert items[0].total_bytes == total
        server.gone.add("rxrx1/rxrx1-images.zip")
        items = fetch_mod.plan([source.entry], ask_servers=True, url_map={DISTRIBUTOR: f"{server.url}/rxrx1"})
        assert items[0].total_bytes is None  # one size unknown: the total is unknown, never an undercount
    assert not (tmp_path / "rxrx1").exists()
