"""Child processes (pandoc) that end with the build.

Children run in policykit's own process group, so Ctrl-C on a terminal (and a `kill` of the
group) reaches them too; but a SIGTERM sent to policykit alone does not, and a parallel build
waits for its workers, whose pandoc could run on for seconds. So every child is tracked here:
an interrupted build calls `stop()`, which terminates them all, and refuses new ones until
`resume()`. A child whose waiting thread is itself interrupted is killed there and then.
"""

from __future__ import annotations

import subprocess
import threading
from contextlib import suppress
from typing import Any, Sequence

_live: set[subprocess.Popen[bytes]] = set()
_lock = threading.Lock()
_stopping = False


class Stopped(Exception):
    """A child was not started (or was ended) because the build is stopping."""


def run(args: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    """Run a child to its end, output captured, as subprocess.run does, but tracked."""
    with _lock:
        if _stopping:
            raise Stopped("the build is stopping")
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)
        _live.add(proc)
    try:
        out, err = proc.communicate()
    except BaseException:  # interrupted while waiting: the child goes too
        with suppress(OSError):
            proc.kill()
        proc.wait()
        raise
    finally:
        with _lock:
            _live.discard(proc)
    if _stopping and proc.returncode < 0:
        raise Stopped("the build is stopping")
    return subprocess.CompletedProcess(list(args), proc.returncode, out, err)


def stop() -> None:
    """Terminate every running child, and start no more until `resume()`."""
    global _stopping
    with _lock:
        _stopping = True
        procs = list(_live)
    for proc in procs:
        with suppress(OSError):
            proc.terminate()


def resume() -> None:
    global _stopping
    with _lock:
        _stopping = False

