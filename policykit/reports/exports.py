"""The status report as files other systems read: CSV, JSON, read-and-sign lists, iCalendar."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import Sequence

from policykit.core.in_force import in_force_key
from policykit.dates import long_date
from policykit.reports.status import Status, StatusRow


# The exports' types, as schemas/status.schema.json and acknowledgements.schema.json give them:
# every other column is text.
DATES = ("approved_on", "next_review", "text_approved_on")
# no value (never approved, nothing awaited): null in JSON, an empty cell in CSV, never ""
OPTIONAL = ("approved_on", "approved_by", "minute", "text_approved_on", "text_approved_by", "awaiting", "next_body",
            "in_force_version", "in_force_sha256")
ACKNOWLEDGEMENT_FIELDS = ("setting", "school", "policy", "title", "version", "library_release", "text_sha256",
                          "audience", "approved_on", "pdf", "docx")


def _record(row: StatusRow) -> dict[str, object]:
    """One status row as its JSON object: dates as YYYY-MM-DD, absent values null."""
    data: dict[str, object] = asdict(row)
    for key in DATES:
        data[key] = data[key].isoformat() if data[key] else None  # type: ignore[attr-defined]
    for key in OPTIONAL:
        if data[key] == "":
            data[key] = None
    return data


def to_csv(rows: Sequence[StatusRow]) -> str:
    out = io.StringIO()
    fields = list(StatusRow.__dataclass_fields__)
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v, k in DATES) for k, v in _record(row).items()})
    return out.getvalue()


_FORMULA = ("=", "+", "-", "@", "\t", "\r")
# text a spreadsheet or pandas would read as something else: a number ("2025.10" -> 2025.1, "007"
# -> 7), a date in some locale ("1.1.0", "10/11"), a number in exponent form ("12e3") or a boolean
_NOT_TEXT = re.compile(r"[\d\s.,/:%+-]*\d[\d\s.,/:%+-]*|[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+|true|false", re.I)


def _cell(value: object, is_date: bool = False) -> object:
    """A CSV cell as its column's type reads in a spreadsheet and in pandas: booleans `true`/`false`,
    no value an empty cell, numbers and dates as written. A text cell that would start a formula
    (=, +, -, @, a tab or carriage return) or read as a number, date or boolean gets a leading
    apostrophe (as OWASP advises for formulas): Excel, LibreOffice and pandas all keep it as text,
    and dropping one leading apostrophe gives the value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and not is_date and (value.startswith(_FORMULA) or _NOT_TEXT.fullmatch(value)):
        return "'" + value
    return value


def to_json(report: Status) -> str:
    return json.dumps({"as_of": report.as_of.isoformat(), "documents": [_record(r) for r in report.rows]},
                      indent=2, ensure_ascii=False) + "\n"


def acknowledgement_list(report: Status, out: Path, fmt: str) -> str:
    """The version in force of each school's policies, for read-and-sign systems (CSV or JSON):
    the current text where it is approved, else the one approved before it (its files are under
    `<school>/in-force/` while the new text waits for approval)."""
    items = []
    for r in report.rows:
        if not r.approved_on:
            continue  # never approved at every stage: nothing is in force yet
        current = r.in_force_sha256 == r.text_sha256
        stem = out / (f"{r.setting}/{r.policy}" if current else in_force_key(r.setting, r.policy))
        items.append({"setting": r.setting, "school": r.school, "policy": r.policy, "title": r.title,
                      "version": r.version if current else r.in_force_version, "library_release": r.library_release,
                      "text_sha256": r.in_force_sha256, "audience": r.audience,
                      "approved_on": r.approved_on.isoformat(), "pdf": stem.with_suffix(".pdf").as_posix(),
                      "docx": stem.with_suffix(".docx").as_posix()})
    if fmt == "json":
        return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(ACKNOWLEDGEMENT_FIELDS), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _cell(v, k == "approved_on") for k, v in item.items()} for item in items)
    return buffer.getvalue()


def _ics_text(value: str) -> str:
    """RFC 5545 TEXT: backslash, ';' and ',' escaped, and every line break (CR LF, LF or a lone
    CR, which would end the line early) written as '\\n'."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
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


def to_ics(report: Status, today: date | None = None) -> str:
    """An iCalendar file of review deadlines, each with reminders before it.

    The same inputs give the same file on any day: nothing in it depends on the as-of date or the
    clock except through the events themselves. Each event's DTSTAMP is the day it was last
    revised (the library release it counts from, or the day the latest ledger record of its school
    x policy was recorded, whichever is later: Status.revised), and never after today; its SEQUENCE
    (the ledger records of its school x policy, plus the library releases after the first) grows
    with every decision recorded and every release, which are what move an event; and its
    description holds what the event is, never the as-of date or the state on it.
    """
    cap = today or date.today()  # only a release dated ahead is later: stamped today until that day
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//policykit//review calendar//EN", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{_ics_text(report.trust + ' policy reviews')}"]
    for row in report.rows:
        what = "Review due" if row.approved_on else "Approval due"
        revised = min(report.revised.get(f"{row.setting}/{row.policy}", cap), cap)
        if row.approved_on:
            decision = f"Approved by {row.approved_by} on {long_date(row.approved_on)}"
            decision += f" (minute {row.minute})." if row.minute else "."
        else:
            decision = "Not yet approved" + (" at every stage." if row.records else ".")
        lines += [
            "BEGIN:VEVENT",
            # one event per school x policy, whatever its date: a new approval moves the event in a
            # subscribed calendar instead of adding one
            f"UID:{row.setting}.{row.policy}@policykit",
            f"SEQUENCE:{row.records + report.releases - 1}",
            f"DTSTAMP:{revised.strftime('%Y%m%dT000000Z')}",
            f"DTSTART;VALUE=DATE:{row.next_review.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(row.next_review + timedelta(days=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{_ics_text(f'{what}: {row.title} ({row.school})')}",
            f"DESCRIPTION:{_ics_text(f'{what} by {long_date(row.next_review)}. {decision} Version {row.version}, library release {row.library_release}.')}",
            "TRANSP:TRANSPARENT",
        ]
        for days in report.reminders:
            lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{_ics_text(f'{what} in {days} days: {row.title}')}",
                      f"TRIGGER:-P{days}D", "END:VALARM"]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
