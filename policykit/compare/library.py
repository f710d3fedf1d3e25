"""`diff --library FROM TO`: which clauses a library release changed, and whom it reaches.

A change reaches a school's policy when the policy holds the clause (in either release)
and the clause's conditions (in either release) apply to the school: those are the boards
that need to approve the policy again.
"""

from __future__ import annotations

from dataclasses import dataclass

from policykit.compare.versions import Trust
from policykit.core.conditions import applies, setting_facts
from policykit.core.library_at import library_at
from policykit.core.releases import semver
from policykit.model import Clause, Library, Project


@dataclass(frozen=True)
class Reach:
    """One school, and which of its policies a change reaches."""

    setting: str
    school: str
    policies: tuple[str, ...]


@dataclass(frozen=True)
class LibraryChange:
    kind: str  # added | removed | changed
    id: str
    title: str
    old_version: str | None
    new_version: str | None
    notes: tuple[str, ...]
    reaches: tuple[Reach, ...]

    @property
    def reverted(self) -> bool:
        """The newer release has an older version of the clause (a report from a later release back)."""
        return bool(self.old_version and self.new_version and semver(self.new_version) < semver(self.old_version))

    def line(self) -> str:
        versions = self.new_version or self.old_version or ""
        if self.old_version and self.new_version:
            versions = f"{self.old_version} -> {self.new_version}"
        kind = "reverted" if self.kind == "changed" and self.reverted else self.kind
        notes = " ".join(self.notes)
        return f"{kind:<8} {self.id} {versions}" + (f": {'undoes: ' if self.reverted else ''}{notes}" if notes else "")


@dataclass(frozen=True)
class LibraryDiff:
    old: str
    new: str
    changes: tuple[LibraryChange, ...]
    schools: tuple[Reach, ...]  # per school, every policy some change reaches: who re-approves what


def library_diff(trust: Trust, old: str, new: str) -> LibraryDiff:
    """Clause changes from library release `old` to `new`, and the schools' policies they reach."""
    a = library_at(trust.sources, trust.project.library, old, "--library")
    b = library_at(trust.sources, trust.project.library, new, "--library")
    changes = []
    for cid in sorted(set(a.clauses) | set(b.clauses)):
        x, y = a.clauses.get(cid), b.clauses.get(cid)
        if x is not None and y is not None and (x.version, x.body, x.title, x.conditions) == \
                (y.version, y.body, y.title, y.conditions):
            continue
        kind = "added" if x is None else "removed" if y is None else "changed"
        # the highest version's changelog covers both (going back to an older one, what it undoes)
        highest = max((c for c in (x, y) if c is not None), key=lambda c: semver(c.version))
        changes.append(LibraryChange(kind, cid, (y or highest).title, x.version if x else None,
                                     y.version if y else None,
                                     notes_between(highest, x.version if x else None, y.version if y else None),
                                     _reach(trust.project, cid, a, b)))
    order = {"changed": 0, "added": 1, "removed": 2}
    changes.sort(key=lambda c: (order[c.kind], c.id))
    schools: dict[str, set[str]] = {}
    for change in changes:
        for reach in change.reaches:
            schools.setdefault(reach.setting, set()).update(reach.policies)
    return LibraryDiff(a.release, b.release, tuple(changes), tuple(
        Reach(sid, trust.project.settings[sid].name, tuple(sorted(pids))) for sid, pids in sorted(schools.items())))


def notes_between(clause: Clause, old: str | None, new: str | None) -> tuple[str, ...]:
    """Changelog notes of the versions after `old` up to `new` (just `new`'s when it is new), oldest first."""
    if new is None:
        return ()
    low, high = sorted((semver(old), semver(new))) if old else (semver(new), semver(new))
    picked = [c for c in clause.changelog if (low < semver(c.version) <= high) or (old is None and c.version == new)]
    return tuple(c.note for c in sorted(picked, key=lambda c: semver(c.version)))


def _reach(project: Project, cid: str, *libraries: Library) -> tuple[Reach, ...]:
    out = []
    for sid, setting in sorted(project.settings.items()):
        facts = setting_facts(setting.values)
        policies = set()
        for library in libraries:
            clause = library.clauses.get(cid)
            if clause is None or not applies(clause.conditions, facts):
                continue
            policies.update(pid for pid, policy in library.policies.items()
                            if any(cid in part.clauses for part in policy.parts))
        if policies:
            out.append(Reach(sid, setting.name, tuple(sorted(policies))))
    return tuple(out)
