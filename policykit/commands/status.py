"""`policykit status` and `policykit acknowledgements`: where every school's policies stand.

    (--ics checked) -> load -> validate -> the trust as of the date -> resolve -> render
      -> status rows -> (the calendar file)
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Sequence

from policykit.commands.options import check_day
from policykit.core.load import load
from policykit.core.render import render
from policykit.core.resolve import resolve
from policykit.core.validate import validate
from policykit.reports.exports import acknowledgement_list, to_ics
from policykit.reports.status import Status, check_states, status_of
from policykit.system.atomic import write_files
from policykit.system.places import output_file, output_folder

__all__ = ["status", "acknowledgements", "Status"]


def status(root: Path | str = ".", as_of: date | None = None, settings: Sequence[str] | None = None,
           policies: Sequence[str] | None = None, states: Sequence[str] | None = None,
           ics: Path | str | None = None) -> Status:
    """Every selected school x policy with its approval state on `as_of` (default today); with
    `ics`, also write the review deadlines there as an iCalendar file."""
    as_of = check_day(as_of or date.today(), "--as-of")
    check_states(states)
    calendar = output_file(root, ics, "--ics") if ics is not None else None
    project = validate(load(root)).as_of(as_of)
    plan = resolve(project, settings, policies)
    report = status_of(plan, render(plan), as_of, states)
    if calendar is not None:
        write_files({calendar: to_ics(report).encode("utf-8")},
                    hint="choose another file with --ics, or fix its folder's permissions")
        report = replace(report, ics=calendar)
    return report


def acknowledgements(root: Path | str = ".", out: Path | str | None = None, fmt: str = "csv") -> str:
    """The current approved policies per school, for read-and-sign systems (CSV or JSON), with
    links into the build folder `out` (default ROOT/build)."""
    folder = output_folder(root, out)
    today = date.today()
    plan = resolve(validate(load(root)).as_of(today))
    return acknowledgement_list(status_of(plan, render(plan), today), folder, fmt)
