"""Publishing end to end: the real huggingface_hub client against the local Hub in hub_server.py."""

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from publish_fixtures import ORG, TOKEN, hub, release_a, release_b  # noqa: F401 (fixtures)

from cytoimagenet.validation.publish import ReleaseRefused, publish, release_files
from cytoimagenet.errors import UserError
from cytoimagenet.format import Manifest

REPO = f"{ORG}/cytoimagenet"


def _manifest(release: Path) -> Manifest:
    return Manifest.model_validate_json((release / "manifest.json").read_text())


def _local(release: Path) -> dict[str, bytes]:
    return {f.path: f.source.read_bytes() for f in release_files(release, _manifest(release))}


def _released(hub, rev: str) -> dict[str, bytes]:
    """The repo's files at `rev`, less what the Hub put there itself."""
    return {p: b for p, b in hub.state.files(REPO, rev).items() if p != ".gitattributes"}


def test_dry_run_lists_everything_and_touches_no_network(release_a, hub):
    report = publish(release_a, REPO, dry_run=True)
    assert hub.state.log == []
    assert report.dry_run and report.commit is None and report.delete == []
    assert report.upload == sorted(_local(release_a))
    assert report.load_line == f'load_dataset("{REPO}", revision="v{_manifest(release_a).version}")'


def test_publish_uploads_tags_and_replaces_the_previous_release(release_a, release_b, hub):
    hub.state.page_size = 4  # the remote listing comes in pages: stale files on any page must be found
    first = publish(release_a, REPO)
    tag_a = f"v{_manifest(release_a).version}"
    repo = hub.state.repos[("dataset", REPO)]
    assert not repo.private
    assert first.tag == tag_a and repo.tags[tag_a] == repo.branches["main"] == first.commit
    assert _released(hub, tag_a) == _local(release_a)  # byte-identical, nothing more
    shards = [p for p in _local(release_a) if p.startswith("data/")]
    # shards and parquet went through LFS, the card as a regular file
    tree = repo.resolve("main").tree
    assert all(tree[p].lfs_oid for p in shards + ["metadata/metadata.parquet", "figures/montage.png"])
    assert tree["README.md"].lfs_oid is None

    # the same release again: nothing to send, no new commit, the tag stays
    n_commits = len(repo.commits)
    again = publish(release_a, REPO)
    assert again.upload == [] and again.delete == [] and len(again.unchanged) == len(_local(release_a))
    assert len(repo.commits) == n_commits and again.commit == first.commit

    # the next release: one commit, stale shards of the previous one gone, the old tag still names the old files
    puts_before = len(hub.state.requests("PUT", "^/lfs-upload/"))
    second = publish(release_b, REPO)
    tag_b = f"v{_manifest(release_b).version}"
    stale = sorted(set(_local(release_a)) - set(_local(release_b)))
    assert any(p.startswith("data/") for p in stale)
    assert second.delete == stale
    assert _released(hub, "main") == _local(release_b)
    assert repo.tags[tag_b] == repo.branches["main"] == second.commit
    assert _released(hub, tag_a) == _local(release_a)
    assert len(repo.commits) == n_commits + 1
    # only what changed was sent
    assert len(hub.state.requests("PUT", "^/lfs-upload/")) - puts_before <= len(second.upload)


def test_the_printed_line_loads_from_the_hub(release_a, hub, tmp_path):
    """The CLI in a fresh process configured only by the environment (HF_ENDPOINT, HF_TOKEN, HF_HUB_DISABLE_XET),
    as a user's would be; then the load_dataset line it printed, run as printed."""
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")}
    env.update(HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN, HF_HUB_DISABLE_XET="1", HF_HOME=str(tmp_path / "hf"),
               COLUMNS="200")
    code = (
        "import contextlib, io, json, sys\n"
        "from cytoimagenet.cli.publish import app\n"
        "printed = io.StringIO()\n"
        "with contextlib.redirect_stdout(printed):\n"
        "    app(sys.argv[1:], standalone_mode=False)\n"
        "print(printed.getvalue())\n"
        "line = next(x for x in printed.getvalue().splitlines() if x.startswith('ds = load_dataset('))\n"
        "from datasets import load_dataset\n"
        "exec(line)\n"
        "print(json.dumps({s: len(d) for s, d in ds.items()}))\n"
        "print(ds['train'].features['png'].mode, type(ds['train'][0]['json']).__name__)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(release_a), "--repo", REPO], env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert TOKEN not in result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert f'ds = load_dataset("{REPO}", revision="v{_manifest(release_a).version}")' in lines
    assert json.loads(lines[-2]) == _manifest(release_a).splits
    assert lines[-1] == "L dict"


def _puts(log) -> list[str]:
    return [r["path"] for r in log if r["method"] == "PUT" and r["path"].startswith("/lfs-upload/")]


def test_interrupted_upload_resumes_without_resending(release_a, hub):
    # the third LFS object fails for good (a status the client does not retry): the run stops before committing
    hub.state.fail("PUT", "^/lfs-upload/", status=507, times=1, after=2)
    with pytest.raises(UserError, match="re-run the same command to resume"):
        publish(release_a, REPO)
    repo = hub.state.repos[("dataset", REPO)]
    assert len(repo.commits) == 1 and not repo.tags  # only the repo's initial commit
    first = _puts(hub.state.log)
    failed = first[2]  # the server logs a request before answering it, so the injected failure is in the log
    arrived = set(first) - {failed}
    n = len(hub.state.log)

    report = publish(release_a, REPO)
    again = _puts(hub.state.log[n:])
    assert failed in again and not set(again) & arrived
    assert _released(hub, report.tag) == _local(release_a)


def test_failed_commit_resumes_with_no_upload(release_a, hub):
    hub.state.fail("POST", r"/commit/", status=500, times=1)
    with pytest.raises(UserError, match=r"HTTP 500.*re-run"):
        publish(release_a, REPO)
    n = len(hub.state.log)
    report = publish(release_a, REPO)
    assert not [r for r in hub.state.log[n:] if r["method"] == "PUT"]  # every object was already there
    assert _released(hub, report.tag) == _local(release_a)


def test_a_branch_and_a_private_repo(release_a, hub):
    report = publish(release_a, REPO, revision="candidate", private=True)
    repo = hub.state.repos[("dataset", REPO)]
    assert repo.private
    assert set(repo.branches) == {"main", "candidate"}
    assert repo.tags[report.tag] == repo.branches["candidate"] == report.commit
    assert set(repo.resolve("main").tree) == {".gitattributes"}
    assert _released(hub, "candidate") == _local(release_a)


def test_invalid_release_is_refused_before_any_request(release_a, hub, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(release_a, broken)
    shard = broken / _manifest(broken).shards[0].path
    data = bytearray(shard.read_bytes())
    data[600] ^= 0xFF
    shard.write_bytes(bytes(data))
    with pytest.raises(ReleaseRefused, match="does not validate.*sha256") as info:
        publish(broken, REPO)
    assert info.value.problems and hub.state.log == []
    with pytest.raises(ReleaseRefused):
        publish(broken, REPO, dry_run=True)


@pytest.mark.parametrize("repo_id", ["cytoimagenet", "a/b/c", "org/", "/name", "org/na me"])
def test_bad_repo_ids_are_user_errors(release_a, repo_id):
    with pytest.raises(UserError, match="ORG/NAME"):
        publish(release_a, repo_id, dry_run=True)


def test_missing_token_is_a_user_error(release_a, hub, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")
    with pytest.raises(UserError, match="HF_TOKEN"):
        publish(release_a, REPO)
    assert hub.state.log == []


def test_a_token_without_rights_says_so(release_a, hub):
    with pytest.raises(UserError, match=r"HTTP 403.*may write to other-org") as info:
        publish(release_a, "other-org/cytoimagenet")
    assert TOKEN not in str(info.value)
    with pytest.raises(UserError, match=r"HTTP 401.*HF_TOKEN") as info:
        publish(release_a, REPO, token="hf_not_the_right_one")
    assert "hf_not_the_right_one" not in str(info.value)


def test_token_never_printed_or_logged(release_a, release_b, hub, caplog, capsys):
    from typer.testing import CliRunner

    from cytoimagenet.cli.publish import app

    caplog.set_level(logging.DEBUG)  # every logger, the client's included
    for name in ("huggingface_hub", "cytoimagenet", "httpx", "httpx2", "httpcore", "httpcore2"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    runner = CliRunner()
    seen = []
    result = runner.invoke(app, [str(release_a), "--repo", REPO])
    assert result.exit_code == 0, result.output
    seen.append(result.output)
    hub.state.fail("PUT", "^/lfs-upload/", status=507, times=1)
    result = runner.invoke(app, [str(release_b), "--repo", REPO])
    assert result.exit_code != 0 and isinstance(result.exception, UserError)
    seen += [result.output, str(result.exception)]
    result = runner.invoke(app, [str(release_b), "--repo", REPO, "--dry-run"])
    seen.append(result.output)
    out, err = capsys.readouterr()
    seen += [out, err, caplog.text]
    assert any(r.name.startswith("huggingface_hub") or r.name.startswith("cytoimagenet") for r in caplog.records)
    # the requests did carry it: the check is meaningful
    assert any(r["headers"].get("authorization") == f"Bearer {TOKEN}" for r in hub.state.log)
    for text in seen:
        assert TOKEN not in text
        assert TOKEN[8:] not in text  # nor a recognisable part of it
