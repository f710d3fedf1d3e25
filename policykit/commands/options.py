"""Checks of what the commands are given that the stages need settled first: dates far ahead."""

from __future__ import annotations

from datetime import date

from policykit.errors import Problem, UsageError

LAST_YEAR = 9000  # reviews are counted years on from a date: one past this leaves the calendar


def check_day(day: date, option: str) -> date:
    """A date given on the command line (--as-of, --meeting), refused (a usage error) when it is
    so far ahead that review dates counted from it would leave the calendar."""
    if day.year > LAST_YEAR:
        raise UsageError(Problem(option, message=f"{day.isoformat()} is too far ahead",
                                 hint=f"give a date before {LAST_YEAR + 1}"))
    return day
