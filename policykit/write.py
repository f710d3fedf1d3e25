"""Stage 5, write: put every output in place atomically, or none of them.

Outputs are first written to temporary files beside their targets; only when all are
written are they renamed over the old ones. A failure before that leaves every earlier
output exactly as it was.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Mapping

from .errors import OutputError, Problem


def write_files(files: Mapping[Path, bytes]) -> list[Path]:
    """Write all `files` (path -> bytes); return the paths whose content changed."""
    staged: list[tuple[Path, str]] = []
    try:
        for path, data in files.items():
            if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
                continue  # unchanged: keep the file (and its modification time) as it is
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((path, tmp))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
    except OSError as exc:
        for _, tmp in staged:
            _remove(tmp)
        raise OutputError(_problem(exc)) from None
    for path, tmp in staged:
        os.replace(tmp, path)
    return [path for path, _ in staged]


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def _problem(exc: OSError) -> Problem:
    where = exc.filename or "output"
    if exc.errno == errno.ENOSPC:
        return Problem(str(where), message="the disk is full; nothing was changed", hint="free some space and build again")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return Problem(str(where), message="cannot write here (read-only or no permission); nothing was changed",
                       hint="choose another folder with --out")
    return Problem(str(where), message=f"cannot write: {exc.strerror}; nothing was changed")
