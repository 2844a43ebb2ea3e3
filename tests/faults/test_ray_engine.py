"""The Ray engine runs the same shard tasks as the local process pool: same plan, same bytes."""

import json
import sys
from pathlib import Path

import pytest

from cytoimagenet.builder.release import build_release
from cytoimagenet.errors import UserError

from spine_config import CONFIG


def test_ray_engine_gives_the_local_engines_release(sources, release, tmp_path):
    pytest.importorskip("ray")
    out = tmp_path / "cytoimagenet"
    seen = []
    report = build_release(sources, out, CONFIG, workers=2, engine="ray", only=["bbbc021", "rxrx1"],
                           progress=lambda stage, done, total: seen.append((stage, done, total)))
    # a real local instance of 2 CPUs, started and shut down by the build
    import ray

    assert not ray.is_initialized()
    assert (out / "manifest.json").read_bytes() == (release / "manifest.json").read_bytes()
    for rel in ("metadata/metadata.parquet", "metadata/quarantine.parquet", "README.md"):
        assert (out / rel).read_bytes() == (release / rel).read_bytes(), rel
    # results streamed back one by one through the same progress callback
    shard_steps = [done for stage, done, total in seen if stage == "shards"]
    assert shard_steps == list(range(0, report.shards + 1))
    # and the sidecars that let the next build resume were written as for the local engine
    sidecars = [json.loads(p.read_text()) for p in (tmp_path / ".cytoimagenet.work" / "shards").glob("*.json")]
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted((s["name"], s["sha256"]) for s in sidecars) == sorted(
        (Path(s["path"]).stem, s["sha256"]) for s in manifest["shards"])


def test_ray_engine_without_ray_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` does when it is not installed
    with pytest.raises(UserError, match=r"pip install 'cytoimagenet\[ray\]'"):
        build_release(tmp_path, tmp_path / "o", CONFIG, engine="ray")
    assert not (tmp_path / ".o.work").exists()  # refused before any work


@pytest.mark.parametrize("engine, address, message", [
    ("spark", None, "unknown engine 'spark'"),
    ("local", "10.0.0.1:6379", "needs --engine ray"),
])
def test_engine_options_are_checked_before_any_work(tmp_path, engine, address, message):
    with pytest.raises(UserError, match=message):
        build_release(tmp_path, tmp_path / "o", CONFIG, engine=engine, address=address)
    assert not (tmp_path / ".o.work").exists()


@pytest.mark.parametrize("args, message", [
    (["--engine", "spark"], "unknown engine 'spark'"),
    (["--address", "10.0.0.1:6379"], "needs --engine ray"),
])
def test_cli_engine_errors_are_one_line_and_cost_nothing(monkeypatch, capsys, args, message):
    from cytoimagenet.cli.app import main

    # --demo would generate sources first: the check comes before it
    monkeypatch.setattr("sys.argv", ["cytoimagenet", "build", "--demo", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    err = capsys.readouterr().err
    assert exit_info.value.code == 1 and message in err and "Traceback" not in err
