"""Stopping when asked: SIGTERM, SIGHUP, SIGINT (and Ctrl-Break) become exceptions, so a build unwinds.

By default SIGTERM ends Python at once: no `finally`, no context manager, so staged files,
temporary folders and pandoc children were left behind. With `install()` (the command line
calls it) each of these signals raises instead, in the main thread, and everything on the way
out runs: the conversions stop their children (processes.py), staging removes its temporary
files, temporary folders go. `Terminated` carries the signal, for the exit status (128 + it).

A few steps must not be cut in half (renaming the staged outputs into place): inside
`deferred()` a signal is held until the block ends.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Any, Iterator


class Terminated(KeyboardInterrupt):
    """The process was asked to stop by a signal other than Ctrl-C (SIGTERM, SIGHUP, SIGBREAK)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_state = threading.local()
_pending: list[int] = []


# SIGHUP (the terminal closed) is POSIX only; SIGBREAK (Ctrl-Break) is Windows only. Each is
# looked up by name, so a platform without it neither fails to import this nor installs it.
STOPPING = ("SIGTERM", "SIGHUP", "SIGINT", "SIGBREAK")


def install() -> None:
    """Turn SIGTERM, SIGHUP, SIGINT and SIGBREAK into exceptions, those of them that this platform
    has (from the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in handled():
        signal.signal(signum, _handler)


def handled() -> tuple[signal.Signals, ...]:
    """The stopping signals this platform has."""
    return tuple(getattr(signal, name) for name in STOPPING if hasattr(signal, name))


def _raise(signum: int) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


def _handler(signum: int, frame: Any) -> None:
    if getattr(_state, "deferred", 0):
        _pending.append(signum)
        return
    _raise(signum)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold signals until the block ends (in the main thread; elsewhere none arrive)."""
    _state.deferred = getattr(_state, "deferred", 0) + 1
    try:
        yield
    finally:
        _state.deferred -= 1
        if not _state.deferred and _pending:
            signum = _pending[0]
            _pending.clear()
            _raise(signum)
