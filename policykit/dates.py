"""Calendar arithmetic for review cycles, with the month-end rule written down once.

Adding months keeps the day of the month where that day exists, and otherwise falls back
to the last day of the target month: 31 January + 1 month is 28 February (29 in a leap
year); 29 February + 12 months is 28 February.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timezone

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def add_months(start: date, months: int) -> date:
    """`start` plus `months` calendar months, clamped to the end of the target month."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last))


def long_date(value: date | str) -> str:
    """'1 September 2026', the form British policies use."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def noon_epoch(day: date) -> int:
    """Seconds since 1970 at noon UTC on `day`: the one time of day every output is dated at,
    so documents carry their date and never the clock's (noon, so no time zone moves the day)."""
    return int(datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc).timestamp())
