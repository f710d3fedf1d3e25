"""When a clause applies to a setting: shared by validate (static checks) and resolve."""

from __future__ import annotations

import re
from typing import Any, Mapping

# "11-18": the youngest and oldest ages on roll (settings school.age_range, condition `ages`)
AGE_RANGE = re.compile(r"^([0-9]{1,2})-([0-9]{1,2})$")


def age_range(text: Any) -> tuple[int, int] | None:
    """(youngest, oldest) from "11-18", or None when it is not a range of that shape, low to high."""
    match = AGE_RANGE.match(str(text)) if isinstance(text, str) else None
    if not match:
        return None
    low, high = int(match.group(1)), int(match.group(2))
    return (low, high) if low <= high else None


def setting_facts(values: Mapping[str, Any]) -> dict[str, Any]:
    """The facts conditions test, from a setting's merged values."""
    school = values.get("school", {})
    phase = school.get("phase")
    return {
        "phase": phase,
        "type": school.get("type"),
        "eyfs": bool(school.get("eyfs", False)) or phase == "early-years",
        "post16": bool(school.get("post16", False)),
        "ages": age_range(school.get("age_range")),
        "options": values.get("options", {}),
    }


def applies(conditions: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    """True when every condition holds (a list means any of its values; `ages` holds when the
    school's age range overlaps the condition's)."""
    for key, wanted in conditions.items():
        if key == "options":
            for name, value in wanted.items():
                if facts["options"].get(name) != value:
                    return False
        elif key == "ages":
            have, want = facts.get("ages"), age_range(wanted)
            if have is None or want is None or have[1] < want[0] or want[1] < have[0]:
                return False
        elif isinstance(wanted, (list, tuple)):
            if facts.get(key) not in wanted:
                return False
        elif facts.get(key) != wanted:
            return False
    return True
