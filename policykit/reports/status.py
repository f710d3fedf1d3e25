"""Stage 7, report: where every school's policies stand, one row per school x policy.

The rows come from documents already planned and rendered: whichever command asks (status,
site, pack, acknowledgements) has them in hand. exports.py writes them as CSV, JSON or a
calendar.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from policykit.core.render import RenderedDocument
from policykit.core.resolve import Plan
from policykit.errors import Problem, UsageError, did_you_mean
from policykit.governance.scheme import reminder_days
from policykit.governance.standing import CHANGED_SINCE_APPROVAL, DUE, OVERDUE, STATES

FAIL_ON = {
    "overdue": {OVERDUE},
    "due": {DUE, OVERDUE},
    "changed": {CHANGED_SINCE_APPROVAL},
}


@dataclass(frozen=True)
class StatusRow:
    setting: str
    school: str
    policy: str
    title: str
    state: str
    changed: bool  # the current text is not the one approved last (at every stage or at the first ones)
    approved_on: date | None  # the approval at every stage in force: of this text, else of the text before it
    approved_by: str
    minute: str
    next_review: date  # for a text never approved at every stage: its first approval's due date
    days_left: int
    version: str
    library_release: str
    text_sha256: str
    audience: str
    records: int = 0  # ledger records of this school x policy (as of the date): only ever grows
    first_approval: bool = False  # no text of this policy was ever approved at every stage here
    text_approved_on: date | None = None  # the latest approval of the current text, at any stage
    text_approved_by: str = ""  # the bodies that approved the current text so far, in order ("A then B")
    awaiting: str = ""  # the bodies still to approve the current text, in order ("" once approved)
    next_body: str = ""  # the first of them: whose approval the text needs next
    in_force_version: str = ""  # the policy version of the text approved at every stage last ("" if none)
    in_force_sha256: str = ""  # and its fingerprint: the current text's when that is the one in force


@dataclass(frozen=True)
class Status:
    as_of: date
    rows: tuple[StatusRow, ...]
    reminders: tuple[int, ...]
    trust: str
    ics: Path | None = None  # the calendar file written, when one was asked for
    # For the calendar (exports.to_ics), which must change only when an event does: how many
    # library releases there have been (a release moves every draft's due date), and, per
    # "setting/policy", the date its event was last revised: the library release's date or the
    # day the latest ledger record of it (as of the date) was recorded, whichever is later.
    releases: int = 1
    revised: Mapping[str, date] = field(default_factory=dict)

    def failing(self, fail_on: Iterable[str]) -> tuple[StatusRow, ...]:
        """Rows that trip any of the `--fail-on` conditions."""
        wanted: set[str] = set()
        for name in fail_on:
            wanted |= FAIL_ON[name]
        return tuple(r for r in self.rows if r.state in wanted or ("changed" in fail_on and r.changed))


def check_states(states: Sequence[str] | None) -> None:
    """Refuse (a usage error) a --state that is not one of STATES."""
    for state in states or ():
        if state not in STATES:
            raise UsageError(Problem("--state", message=f"unknown state '{state}'",
                                     hint=did_you_mean(state, STATES) or f"states: {', '.join(STATES)}"))


def status_of(plan: Plan, docs: Sequence[RenderedDocument], as_of: date,
              states: Sequence[str] | None = None) -> Status:
    """The status of documents already planned and rendered (`plan.project` taken as of `as_of`)."""
    project = plan.project
    rows = []
    revised: dict[str, date] = {}
    for plan_doc, doc in zip(plan.documents, docs):
        place = doc.standing
        assert place is not None
        verdict = place.verdict(as_of, plan_doc.due_soon_days, plan_doc.issued)
        decision = place.current or place.latest
        bodies = dict(zip(plan_doc.stages, plan_doc.bodies))
        this_text = verdict.current_records
        revised[f"{doc.setting_id}/{doc.policy_id}"] = max([project.library.date, *(r.recorded_on for r in place.records)])
        rows.append(StatusRow(
            setting=doc.setting_id, school=doc.school, policy=doc.policy_id, title=doc.title, state=verdict.state,
            changed=verdict.changed,
            approved_on=decision.date if decision else None,
            approved_by=" then ".join(r.body for r in decision.records) if decision else "",
            minute="; ".join(r.minute for r in decision.records) if decision else "",
            next_review=verdict.due, days_left=(verdict.due - as_of).days, version=plan_doc.policy.version,
            library_release=plan_doc.library_release, text_sha256=doc.text_sha256, audience=plan_doc.policy.audience,
            records=len(place.records), first_approval=verdict.first_approval,
            text_approved_on=max(r.date for r in this_text) if this_text else None,
            text_approved_by=" then ".join(r.body for r in this_text),
            awaiting=" then ".join(bodies[s] for s in verdict.awaits),
            next_body=bodies[verdict.awaits[0]] if verdict.awaits else "",
            in_force_version=decision.last.policy_version if decision else "",
            in_force_sha256=decision.text_sha256 if decision else "",
        ))
    if states:
        rows = [r for r in rows if r.state in states]
    releases = sum(1 for entry in project.library.changelog if "release" in entry) or 1
    return Status(as_of, tuple(rows), reminder_days(project.trust), str(project.trust["trust"]["name"]),
                  releases=releases, revised=revised)
