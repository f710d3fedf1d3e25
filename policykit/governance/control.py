"""The document control table: a policy's approval history, as it was recorded.

Each approved row says what that approval changed against the approval before it, from
what the ledger recorded then (each clause's version) and the archived text (its titles),
never from today's library: a clause removed from the policy later does not rewrite what an
old row says. Rows go by meeting date (then ledger order). A text not yet approved ends the
table with what changed since the last approval, dated from the clause library's changelog,
so the same inputs always give the same table. A text holding clause changes dated after its
library release says so instead of naming that release as its own ("unreleased changes since
library release 2025.1"), in its row and in the rows of approvals of such a text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Mapping

from policykit.dates import long_date
from policykit.governance.standing import Decision, Standing
from policykit.model import Approval, Clause, released_as

_ELSEWHERE = "other wording changed (key people, headings or the school's settings)"


@dataclass(frozen=True)
class CurrentText:
    """What the table needs to know of the text as it stands (from the document's plan)."""

    version: str  # the policy's
    library_release: str
    issued: date  # the library release date
    clauses: tuple[Clause, ...]  # in document order
    library_changelog: tuple[Mapping[str, Any], ...] = ()
    # "clause-id@version" -> title, for every clause version the approvals recorded
    recorded_titles: Mapping[str, str] = field(default_factory=dict)
    bodies: tuple[str, ...] = ()  # who approves it, in order, by the school's names
    # the newest changelog date among its clauses changed since its library release (None: none)
    unreleased: date | None = None
    unreleased_records: frozenset[int] = frozenset()  # ledger seqs whose approved text held such changes

    @property
    def clause_versions(self) -> dict[str, str]:
        return {c.id: c.version for c in self.clauses}


def document_control(place: Standing, doc: CurrentText, minutes: bool = True) -> list[dict[str, str]]:
    """The rows: every approval recorded for this school's policy by date, a row for each stage
    of a policy that two bodies approve, then the current text when it is not yet approved."""
    rows = []
    before: Decision | None = None
    full = {r.seq: d for d in place.decisions for r in d.records}
    stages = len(place.stages)
    for record in sorted(place.records, key=lambda r: (r.date, r.seq)):
        decision = full.get(record.seq)
        if decision is not None and stages == 1:
            summary = _approved_summary(before, decision, doc.recorded_titles)
        else:
            summary = _stage_summary(before, record, decision, place, doc)
        rows.append({
            "version": _version(record.policy_version, record.library_release, record.seq in doc.unreleased_records),
            "date": long_date(record.date),
            "summary": summary,
            "approved_by": f"{record.body}, minute {record.minute}" if minutes else record.body,
        })
        if decision is not None and record is decision.last:
            before = decision
    if not place.approved and not place.pending:  # (a text part-way through its stages has its rows)
        day, summary = _draft_summary(before, doc)
        rows.append({
            "version": _version(doc.version, doc.library_release, doc.unreleased is not None),
            "date": long_date(day),
            "summary": summary,
            "approved_by": "Not yet approved",
        })
    return rows


def _version(version: str, release: str, unreleased: bool) -> str:
    """A row's version: the policy's, and the library release its text comes from."""
    return f"{version} (unreleased changes since library release {release})" if unreleased else \
        f"{version} (library {release})"


def _stage_summary(before: Decision | None, record: Approval, decision: Decision | None, place: Standing,
                   doc: CurrentText) -> str:
    """One stage's row of a policy several bodies approve: what it approved, and how far it got."""
    stages = len(place.stages)
    if decision is not None:
        index = [r.seq for r in decision.records].index(record.seq)
        if index == stages - 1:
            return f"Approved at every stage (the {_ORDINALS[index]} of {_count(stages)}): in force from this date."
    else:
        index = place.stages.index(record.stage) if record.stage in place.stages else 0
    what = _summary(before, record.text_sha256, record.clauses, doc.recorded_titles)[:-1]
    where = f"the {_ORDINALS[index]} of {_count(stages)} stages"
    if decision is not None:
        return f"{what} ({where})."
    if record in place.pending:
        waiting = doc.bodies[len(place.pending):]
        return f"{what} ({where}); awaiting the {' then the '.join(waiting)}." if waiting else f"{what} ({where})."
    return f"{what} ({where}); the text changed before the next stage."


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")


def _count(n: int) -> str:
    return ("one", "two", "three", "four", "five", "six")[n - 1] if 0 < n <= 6 else str(n)


def _approved_summary(before: Decision | None, decision: Decision, titles: Mapping[str, str]) -> str:
    return _summary(before, decision.text_sha256, decision.last.clauses, titles)


def _summary(before: Decision | None, text_sha256: str, clauses: Mapping[str, str], titles: Mapping[str, str]) -> str:
    """What an approved text changed against the approval before it (at every stage)."""
    if before is None:
        return "First approved version."
    if before.text_sha256 == text_sha256:
        return "Reviewed: no change to the text."

    def title(cid: str, version: str) -> str:
        return titles.get(f"{cid}@{version}", cid)

    said = _changes(before.last.clauses, clauses, title, title)
    return _sentence("; ".join(said) if said else f"no clause changed version; {_ELSEWHERE}")


def _draft_summary(last: Decision | None, doc: CurrentText) -> tuple[date, str]:
    """The current text's row: the date it is dated from, and what changed since `last`."""
    if last is None:
        if doc.unreleased is not None:  # newest first, as changelogs go
            return doc.unreleased, f"{_unreleased_summary(doc)} {_release_summary(doc, doc.library_release)}"
        return doc.issued, _release_summary(doc, doc.library_release)
    clauses = {c.id: c for c in doc.clauses}
    said = _changes(last.last.clauses, doc.clause_versions,
                    lambda cid, version: doc.recorded_titles.get(f"{cid}@{version}", cid),
                    lambda cid, version: clauses[cid].title)
    changed = [clauses[cid] for cid, version in doc.clause_versions.items()
               if last.last.clauses.get(cid) != version]
    # dated by the newest library note among the clauses that changed: inputs, never the clock
    day = max((n.date for c in changed for n in c.changelog), default=doc.issued)
    what = "; ".join(said) if said else _ELSEWHERE
    return day, f"Changed since approval on {long_date(last.date)}: {what}."


def _changes(old: Mapping[str, str], new: Mapping[str, str], old_title: Callable[[str, str], str],
             new_title: Callable[[str, str], str]) -> list[str]:
    """'added X (1.0.0)', 'updated Y (1.1.0)', 'removed Z': clause ids with their versions, old to new."""
    added = sorted((new_title(c, v), v) for c, v in new.items() if c not in old)
    updated = sorted((new_title(c, v), v) for c, v in new.items() if c in old and old[c] != v)
    removed = sorted(old_title(c, v) for c, v in old.items() if c not in new)
    return ([f"added {t} ({v})" for t, v in added] + [f"updated {t} ({v})" for t, v in updated]
            + [f"removed {t}" for t in removed])


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _release_summary(doc: CurrentText, release: str) -> str:
    """What a library release changed in this document: its clauses dated that release (for a
    text never approved, there is no approval to compare with)."""
    dates = {str(c["release"]): str(c["date"]) for c in doc.library_changelog}
    when = dates.get(release)
    clauses = list(doc.clauses)
    if when is None or not clauses:
        return f"Library release {release}."
    changed = [c for c in clauses if any(n.date.isoformat() == when for n in c.changelog)]
    if all(c.changelog[-1].date.isoformat() == when for c in clauses):
        return "First issue of this policy."
    if not changed:
        return f"Library release {release}: no change to this policy's text."
    added = [c.title for c in changed if c.changelog[-1].date.isoformat() == when]
    updated = [c.title for c in changed if c.changelog[-1].date.isoformat() != when]
    said = ([f"added {'; '.join(added)}"] if added else []) + ([f"updated {'; '.join(updated)}"] if updated else [])
    return f"Library release {release}: " + "; ".join(said) + "."


def _unreleased_summary(doc: CurrentText) -> str:
    """What the clause changes dated after the library release do to a text never approved."""
    changed = [c for c in doc.clauses if c.newest > doc.issued]
    added = sorted((c.title, c.version) for c in changed if min(n.date for n in c.changelog) > doc.issued)
    updated = sorted((c.title, c.version) for c in changed if min(n.date for n in c.changelog) <= doc.issued)
    said = [f"added {t} ({v})" for t, v in added] + [f"updated {t} ({v})" for t, v in updated]
    return _sentence(f"{released_as(doc.library_release, doc.unreleased)}: " + "; ".join(said))
