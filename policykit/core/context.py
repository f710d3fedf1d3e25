"""What a clause template sees, built from a setting's merged values.

Shared by validate (to check variables before building) and resolve (to render).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from policykit.core.conditions import school_ages
from policykit.core.load import TRUST_FILE
from policykit.governance.scheme import bodies_phrase, body_names

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
    "approval": None,
    "guidance": None,
}

# roots whose values policykit works out for each document, not read from a settings file
COMPUTED = {
    "policy": "the policy being built",
    "approval": "who approves the policy being built, from the scheme of delegation",
    "guidance": "the guidance editions the library release follows, declared under guidance in clauses/library.yaml",
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
                   policy: Mapping[str, Any] | None = None, stages: Iterable[str] = ("board",),
                   guidance: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The names a clause may use: trust, school, people, terms, options, reporting, la, policy,
    guidance (the editions the library release follows), and approval: who approves the
    document being built (its `stages`, from the scheme)."""
    terms = values.get("terminology", {})
    return {
        "trust": trust.get("trust", {}),
        "school": school_context(values.get("school", {})),
        "guidance": guidance or {},
        "people": values.get("people", {}),
        "terms": terms,
        "options": values.get("options", {}),
        "reporting": values.get("reporting", {}),
        "la": local_authority,
        "policy": policy or {},
        "approval": approval_context(tuple(stages), terms, trust.get("trust", {})),
        "adaptations": values.get("adaptations", {}),
    }


def school_context(school: Mapping[str, Any]) -> dict[str, Any]:
    """`school.*`: the settings as given, with `short_name` (its name unless the settings give one)
    and the age range as numbers, `youngest` and `oldest`, for `{% if school.oldest >= 11 %}`."""
    out = dict(school)
    out.setdefault("short_name", school.get("name", ""))
    ages = school_ages(school)
    if ages is not None:
        out["youngest"], out["oldest"] = ages
        out.setdefault("age_range", f"{ages[0]}-{ages[1]}")
    return out


def approval_context(stages: tuple[str, ...], terms: Mapping[str, Any], trust: Mapping[str, Any]) -> dict[str, Any]:
    """`approval.*` for a clause: the document's approving bodies by the school's names for them,
    so a sentence saying who approves the policy follows the scheme of delegation."""
    names = body_names(stages, terms, trust)
    return {
        "bodies": bodies_phrase(names),  # "the Board of Trustees, then the Local Governing Body"
        "names": list(names),            # ["Board of Trustees", "Local Governing Body"]
        "first": names[0] if names else "",
        "last": names[-1] if names else "",
        "stages": list(stages),          # ["trust-board", "board"]
        "one_stage": len(names) == 1,
    }


def settings_key(path: tuple[str, ...], school_file: str, la_key: str) -> tuple[str, str]:
    """Where a template path's value is set: (file, dotted key) for the error message."""
    root = ROOTS.get(path[0])
    rest = ".".join(path[1:])
    if path[0] == "la":
        return f"settings/{TRUST_FILE}", f"local_authorities.{la_key}" + (f".{rest}" if rest else "")
    if path[0] == "trust":
        return f"settings/{TRUST_FILE}", ".".join(path)
    if path[0] == "guidance":
        return "clauses/library.yaml", ".".join(path)
    if root is None:
        return school_file, ".".join(path)
    return school_file, root + (f".{rest}" if rest else "")
