"""Stage 7, report: where every school's policies stand, as a table, CSV, JSON or calendar."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Iterable, Sequence

from .approvals import CHANGED, DUE, OVERDUE, STATES
from .check import check
from .errors import Problem, UsageError, did_you_mean
from .render import RenderedDocument, render
from .resolve import Plan, resolve
from .scheme import due_soon_days, reminder_days

FAIL_ON = {
    "overdue": {OVERDUE},
    "due": {DUE, OVERDUE},
    "changed": {CHANGED},
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

    def failing(self, fail_on: Iterable[str]) -> tuple[StatusRow, ...]:
        """Rows that trip any of the `--fail-on` conditions."""
        wanted: set[str] = set()
        for name in fail_on:
            wanted |= FAIL_ON[name]
        return tuple(r for r in self.rows if r.state in wanted or ("changed" in fail_on and r.changed))


def status(root: Path | str = ".", as_of: date | None = None, settings: Sequence[str] | None = None,
           policies: Sequence[str] | None = None, states: Sequence[str] | None = None) -> Status:
    """Every selected school x policy with its approval state on `as_of` (default today)."""
    as_of = as_of or date.today()
    for state in states or ():
        if state not in STATES:
            raise UsageError(Problem("--state", message=f"unknown state '{state}'",
                                     hint=did_you_mean(state, STATES) or f"states: {', '.join(STATES)}"))
    project = check(root).as_of(as_of)
    plan = resolve(project, settings, policies)
    return status_of(plan, render(plan), as_of, states)


def status_of(plan: Plan, docs: Sequence[RenderedDocument], as_of: date,
              states: Sequence[str] | None = None) -> Status:
    """The status of documents already planned and rendered (`plan.project` taken as of `as_of`):
    the site and the meeting pack have them in hand, so they need not validate and render again."""
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


def _plain(row: StatusRow) -> dict[str, object]:
    data = asdict(row)
    for key in ("approved_on", "next_review"):
        data[key] = data[key].isoformat() if data[key] else ""
    return data


def to_csv(rows: Sequence[StatusRow]) -> str:
    out = io.StringIO()
    fields = list(StatusRow.__dataclass_fields__)
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(_plain(row))
    return out.getvalue()


def to_json(report: Status) -> str:
    return json.dumps({"as_of": report.as_of.isoformat(), "documents": [_plain(r) for r in report.rows]},
                      indent=2, ensure_ascii=False) + "\n"


def acknowledgements(report: Status, out: Path, fmt: str) -> str:
    """Current approved policies, for read-and-sign systems (CSV or JSON)."""
    rows = [r for r in report.rows if r.approved_on and not r.changed]
    items = [{"setting": r.setting, "school": r.school, "policy": r.policy, "title": r.title,
              "version": r.version, "library_release": r.library_release, "text_sha256": r.text_sha256,
              "audience": r.audience, "approved_on": r.approved_on.isoformat() if r.approved_on else "",
              "pdf": (out / r.setting / f"{r.policy}.pdf").as_posix(),
              "docx": (out / r.setting / f"{r.policy}.docx").as_posix()} for r in rows]
    if fmt == "json":
        return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
    buffer = io.StringIO()
    fields = ["setting", "school", "policy", "title", "version", "library_release", "text_sha256", "audience",
              "approved_on", "pdf", "docx"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(items)
    return buffer.getvalue()


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545 folding: lines of at most 75 octets, continued with a leading space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, current = [], b""
    for ch in line:
        enc = ch.encode("utf-8")
        if len(current) + len(enc) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += enc
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def to_ics(report: Status) -> str:
    """An iCalendar file of review deadlines, each with reminders before it."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//policykit//review calendar//EN", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{_ics_text(report.trust + ' policy reviews')}"]
    for row in report.rows:
        what = "Review due" if row.approved_on else "Approval due"
        stamp = (row.approved_on or row.next_review).strftime("%Y%m%dT000000Z")
        lines += [
            "BEGIN:VEVENT",
            # one event per school x policy, whatever its date: a new approval moves the event in a
            # subscribed calendar instead of adding one. SEQUENCE (the ledger only grows) tells the
            # calendar which version of the event is newer; it comes from the ledger, not the clock.
            f"UID:{row.setting}.{row.policy}@policykit",
            f"SEQUENCE:{row.records}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{row.next_review.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(row.next_review + timedelta(days=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{_ics_text(f'{what}: {row.title} ({row.school})')}",
            f"DESCRIPTION:{_ics_text(f'State on {report.as_of.isoformat()}: {row.state}. Version {row.version}, library release {row.library_release}.')}",
            "TRANSP:TRANSPARENT",
        ]
        for days in report.reminders:
            lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{_ics_text(f'{what} in {days} days: {row.title}')}",
                      f"TRIGGER:-P{days}D", "END:VALARM"]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
