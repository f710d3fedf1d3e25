"""When a clause applies to a setting: shared by validate (static checks) and resolve."""

from __future__ import annotations

from typing import Any, Mapping


def setting_facts(values: Mapping[str, Any]) -> dict[str, Any]:
    """The facts conditions test, from a setting's merged values."""
    school = values.get("school", {})
    phase = school.get("phase")
    return {
        "phase": phase,
        "type": school.get("type"),
        "eyfs": bool(school.get("eyfs", False)) or phase == "early-years",
        "post16": bool(school.get("post16", False)),
        "options": values.get("options", {}),
    }


def applies(conditions: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    """True when every condition holds (a list means any of its values)."""
    for key, wanted in conditions.items():
        if key == "options":
            for name, value in wanted.items():
                if facts["options"].get(name) != value:
                    return False
        elif isinstance(wanted, (list, tuple)):
            if facts.get(key) not in wanted:
                return False
        elif facts.get(key) != wanted:
            return False
    return True
