"""The keys of incremental builds: the toolchain, the whole request, and each document's inputs.

First, for the build as a whole, `request_key`: every byte of the trust's files, the
toolchain and the selection (schools, policies, shard). When the last build had the same one,
made every format asked for, and its outputs are intact, nothing is loaded at all. Otherwise two keys per document, both in the manifest:

- `inputs_sha256`, of the document's plan (its clauses with their texts and versions, the
  merged settings, the trust, the approvals, the policy) plus the toolchain. When it matches
  the last build and every output file is still as recorded, the document is neither
  rendered nor converted.
- per output, `input_sha256`, of everything the writers are given (the canonical Markdown
  and the other fields of the rendered document) plus the toolchain and the format. A plan
  that changed without changing the text (a setting no clause uses) is rendered again but
  not converted.

The toolchain is policykit's version, pandoc's and Typst's versions, the converter in use,
and a hash of every file in the policykit package (code, templates, Lua, fonts): a new
release, or an edited template, rebuilds everything.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any, Iterable

from policykit.governance.ledger import LEDGER
from policykit.outputs.pandoc import Converter
from policykit.system.assets import PACKAGE
from policykit.system.places import APPROVALS

Memo = dict[int, tuple[bytes, Any]]
_FIELDS: dict[type, tuple[str, ...] | None] = {}  # a dataclass's field names (fields() is slow); None if not one
_UNSEEN: Any = object()


@dataclass(frozen=True)
class Toolchain:
    """Everything outside the trust's files that shapes an output."""

    policykit: str
    pandoc: str
    typst: str
    converter: str
    package_sha256: str  # policykit's own files: code, templates, Lua filters, fonts
    settings_assets_sha256: str  # files beside the settings that are not YAML (a logo, say)
    # "public" for the schools' website copies (core/public.py), "" for the staff copies: in every
    # key, so a public build never takes a staff build's output or manifest entry for its own
    copy: str = ""

    @property
    def key(self) -> bytes:
        return hashlib.sha256(repr(self).encode("utf-8")).digest()

    def versions(self) -> dict[str, str]:
        out = {"policykit": self.policykit, "pandoc": self.pandoc, "typst": self.typst}
        return {**out, "copy": self.copy} if self.copy else out  # shards of the two copies never merge


def toolchain(root: Path, converter: Converter, copy: str = "") -> Toolchain:
    from policykit import (
        version as installed,  # read at call time: a new version (even a patched one in a test) rebuilds
    )

    version = getattr(converter, "version", None)
    kind = type(converter)
    return Toolchain(
        policykit=installed.VERSION,
        pandoc=version() if callable(version) else "",
        typst=_dist_version("typst"),
        converter=f"{kind.__module__}.{kind.__qualname__}",
        package_sha256=_package_sha256(PACKAGE),
        settings_assets_sha256=_settings_assets(root),
        copy=copy,
    )


def _settings_assets(root: Path) -> str:
    """Files beside the settings that outputs may embed (a logo): not YAML, not the approvals,
    which reach each document through its plan."""
    approvals = root / APPROVALS
    return _tree_sha256(root, (p for p in (root / "settings").rglob("*")
                               if p.is_file() and p.suffix not in (".yaml", ".yml") and approvals not in p.parents))


def _dist_version(name: str) -> str:
    from importlib import metadata  # only here: it is slow to import, and a no-op build is not

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def _package_sha256(folder: Path) -> str:
    return _tree_sha256(folder, (p for p in folder.rglob("*")
                        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"))


def _tree_sha256(base: Path, paths: Iterable[Path]) -> str:
    """Names (relative to `base`, so a moved checkout keeps its keys) and contents of `paths`."""
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(path.relative_to(base).as_posix().encode("utf-8") + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def request_key(root: Path, tools: Toolchain, *request: Any) -> str:
    """The hex key of one build request: every byte of the trust's clauses/ and settings/, the
    toolchain, and what was asked for (schools, policies, shard; the formats are compared on
    their own, so a build of fewer formats than the last one made can find them current).

    When it matches the last build's and every output that build made is intact, nothing has
    changed at all: `build` can stop without loading, validating or rendering anything.
    """
    h = hashlib.sha256(tools.key)
    h.update(repr(request).encode("utf-8"))
    # the ledger's lock is no input: reading the ledger makes it, so a build would change its own key
    lock = root / LEDGER.with_name(LEDGER.name + ".lock")
    for folder in ("clauses", "settings"):
        h.update(b"\0" + _tree_sha256(root, (p for p in (root / folder).rglob("*")
                                             if p.is_file() and p != lock)).encode())
    return h.hexdigest()


def input_key(value: Any, tools: Toolchain, memo: Memo, *extra: str) -> str:
    """The hex key of `value` (a plan or a rendered document) built with `tools`."""
    h = hashlib.sha256(tools.key)
    h.update(fingerprint(value, memo))
    for item in extra:
        h.update(b"\0" + item.encode("utf-8"))
    return h.hexdigest()


def fingerprint(value: Any, memo: Memo) -> bytes:
    """A digest of a value built from dataclasses, mappings, sequences and plain values.

    Dataclasses are walked field by field and remembered by identity, so the clauses,
    settings and policies that many documents share are hashed once per build. Other
    values are hashed by their repr, which for plain data (str, numbers, dates, mappings
    and tuples of them) is exact and fast.
    """
    hit = memo.get(id(value))
    if hit is not None:
        return hit[0]
    kind = type(value)
    names = _FIELDS.get(kind, _UNSEEN)
    if names is _UNSEEN:
        # a field marked key=False (an absolute path on this machine) is covered by another key
        names = _FIELDS[kind] = tuple(f.name for f in fields(kind) if f.metadata.get("key", True)) \
            if is_dataclass(kind) else None
    if names is not None:
        parts = [kind.__qualname__.encode("utf-8")]
        for name in names:
            parts += (name.encode("utf-8"), fingerprint(getattr(value, name), memo))
        digest = hashlib.sha256(b"\0".join(parts)).digest()
    elif isinstance(value, (tuple, list)):
        digest = hashlib.sha256(b"(" + b"".join([fingerprint(item, memo) for item in value])).digest()
    elif isinstance(value, (set, frozenset)):  # repr order would follow per-process string hashing
        digest = hashlib.sha256(b"{" + b"".join(sorted(fingerprint(item, memo) for item in value))).digest()
    else:
        text = repr(value)
        if " at 0x" in text:  # an object without a stable repr: never call it unchanged
            text = os.urandom(16).hex()
        digest = hashlib.sha256(type(value).__name__.encode("utf-8") + b"\0" + text.encode("utf-8")).digest()
    memo[id(value)] = (digest, value)  # keep the value alive so its id is not reused
    return digest
