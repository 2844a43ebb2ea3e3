"""Getting the sources: each catalog entry's `download` says how its distributor serves it, and `fetch` follows
that route into exactly the folder layout the entry's adapter reads (ROOT/<id>/...).

- https: every file over HTTPS, resumable (a `.part` file continued with a Range request), checked (the size the
  catalog records or the server declares, and sha256 / md5 where the distributor publishes them), archives
  unpacked into their `into` folder and then removed; files in parallel.
- idr: the study's folder on the IDR file server mirrored file by file (the server's directory listings), each
  file resumable like the https route.
- kaggle: the user's own Kaggle credentials through the `kaggle` client (the competition's rules must have been
  accepted on its page first); the archive is unpacked like the https route.
- manual: nothing is downloaded; the one-line instruction is printed.

A fetch records what it completed in ROOT/<id>/.cytoimagenet-fetch.json, so running it again (after a kill, a
dropped connection, a bad checksum) redoes only what is not done. Nothing outside ROOT/<id>/ is written: archive
members with absolute or `..` paths, links and devices are refused."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tarfile
import zipfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Optional
from urllib.parse import unquote, urljoin, urlsplit

from cytoimagenet.catalog.source import Download, DownloadFile, SourceEntry
from cytoimagenet.errors import UserError
from cytoimagenet.io import write_text_atomic

STATE_FILE = ".cytoimagenet-fetch.json"
CHUNK = 1 << 20
TIMEOUT_S = 60
RETRIES = 5  # per file, for dropped connections; each retry continues from the bytes already on disk
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")

# (source_id, bytes done, bytes total or 0 when unknown)
Progress = Callable[[str, int, int], None]


class FetchError(UserError):
    """A download that cannot complete as the catalog describes it; the message names the file and the fix."""


@dataclass
class FetchPlanItem:
    source_id: str
    route: str
    files: list[DownloadFile]
    total_bytes: Optional[int]
    instructions: str = ""


@dataclass
class SourceFetch:
    source_id: str
    route: str
    fetched: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already complete
    bytes: int = 0
    instructions: str = ""


def is_archive(file: DownloadFile) -> bool:
    if file.unpack is not None:
        return file.unpack
    return file.path.lower().endswith(ARCHIVE_SUFFIXES)


def map_url(url: str, url_map: dict[str, str]) -> str:
    """The URL after `--mirror FROM=TO` rewrites (an institutional mirror, or a test server)."""
    for prefix, target in url_map.items():
        if url.startswith(prefix):
            return target + url[len(prefix):]
    return url


def served_size(url: str, session) -> Optional[int]:
    """The size a server declares for `url` (a HEAD request), or None when it says nothing or cannot be reached."""
    import requests

    try:
        r = session.head(url, allow_redirects=True, timeout=15)
    except requests.RequestException:
        return None
    length = r.headers.get("Content-Length", "")
    return int(length) if r.ok and length.isdigit() else None


def plan(entries: Iterable[SourceEntry], *, ask_servers: bool = False,
         url_map: Optional[dict[str, str]] = None) -> list[FetchPlanItem]:
    """What a fetch of `entries` would download. Sizes come from the catalog; with `ask_servers`, a file the
    catalog gives no size for is asked its size from its server (distributors such as BBBC publish none)."""
    session = _session() if ask_servers else None
    items = []
    for entry in entries:
        d = entry.download
        if d is None:
            items.append(FetchPlanItem(entry.id, "manual", [], None,
                                       "unknown: the catalog records no download route for this source; get it from "
                                       f"{entry.homepage} and unpack it into ROOT/{entry.id}/ ({entry.layout})"))
            continue
        files = list(d.files)
        if session is not None and d.route == "https" and d.total_bytes is None:
            files = [f if f.bytes is not None else f.model_copy(update={"bytes": served_size(
                map_url(f.url, url_map or {}), session)}) for f in files]
        sizes = [f.bytes for f in files]
        total = d.total_bytes if d.total_bytes is not None else (sum(sizes) if sizes and None not in sizes else None)
        items.append(FetchPlanItem(entry.id, d.route, files, total, d.instructions))
    return items


# ---------------------------------------------------------------------------------------------------------
# state


def _state_path(folder: Path) -> Path:
    return folder / STATE_FILE


def read_state(folder: Path) -> dict:
    path = _state_path(folder)
    if not path.is_file():
        return {"done": {}}
    try:
        state = json.loads(path.read_text())
    except ValueError:
        return {"done": {}}  # a garbled state only costs re-checking the files
    return state if isinstance(state.get("done"), dict) else {"done": {}}


def _mark_done(folder: Path, state: dict, key: str, info: dict, lock) -> None:
    with lock:
        state["done"][key] = info
        write_text_atomic(_state_path(folder), json.dumps(state, indent=1, sort_keys=True) + "\n")


# ---------------------------------------------------------------------------------------------------------
# HTTP


def _session():
    import requests

    s = requests.Session()
    s.headers["User-Agent"] = "cytoimagenet-fetch"
    return s


def _check_download(path: Path, file: DownloadFile, declared: Optional[int], url: str) -> None:
    size = path.stat().st_size
    want = file.bytes if file.bytes is not None else declared
    if want is not None and size != want:
        raise FetchError(f"{url}: got {size:,} bytes, expected {want:,}; the download is incomplete or the "
                         "distributor changed the file: run `cytoimagenet sources fetch` again")
    for algo in ("sha256", "md5"):
        expected = getattr(file, algo)
        if expected:
            h = hashlib.new(algo)
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(CHUNK), b""):
                    h.update(block)
            if h.hexdigest().lower() != expected.lower():
                path.unlink()
                raise FetchError(f"{url}: {algo} {h.hexdigest()} does not match the catalog's {expected}; the file "
                                 "was corrupted in transit or replaced by the distributor (it was deleted: fetch "
                                 "again, and report it if it persists)")


def download(url: str, dest: Path, file: DownloadFile, session, progress: Callable[[int], None]) -> int:
    """Download `url` to `dest` through `dest.part`, continuing a partial file with a Range request; returns
    the bytes written this time. Checked (size, checksums) before it is renamed into place."""
    import requests

    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    declared: Optional[int] = None
    for attempt in range(RETRIES + 1):
        have = part.stat().st_size if part.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        try:
            with session.get(url, headers=headers, stream=True, timeout=TIMEOUT_S) as r:
                if r.status_code == 416 and have:  # the part file is already whole
                    declared = have
                    break
                if r.status_code == 404:
                    raise FetchError(f"{url}: not found (HTTP 404); the distributor moved it: check the source's "
                                     "homepage and report the new address")
                if r.status_code >= 400:
                    raise FetchError(f"{url}: HTTP {r.status_code} {r.reason}; try again later")
                if have and r.status_code != 206:
                    have = 0  # the server ignored the Range: start over
                    part.unlink(missing_ok=True)
                length = r.headers.get("Content-Length")
                if length is not None and length.isdigit():
                    declared = have + int(length)
                elif r.status_code == 206:
                    m = re.search(r"/(\d+)$", r.headers.get("Content-Range", ""))
                    declared = int(m.group(1)) if m else None
                with open(part, "ab" if have else "wb") as fh:
                    for block in r.iter_content(CHUNK):
                        fh.write(block)
                        written += len(block)
                        progress(len(block))
            if declared is not None and part.stat().st_size < declared:
                raise requests.ConnectionError("connection closed before the whole body arrived")
            break
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            if attempt == RETRIES:
                raise FetchError(f"{url}: the connection kept dropping ({exc.__class__.__name__}); "
                                 f"{part.stat().st_size if part.exists() else 0:,} bytes are kept in {part}: run "
                                 "`cytoimagenet sources fetch` again to continue") from None
    _check_download(part, file, declared, url)
    os.replace(part, dest)
    return written


# ---------------------------------------------------------------------------------------------------------
# archives


def _inside(base: Path, name: str) -> Path:
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or not name.strip():
        raise FetchError(f"archive member {name!r} would land outside {base}; the archive is not the distributor's")
    return base / pure


def unpack(archive: Path, into: Path) -> None:
    into.mkdir(parents=True, exist_ok=True)
    name = archive.name.lower()
    if name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                target = _inside(into, info.filename)
                mode = (info.external_attr >> 16) & 0o170000
                if mode and mode not in (0o100000, 0o040000):
                    raise FetchError(f"{archive}: member {info.filename!r} is a link or device; refused")
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, CHUNK)
        return
    with tarfile.open(archive) as tf:
        for member in tf.getmembers():
            _inside(into, member.name)
            if not (member.isfile() or member.isdir()):
                raise FetchError(f"{archive}: member {member.name!r} is a link or device; refused")
        tf.extractall(into, filter="data")


# ---------------------------------------------------------------------------------------------------------
# IDR: the study folder's directory listings


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def list_tree(url: str, session, limit: int = 1_000_000) -> list[tuple[str, str]]:
    """(file URL, path relative to the tree) of every file under a directory-listing URL, breadth first; links
    that leave the tree (parents, other hosts, sort queries) are not followed."""
    base = url if url.endswith("/") else url + "/"
    out, todo, seen = [], [base], {base}
    while todo:
        folder = todo.pop(0)
        r = session.get(folder, timeout=TIMEOUT_S)
        if r.status_code == 404:
            raise FetchError(f"{folder}: not found (HTTP 404); the IDR study folder moved: check the study's page")
        r.raise_for_status()
        parser = _Links()
        parser.feed(r.text)
        for href in parser.links:
            target = urljoin(folder, href)
            if "?" in href or "#" in href or not target.startswith(base) or target in seen:
                continue
            seen.add(target)
            if target.endswith("/"):
                todo.append(target)
            else:
                out.append((target, unquote(urlsplit(target).path[len(urlsplit(base).path):])))
            if len(out) > limit:
                raise FetchError(f"{url}: more than {limit} files listed; refusing to mirror an unbounded tree")
    return out


# ---------------------------------------------------------------------------------------------------------
# the fetch


def _kaggle_download(slug: str, dest: Path) -> Path:
    try:
        from kaggle.api.kaggle_api_extended import KaggleApi
    except ImportError:
        raise FetchError("the kaggle route needs the Kaggle client: `pip install kaggle`, then put your API token "
                         "in ~/.kaggle/kaggle.json (kaggle.com > Settings > API)") from None
    api = KaggleApi()
    try:
        api.authenticate()
    except Exception as exc:  # the client raises its own types for a missing or bad token
        raise FetchError(f"Kaggle authentication failed ({exc}); put your API token in ~/.kaggle/kaggle.json") from None
    kind, _, name = slug.partition("/")
    dest.mkdir(parents=True, exist_ok=True)
    try:
        if kind == "competitions":
            api.competition_download_files(name, path=str(dest), quiet=True)
        else:
            api.dataset_download_files(name, path=str(dest), quiet=True, unzip=False)
    except Exception as exc:
        raise FetchError(f"kaggle {slug}: {exc}; accept the competition's rules or the dataset's terms on its "
                         "Kaggle page, then fetch again") from None
    zips = sorted(dest.glob("*.zip"))
    if not zips:
        raise FetchError(f"kaggle {slug}: the client left no archive in {dest}")
    return zips[0]


def fetch_source(entry: SourceEntry, root: Path, *, workers: int = 4, url_map: Optional[dict[str, str]] = None,
                 progress: Optional[Progress] = None, keep_archives: bool = False) -> SourceFetch:
    """Fetch one source into ROOT/<id>/; what is already complete (per the state file) is skipped."""
    import threading

    url_map = url_map or {}
    progress = progress or (lambda sid, done, total: None)
    folder = Path(root) / entry.id
    folder.mkdir(parents=True, exist_ok=True)
    d: Optional[Download] = entry.download
    report = SourceFetch(entry.id, d.route if d else "manual")
    if d is None or d.route == "manual":
        report.instructions = (d.instructions if d else "") or (
            f"unknown: no download route recorded; get it from {entry.homepage} into {folder}")
        return report
    state = read_state(folder)
    lock = threading.Lock()
    session = _session()

    if d.route == "kaggle":
        key = f"kaggle:{d.kaggle}"
        if key in state["done"]:
            report.skipped.append(key)
            return report
        staging = folder / ".kaggle-download"
        archive = _kaggle_download(d.kaggle or "", staging)
        unpack(archive, folder / (d.files[0].into if d.files else "."))
        shutil.rmtree(staging, ignore_errors=True)
        _mark_done(folder, state, key, {"archive": archive.name}, lock)
        report.fetched.append(key)
        return report

    files: list[tuple[str, DownloadFile]] = [(map_url(f.url, url_map), f) for f in d.files]
    if d.route == "idr" and d.tree:
        tree = map_url(d.tree, url_map)
        for url, rel in list_tree(tree, session):
            files.append((url, DownloadFile(url=url, path=rel)))
    total = sum(f.bytes or 0 for _, f in files)
    done_bytes = [0]

    def tick(n: int) -> None:
        with lock:
            done_bytes[0] += n
            progress(entry.id, done_bytes[0], total)

    def one(url: str, file: DownloadFile) -> tuple[str, int, bool]:
        key = file.path
        if key in state["done"] and (is_archive(file) or (folder / file.path).is_file()):
            return key, 0, False
        dest = _inside(folder, file.path)
        n = download(url, dest, file, session, tick)
        if is_archive(file):
            unpack(dest, _inside(folder, file.into) if file.into not in ("", ".") else folder)
            if not keep_archives:
                dest.unlink()
        _mark_done(folder, state, key, {"bytes": file.bytes, "sha256": file.sha256, "md5": file.md5}, lock)
        return key, n, True

    errors = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(one, url, f) for url, f in files]
        for fut in as_completed(futures):
            try:
                key, n, fetched = fut.result()
            except FetchError as exc:
                errors.append(str(exc))
                continue
            (report.fetched if fetched else report.skipped).append(key)
            report.bytes += n
    if errors:
        raise FetchError(f"source {entry.id!r}: {len(errors)} of {len(files)} file(s) failed; first: {errors[0]}")
    return report
