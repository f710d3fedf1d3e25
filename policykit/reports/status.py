"""Stage 7, report: where every school's policies stand, one row per school x policy.

The rows come from documents already planned and rendered: whichever command asks (status,
site, pack, acknowledgements) has them in hand. exports.py writes them as CSV, JSON or a
calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterable, Sequence

from policykit.core.render import RenderedDocument
from policykit.core.resolve import Plan
from policykit.errors import Problem, UsageError, did_you_mean
from policykit.governance.scheme import due_soon_days, reminder_days
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
    changed: bool  # an earlier text was approved at every stage and the current text differs
    approved_on: date | None
    approved_by: str
    minute: str
    next_review: date
    days_left: int
    version: str
    library_release: str
    text_sha256: str
    audience: str
    records: int = 0  # ledger records of this school x policy (as of the date): only ever grows


@dataclass(frozen=True)
class Status:
    as_of: date
    rows: tuple[StatusRow, ...]
    reminders: tuple[int, ...]
    trust: str
    ics: Path | None = None  # the calendar file written, when one was asked for

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
    window = due_soon_days(project.trust)
    rows = []
    for plan_doc, doc in zip(plan.documents, docs):
        place = doc.standing
        assert place is not None
        state = place.state(as_of, window, plan_doc.issued)
        due = place.review_due(plan_doc.issued)
        decision = place.current or place.latest
        rows.append(StatusRow(
            setting=doc.setting_id, school=doc.school, policy=doc.policy_id, title=doc.title, state=state,
            changed=place.current is None and place.latest is not None,
            approved_on=decision.date if decision else None,
            approved_by=" then ".join(r.body for r in decision.records) if decision else "",
            minute="; ".join(r.minute for r in decision.records) if decision else "",
            next_review=due, days_left=(due - as_of).days, version=plan_doc.policy.version,
            library_release=plan_doc.library_release, text_sha256=doc.text_sha256, audience=plan_doc.policy.audience,
            records=len(place.records),
        ))
    if states:
        rows = [r for r in rows if r.state in states]
    return Status(as_of, tuple(rows), reminder_days(project.trust), str(project.trust["trust"]["name"]))
