"""One build at a time per output folder, and no debris from a build that was killed.

Locks are the operating system's own (flock on Linux and macOS, a byte-range lock on Windows) through
the `filelock` library: a process that dies, however it dies, lets go of its lock.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from filelock import FileLock

from policykit.errors import OutputError
from policykit.system.atomic import TEMPORARY, os_problem

MADE = {".md", ".docx", ".pdf", ".html", ".json"}  # what a build writes (the manifest is .json)


def _lock_path(out_dir: Path) -> Path:
    # kept outside the output folder, so the folder holds nothing but the outputs
    key = hashlib.sha256(str(out_dir.resolve()).encode("utf-8")).hexdigest()[:32]
    folder = Path(tempfile.gettempdir()) / "policykit-locks"
    folder.mkdir(exist_ok=True)
    return folder / f"{key}.lock"


@contextmanager
def build_lock(out_dir: Path) -> Iterator[None]:
    """Hold the output folder's lock: a second build waits for the first to finish.

    Once it holds the lock, no other build can be writing here, so temporary files left
    by a build that was killed part-way are removed. The folder itself is not made here: a
    build that stops at validation creates nothing (staging makes folders as files arrive).
    """
    try:
        lock = acquire(_lock_path(out_dir))
    except OSError as exc:
        raise OutputError(os_problem(exc)) from None
    try:
        _sweep(out_dir)
        yield
    finally:
        lock.release()


def acquire(path: Path) -> FileLock:
    """Wait for, then hold, the exclusive lock on the file `path` (made if missing); the caller
    releases it. OSError if the file cannot be made or opened (a folder, a read-only place),
    raised at once rather than waited on."""
    try:  # an existing file's own error (IsADirectoryError, PermissionError) first; none is made here
        os.close(os.open(path, os.O_WRONLY | os.O_APPEND))
    except FileNotFoundError:
        pass
    lock = FileLock(path)
    lock.acquire()
    return lock


def _sweep(out_dir: Path) -> None:
    """Remove the temporary files a killed build left: only where a build writes (the output
    folder, each school's folder and its in-force folder), only under the names staging gives
    them, and only for the kinds of file a build makes. Anything else is not policykit's."""
    if not out_dir.is_dir():
        return
    for pattern in ("*", "*/*", "*/*/*"):
        for tmp in out_dir.glob(pattern):
            match = TEMPORARY.match(tmp.name)
            if not match or tmp.is_symlink() or not tmp.is_file() or Path(match["target"]).suffix not in MADE:
                continue
            try:
                os.unlink(tmp)
            except OSError:
                pass
