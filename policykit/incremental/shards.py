"""Sharding a large build across machines, and merging the shards' manifests.

Shard K of N holds the documents whose key hashes to K (a stable hash, so a document stays
in its shard when schools are added or removed, and each machine's cache stays useful).
Each shard writes `manifest.shard-K-of-N.json` beside its outputs; once every shard's
outputs are in one folder, `merge` writes the one `manifest.json` a serial build would have.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from policykit.core.in_force import FOLDER as IN_FORCE
from policykit.errors import PolicykitError, Problem, UsageError
from policykit.incremental.manifest import MANIFEST, Manifest, read_manifest
from policykit.system.atomic import write_files

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_FILE = re.compile(r"^manifest\.shard-(\d+)-of-(\d+)\.json$")


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def manifest(self) -> str:
        return f"manifest.shard-{self.index}-of-{self.count}.json"

    def holds(self, key: str) -> bool:
        return shard_of(key, self.count) == self.index


def shard_of(key: str, count: int) -> int:
    """The 1-based shard of a document key, out of `count`. A policy's version in force
    ('school/in-force/policy') goes with the policy ('school/policy'), which its shard decides."""
    own = key.replace(f"/{IN_FORCE}/", "/", 1)
    return int.from_bytes(hashlib.sha256(own.encode("utf-8")).digest()[:8], "big") % count + 1


def parse_shard(spec: str | tuple[int, int] | Shard | None) -> Shard | None:
    """'K/N' (or (K, N)) checked: 1 <= K <= N."""
    if spec is None or isinstance(spec, Shard):
        return spec
    if isinstance(spec, tuple):
        index, count = spec
    else:
        match = _SPEC.match(spec)
        if not match:
            raise UsageError(Problem("--shard", message=f"'{spec}' is not K/N", hint="for example --shard 2/4"))
        index, count = int(match.group(1)), int(match.group(2))
    if not 1 <= index <= count:
        raise UsageError(Problem("--shard", message=f"shard {index}/{count} does not exist",
                                 hint=f"K runs from 1 to N, e.g. 1/{max(count, 1)}"))
    return Shard(index, count)


def merge(out: Path) -> Path:
    """Merge every `manifest.shard-K-of-N.json` in `out` into `out/manifest.json`; return its path.

    Every shard of one split must be there, built with the same tools and library.
    """
    found: dict[int, dict[int, Path]] = {}
    for path in sorted(out.glob("manifest.shard-*-of-*.json")):
        match = _FILE.match(path.name)
        if match:
            found.setdefault(int(match.group(2)), {})[int(match.group(1))] = path
    if not found:
        raise UsageError(Problem(str(out), message="no shard manifests (manifest.shard-K-of-N.json) here",
                                 hint="build with --shard K/N first, into this folder"))
    if len(found) > 1:
        raise PolicykitError(Problem(str(out), message="shard manifests of different splits: "
                                     + ", ".join(f"N={n}" for n in sorted(found)),
                                     hint="delete the old split's manifest.shard-*.json files"))
    count, shards = next(iter(found.items()))
    missing = [k for k in range(1, count + 1) if k not in shards]
    if missing:
        raise PolicykitError(Problem(str(out), message="missing shard manifests: "
                                     + ", ".join(f"{k}/{count}" for k in missing),
                                     hint="every shard must finish before the merge"))
    manifests = [read_manifest(out, shards[k].name) for k in range(1, count + 1)]
    if len({m.heading for m in manifests}) > 1:
        raise PolicykitError(Problem(str(out), message="the shards were built with different versions "
                                     "of policykit, pandoc, Typst or the library", hint="build every shard again"))
    documents = {}
    for k, manifest in enumerate(manifests, 1):
        for key, entry in manifest.documents.items():
            if shard_of(key, count) != k:
                continue  # not this shard's document: a stale entry, never a conflict
            documents[key] = entry
    first = manifests[0]
    merged = Manifest(policykit=first.policykit, library_release=first.library_release, tools=first.tools,
                      documents=documents)
    write_files({out / MANIFEST: merged.to_bytes()})
    return out / MANIFEST
