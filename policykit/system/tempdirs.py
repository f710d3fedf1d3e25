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
import sys
import tempfile
from contextlib import suppress
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

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
                if pid == os.getpid() or _alive(pid) or not _mine(entry.stat(follow_symlinks=False)):
                    continue
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(Path(entry.path))
    return tuple(removed)


def _mine(info: os.stat_result) -> bool:
    """Whether this user owns the folder. Windows has no user ids (st_uid is 0 there), but each
    user has a temporary folder of their own, so whatever is in it is theirs."""
    getuid: Callable[[], int] | None = getattr(os, "getuid", None)
    return getuid is None or info.st_uid == getuid()


def _alive(pid: int) -> bool:
    """Whether a process with this id exists (it may belong to another user)."""
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
        kernel32.OpenProcess.restype = ctypes.c_void_p
        kernel32.GetExitCodeProcess.argtypes = (ctypes.c_void_p, ctypes.POINTER(ctypes.c_ulong))
        kernel32.CloseHandle.argtypes = (ctypes.c_void_p,)
        return alive_on_windows(pid, kernel32, ctypes.get_last_error)  # type: ignore[attr-defined]
    try:
        os.kill(pid, 0)  # signal 0 only asks; on Windows os.kill would end the process instead
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


_QUERY_LIMITED_INFORMATION = 0x1000  # PROCESS_QUERY_LIMITED_INFORMATION: enough to read the exit code
_STILL_ACTIVE = 259
_ACCESS_DENIED = 5  # ERROR_ACCESS_DENIED: it exists, but is another user's (or the system's)


def alive_on_windows(pid: int, kernel32: Any, last_error: Callable[[], int]) -> bool:
    """Windows' answer through kernel32 (passed in, so a test can stand in for it): a process is
    alive while it can be opened and has no exit code yet. A process that ended with code 259
    looks alive: that only delays the sweep, as a reused pid does."""
    import ctypes

    handle = kernel32.OpenProcess(_QUERY_LIMITED_INFORMATION, False, pid)
    if not handle:
        return last_error() == _ACCESS_DENIED
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True  # cannot tell: keep its folders
        return code.value == _STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
