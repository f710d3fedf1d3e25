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


# a phase's usual ages when the settings give no age_range: (youngest, oldest, oldest with post-16)
PHASE_AGES = {"early-years": (0, 4, 4), "primary": (4, 11, 11), "middle": (9, 13, 13), "secondary": (11, 16, 18),
              "all-through": (4, 16, 18), "post-16": (16, 18, 18)}


def school_ages(school: Mapping[str, Any]) -> tuple[int, int] | None:
    """The school's age range: as its settings give it, else its phase's usual one (from 3 with
    early years provision, to 18 with a sixth form)."""
    given = age_range(school.get("age_range"))
    if given is not None or school.get("age_range") is not None:
        return given
    usual = PHASE_AGES.get(str(school.get("phase")))
    if usual is None:
        return None
    low, high, high16 = usual
    if school.get("eyfs") and low > 3:
        low = 3
    return (low, high16 if school.get("post16") else high)


def setting_facts(values: Mapping[str, Any]) -> dict[str, Any]:
    """The facts conditions test, from a setting's merged values."""
    school = values.get("school", {})
    phase = school.get("phase")
    return {
        "phase": phase,
        "type": school.get("type"),
        "eyfs": bool(school.get("eyfs", False)) or phase == "early-years",
        "post16": bool(school.get("post16", False)),
        "ages": school_ages(school),
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
