"""Publish a release folder to a Hugging Face dataset repo, as one commit tagged `v{version}`.

What goes up: the card (README.md), manifest.json, croissant.json, metadata/*.parquet, data/*.tar and
data/N/*.tar (the shards and training-size shards the manifest lists) and figures/*. The repo's `data/`, `metadata/` and `figures/` folders, and the top-level
release files, belong to the release: anything there that this release does not have (the shards of the previous
release, say) is deleted in the same commit, so every commit of the repo is one complete release and the
`v{version}` tag names it. Other files (.gitattributes, anything a maintainer added) are left alone.

Resuming: the plan compares each local file with the remote tree of the target branch (LFS files by sha256,
regular files by git blob id) and sends only what differs. Content uploads (LFS, or Xet when hf_xet is
installed) happen before the commit; the Hub keeps uploaded objects even when the commit never comes, and the
client asks the LFS batch endpoint (or Xet's dedup) before sending, so re-running after an interruption sends
only the objects that had not arrived, then makes the commit and the tag. Re-running after a complete publish
changes nothing.

The token comes from `token=` or huggingface_hub's usual sources (HF_TOKEN, the cached `hf auth login` token),
and the Hub endpoint from HF_ENDPOINT. Neither this module nor its report ever prints or logs the token; error
messages from the client are scrubbed of it before they are raised."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from cytoimagenet.errors import UserError
from cytoimagenet.io import sha256_file

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (stage, done, total), as the builder's

REPO_TYPE = "dataset"
MANAGED_DIRS = ("data", "metadata", "figures")
MANAGED_FILES = ("README.md", "LICENSE.md", "manifest.json", "croissant.json")
REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
# Bytes per preupload round: small enough for a progress bar that moves, large enough to keep requests few.
UPLOAD_ROUND_BYTES = 512 * 1024 * 1024
UPLOAD_ROUND_FILES = 64


class ReleaseRefused(UserError):
    def __init__(self, release: Path, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"{release} does not validate ({len(problems)} problem(s); first: {problems[0]}); "
            f"run `cytoimagenet validate {release}` to list them, fix or rebuild, then publish"
        )


@dataclass(frozen=True)
class LocalFile:
    path: str  # in the repo, posix
    source: Path
    size: int
    sha256: str


@dataclass
class PublishReport:
    repo_id: str
    revision: str
    version: str
    tag: str
    upload: list[str]  # files sent (or, on a dry run, that would be sent)
    delete: list[str]  # stale remote files removed (a dry run cannot know them: empty)
    unchanged: list[str] = field(default_factory=list)  # already on the remote with the same content
    commit: Optional[str] = None
    url: str = ""
    dry_run: bool = False
    upload_bytes: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def load_line(self) -> str:
        return f'load_dataset("{self.repo_id}", revision="{self.tag}")'


def refuse_synthetic(release: Path, allow_synthetic: bool) -> None:
    """Before the (long) validation: a demo release is generated images, and published it would pass for data."""
    from cytoimagenet.validation.release import read_manifest

    if allow_synthetic or not (Path(release) / "manifest.json").is_file():
        return  # a missing manifest is validation's to report
    try:
        manifest = read_manifest(release)
    except UserError:
        return  # likewise a garbled one
    if manifest.synthetic:
        raise UserError(f"{release} is a synthetic demo release (generated images in the native layouts of "
                        f"{', '.join(manifest.imitates) or 'the demo sources'}, not their data); refusing to publish "
                        "it: pass --allow-synthetic to publish it anyway (e.g. to a test repo)")


def refuse_noderivatives(release: Path) -> None:
    """Every image of a release is a derivative (merged, normalised, cropped): material whose licence forbids
    derivatives may sit in a private build, never on the Hub. Checked from the manifest's catalog entries."""
    from cytoimagenet.catalog.licences import LICENCES
    from cytoimagenet.validation.release import read_manifest

    if not (Path(release) / "manifest.json").is_file():
        return
    try:
        manifest = read_manifest(release)
    except UserError:
        return
    nd = sorted(f"{e.get('id')} ({e.get('licence')})" for e in manifest.catalog
                if e.get("licence") in LICENCES and LICENCES[e["licence"]].noderivatives)
    if nd:
        raise UserError(f"{release} holds material whose licence forbids derivatives: {', '.join(nd)}; its images "
                        "are derivatives, so it may not be published: rebuild without those sources (the default "
                        "licence policy leaves them out)")


def release_files(release: Path, manifest) -> list[LocalFile]:
    """The files of a release that go to the Hub, sorted by repo path. Shards take their sha256 from the
    (already validated) manifest; the few small files are hashed here."""
    release = Path(release)
    shards = [*manifest.shards, *manifest.training_shards]  # the card's train-N configs name data/N/
    shard_sha = {s.path: s.sha256 for s in shards}
    paths = [p for p in MANAGED_FILES if (release / p).is_file()]
    paths += sorted(s.path for s in shards)
    for folder in ("metadata", "figures"):
        if (release / folder).is_dir():
            paths += sorted(f"{folder}/{p.name}" for p in (release / folder).iterdir()
                            if p.is_file() and not p.name.startswith("."))
    files = []
    for p in sorted(paths):
        src = release / p
        files.append(LocalFile(p, src, src.stat().st_size, shard_sha.get(p) or sha256_file(src)))
    return files


def _git_blob_id(path: Path) -> str:
    digest = hashlib.sha1(b"blob %d\0" % path.stat().st_size)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _same(remote, local: LocalFile) -> bool:
    if remote is None or remote.size != local.size:
        return False
    if remote.lfs is not None:
        return remote.lfs.sha256 == local.sha256
    return remote.blob_id == _git_blob_id(local.source)


def plan(files: list[LocalFile], remote: dict) -> tuple[list[LocalFile], list[str], list[str]]:
    """(files to upload, remote paths to delete, paths unchanged) given the remote tree {path: RepoFile}."""
    local = {f.path for f in files}
    upload = [f for f in files if not _same(remote.get(f.path), f)]
    sent = {f.path for f in upload}
    unchanged = [f.path for f in files if f.path not in sent]
    stale = sorted(p for p in remote if p not in local and (p.split("/", 1)[0] in MANAGED_DIRS and "/" in p
                                                            or p in MANAGED_FILES))
    return upload, stale, unchanged


class _Scrub:
    """Keeps a secret out of messages."""

    def __init__(self, secret: Optional[str]):
        self.secret = secret

    def __call__(self, text: str) -> str:
        return text.replace(self.secret, "***") if self.secret else text


def _resolve_token(token: Optional[str]) -> str:
    from huggingface_hub import get_token

    token = token or get_token()
    if not token:
        raise UserError("no Hugging Face token: set HF_TOKEN or run `hf auth login` (a token with write access "
                        "to the target namespace)")
    return token


def publish(
    release_dir: Path,
    repo_id: str,
    revision: Optional[str] = None,
    private: bool = False,
    dry_run: bool = False,
    token: Optional[str] = None,
    progress: Optional[Progress] = None,
    allow_synthetic: bool = False,
) -> PublishReport:
    """Validate the release in `release_dir`, then make the dataset repo `repo_id` (branch `revision`, default
    main) hold exactly this release in one commit tagged `v{version}`. `dry_run` plans without any network.
    A synthetic (demo) release is refused unless `allow_synthetic`: on the Hub it would pass for microscopy data."""
    from cytoimagenet.validation.release import read_manifest, validate_release

    progress = progress or (lambda stage, done, total: None)
    release_dir = Path(release_dir)
    if not REPO_ID.match(repo_id or ""):
        raise UserError(f"--repo {repo_id!r}: expected ORG/NAME (a Hub namespace and a dataset name)")
    branch = revision or "main"
    refuse_synthetic(release_dir, allow_synthetic)
    refuse_noderivatives(release_dir)
    problems = validate_release(release_dir, progress=progress)
    if problems:
        raise ReleaseRefused(release_dir, problems)
    manifest = read_manifest(release_dir)
    files = release_files(release_dir, manifest)
    tag = f"v{manifest.version}"

    if dry_run:
        return PublishReport(
            repo_id=repo_id, revision=branch, version=manifest.version, tag=tag, upload=[f.path for f in files],
            delete=[], dry_run=True, upload_bytes=sum(f.size for f in files),
            notes=["dry run: no network, so every file is listed; a real run skips files already on the remote "
                   f"and deletes files under {', '.join(d + '/' for d in MANAGED_DIRS)} that this release lacks"],
        )

    token = _resolve_token(token)
    scrub = _Scrub(token)
    try:
        return _publish(release_dir, manifest, files, repo_id, branch, private, token, tag, progress)
    except UserError as exc:
        raise UserError(scrub(str(exc))) from None
    except Exception as exc:  # the client raises many types; all mean "the Hub did not take it"
        from huggingface_hub.errors import HfHubHTTPError

        detail = str(exc).strip().splitlines()
        http = exc if isinstance(exc, HfHubHTTPError) else exc.__cause__  # upload errors wrap the HTTP error
        if http is not exc and http is not None and str(http).strip():
            detail.append(str(http).strip().splitlines()[0])
        message = " ".join(line.strip() for line in detail if line.strip())[:600]
        response = http.response if isinstance(http, HfHubHTTPError) else None
        code = response.status_code if response is not None else None
        if code in (401, 403):
            hint = (f"check that your token (HF_TOKEN or `hf auth login`) may write to {repo_id.split('/')[0]}, "
                    "then re-run")
        else:
            hint = "re-run the same command to resume (files already uploaded are not sent again)"
        raise UserError(scrub(
            f"publishing {release_dir} to {repo_id} failed{f' (HTTP {code})' if code else ''}: "
            f"{type(exc).__name__}: {message}; {hint}"
        )) from None


def _publish(release_dir: Path, manifest, files: list[LocalFile], repo_id: str, branch: str, private: bool,
             token: str, tag: str, progress: Progress) -> PublishReport:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi
    from huggingface_hub.errors import RevisionNotFoundError
    from huggingface_hub.hf_api import RepoFile

    from cytoimagenet import __version__ as ours

    api = HfApi(token=token, library_name="cytoimagenet", library_version=ours)
    notes: list[str] = []
    repo_url = api.create_repo(repo_id, repo_type=REPO_TYPE, private=private, exist_ok=True)
    if private:
        info = api.dataset_info(repo_id)
        if not info.private:
            notes.append(f"{repo_id} already exists and is public; --private does not change an existing repo")
    if branch != "main":
        api.create_branch(repo_id, branch=branch, repo_type=REPO_TYPE, exist_ok=True)
    try:
        head = api.dataset_info(repo_id, revision=branch).sha
    except RevisionNotFoundError:
        raise UserError(f"{repo_id} has no branch {branch!r}") from None
    remote = {f.path: f for f in api.list_repo_tree(repo_id, repo_type=REPO_TYPE, revision=head, recursive=True)
              if isinstance(f, RepoFile)}
    upload, stale, unchanged = plan(files, remote)
    total = sum(f.size for f in upload)
    log.info("publishing %s to %s@%s: %d file(s) to upload (%d bytes), %d to delete, %d unchanged",
             release_dir, repo_id, branch, len(upload), total, len(stale), len(unchanged))

    commit = head
    if upload or stale:
        adds = []
        for f in upload:
            op = CommitOperationAdd(path_in_repo=f.path, path_or_fileobj=str(f.source))
            op.upload_info.sha256 = bytes.fromhex(f.sha256)  # known already: no second read of every shard
            adds.append(op)
        # Content first, in rounds so the progress bar moves; the commit comes only once every object is on the Hub.
        done = 0
        progress("upload", 0, total)
        for batch in _rounds(adds):
            api.preupload_lfs_files(repo_id, additions=batch, repo_type=REPO_TYPE, revision=branch,
                                    free_memory=False)
            done += sum(op.upload_info.size for op in batch)
            progress("upload", done, total)
        deletes = [CommitOperationDelete(path_in_repo=p) for p in stale]
        info = api.create_commit(
            repo_id, operations=adds + deletes, repo_type=REPO_TYPE, revision=branch, parent_commit=head,
            commit_message=f"{manifest.name} {manifest.version}",
            commit_description=(f"Release {manifest.release_id}: {sum(manifest.splits.values())} samples, "
                                f"{len(manifest.labels)} classes, {len(manifest.shards)} shards."),
        )
        commit = info.oid

    refs = api.list_repo_refs(repo_id, repo_type=REPO_TYPE)
    existing = {t.name: t.target_commit for t in refs.tags}
    if tag not in existing:
        api.create_tag(repo_id, tag=tag, revision=commit, repo_type=REPO_TYPE,
                       tag_message=f"{manifest.name} {manifest.version} ({manifest.release_id[:12]})")
    elif existing[tag] != commit:
        # the version derives from the content, so the tagged commit holds these very shards and metadata
        notes.append(f"tag {tag} already exists (at {existing[tag][:12]}); left as is")

    return PublishReport(
        repo_id=repo_id, revision=branch, version=manifest.version, tag=tag, upload=[f.path for f in upload],
        delete=stale, unchanged=unchanged, commit=commit, url=str(repo_url), upload_bytes=total, notes=notes,
    )


def _rounds(ops: list) -> list[list]:
    rounds, current, size = [], [], 0
    for op in ops:
        if current and (size + op.upload_info.size > UPLOAD_ROUND_BYTES or len(current) >= UPLOAD_ROUND_FILES):
            rounds.append(current)
            current, size = [], 0
        current.append(op)
        size += op.upload_info.size
    return rounds + ([current] if current else [])
