"""Values still to fill in: settings values holding the marker `policykit init` writes ("REPLACE: ...").

A new trust repository's settings hold a marked value wherever the trust must say something
only it knows (the DSL's name, the school's URN). Each is reported where it stands, saying
what to write, so a half-filled repository lists just the values left; a problem the marker
itself causes (a URN that is not six digits yet, a phase that is not one of the phases) is
left out, as it goes when the value is filled in.
"""

from __future__ import annotations

from typing import Any, Iterable

from policykit.core.yamlfile import YamlDoc, leaves
from policykit.errors import Problem

MARKER = "REPLACE:"
HINT = "write the real value in place of the whole REPLACE: text"
_QUOTED = ", keeping the quotes: a URN is text, not a number"


def placeholder_problems(docs: Iterable[YamlDoc | None]) -> list[Problem]:
    """One problem for each marked value in `docs` (trust.yaml and the schools' files)."""
    problems = []
    for doc in docs:
        if doc is None:
            continue
        for key, value in marked_values(doc.data):
            what = value.split(MARKER, 1)[1].strip() or "this value"
            hint = HINT + (_QUOTED if key and key[-1] == "urn" else "")
            problems.append(doc.problem(key, f"still to fill in: {what}", hint))
    return problems


def marked_values(data: Any) -> list[tuple[tuple[Any, ...], str]]:
    """(key path, value) of each marked value in `data`, in file order."""
    return [(key, value) for key, value in leaves(data) if isinstance(value, str) and MARKER in value]


def without_marked(problems: Iterable[Problem], marked: Iterable[Problem]) -> list[Problem]:
    """`problems` less those at a marked value (its schema or option check fails only for the marker)."""
    places = {(p.path, p.key) for p in marked}
    return [p for p in problems if (p.path, p.key) not in places]
