"""Which output files are still as the last build left them, without reading them all.

A no-op build must check every output (a file deleted or edited by hand is made again), and
hashing them means reading every byte: 230 MB at 100 schools, 1.2 GB at 500, slow from a
cold disk. As git's index does, this cache keeps each file's size, modification and change
times and inode from when its hash was last known; a file that still looks the same is not
read again. Anything else (a new inode, a touched file, a copy restored from a CI cache) is
read and hashed, and remembered if it matches.

A file written again within one clock tick of being looked at could keep its modification
time, so a file is trusted only once that is older than RACY_NS (git calls these entries
"racily clean").
The cache is a hidden file in the output folder; losing or corrupting it costs one full check.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterable

from policykit.incremental.manifest import OutputRecord

STAT_CACHE = ".policykit-stat.json"
RACY_NS = 100_000_000  # 0.1 s: far coarser than any file system's time stamps
_VERSION = 1


class StatCache:
    """The output folder's cache: relative path -> [size, mtime_ns, ctime_ns, inode, sha256]."""

    def __init__(self, out: Path):
        self.path = out / STAT_CACHE
        self.out = out
        self._lock = threading.Lock()
        self._dirty = False
        self._entries: dict[str, list[Any]] = {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("version") == _VERSION and isinstance(data.get("files"), dict):
                self._entries = data["files"]
        except (OSError, ValueError):
            pass

    def intact(self, records: Iterable[OutputRecord], jobs: int) -> list[bool]:
        """For each output record, whether the file is there as recorded."""
        records = list(records)
        if jobs > 1 and len(records) > 16:
            with ThreadPoolExecutor(jobs) as pool:  # hashlib releases the GIL on large buffers
                return list(pool.map(self._intact, records, chunksize=32))
        return [self._intact(r) for r in records]

    def _intact(self, record: OutputRecord) -> bool:
        rel, want = record.path, record.sha256
        path = self.out / rel
        try:
            st = os.stat(path)
        except OSError:
            return False
        if self._entries.get(rel) == [*_signature(st), want]:
            return True
        try:
            data = path.read_bytes()
        except OSError:
            return False
        if hashlib.sha256(data).hexdigest() != want:
            return False
        self._note(rel, st, want)
        return True

    def record(self, rel: str, sha256: str) -> None:
        """Remember a file this build has just written, whose hash is `sha256`."""
        try:
            self._note(rel, os.stat(self.out / rel), sha256)
        except OSError:
            pass

    def _note(self, rel: str, st: os.stat_result, sha256: str) -> None:
        # a later write would give the file a new mtime unless this one is within a tick of now
        # (the change time is no guide: renaming the file into place sets it)
        if st.st_mtime_ns >= time.time_ns() - RACY_NS:
            return  # racily clean: hash it again next time
        with self._lock:
            self._entries[rel] = [*_signature(st), sha256]
            self._dirty = True

    def save(self) -> None:
        """Write the cache if it learnt anything; a failure to write it is not an error."""
        if not self._dirty:
            return
        tmp = self.path.with_name(f".{STAT_CACHE}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps({"version": _VERSION, "files": self._entries}, sort_keys=True),
                           encoding="utf-8")
            os.replace(tmp, self.path)
            self._dirty = False
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _signature(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
