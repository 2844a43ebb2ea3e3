"""A small in-memory Hugging Face Hub for tests: the endpoints `huggingface_hub` calls to create a dataset repo,
upload through the LFS basic transfer, commit (ndjson), list trees, tag and branch, and read files back.

It follows the real Hub's wire format as the installed client reads it (see huggingface_hub/hf_api.py,
_commit_api.py, lfs.py), not its internals: git object ids are computed the git way (sha1 of "blob N\\0" + bytes;
an LFS file's blob is its pointer), commits are content-addressed, and errors carry the `X-Error-Code` header the
client turns into typed exceptions. Every request is logged (method, path, headers) so tests can see what the
client did, and `fail(...)` injects errors to interrupt an upload half-way.

Start it with `HubServer(token=...)` as a context manager; `.url` is the endpoint for HF_ENDPOINT."""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional
from urllib.parse import parse_qs, unquote, urlsplit

# What the Hub's default .gitattributes for a new dataset repo sends to LFS (a subset: the types a release holds).
LFS_PATTERNS = ("*.tar", "*.tar.*", "*.parquet", "*.arrow", "*.zip", "*.gz", "*.png", "*.jpg", "*.jpeg", "*.tiff",
                "*.npy", "*.npz", "*.bin", "*.safetensors")
GITATTRIBUTES = "".join(f"{p} filter=lfs diff=lfs merge=lfs -text\n" for p in LFS_PATTERNS).encode()
REGULAR_MAX = 5 * 1024 * 1024  # the client assumes regular files are at most this big


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(oid: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {size}\n".encode()


@dataclass(frozen=True)
class Blob:
    size: int
    data: Optional[bytes] = None  # regular file content
    lfs_oid: Optional[str] = None  # sha256 of an LFS file's content

    @property
    def oid(self) -> str:
        if self.lfs_oid is None:
            return git_blob_id(self.data)
        return git_blob_id(lfs_pointer(self.lfs_oid, self.size))


@dataclass
class Commit:
    oid: str
    parent: Optional[str]
    title: str
    tree: dict  # path -> Blob
    date: str


@dataclass
class Repo:
    repo_type: str
    repo_id: str
    private: bool
    commits: dict = field(default_factory=dict)
    branches: dict = field(default_factory=dict)
    tags: dict = field(default_factory=dict)

    def resolve(self, rev: str) -> Optional[Commit]:
        oid = self.branches.get(rev) or self.tags.get(rev) or (rev if rev in self.commits else None)
        if oid is None and len(rev) >= 7:
            oid = next((c for c in self.commits if c.startswith(rev)), None)
        return self.commits.get(oid) if oid else None


@dataclass
class Fault:
    method: str
    pattern: re.Pattern
    status: int
    times: int
    after: int  # let this many matching requests through first
    seen: int = 0


class HubError(Exception):
    def __init__(self, status: int, message: str, code: Optional[str] = None):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


class HubState:
    def __init__(self, token: str, user: str = "tester", orgs: tuple = ("cyto-org",), page_size: int = 1000):
        self.token, self.user, self.orgs, self.page_size = token, user, orgs, page_size
        self.repos: dict[tuple[str, str], Repo] = {}
        self.lfs: dict[str, bytes] = {}
        self.log: list[dict] = []
        self.faults: list[Fault] = []
        self.lock = threading.RLock()
        self._clock = 0

    # -- helpers for tests ------------------------------------------------------------------------------------
    def fail(self, method: str, path_regex: str, status: int = 500, times: int = 1, after: int = 0) -> None:
        """Answer the next `times` requests matching (method, path) with `status`, after `after` matching ones."""
        self.faults.append(Fault(method.upper(), re.compile(path_regex), status, times, after))

    def files(self, repo_id: str, rev: str = "main", repo_type: str = "dataset") -> dict[str, bytes]:
        repo = self.repos[(repo_type, repo_id)]
        commit = repo.resolve(rev)
        return {p: (b.data if b.lfs_oid is None else self.lfs[b.lfs_oid]) for p, b in commit.tree.items()}

    def requests(self, method: Optional[str] = None, path_regex: str = "") -> list[dict]:
        pat = re.compile(path_regex)
        return [r for r in self.log if (method is None or r["method"] == method) and pat.search(r["path"])]

    # -- model ------------------------------------------------------------------------------------------------
    def _now(self) -> str:
        self._clock += 1
        return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(1_700_000_000 + self._clock))

    def _commit(self, repo: Repo, parent: Optional[Commit], tree: dict, title: str) -> Commit:
        body = json.dumps([parent.oid if parent else None, title, sorted((p, b.oid) for p, b in tree.items()),
                           self._clock], sort_keys=True)
        oid = hashlib.sha1(body.encode()).hexdigest()
        commit = Commit(oid, parent.oid if parent else None, title, tree, self._now())
        repo.commits[commit.oid] = commit
        return commit

    def create_repo(self, repo_type: str, repo_id: str, private: bool) -> Repo:
        if (repo_type, repo_id) in self.repos:
            raise HubError(409, "You already created this dataset repo")
        repo = Repo(repo_type, repo_id, private)
        init = self._commit(repo, None, {".gitattributes": Blob(len(GITATTRIBUTES), data=GITATTRIBUTES)},
                            "initial commit")
        repo.branches["main"] = init.oid
        self.repos[(repo_type, repo_id)] = repo
        return repo

    @staticmethod
    def is_lfs(path: str, size: int, sample: bytes) -> bool:
        name = path.rsplit("/", 1)[-1]
        return (size > REGULAR_MAX or b"\0" in sample
                or any(fnmatch.fnmatch(name, p) for p in LFS_PATTERNS))


def _split_repo_path(parts: list[str]) -> tuple[str, list[str]]:
    """'ns/name/rest...' -> ('ns/name', rest)."""
    if len(parts) < 2:
        raise HubError(404, "Repository not found", "RepoNotFound")
    return f"{parts[0]}/{parts[1]}", parts[2:]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format, *args):  # quiet: tests read state.log instead
        pass

    # -- plumbing ---------------------------------------------------------------------------------------------
    @property
    def state(self) -> HubState:
        return self.server.state

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status: int, payload=None, headers: Optional[dict] = None, raw: Optional[bytes] = None,
              head: bool = False) -> None:
        data = raw if raw is not None else (b"" if payload is None else json.dumps(payload).encode())
        self.send_response(status)
        if raw is None:
            self.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _authorized(self) -> bool:
        return self.headers.get("Authorization") == f"Bearer {self.state.token}"

    def _require_auth(self) -> None:
        if not self._authorized():
            raise HubError(401, "Invalid credentials in Authorization header")

    def _repo(self, repo_type: str, repo_id: str, write: bool = False) -> Repo:
        repo = self.state.repos.get((repo_type, repo_id))
        if repo is None or (repo.private and not self._authorized()):
            raise HubError(404, f"Repository {repo_id} not found", "RepoNotFound")
        if write:
            self._require_auth()
        return repo

    def _commit_at(self, repo: Repo, rev: str) -> Commit:
        commit = repo.resolve(rev)
        if commit is None:
            raise HubError(404, f"Invalid rev id: {rev}", "RevisionNotFound")
        return commit

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        body = self._body() if method in ("POST", "PUT") else b""
        with self.state.lock:
            self.state.log.append({"method": method, "path": url.path, "query": url.query,
                                   "headers": {k.lower(): v for k, v in self.headers.items()}, "bytes": len(body)})
            for fault in self.state.faults:
                if fault.method == method and fault.pattern.search(url.path) and fault.times > 0:
                    fault.seen += 1
                    if fault.seen > fault.after:
                        fault.times -= 1
                        return self._send(fault.status, {"error": "injected failure"})
        parts = [unquote(p) for p in url.path.strip("/").split("/")]
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        try:
            with self.state.lock:
                self._route(method, parts, query, body)
        except HubError as exc:
            headers = {"X-Error-Message": exc.message}
            if exc.code:
                headers["X-Error-Code"] = exc.code
            self._send(exc.status, {"error": exc.message}, headers, head=method == "HEAD")

    do_GET = lambda self: self._dispatch("GET")  # noqa: E731
    do_HEAD = lambda self: self._dispatch("HEAD")  # noqa: E731
    do_POST = lambda self: self._dispatch("POST")  # noqa: E731
    do_PUT = lambda self: self._dispatch("PUT")  # noqa: E731

    # -- routes -----------------------------------------------------------------------------------------------
    def _route(self, method: str, parts: list[str], query: dict, body: bytes) -> None:
        if parts[:2] == ["api", "whoami-v2"] and method == "GET":
            self._require_auth()
            return self._send(200, {"type": "user", "name": self.state.user,
                                    "orgs": [{"name": o, "roleInOrg": "write"} for o in self.state.orgs],
                                    "auth": {"accessToken": {"displayName": "test", "role": "write"}}})
        if parts[:3] == ["api", "repos", "create"] and method == "POST":
            return self._create_repo(json.loads(body or b"{}"))
        if parts[:2] == ["api", "validate-yaml"] and method == "POST":
            return self._validate_yaml(json.loads(body or b"{}"))
        if parts[:1] == ["lfs-upload"] and method == "PUT":
            return self._lfs_put(parts[1], body)
        if parts[:1] == ["lfs-verify"] and method == "POST":
            payload = json.loads(body or b"{}")
            ok = payload.get("oid") == parts[1] and parts[1] in self.state.lfs
            return self._send(200 if ok else 404, {"success": ok})
        if len(parts) >= 3 and parts[0] == "api" and parts[1] in ("datasets", "models", "spaces"):
            repo_id, rest = _split_repo_path(parts[2:])
            return self._repo_api(method, parts[1][:-1], repo_id, rest, query, body)
        if len(parts) >= 3 and parts[0] == "datasets" and parts[2].endswith(".git"):
            repo_id = f"{parts[1]}/{parts[2][:-4]}"
            if parts[3:] == ["info", "lfs", "objects", "batch"] and method == "POST":
                return self._lfs_batch("dataset", repo_id, json.loads(body))
        if len(parts) >= 5 and parts[0] == "datasets" and parts[3] == "resolve" and method in ("GET", "HEAD"):
            return self._resolve("dataset", f"{parts[1]}/{parts[2]}", parts[4], "/".join(parts[5:]), method == "HEAD")
        raise HubError(404, f"no route for {method} /{'/'.join(parts)}")

    def _create_repo(self, payload: dict) -> None:
        self._require_auth()
        org, name = payload.get("organization"), payload["name"]
        if org not in (self.state.user, *self.state.orgs):
            raise HubError(403, f"You don't have the rights to create a repo under the namespace {org!r}")
        repo_type = payload.get("type") or "model"
        private = payload.get("visibility") == "private" or bool(payload.get("private"))
        repo_id = f"{org}/{name}"
        url = f"{self.base}/{'' if repo_type == 'model' else repo_type + 's/'}{repo_id}"
        if (repo_type, repo_id) in self.state.repos:
            # the Hub's 409 body carries the url too: the client reads it with exist_ok=True
            return self._send(409, {"error": "You already created this dataset repo", "url": url},
                              {"X-Error-Message": "You already created this dataset repo"})
        self.state.create_repo(repo_type, repo_id, private)
        self._send(200, {"url": url, "name": repo_id})

    def _validate_yaml(self, payload: dict) -> None:
        import yaml

        content = payload.get("content", "")
        errors = []
        if content.startswith("---\n"):
            end = content.find("\n---", 4)
            try:
                meta = yaml.safe_load(content[4:end]) if end > 0 else None
                if end < 0 or not isinstance(meta, dict):
                    errors.append({"message": "metadata block is not a closed YAML mapping"})
            except yaml.YAMLError as exc:
                errors.append({"message": f"invalid YAML: {exc}"})
        self._send(400 if errors else 200, {"errors": errors, "warnings": []})

    def _repo_api(self, method: str, repo_type: str, repo_id: str, rest: list[str], query: dict, body: bytes):
        if not rest or rest[0] == "revision":
            repo = self._repo(repo_type, repo_id)
            commit = self._commit_at(repo, rest[1] if rest else "main")
            return self._send(200, {
                "id": repo_id, "author": repo_id.split("/")[0], "sha": commit.oid, "private": repo.private,
                "lastModified": commit.date, "tags": [], "downloads": 0, "likes": 0, "gated": False,
                "disabled": False, "siblings": [{"rfilename": p} for p in sorted(commit.tree)],
            })
        action, args = rest[0], rest[1:]
        if action == "preupload" and method == "POST":
            repo = self._repo(repo_type, repo_id, write=True)
            commit = self._commit_at(repo, args[0])
            files = []
            for f in json.loads(body)["files"]:
                lfs = self.state.is_lfs(f["path"], f["size"], base64.b64decode(f["sample"]))
                existing = commit.tree.get(f["path"])
                oid = None if existing is None else (existing.lfs_oid if existing.lfs_oid else existing.oid)
                files.append({"path": f["path"], "uploadMode": "lfs" if lfs else "regular", "shouldIgnore": False,
                              "oid": oid})
            return self._send(200, {"files": files, "commitOid": commit.oid})
        if action == "commit" and method == "POST":
            return self._commit(repo_type, repo_id, args[0], body)
        if action == "tree" and method == "GET":
            return self._tree(repo_type, repo_id, args[0], "/".join(args[1:]), query)
        if action == "paths-info" and method == "POST":
            repo = self._repo(repo_type, repo_id)
            commit = self._commit_at(repo, args[0])
            form = parse_qs(body.decode())
            paths = form.get("paths", [])
            return self._send(200, [self._entry(p, commit.tree[p]) for p in paths if p in commit.tree])
        if action == "refs" and method == "GET":
            repo = self._repo(repo_type, repo_id)
            ref = lambda kind, n, o: {"name": n, "ref": f"refs/{kind}/{n}", "targetCommit": o}  # noqa: E731
            return self._send(200, {
                "branches": [ref("heads", n, o) for n, o in sorted(repo.branches.items())],
                "tags": [ref("tags", n, o) for n, o in sorted(repo.tags.items())],
                "converts": [], "pullRequests": [],
            })
        if action == "tag" and method == "POST":
            repo = self._repo(repo_type, repo_id, write=True)
            commit = self._commit_at(repo, args[0])
            tag = json.loads(body)["tag"]
            if tag in repo.tags:
                raise HubError(409, f"Tag {tag} already exists")
            repo.tags[tag] = commit.oid
            return self._send(200, {})
        if action == "branch" and method == "POST":
            repo = self._repo(repo_type, repo_id, write=True)
            payload = json.loads(body or b"{}")
            name = args[0]
            if name in repo.branches:
                raise HubError(409, f"Branch {name} already exists")
            start = self._commit_at(repo, payload.get("startingPoint") or "main")
            repo.branches[name] = start.oid
            return self._send(200, {})
        raise HubError(404, f"no route for {method} {action}")

    def _entry(self, path: str, blob: Blob) -> dict:
        entry = {"type": "file", "oid": blob.oid, "size": blob.size, "path": path}
        if blob.lfs_oid:
            entry["lfs"] = {"oid": blob.lfs_oid, "size": blob.size,
                            "pointerSize": len(lfs_pointer(blob.lfs_oid, blob.size))}
        return entry

    def _tree(self, repo_type: str, repo_id: str, rev: str, path: str, query: dict) -> None:
        repo = self._repo(repo_type, repo_id)
        commit = self._commit_at(repo, rev)
        recursive = query.get("recursive", "False").lower() == "true"
        prefix = f"{path}/" if path else ""
        entries, folders = [], set()
        for p in sorted(commit.tree):
            if not p.startswith(prefix):
                continue
            rel = p[len(prefix):]
            dirs = rel.split("/")[:-1]
            for i in range(1, len(dirs) + 1):
                if recursive or i == 1:
                    folders.add(prefix + "/".join(dirs[:i]))
            if recursive or not dirs:
                entries.append(self._entry(p, commit.tree[p]))
        if path and not entries and not folders:
            raise HubError(404, f"{path} not found", "EntryNotFound")
        listing = sorted([{"type": "directory", "oid": hashlib.sha1(f.encode()).hexdigest(), "size": 0, "path": f}
                          for f in folders] + entries, key=lambda e: e["path"])
        start = int(query.get("cursor", 0))
        page = listing[start:start + self.state.page_size]
        headers = {}
        if start + self.state.page_size < len(listing):
            base = f"{self.base}/api/{repo_type}s/{repo_id}/tree/{rev}" + (f"/{path}" if path else "")
            nxt = f"{base}?recursive={recursive}&expand=False&cursor={start + self.state.page_size}"
            headers["Link"] = f'<{nxt}>; rel="next"'
        self._send(200, page, headers)

    def _lfs_batch(self, repo_type: str, repo_id: str, payload: dict) -> None:
        self._repo(repo_type, repo_id, write=True)
        objects = []
        for obj in payload["objects"]:
            oid, size = obj["oid"], obj["size"]
            entry = {"oid": oid, "size": size, "authenticated": True}
            if oid not in self.state.lfs:
                entry["actions"] = {"upload": {"href": f"{self.base}/lfs-upload/{oid}"},
                                    "verify": {"href": f"{self.base}/lfs-verify/{oid}"}}
            objects.append(entry)
        self._send(200, {"transfer": "basic", "objects": objects, "hash_algo": "sha256"})

    def _lfs_put(self, oid: str, body: bytes) -> None:
        if hashlib.sha256(body).hexdigest() != oid:
            raise HubError(400, f"content does not match oid {oid}")
        self.state.lfs[oid] = body
        self._send(200, {})

    def _commit(self, repo_type: str, repo_id: str, rev: str, body: bytes) -> None:
        repo = self._repo(repo_type, repo_id, write=True)
        if rev not in repo.branches:
            raise HubError(404, f"Invalid rev id: {rev}", "RevisionNotFound")
        head = repo.commits[repo.branches[rev]]
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        header = next(line["value"] for line in lines if line["key"] == "header")
        parent = header.get("parentCommit")
        if parent and not head.oid.startswith(parent):
            raise HubError(412, f"A commit has happened since. Please refresh and try again. ({parent} != {head.oid})")
        tree = dict(head.tree)
        for line in lines:
            key, value = line["key"], line["value"]
            if key == "file":
                data = base64.b64decode(value["content"])
                tree[value["path"]] = Blob(len(data), data=data)
            elif key == "lfsFile":
                oid = value["oid"]
                if oid not in self.state.lfs:
                    raise HubError(422, f"LFS object {oid} for {value['path']} was never uploaded")
                tree[value["path"]] = Blob(len(self.state.lfs[oid]), lfs_oid=oid)
            elif key == "deletedFile":
                if value["path"] not in tree:
                    raise HubError(404, f"A file with this name doesn't exist: {value['path']}", "EntryNotFound")
                del tree[value["path"]]
            elif key == "deletedFolder":
                prefix = value["path"].rstrip("/") + "/"
                for p in [p for p in tree if p.startswith(prefix)]:
                    del tree[p]
        commit = self.state._commit(repo, head, tree, header.get("summary", ""))
        repo.branches[rev] = commit.oid
        prefix = "" if repo_type == "model" else f"{repo_type}s/"
        self._send(200, {"success": True, "commitOid": commit.oid, "pullRequestUrl": None,
                         "commitUrl": f"{self.base}/{prefix}{repo_id}/commit/{commit.oid}"})

    def _resolve(self, repo_type: str, repo_id: str, rev: str, path: str, head: bool) -> None:
        repo = self._repo(repo_type, repo_id)
        commit = self._commit_at(repo, rev)
        blob = commit.tree.get(path)
        if blob is None:
            raise HubError(404, f"{path} not found", "EntryNotFound")
        data = blob.data if blob.lfs_oid is None else self.state.lfs[blob.lfs_oid]
        etag = blob.lfs_oid or blob.oid
        headers = {"X-Repo-Commit": commit.oid, "ETag": f'"{etag}"', "Content-Type": "application/octet-stream"}
        if blob.lfs_oid:
            headers.update({"X-Linked-Etag": f'"{etag}"', "X-Linked-Size": str(blob.size)})
        self._send(200, raw=data, headers=headers, head=head)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: HubState


class HubServer:
    """`with HubServer(token="hf_x") as hub:` -> hub.url, hub.state."""

    def __init__(self, token: str, **state_kwargs):
        self.state = HubState(token, **state_kwargs)
        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.state = self.state
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "HubServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
