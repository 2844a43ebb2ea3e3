"""Reading a release back when it is damaged or hostile: label ids outside the label list, a card that sends
`datasets` outside the release, garbled manifest or metadata, a truncated shard.

Each plant starts from a copy of one small release built here. Where a plant rewrites a shard, the manifest is
re-signed (sha256, bytes) so the check under test, not the checksum, must catch it."""

import hashlib
import io
import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest
import yaml

from cytoimagenet.builder.release import build_release
from cytoimagenet.errors import UserError
from cytoimagenet.validation.release import card_path_problems, validate_release
from cytoimagenet.format import BuildConfig

from faults_fixtures import clean_source


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("readback_src")
    clean_source(root, rows=12, compounds=("taxol", "emetine"), shape=(24, 32))
    out = tmp_path_factory.mktemp("readback_rel") / "cytoimagenet"
    report = build_release(root, out, BuildConfig(seed=0, min_per_class=5, max_per_class=6, shard_size=4),
                           only=["bbbc021"])
    assert report.labels == 2 and validate_release(out) == []
    return out


@pytest.fixture
def release(built, tmp_path):
    out = tmp_path / "cytoimagenet"
    shutil.copytree(built, out)
    return out


def manifest_of(release: Path) -> dict:
    return json.loads((release / "manifest.json").read_text())


def train_shard(release: Path) -> Path:
    return release / next(s["path"] for s in manifest_of(release)["shards"] if s["split"] == "train")


def set_first_cls(release: Path, value: int) -> tuple[str, str]:
    """Give the first sample of the first train shard the label id `value`; re-sign. (shard name, key)"""
    shard = train_shard(release)
    with tarfile.open(shard) as tf:
        members = [(m, tf.extractfile(m).read()) for m in tf.getmembers()]
    key = members[0][0].name.split(".")[0]
    with tarfile.open(shard, "w", format=tarfile.PAX_FORMAT) as tf:
        for info, data in members:
            if info.name == f"{key}.cls":
                data = str(value).encode()
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    manifest = manifest_of(release)
    for entry in manifest["shards"]:
        if entry["path"] == f"data/{shard.name}":
            entry["sha256"] = hashlib.sha256(shard.read_bytes()).hexdigest()
            entry["bytes"] = shard.stat().st_size
    (release / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return shard.name, key


def one_line(text: str) -> bool:
    return len(text.strip().splitlines()) == 1 and "Traceback" not in text and "errors.pydantic.dev" not in text


# ---------------------------------------------------------------------------------------------------------
# label ids


@pytest.mark.parametrize("value", [-1, 2, 10**12])
def test_a_label_id_outside_the_labels_is_refused_by_stream_and_reported_by_validate(release, value):
    from cytoimagenet.loaders import stream

    shard, key = set_first_cls(release, value)
    s = stream(release, "train", batch_size=2, image_size=16, rotate=False, shuffle=False)
    with pytest.raises(UserError) as err:
        list(s)
    message = str(err.value)
    assert shard in message and repr(key) in message and f"cls {value}" in message and one_line(message)
    problems = validate_release(release)
    assert any(shard in p and repr(key) in p and f"label id {value} out of range" in p for p in problems), problems


def test_in_range_label_ids_stream(release):
    from cytoimagenet.loaders import stream

    batches = list(stream(release, "train", batch_size=2, image_size=16, rotate=False, shuffle=False))
    labels = [int(v) for _, b in batches for v in b]
    assert labels and set(labels) <= {0, 1}


# ---------------------------------------------------------------------------------------------------------
# card data_files


def rewrite_card(release: Path, edit) -> None:
    card = release / "README.md"
    text = card.read_text()
    end = text.find("\n---", 4)
    meta = yaml.safe_load(text[4:end])
    edit(meta)
    card.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False) + text[end + 1:])


def point_train_at(pattern):
    def edit(meta):
        for entry in meta["configs"][0]["data_files"]:
            if entry["split"] == "train":
                entry["path"] = pattern
    return edit


OUTSIDE = {
    "parent": "../outside/train-*.tar",
    "nested-parent": "data/../../outside/train-000000.tar",
    "absolute": "/tmp/outside/train-*.tar",
    "url": "https://example.org/evil/train-000000.tar",
    "hf-url": "hf://datasets/someone/else/data/train-*.tar",
    "list-with-one-outside": ["data/train-*.tar", "../outside/x.tar"],
}


@pytest.mark.parametrize("pattern", OUTSIDE.values(), ids=OUTSIDE.keys())
def test_a_card_pointing_outside_the_release_fails_validate_and_load(release, pattern):
    from cytoimagenet.loaders import load

    rewrite_card(release, point_train_at(pattern))
    problems = validate_release(release)
    assert any("README.md" in p and "data_files" in p for p in problems), problems
    with pytest.raises(UserError, match="data_files"):
        load(release)


def test_a_data_dir_through_a_symlink_out_of_the_release_is_refused(release, tmp_path):
    from cytoimagenet.loaders import load

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (release / "linked").symlink_to(outside, target_is_directory=True)
    rewrite_card(release, point_train_at("linked/train-*.tar"))
    assert any("outside" in p and "data_files" in p for p in validate_release(release))
    with pytest.raises(UserError, match="outside"):
        load(release)


def test_the_builders_own_card_stays_inside(release):
    text = (release / "README.md").read_text()
    meta = yaml.safe_load(text[4:text.find("\n---", 4)])
    assert card_path_problems(release, meta) == []
    assert card_path_problems(release, {"configs": [{"data_files": "data/*.tar", "data_dir": "data"}]}) == []


# ---------------------------------------------------------------------------------------------------------
# garbled manifest / metadata, truncated shard: through the CLI's main(), as a user runs it


def run_main(monkeypatch, capsys, *args):
    from cytoimagenet.cli.app import main

    monkeypatch.setattr("sys.argv", ["cytoimagenet", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    return exit_info.value.code, capsys.readouterr()


GARBLED_MANIFESTS = {
    "cut-json": lambda text: text[: len(text) // 2],
    "binary": lambda text: os.urandom(64),
    "wrong-schema": lambda text: json.dumps({"name": 3, "shards": "all"}),
    "bad-field": lambda text: text.replace('"sha256": "', '"sha256": "zz', 1),
}


@pytest.mark.parametrize("garble", GARBLED_MANIFESTS.values(), ids=GARBLED_MANIFESTS.keys())
def test_info_and_stream_on_a_garbled_manifest_give_one_line(release, garble, monkeypatch, capsys):
    from cytoimagenet.loaders import stream

    path = release / "manifest.json"
    garbled = garble(path.read_text(encoding="utf-8"))
    path.write_bytes(garbled if isinstance(garbled, bytes) else garbled.encode("utf-8"))
    code, out = run_main(monkeypatch, capsys, "info", str(release))
    assert code == 1 and str(path) in out.err and "rebuild" in out.err and one_line(out.err), out.err
    with pytest.raises(UserError) as err:
        stream(release, "train")
    assert str(path) in str(err.value) and one_line(str(err.value))
    assert any(str(path) in p for p in validate_release(release))


@pytest.mark.parametrize("args", [[], ["--label", "taxol"], ["--json"]], ids=["summary", "query", "json"])
def test_info_on_a_garbled_metadata_table_gives_one_line(release, args, monkeypatch, capsys):
    path = release / "metadata" / "metadata.parquet"
    path.write_bytes(path.read_bytes()[:100])
    code, out = run_main(monkeypatch, capsys, "info", str(release), *args)
    assert code == 1 and str(path) in out.err and one_line(out.err), out.err
    assert any(str(path) in p for p in validate_release(release))


def test_info_reports_a_truncated_shard_from_its_size_alone(release, monkeypatch, capsys):
    from cytoimagenet.validation import release as validation

    shard = train_shard(release)
    os.truncate(shard, shard.stat().st_size - 512)

    def forbidden(*a, **k):
        raise AssertionError("info read a shard's content; a stat is enough")

    monkeypatch.setattr(validation, "sha256_file", forbidden)
    monkeypatch.setattr(validation, "iter_samples", forbidden)
    code, out = run_main(monkeypatch, capsys, "info", str(release))
    assert code == 1 and f"data/{shard.name}: truncated" in out.err and "validate" in out.err, out.err
    code, out = run_main(monkeypatch, capsys, "info", str(release), "--json")
    assert code == 1 and any(shard.name in p for p in json.loads(out.out)["problems"])


def test_info_on_an_intact_release_has_no_problems(release, monkeypatch, capsys):
    code, out = run_main(monkeypatch, capsys, "info", str(release), "--json")
    assert code == 0 and json.loads(out.out)["problems"] == [] and out.err == ""
