"""The validated concepts of the design brief, as immutable values."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping  # not typing's: isinstance() on it is several times slower
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

# an id (a clause's, a policy's, a school's, a section's): as the schemas have it
ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

SECTIONS = ("code-of-conduct", "acceptable-use", "remote-working", "safer-working-practice")

ROLE_LABELS = {
    "head": None,  # the school's own title, from terminology.head
    "dsl": "Designated Safeguarding Lead",
    "online_safety_lead": "Online Safety Lead",
    "dpo": "Data Protection Officer",
    "chair": None,  # terminology.chair
    "link_governor": "Link Governor for Online Safety",
}


def template_colours(trust: Mapping[str, Any]) -> dict[str, str]:
    """A trust's colours (its settings' `trust` section) as the templates name them: colour-primary, ..."""
    return {f"colour-{k}": v for k, v in trust.get("colours", {}).items()}


def freeze(value: Any) -> Any:
    """Deep read-only copy: mappings become MappingProxyType, lists become tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def body_sha256(body: str) -> str:
    """The fingerprint of a clause's body text, as builds, approvals and releases record it: line
    endings and the blank lines round it do not count (an editor may change those unasked)."""
    return hashlib.sha256(body.replace("\r\n", "\n").strip().encode("utf-8")).hexdigest()


def released_as(release: str, unreleased: date | None) -> str:
    """How a text names the library release it comes from: "library release 2025.1", or, when it
    holds clause changes dated after that release, "unreleased changes since library release 2025.1"."""
    return f"unreleased changes since library release {release}" if unreleased else f"library release {release}"


@dataclass(frozen=True)
class ChangeNote:
    version: str
    date: date
    note: str


@dataclass(frozen=True)
class Clause:
    id: str
    version: str
    title: str
    section: str
    covers: tuple[str, ...]
    conditions: Mapping[str, Any]
    source: tuple[str, ...]
    locked: bool
    changelog: tuple[ChangeNote, ...]
    body: str
    path: str
    body_line: int

    @property
    def newest(self) -> date:
        """The date of its newest changelog entry: the day its current text was made."""
        return max(n.date for n in self.changelog)

    @property
    def body_sha256(self) -> str:
        return body_sha256(self.body)


@dataclass(frozen=True)
class Requirement:
    """One thing the library must cover (clauses/requirements.yaml), and which schools it is for."""

    id: str
    section: str
    text: str
    applies: Mapping[str, Any] = field(default_factory=dict)  # a clause's `conditions` keys; {}: every school


@dataclass(frozen=True)
class Part:
    heading: str
    intro: str
    clauses: tuple[str, ...]
    group: str = ""  # the title of the policy it was included from ("" for the policy's own parts)
    related: bool = False  # the place the document lists its related policies and documents (no clauses)


@dataclass(frozen=True)
class Policy:
    id: str
    title: str
    version: str
    summary: str
    owner: str
    approver: str
    review_months: int
    audience: str
    published: bool
    related: tuple[str, ...]
    parts: tuple[Part, ...]  # with `include`s already expanded
    path: str
    documents: tuple[str, ...] = ()  # related school documents (ids the library's `documents` declares)


@dataclass(frozen=True)
class Library:
    name: str
    release: str
    date: date
    options: Mapping[str, Mapping[str, Any]]
    changelog: tuple[Mapping[str, Any], ...]
    clauses: Mapping[str, Clause]
    policies: Mapping[str, Policy]
    # the editions of guidance the release follows (id -> title, short, ...): clause text names them
    guidance: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # the school's own documents a policy may list as related (id -> title, description)
    documents: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # what the library must cover (clauses/requirements.yaml); () when the trust keeps no such list
    requirements: tuple[Requirement, ...] = ()
    # sections beyond the first library's four (SECTIONS), as clauses/library.yaml declares them
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def release_date(self, name: str) -> date | None:
        """The date of release `name` (this one's, or one its changelog names); None if unknown."""
        if name == self.release:
            return self.date
        for entry in self.changelog:
            if str(entry.get("release")) == name:
                try:
                    return date.fromisoformat(str(entry.get("date")))
                except ValueError:
                    return None
        return None

    def unreleased(self, versions: Mapping[str, str], release: str | None = None) -> date | None:
        """The newest changelog date among these clause versions (id -> version) that came after
        library release `release` (default: this library's own), or None when release had them
        all: a text holding such a version has unreleased changes. A clause or version the
        library no longer knows counts as released."""
        since = self.release_date(release or self.release)
        if since is None:
            return None
        newest = None
        for cid, version in versions.items():
            clause = self.clauses.get(cid)
            for note in clause.changelog if clause is not None else ():
                if note.version == version and note.date > since and (newest is None or note.date > newest):
                    newest = note.date
        return newest

    def unreleased_clauses(self) -> tuple[Clause, ...]:
        """The clauses changed since this release: their newest changelog entry is dated after it."""
        return tuple(c for c in self.clauses.values() if c.newest > self.date)


@dataclass(frozen=True)
class Approval:
    """One recorded decision: a body approved one exact text (by hash) on a date."""

    seq: int
    setting: str
    policy: str
    stage: str
    body: str
    date: date
    minute: str
    recorded_by: str
    recorded_on: date
    text_sha256: str
    policy_version: str
    library_release: str
    clauses: Mapping[str, str]
    markdown_sha256: str = ""  # sha256 of the archived document this record wrote ("" before records held it)
    # each clause's body_sha256 as approved ({} in records written before approvals held them)
    clause_sha256: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Setting:
    """One school or nursery, with the trust's defaults merged in."""

    id: str
    path: str
    values: Mapping[str, Any]  # merged: school, people, terminology, options, reporting
    local_authority: Mapping[str, Any]

    @property
    def name(self) -> str:
        return str(self.values["school"]["name"])


@dataclass(frozen=True)
class Project:
    """Everything `validate` accepted: the input to `resolve`."""

    root: Path
    library: Library
    trust: Mapping[str, Any]
    settings: Mapping[str, Setting]
    digest: str = field(default="", compare=False)
    approvals: tuple[Approval, ...] = ()
    archived: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, compare=False)  # approved texts by fingerprint
    # the documents as their approvals left them (Markdown), by archive path (governance/archive.py)
    archived_documents: Mapping[str, str] = field(default_factory=dict, compare=False)
    # what is worth saying but stops nothing (a clause changed without a new version): errors.Problem
    # values (not imported: the model and the errors sit side by side, neither importing the other)
    warnings: tuple[Any, ...] = field(default=(), compare=False)

    @property
    def colours(self) -> dict[str, str]:
        """The trust's colours (schema-checked #RRGGBB) as the templates name them: colour-primary, ..."""
        return template_colours(self.trust["trust"])

    @property
    def logo(self) -> str | None:
        """The trust's logo (settings trust.logo) as an absolute path, if it has one."""
        logo = self.trust["trust"].get("logo")
        return str((self.root / "settings" / logo).resolve()) if logo else None

    def approvals_for(self, setting: str, policy: str) -> tuple[Approval, ...]:
        return tuple(a for a in self.approvals if a.setting == setting and a.policy == policy)

    def as_of(self, day: date) -> "Project":
        """The trust as it stood on `day`: ledger records dated after it do not count yet.

        Every dated view (status --as-of, the site, the meeting pack) starts from this, so a
        document's state, approval note, history and redline all agree on what had happened.
        """
        kept = tuple(a for a in self.approvals if a.date <= day)
        return self if len(kept) == len(self.approvals) else replace(self, approvals=kept)
