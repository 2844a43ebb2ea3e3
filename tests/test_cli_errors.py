"""The command line as a user meets it: every user error is one line on stderr and exit status 1 (no traceback,
no pydantic dump), `--version`, and a release built from generated demo images that says so everywhere and is
not published by accident."""

import json
import shutil

import pytest

from cytoimagenet.cli import app as cli
from cytoimagenet.errors import UserError


def run_main(monkeypatch, capsys, *args):
    monkeypatch.setattr("sys.argv", ["cytoimagenet", *args])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    return exit_info.value.code, capsys.readouterr()


def assert_one_line_error(code, out, *needles):
    lines = out.err.strip().splitlines()
    assert code == 1, out
    assert len(lines) == 1 and lines[0].startswith("error: "), out.err
    assert "Traceback" not in out.err and "pydantic" not in out.err
    for needle in needles:
        assert needle in out.err, (needle, out.err)


def test_version_prints_the_package_version(monkeypatch, capsys):
    from importlib.metadata import version

    code, out = run_main(monkeypatch, capsys, "--version")
    assert code == 0 and out.out.strip() == f"cytoimagenet {version('cytoimagenet')}"


@pytest.mark.parametrize("cmd", [["build", "--demo"], ["demo", "DIR"]], ids=["build", "demo"])
def test_a_negative_seed_is_one_line(cmd, monkeypatch, capsys, tmp_path):
    args = [str(tmp_path / "d") if a == "DIR" else a for a in cmd]
    code, out = run_main(monkeypatch, capsys, *args, "--seed", "-1", *(["--out", str(tmp_path / "o")] if cmd[0] == "build" else []))
    assert_one_line_error(code, out, "-1", "0")
    assert not (tmp_path / "d").exists() and not (tmp_path / "o").exists()


def test_demo_into_an_existing_file_is_one_line(monkeypatch, capsys, tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    for folder in (target, target / "below"):
        code, out = run_main(monkeypatch, capsys, "demo", str(folder))
        assert_one_line_error(code, out, str(target), "not a folder")
    assert target.read_text() == "mine"


def test_min_above_max_names_both_options(monkeypatch, capsys, tmp_path):
    code, out = run_main(monkeypatch, capsys, "build", "--demo", "--out", str(tmp_path / "o"),
                         "--min-per-class", "100", "--max-per-class", "10")
    assert_one_line_error(code, out, "--min-per-class", "--max-per-class", "100", "10")


def test_build_config_errors_name_the_option():
    with pytest.raises(UserError, match=r"^--seed -5: "):
        cli.build_config(seed=-5)
    with pytest.raises(UserError, match=r"^--shard-size 0: "):
        cli.build_config(shard_size=0)
    assert cli.build_config(seed=3, min_per_class=10, max_per_class=10).seed == 3


@pytest.mark.parametrize("args", [["build", "--seed", "abc"], ["build", "--nope"], ["info", "a", "b"]],
                         ids=["not-an-int", "unknown-option", "extra-argument"])
def test_parser_errors_are_one_line_too(args, monkeypatch, capsys):
    code, out = run_main(monkeypatch, capsys, *args)
    assert_one_line_error(code, out, f"cytoimagenet {args[0]} --help")


# ---------------------------------------------------------------------------------------------------------
# synthetic releases


class _Stop(UserError):
    pass


@pytest.fixture
def captured(monkeypatch):
    """build_release replaced by a spy: the config the CLI built, without a build."""
    seen = {}

    def spy(sources, out, config, **kwargs):
        seen["config"] = config
        raise _Stop("spy: stopped before building")

    monkeypatch.setattr("cytoimagenet.builder.release.build_release", spy)
    return seen


def test_the_cli_marks_demo_builds_synthetic(captured, demo_sources, monkeypatch, capsys, tmp_path):
    sources = demo_sources
    run_main(monkeypatch, capsys, "build", "--sources", str(sources), "--out", str(tmp_path / "a"))
    assert captured.pop("config").synthetic  # a tree `cytoimagenet demo` wrote carries SYNTHETIC.md
    plain = tmp_path / "plain"
    (plain / "rxrx1").mkdir(parents=True)
    run_main(monkeypatch, capsys, "build", "--sources", str(plain), "--out", str(tmp_path / "b"))
    assert not captured.pop("config").synthetic
    copied = tmp_path / "mixed"
    shutil.copytree(sources / "rxrx1", copied / "rxrx1")  # one demo folder among real sources still counts
    run_main(monkeypatch, capsys, "build", "--sources", str(copied), "--out", str(tmp_path / "c"))
    assert captured.pop("config").synthetic


@pytest.fixture(scope="module")
def synthetic_release(demo_sources, tmp_path_factory):
    from cytoimagenet.builder.release import build_release
    from spine_config import CONFIG

    out = tmp_path_factory.mktemp("synthetic") / "cytoimagenet"
    # a plain config: build_release itself finds the markers `cytoimagenet demo` wrote, as a script calling it would
    assert not CONFIG.synthetic
    build_release(demo_sources, out, CONFIG, only=["rxrx1"])
    return out


def test_a_synthetic_release_says_so_and_cites_no_source(synthetic_release):
    from cytoimagenet.catalog.registry import get_source
    from cytoimagenet.validation.release import validate_release
    from cytoimagenet.format import Manifest

    entry = get_source("rxrx1").entry
    manifest_text = (synthetic_release / "manifest.json").read_text()
    card = (synthetic_release / "README.md").read_text()
    croissant = json.loads((synthetic_release / "croissant.json").read_text())
    manifest = Manifest.model_validate_json(manifest_text)
    assert manifest.synthetic and manifest.imitates == ["rxrx1"] and manifest.catalog == []
    assert "Synthetic demo release" in card and "synthetic images in the native layouts of `rxrx1`" in card
    assert croissant["description"].startswith("SYNTHETIC DEMO RELEASE") and croissant["isBasedOn"] == []
    assert "synthetic" in croissant["license"].lower()
    for text in (manifest_text, card, json.dumps(croissant)):
        assert entry.citation not in text and entry.homepage not in text
    assert validate_release(synthetic_release) == []


def test_publish_refuses_a_synthetic_release_unless_asked(synthetic_release, monkeypatch, capsys):
    code, out = run_main(monkeypatch, capsys, "publish", str(synthetic_release), "--repo", "org/name", "--dry-run")
    assert_one_line_error(code, out, "synthetic", "--allow-synthetic")
    code, out = run_main(monkeypatch, capsys, "publish", str(synthetic_release), "--repo", "org/name", "--dry-run",
                         "--allow-synthetic")
    assert code == 0 and "dry run: would upload" in out.out


def test_info_says_a_release_is_synthetic(synthetic_release, monkeypatch, capsys):
    code, out = run_main(monkeypatch, capsys, "info", str(synthetic_release))
    assert code == 0 and "synthetic demo release" in out.out
