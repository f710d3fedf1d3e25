"""Clauses changed without a new version: a body unlike the one recorded for the same version.

A clause's version names one text. When a release (its history file for that version), an
approval (each clause's body hash, in records that hold them) or a build (the manifest's
hashes) recorded a different body under the version the clause still has, the text was
edited without a new version: diffs, document control and approvals would all call it
unchanged. That is a warning, never a problem: the edit may be a typo fixed on purpose.

The core reads no build outputs: the commands read the manifest and pass its hashes in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from policykit.core.load import Sources
from policykit.core.releases import HISTORY
from policykit.core.yamlfile import YamlError, parse_front_matter, read_text
from policykit.errors import Problem, display_path
from policykit.model import Approval, Clause, body_sha256

_SHOWN = 3  # sources named in a warning before "and N more"


@dataclass(frozen=True)
class RecordedText:
    """A clause's body as something recorded it for one version."""

    clause: str
    version: str
    sha256: str  # model.body_sha256 of the body
    source: str  # who recorded it, for people: "approval 3", "clauses/history/x@1.0.0.md", ...


def history_texts(sources: Sources, clauses: Mapping[str, Clause]) -> list[RecordedText]:
    """The text a release kept for each clause's current version, where clauses/history has it."""
    found = []
    for clause in clauses.values():
        path = sources.root / HISTORY / f"{clause.id}@{clause.version}.md"
        if not path.is_file():
            continue
        shown = display_path(path, sources.root)
        try:
            doc = parse_front_matter(read_text(path, shown), path, shown)
        except YamlError:
            continue  # a broken history file is reported when a diff needs it, not guessed at here
        found.append(RecordedText(clause.id, clause.version, body_sha256(doc.body), shown))
    return found


def approval_texts(approvals: Iterable[Approval]) -> list[RecordedText]:
    """Each clause's body as each approval recorded it (records from before they held the hashes have none)."""
    return [RecordedText(cid, version, record.clause_sha256[cid], f"approval {record.seq}")
            for record in approvals for cid, version in record.clauses.items() if cid in record.clause_sha256]


def unversioned_changes(sources: Sources, clauses: Mapping[str, Clause], release: str,
                        recorded: Iterable[RecordedText]) -> list[Problem]:
    """A warning, at its `version`, for each clause whose body differs from one recorded for that version."""
    differing: dict[str, set[str]] = {}
    for text in recorded:
        clause = clauses.get(text.clause)
        if clause is not None and text.version == clause.version and text.sha256 != clause.body_sha256:
            differing.setdefault(clause.id, set()).add(text.source)
    docs = {d.shown: d for d in sources.clauses}
    warnings = []
    for cid, where in sorted(differing.items()):
        clause = clauses[cid]
        named = sorted(where, key=_order)
        said = ", ".join(named[:_SHOWN]) + (f" and {len(named) - _SHOWN} more" if len(named) > _SHOWN else "")
        message = (f"changed without a new version: its text differs from the text of version {clause.version} "
                   f"that {said} recorded")
        hint = (f"give it a new version and a changelog entry dated after library release {release} saying what "
                "changed, or put the recorded text back")
        doc = docs.get(clause.path)
        warnings.append(doc.problem(("version",), message, hint) if doc is not None
                        else Problem(clause.path, key="version", message=message, hint=hint))
    return warnings


def _order(source: str) -> tuple[int, int, str]:
    """History first, then approvals by number, then builds: the most lasting record first."""
    if source.startswith("approval "):
        number = source.removeprefix("approval ")
        return (1, int(number) if number.isdigit() else 0, source)
    return (0 if source.startswith(HISTORY.as_posix()) else 2, 0, source)
