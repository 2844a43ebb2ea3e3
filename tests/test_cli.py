import json
import shutil

import pytest
from typer.testing import CliRunner

from cytoimagenet.cli.app import app, main

runner = CliRunner()
COMMANDS = [[], ["demo"], ["build"], ["validate"], ["info"], ["schema"], ["sources"], ["sources", "list"], ["evaluate"], ["publish"], ["pretrain"]]


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "root")
def test_every_command_has_help(cmd):
    result = runner.invoke(app, cmd + ["--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def run_main(monkeypatch, capsys, *args):
    monkeypatch.setattr("sys.argv", ["cytoimagenet", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    return exit_info.value.code, capsys.readouterr()


def test_user_error_is_one_line_without_traceback(monkeypatch, capsys):
    code, out = run_main(monkeypatch, capsys, "build")
    assert code == 1
    assert "error:" in out.err and "Traceback" not in out.err and "--demo" in out.err


def test_unknown_source_folder_is_named(monkeypatch, capsys, tmp_path):
    (tmp_path / "src" / "not_a_source").mkdir(parents=True)
    code, out = run_main(monkeypatch, capsys, "build", "--sources", str(tmp_path / "src"), "--out", str(tmp_path / "o"))
    assert code == 1 and "not_a_source" in out.err and "not a catalog source" in out.err


def test_schema_prints_the_record_json_schema():
    result = runner.invoke(app, ["schema"])
    schema = json.loads(result.output)
    assert {"label", "category", "source_files", "channels", "bit_depth", "split", "x_min"} <= set(schema["properties"])


def test_validate_and_info_on_a_release(release, tmp_path):
    result = runner.invoke(app, ["validate", str(release)])
    assert result.exit_code == 0, result.output
    info = runner.invoke(app, ["info", str(release), "--json"])
    summary = json.loads(info.output)
    assert summary["classes"] >= 5 and set(summary["sources"]) == {"bbbc021", "rxrx1"}
    # the 224 px copies are counted apart from the canonical shards
    manifest = json.loads((release / "manifest.json").read_text())
    assert summary["shards"] == len(manifest["shards"])
    assert summary["training_shards"] == {"224": {"shards": len(manifest["training_shards"]),
                                                  "bytes": sum(e["bytes"] for e in manifest["training_shards"])}}
    assert "training-size copy data/224/" in runner.invoke(app, ["info", str(release)]).output

    broken = tmp_path / "broken"
    shutil.copytree(release, broken)
    (broken / "data" / "train-000099.tar").write_bytes(b"")
    result = runner.invoke(app, ["validate", str(broken)])
    assert result.exit_code == 1 and "train-000099.tar: not in manifest.json" in result.output


def test_sources_list_shows_the_catalog():
    result = runner.invoke(app, ["sources", "list", "--json"])
    ids = {e["id"] for e in json.loads(result.output)}
    assert {"bbbc021", "rxrx1"} <= ids


def test_info_lists_the_samples_of_a_label(release):
    import pandas as pd

    md = pd.read_parquet(release / "metadata" / "metadata.parquet")
    label = md["label"].iloc[0]
    result = runner.invoke(app, ["info", str(release), "--label", label.upper(), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == (md["label"] == label).sum() and {r["label"] for r in rows} == {label}
    result = runner.invoke(app, ["info", str(release), "--source", "rxrx1", "--split", "validation", "--json"])
    rows = json.loads(result.output)
    assert rows and all(r["source_id"] == "rxrx1" and r["split"] == "validation" for r in rows)
