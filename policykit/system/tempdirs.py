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
                if pid == os.getpid() or _alive(pid) or not _ours(entry):
                    continue
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(Path(entry.path))
    return tuple(removed)


def _ours(entry: os.DirEntry[str]) -> bool:
    """Made by this user (on Windows, where folders have no uid, the user's own temp folder is theirs)."""
    getuid = getattr(os, "getuid", None)
    return getuid is None or entry.stat(follow_symlinks=False).st_uid == getuid()


def _alive(pid: int) -> bool:
    """Whether process `pid` is running. On Windows os.kill(pid, 0) would end it: ask the kernel."""
    if os.name == "nt":
        return _alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _alive_windows(pid: int) -> bool:
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return kernel32.GetLastError() == 5  # access denied: it exists, another user's
    try:
        code = ctypes.c_ulong()
        return bool(kernel32.GetExitCodeProcess(handle, ctypes.byref(code))) and code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
