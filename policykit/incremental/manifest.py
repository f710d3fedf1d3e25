"""Stage 6, record: the build manifest (what was built, from which inputs, with which hashes).

Each document's entry names its clauses and versions (and the hash of each clause's body,
so validate can tell a clause edited without a new version), the hash of its inputs and, for
each output, its path, its hash and the hash of what it was made from: enough for the next
build to tell which outputs are still current (see freshness.py). Entries of documents not
built this run are kept.

The file is parsed once, into `Manifest`; anything in it that is not as policykit writes it
(a hand edit, a truncated copy from a CI cache) is left out, which costs a rebuild of the
documents concerned and nothing else.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Callable, Mapping

MANIFEST = "manifest.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class OutputRecord:
    """One output file: where it is (relative to the output folder), its hash, and the hash of
    what it was made from ("" when it was not recorded)."""

    path: str
    sha256: str
    input_sha256: str = ""

    def to_json(self) -> dict[str, str]:
        data = {"path": self.path, "sha256": self.sha256}
        if self.input_sha256:
            data["input_sha256"] = self.input_sha256
        return data


@dataclass(frozen=True)
class DocumentEntry:
    """One school x policy as the build left it."""

    setting: str
    policy: str
    title: str
    school: str
    text_sha256: str  # of the canonical Markdown
    clauses: Mapping[str, str]
    inputs_sha256: str
    outputs: Mapping[str, OutputRecord]  # by format
    changes_on: str = ""  # ISO date from which the text reads differently by the calendar alone ("" never)
    text_fingerprint: str = ""  # the approvable text's fingerprint (render.RenderedDocument.text_sha256)
    clause_sha256: Mapping[str, str] = field(default_factory=dict)  # each clause's model.body_sha256 as built

    def to_json(self) -> dict[str, Any]:
        data = {"setting": self.setting, "policy": self.policy, "title": self.title, "school": self.school,
                "text_sha256": self.text_sha256, "clauses": dict(sorted(self.clauses.items())),
                "inputs_sha256": self.inputs_sha256}
        if self.changes_on:
            data["changes_on"] = self.changes_on
        if self.text_fingerprint:
            data["text_fingerprint"] = self.text_fingerprint
        if self.clause_sha256:
            data["clause_sha256"] = dict(sorted(self.clause_sha256.items()))
        data["outputs"] = {fmt: self.outputs[fmt].to_json() for fmt in sorted(self.outputs)}
        return data

    def clause_texts(self) -> list[tuple[str, str, str]]:
        """(clause, version, body sha256) for each clause this build recorded a hash for."""
        return [(cid, self.clauses[cid], digest) for cid, digest in sorted(self.clause_sha256.items())
                if cid in self.clauses]

    def current_on(self, day: date) -> bool:
        """Whether the text as built still reads right on `day` (its due date not yet passed)."""
        return not self.changes_on or day < date.fromisoformat(self.changes_on)


@dataclass(frozen=True)
class BuildRecord:
    """What the last build was asked for: its fast path compares these before loading anything."""

    request_sha256: str
    documents_sha256: str
    formats: tuple[str, ...]


@dataclass(frozen=True)
class Manifest:
    policykit: str = ""
    library_release: str = ""
    tools: Mapping[str, str] | None = None
    documents: Mapping[str, DocumentEntry] = field(default_factory=dict)
    shard: str = ""
    build: BuildRecord | None = None

    @property
    def heading(self) -> tuple[str, str, str]:
        """What every shard of one build must share: the versions it was made with."""
        return self.policykit, self.library_release, repr(sorted((self.tools or {}).items()))

    def to_bytes(self) -> bytes:
        data: dict[str, Any] = {"policykit": self.policykit, "library_release": self.library_release}
        if self.tools is not None:
            data["tools"] = dict(self.tools)
        if self.shard:
            data["shard"] = self.shard
        if self.build is not None:
            data["build"] = {"request_sha256": self.build.request_sha256,
                             "documents_sha256": self.build.documents_sha256, "formats": list(self.build.formats)}
        data["documents"] = {key: self.documents[key].to_json() for key in sorted(self.documents)}
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    def updated(self, header: Manifest, entries: Mapping[str, DocumentEntry],
                keep: Callable[[str], bool] = lambda key: True) -> Manifest:
        """This manifest's documents that `keep` accepts, with `entries` replacing theirs, under
        `header`'s versions and build record."""
        documents = {k: v for k, v in self.documents.items() if keep(k)}
        documents.update(entries)
        return replace(header, documents=documents)


def read_manifest(out: Path, name: str = MANIFEST) -> Manifest:
    """The manifest of an earlier build; an empty one if there is none (or it is unreadable)."""
    try:
        data = json.loads((out / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Manifest()
    return parse_manifest(data)


def parse_manifest(data: Any) -> Manifest:
    if not isinstance(data, dict) or not isinstance(data.get("documents"), dict):
        return Manifest()
    documents = {}
    for key, entry in data["documents"].items():
        parsed = _entry(entry)
        if isinstance(key, str) and parsed is not None:
            documents[key] = parsed
    tools = data.get("tools")
    return Manifest(policykit=_text(data.get("policykit")), library_release=_text(data.get("library_release")),
                    tools={str(k): _text(v) for k, v in tools.items()} if isinstance(tools, dict) else None,
                    documents=documents, shard=_text(data.get("shard")), build=_build(data.get("build")))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _build(data: Any) -> BuildRecord | None:
    if not isinstance(data, dict) or not isinstance(data.get("formats"), list):
        return None
    return BuildRecord(_text(data.get("request_sha256")), _text(data.get("documents_sha256")),
                       tuple(str(f) for f in data["formats"]))


def _entry(data: Any) -> DocumentEntry | None:
    if not isinstance(data, dict) or not isinstance(data.get("outputs"), dict):
        return None
    outputs = {}
    for fmt, record in data["outputs"].items():
        if isinstance(record, dict) and isinstance(record.get("path"), str) and isinstance(record.get("sha256"), str):
            outputs[str(fmt)] = OutputRecord(record["path"], record["sha256"], _text(record.get("input_sha256")))
    clauses = data.get("clauses")
    hashes = data.get("clause_sha256")
    changes_on = _text(data.get("changes_on"))
    try:
        date.fromisoformat(changes_on) if changes_on else None
    except ValueError:
        changes_on = "0001-01-01"  # unreadable: as good as passed, so the document is made again
    return DocumentEntry(setting=_text(data.get("setting")), policy=_text(data.get("policy")),
                         title=_text(data.get("title")), school=_text(data.get("school")),
                         text_sha256=_text(data.get("text_sha256")),
                         clauses={str(k): str(v) for k, v in clauses.items()} if isinstance(clauses, dict) else {},
                         inputs_sha256=_text(data.get("inputs_sha256")), outputs=outputs, changes_on=changes_on,
                         text_fingerprint=_text(data.get("text_fingerprint")),
                         clause_sha256={str(k): v for k, v in hashes.items() if isinstance(v, str)}
                         if isinstance(hashes, dict) else {})
