"""Temporary folders, named by the process that made them, and swept when it is gone.

A build killed outright (SIGKILL, a power cut) cannot remove its temporary folders. Each is
therefore named `policykit-<pid>-<kind>-XXXX` in the system's temporary folder; the first
one a process makes sweeps the others whose process no longer exists and that belong to
this user. A live process's folders are never touched (a pid reused by another process only
delays the sweep), nor folders named any other way.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from contextlib import suppress
from functools import lru_cache
from pathlib import Path

_NAME = re.compile(r"^policykit-(\d+)-")


def prefix(kind: str) -> str:
    sweep()
    return f"policykit-{os.getpid()}-{kind}-"


def folder(kind: str) -> tempfile.TemporaryDirectory[str]:
    """A temporary folder (a context manager, as tempfile's), swept if this process dies."""
    return tempfile.TemporaryDirectory(prefix=prefix(kind))


def mkdtemp(kind: str) -> Path:
    """A temporary folder that the caller removes (at exit, say)."""
    return Path(tempfile.mkdtemp(prefix=prefix(kind)))


@lru_cache(maxsize=1)
def sweep() -> tuple[Path, ...]:
    """Remove the folders of processes that are gone (once per process); return them."""
    removed = []
    base = Path(tempfile.gettempdir())
    with suppress(OSError):
        for entry in os.scandir(base):
            match = _NAME.match(entry.name)
            if not match or not entry.is_dir(follow_symlinks=False):
                continue
            pid = int(match.group(1))
            with suppress(OSError):
                if pid == os.getpid() or _alive(pid) or entry.stat(follow_symlinks=False).st_uid != os.getuid():
                    continue
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(Path(entry.path))
    return tuple(removed)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
