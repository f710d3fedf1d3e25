"""Stage 5, write: put every output in place atomically, or none of them.

Outputs are first written to temporary files beside their targets; only when all are
written are they renamed over the old ones. A failure before that leaves every earlier
output exactly as it was. `Staging` lets a parallel build stage each file as soon as it is
made, so a large build never holds every output in memory at once.
"""

from __future__ import annotations

import errno
import os
import queue
import re
import secrets
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Mapping

from policykit.errors import OutputError, Problem
from policykit.system.signals import deferred

# The names of the temporary files staging writes, beside their targets: mkstemp's eight random
# characters between the target's name and '.tmp'. Only files named so are swept (locks.py).
TEMPORARY = re.compile(r"^\.(?P<target>.+)\.[a-z0-9_]{8}\.tmp$")


class Staging:
    """Files written beside their targets under temporary names, renamed into place together.

    `add` may be called from several threads. With `background`, one writer thread does the
    writing and the fsync (each fsync waits on the disk) while the callers go on converting;
    a bounded queue keeps memory to a few files. Leaving the `with` block by an exception (or
    calling `discard`) removes every staged file; `commit` renames them all into place.
    """

    def __init__(self, background: bool = False, queued: int = 32, shown: Path | str | None = None,
                 hint: str = "choose another folder with --out, or fix its permissions") -> None:
        # a failure names `shown` (the output folder) or else the file being written: never the
        # temporary name, which the user never asked for and will not find
        self._shown, self._hint = shown, hint
        self._staged: list[tuple[Path, str]] = []
        self._lock = threading.Lock()
        self._error: OutputError | None = None
        self._queue: queue.Queue[tuple[Path, bytes] | None] | None = None
        self._writer: threading.Thread | None = None
        if background:
            self._queue = queue.Queue(maxsize=queued)
            self._writer = threading.Thread(target=self._drain, name="policykit-writer", daemon=True)
            self._writer.start()

    def add(self, path: Path, data: bytes) -> None:
        """Stage `data` for `path` (nothing is staged if the file already holds exactly that)."""
        if self._error is not None:
            raise self._error
        if self._queue is None:
            self._write(path, data)
        else:
            self._queue.put((path, data))

    def add_link(self, path: Path, source: Path) -> None:
        """Stage `path` as the very file `source` (a hard link, where the file system allows one;
        else a copy of its bytes). Nothing is staged if `path` already is that file: a site run
        after nothing changed neither reads nor writes the documents it offers."""
        try:
            if path.exists() and os.path.samefile(path, source):
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"  # named as mkstemp names them
            os.link(source, tmp)
        except OSError:
            try:
                data = source.read_bytes()
            except OSError as exc:
                raise OutputError(_problem(exc, source, "build again, then try once more")) from None
            self.add(path, data)
            return
        with self._lock:
            self._staged.append((path, str(tmp)))

    def _drain(self) -> None:
        assert self._queue is not None
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self._error is None:
                    self._write(*item)
            except OutputError as exc:
                self._error = exc
            finally:
                self._queue.task_done()

    def _write(self, path: Path, data: bytes) -> None:
        try:
            if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
                return  # unchanged: keep the file (and its modification time) as it is
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            with self._lock:
                self._staged.append((path, tmp))
            if hasattr(os, "fchmod"):  # POSIX (Windows has no such modes before Python 3.13)
                os.fchmod(fd, 0o666 & ~_UMASK)  # as an ordinary new file, not mkstemp's owner-only mode
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise OutputError(_problem(exc, self._shown or path, self._hint)) from None

    def _finish_writing(self) -> None:
        if self._queue is not None and self._writer is not None:
            self._queue.join()
            self._queue.put(None)
            self._writer.join()
            self._queue = self._writer = None

    def commit(self) -> list[Path]:
        """Rename every staged file over its target; return the paths that changed, in order."""
        self._finish_writing()
        if self._error is not None:
            raise self._error
        with self._lock:
            staged, self._staged = sorted(self._staged), []
        with deferred():  # a signal waits until every output is in place: no half-renamed build
            self._rename(staged)
        return [path for path, _ in staged]

    def _rename(self, staged: list[tuple[Path, str]]) -> None:
        for i, (path, tmp) in enumerate(staged):
            try:
                os.replace(tmp, path)
            except OSError as exc:  # e.g. the target became a folder: the rest stay staged, then go
                with self._lock:
                    self._staged = staged[i:]
                raise OutputError(_problem(exc, self._shown or path, self._hint)) from None

    def discard(self) -> None:
        self._finish_writing()
        with self._lock:
            staged, self._staged = self._staged, []
        for _, tmp in staged:
            _remove(tmp)

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.discard()  # after commit there is nothing left; after an error, the temporaries go


def _read_umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it: put it straight back
    os.umask(mask)
    return mask


_UMASK = _read_umask()  # at import, before any build thread could create a file meanwhile


def write_files(files: Mapping[Path, bytes],
                hint: str = "choose another place with --out, or fix the folder's permissions",
                links: Mapping[Path, Path] | None = None) -> list[Path]:
    """Write all `files` (path -> bytes), and put each of `links` (path -> an existing file) in
    place as that file, all together; return the paths whose content changed. A failure names
    the file and gives `hint` (say, which option chooses another)."""
    with Staging(hint=hint) as staging:
        for path, data in files.items():
            staging.add(path, data)
        for path, source in (links or {}).items():
            staging.add_link(path, source)
        return staging.commit()


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def os_problem(exc: OSError, where: Path | str | None = None) -> Problem:
    """A failed write or folder creation as a problem a user can act on."""
    return _problem(exc, where or exc.filename or "output")


def _problem(exc: OSError, where: Path | str,
             hint: str = "choose another folder with --out, or fix its permissions") -> Problem:
    if exc.errno == errno.ENOSPC:
        return Problem(str(where), message="the disk is full; nothing was changed", hint="free some space and build again")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return Problem(str(where), message="cannot write here (read-only or no permission); nothing was changed",
                       hint=hint)
    return Problem(str(where), message=f"cannot write: {exc.strerror}; nothing was changed")
