"""What a clause template sees, built from a setting's merged values.

Shared by validate (to check variables before building) and resolve (to render).
"""

from __future__ import annotations

from typing import Any, Mapping

from policykit.core.load import TRUST_FILE

# template root name -> (settings key it comes from, or None for the trust file)
ROOTS = {
    "school": "school",
    "people": "people",
    "terms": "terminology",
    "options": "options",
    "reporting": "reporting",
    "trust": None,
    "la": None,
    "policy": None,
}


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge: the school (`over`) wins; mappings merge key by key; lists are replaced whole."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def clause_context(trust: Mapping[str, Any], values: Mapping[str, Any], local_authority: Mapping[str, Any],
                   policy: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The names a clause may use: trust, school, people, terms, options, reporting, la, policy."""
    return {
        "trust": trust.get("trust", {}),
        "school": values.get("school", {}),
        "people": values.get("people", {}),
        "terms": values.get("terminology", {}),
        "options": values.get("options", {}),
        "reporting": values.get("reporting", {}),
        "la": local_authority,
        "policy": policy or {},
        "adaptations": values.get("adaptations", {}),
    }


def settings_key(path: tuple[str, ...], school_file: str, la_key: str) -> tuple[str, str]:
    """Where a template path's value is set: (file, dotted key) for the error message."""
    root = ROOTS.get(path[0])
    rest = ".".join(path[1:])
    if path[0] == "la":
        return f"settings/{TRUST_FILE}", f"local_authorities.{la_key}" + (f".{rest}" if rest else "")
    if path[0] == "trust":
        return f"settings/{TRUST_FILE}", ".".join(path)
    if root is None:
        return school_file, ".".join(path)
    return school_file, root + (f".{rest}" if rest else "")
