"""Incremental builds: what each output was made from, and whether it must be made again.

First, for the build as a whole, `request_key`: every byte of the trust's files, the
toolchain and the options. When the last build had the same one and its outputs are intact,
nothing is loaded at all. Otherwise two keys per document, both in the manifest:

- `inputs_sha256`, of the document's plan (its clauses with their texts and versions, the
  merged settings, the trust, the approvals, the policy) plus the toolchain. When it matches
  the last build and every output file is still as recorded, the document is neither
  rendered nor converted.
- per output, `input_sha256`, of everything the writers are given (the canonical Markdown
  and the other fields of the rendered document) plus the toolchain and the format. A plan
  that changed without changing the text (a setting no clause uses) is rendered again but
  not converted.

Whether an output file is still as recorded is asked of the stat cache (statcache.py),
which reads a file again only if its size, times or inode changed.

The toolchain is policykit's version, pandoc's and Typst's versions, the converter in use,
and a hash of every file in the policykit package (code, templates, Lua, fonts): a new
release, or an edited template, rebuilds everything.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from .convert import Converter
from .ledger import LEDGER
from .record import document_entry
from .statcache import StatCache

if TYPE_CHECKING:
    from .render import RenderedDocument
    from .resolve import DocumentPlan

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

    @property
    def key(self) -> bytes:
        return hashlib.sha256(repr(self).encode("utf-8")).digest()

    def versions(self) -> dict[str, str]:
        return {"policykit": self.policykit, "pandoc": self.pandoc, "typst": self.typst}


def toolchain(root: Path, converter: Converter) -> Toolchain:
    import policykit  # read at call time: a new version (even a patched one in a test) rebuilds

    version = getattr(converter, "version", None)
    kind = type(converter)
    return Toolchain(
        policykit=policykit.__version__,
        pandoc=version() if callable(version) else "",
        typst=_dist_version("typst"),
        converter=f"{kind.__module__}.{kind.__qualname__}",
        package_sha256=_package_sha256(Path(policykit.__file__).parent),
        settings_assets_sha256=_settings_assets(root),
    )


def _settings_assets(root: Path) -> str:
    """Files beside the settings that outputs may embed (a logo): not YAML, not the approvals,
    which reach each document through its plan."""
    approvals = root / LEDGER.parent
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
    toolchain, and what was asked for (formats, schools, policies, shard).

    When it matches the last build's and every output that build made is intact, nothing has
    changed at all: `build` can stop without loading, validating or rendering anything.
    """
    h = hashlib.sha256(tools.key)
    h.update(repr(request).encode("utf-8"))
    for folder in ("clauses", "settings"):
        h.update(b"\0" + _tree_sha256(root, (p for p in (root / folder).rglob("*") if p.is_file())).encode())
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
        names = _FIELDS[kind] = tuple(f.name for f in fields(kind)) if is_dataclass(kind) else None
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


class Freshness:
    """What the last build recorded, and which documents and outputs are still current."""

    def __init__(self, files: StatCache, fmts: tuple[str, ...], known: Sequence[str], tools: Toolchain,
                 recorded: dict[str, Any], force: bool, jobs: int):
        self.files, self.fmts, self.known, self.tools, self.force, self.jobs = files, fmts, tuple(known), tools, force, jobs
        self.recorded = {k: v for k, v in recorded.items() if isinstance(v, dict)}
        self.memo: Memo = {}
        self.plan_keys: dict[str, str] = {}
        self.output_keys: dict[str, dict[str, str]] = {}

    def _outputs(self, key: str) -> dict[str, Any]:
        outputs = self.recorded.get(key, {}).get("outputs")
        return outputs if isinstance(outputs, dict) else {}

    def _intact(self, wanted: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """Those (document, format) whose recorded file is on disk unaltered."""
        records = [self._outputs(key)[fmt] for key, fmt in wanted]
        ok = self.files.intact(records, self.jobs)
        return {pair for pair, good in zip(wanted, ok) if good}

    def stale_plans(self, plans: Sequence[DocumentPlan]) -> list[DocumentPlan]:
        """Plans to render: changed inputs, or an output missing, altered or never made."""
        candidates: list[tuple[str, str]] = []
        for plan in plans:
            self.plan_keys[plan.key] = input_key(plan, self.tools, self.memo)
            entry = self.recorded.get(plan.key, {})
            if self.force or entry.get("inputs_sha256") != self.plan_keys[plan.key]:
                continue
            outputs = self._outputs(plan.key)
            if all(isinstance(outputs.get(f), dict) for f in self.fmts):
                candidates.extend((plan.key, f) for f in self.fmts)
        intact = self._intact(candidates)
        return [p for p in plans if any((p.key, f) not in intact for f in self.fmts)]

    def outputs_to_make(self, docs: Sequence[RenderedDocument]) -> list[tuple[RenderedDocument, tuple[str, ...]]]:
        """Each rendered document with the formats whose output is not current."""
        candidates: list[tuple[str, str]] = []
        for doc in docs:
            keys = {fmt: input_key(doc, self.tools, self.memo, fmt) for fmt in self.known}
            self.output_keys[doc.key] = keys
            if self.force:
                continue
            outputs = self._outputs(doc.key)
            candidates.extend((doc.key, f) for f in self.fmts
                              if isinstance(outputs.get(f), dict) and outputs[f].get("input_sha256") == keys[f])
        intact = self._intact(candidates)
        work = []
        for doc in docs:
            todo = tuple(f for f in self.fmts if (doc.key, f) not in intact)
            if todo:
                work.append((doc, todo))
        return work

    def entries(self, plans: Sequence[DocumentPlan], docs: Sequence[RenderedDocument],
                made: dict[tuple[str, str], dict[str, str]]) -> dict[str, dict[str, Any]]:
        """Manifest entries for every selected document: unchanged ones as recorded."""
        rendered = {d.key: d for d in docs}
        entries: dict[str, dict[str, Any]] = {}
        for plan in plans:
            doc = rendered.get(plan.key)
            if doc is None:
                entries[plan.key] = self.recorded[plan.key]
                continue
            keys = self.output_keys[doc.key]
            outputs: dict[str, dict[str, str]] = {}
            for fmt, record in self._outputs(doc.key).items():
                # an output of another format, or one still current: keep it if made from this text
                if fmt in keys and isinstance(record, dict) and record.get("input_sha256") == keys[fmt]:
                    outputs[fmt] = record
            for fmt in self.fmts:
                if (doc.key, fmt) in made:
                    outputs[fmt] = {**made[(doc.key, fmt)], "input_sha256": keys[fmt]}
            entries[plan.key] = document_entry(doc, self.plan_keys[plan.key], outputs)
        return entries
