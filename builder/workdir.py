"""The work folder beside --out and the safety of --out: the build lock, the checks that --out is replaceable (absent,
empty, or a release holding only what a build writes) and apart from the sources, recovery from a kill between the
swap's renames, the staging folder's reset, discarding folders, and the atomic swap of the staged release into place."""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

from cytoimagenet.errors import UserError
from cytoimagenet.format import Manifest


def work_dir_for(out: Path) -> Path:
    return out.parent / f".{out.name}.work"


@contextmanager
def _build_lock(work: Path):
    """One build at a time per release: two would clean up each other's files. A POSIX record lock, so the
    kernel drops it when the build dies however it dies, and forked pool workers do not inherit it."""
    import fcntl

    work.mkdir(parents=True, exist_ok=True)
    path = work / "build.lock"
    with open(path, "a+b") as fh:
        try:
            fcntl.lockf(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UserError(f"another build is writing this release (it holds {path}); wait for it to finish "
                            "or choose another --out") from None
        try:
            yield
        finally:
            fcntl.lockf(fh, fcntl.LOCK_UN)


# What a build writes into a release folder, and nothing else: a name -> None for a file, or the pattern of the
# files a folder holds. Anything outside this is the user's, and a build that would delete it refuses instead.
RELEASE_LAYOUT: dict[str, Optional[re.Pattern]] = {
    "README.md": None, "LICENSE.md": None, "manifest.json": None, "croissant.json": None,
    "data": re.compile(r"(train|validation)-\d{6}\.tar"),
    "metadata": re.compile(r"[a-z_]+\.parquet"),
    "figures": re.compile(r"[a-z0-9_]+\.png"),
}


TRAINING_SIZE_FOLDER = re.compile(r"[1-9]\d*")  # data/N/: training-size shards (builder/shard.py)


def _foreign(out: Path) -> list[str]:
    """Entries of `out` a build does not write (folders with a trailing '/'), in sorted order."""
    foreign = []
    for child in sorted(out.iterdir()):
        shown = child.name + ("/" if child.is_dir() and not child.is_symlink() else "")
        if child.name not in RELEASE_LAYOUT or child.is_symlink():
            foreign.append(shown)
            continue
        pattern = RELEASE_LAYOUT[child.name]
        if pattern is None:
            if not child.is_file():
                foreign.append(shown)
        elif not child.is_dir():
            foreign.append(shown)
        else:
            for g in sorted(child.iterdir()):
                if child.name == "data" and TRAINING_SIZE_FOLDER.fullmatch(g.name) and g.is_dir() and not g.is_symlink():
                    # data/N/: the training-size shards, named as the full ones
                    foreign += [f"data/{g.name}/{t.name}" + ("/" if t.is_dir() and not t.is_symlink() else "")
                                for t in sorted(g.iterdir())
                                if t.is_symlink() or not t.is_file() or not pattern.fullmatch(t.name)]
                elif g.is_symlink() or not g.is_file() or not pattern.fullmatch(g.name):
                    foreign.append(f"{child.name}/{g.name}" + ("/" if g.is_dir() and not g.is_symlink() else ""))
    return foreign


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            e = errors()[0]
            return f"{'.'.join(map(str, e['loc'])) or 'the document'}: {e['msg']}"
        except Exception:  # noqa: BLE001 - only the wording is at stake
            pass
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _check_replaceable(out: Path) -> None:
    """Refuse, before anything is written, to replace `out` unless it is absent, an empty folder, or a
    CytoImageNet release (a manifest.json that validates as one) holding nothing but what a build writes.
    The swap deletes the previous release whole, so this is the line between a rebuild and deleting a user's
    files."""
    fix = "choose another --out (a new or empty folder, or a release this tool built)"
    if out.is_symlink():
        raise UserError(f"--out {out} is a symbolic link (to {os.readlink(out)}); a build replaces --out and "
                        f"would leave its target stale: give the folder itself as --out, or {fix}")
    if not out.exists():
        return
    if not out.is_dir():
        raise UserError(f"--out {out} is a file, not a release folder; refusing to replace it: {fix}")
    entries = sorted(out.iterdir())
    if not entries:
        return
    manifest = out / "manifest.json"
    if not manifest.is_file() or manifest.is_symlink():
        shown = ", ".join(p.name + ("/" if p.is_dir() else "") for p in entries[:5]) + (" ..." if len(entries) > 5 else "")
        raise UserError(f"--out {out} is not a CytoImageNet release (no manifest.json; it holds {shown}); "
                        f"refusing to replace it: {fix}")
    try:
        Manifest.model_validate_json(manifest.read_bytes())
    except (ValueError, OSError) as exc:
        raise UserError(f"--out {out} is not a CytoImageNet release (its manifest.json is not a CytoImageNet "
                        f"manifest: {_first_error(exc)}); refusing to replace it: {fix}") from None
    foreign = _foreign(out)
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise UserError(f"--out {out} is a CytoImageNet release but holds files a build does not write ({shown}); "
                        f"a rebuild replaces the folder whole and would delete them: move them out of {out}, "
                        "or choose another --out")


def _within(a: Path, b: Path) -> bool:
    return a == b or b in a.parents


def _check_apart(out: Path, work: Path, sources_root: Path, folders: dict[str, Path]) -> None:
    """--out (and its work folder beside it) may not be, lie inside, or contain the sources root or any source
    folder (symlinked ones by their targets): a build replaces --out whole. Compared as resolved paths."""
    mine = {"--out": out.resolve(), "its work folder": work.resolve()}
    theirs = {"the sources root": Path(sources_root).resolve()}
    theirs.update({f"source folder {sid}": Path(f).resolve() for sid, f in sorted(folders.items())})
    for what, path in mine.items():
        for name, src in theirs.items():
            if _within(path, src) or _within(src, path):
                relation = "is" if path == src else "is inside" if _within(path, src) else "contains"
                subject = f"--out {out}" if what == "--out" else f"the work folder {work} of --out {out}"
                raise UserError(
                    f"{subject} {relation} {name} {src}; a build replaces --out whole, so it must lie outside "
                    f"the sources: choose e.g. --out {Path(sources_root).resolve().parent / 'cytoimagenet'}"
                )


def _recover_interrupted_swap(out: Path, work: Path) -> None:
    """Undo what a kill between the two renames of `_swap_into_place` left: `previous` is only ever a whole
    release renamed aside, so with `out` absent it goes back; with `out` present it is stale."""
    for trash in work.glob("trash-*"):
        shutil.rmtree(trash, ignore_errors=True)
    previous = work / "previous"
    if not previous.exists():
        return
    if not out.exists() and (previous / "manifest.json").is_file():
        previous.rename(out)
    else:
        _discard(previous, work)


def _clear_leftovers(work: Path) -> None:
    # temp files of atomic writes a kill interrupted (stage tables, sidecars); the lock makes them nobody's
    for folder in (work, work / "shards"):
        for leftover in folder.glob(".*.tmp-*"):
            leftover.unlink()


def _reset_staging(staging: Path) -> None:
    """Clear what a killed build left in the staging folder, except its shards: everything else (metadata,
    manifest, card, figures, temp files of interrupted writes) is recomputed, and must not ride along into the
    release. Shards are checked against their sidecars before any is kept."""
    if not staging.is_dir():
        return
    for child in staging.iterdir():
        if child.name == "data" and child.is_dir():
            for leftover in [*child.glob(".*.tmp-*"), *child.glob("*/.*.tmp-*")]:
                leftover.unlink()
        elif child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _discard(folder: Path, work: Path) -> None:
    # renamed before deletion, so a kill during the rmtree never leaves a half-deleted folder under a name
    # the next build would trust
    import tempfile

    trash = Path(tempfile.mkdtemp(prefix="trash-", dir=work))
    folder.rename(trash / folder.name)
    shutil.rmtree(trash, ignore_errors=True)


def _fsync_dir(folder: Path) -> None:
    # make the renames durable: without it a power cut can undo them after the build has reported success
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _swap_into_place(staging: Path, out: Path, work: Path) -> None:
    _check_replaceable(out)
    old = work / "previous"
    if old.exists():
        _discard(old, work)
    if out.exists():
        out.rename(old)
        foreign = _foreign(old)
        if foreign:
            # added since the check (the build may have run for hours): the release goes back with them, and the
            # staged one stays in the work folder, so the next run costs no image work
            old.rename(out)
            raise UserError(f"--out {out} gained files a build does not write while the build ran "
                            f"({', '.join(foreign[:5])}); it was left as it was: move them out of {out} and run "
                            "the build again (it re-uses the finished shards)")
    # a kill here leaves `out` absent and the old release whole in `previous`: the next build puts it back
    staging.rename(out)
    _fsync_dir(out.parent)
    if old.exists():
        _discard(old, work)
