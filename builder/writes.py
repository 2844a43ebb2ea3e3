"""The build's own file writes, atomic, with a disk error (full, read-only, no permission) raised as a UserError naming
the file: shared by the stages that write a release (builder/reuse.py, builder/collect.py, builder/release.py)."""

from __future__ import annotations

import errno
from pathlib import Path

from cytoimagenet.builder.shard import write_error
from cytoimagenet.errors import UserError
from cytoimagenet.io import write_bytes_atomic


# errors of the build's own writes that the user fixes on the machine, not in the inputs
_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS}


def _write_bytes(path: Path, data: bytes) -> None:
    """cytoimagenet.io's atomic write (a failed one leaves no temp file), with a disk error named by its file:
    the OSError of a failed write() carries no file name of its own."""
    try:
        write_bytes_atomic(path, data)
    except OSError as exc:
        if exc.errno not in _DISK_ERRNOS:
            raise
        raise UserError(write_error(path, exc)) from exc


def _write_text(path: Path, text: str) -> None:
    _write_bytes(path, text.encode("utf-8"))
