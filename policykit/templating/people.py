"""`who(...)` for clause templates: the people holding roles, each person named once.

"Ask the designated safeguarding lead (DSL), Mark Ellison, or the Headteacher, Mark Ellison"
is what a template writes by hand when one person holds two roles; `who('dsl', 'head')` reads
"Mark Ellison, our Headteacher and designated safeguarding lead (DSL)" there, and names both
people where they differ. The result is plain text: names are data, escaped like any value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import pass_context

# role -> (label in a sentence, where its person is in the clause context); head and chair take
# the school's own titles (terminology)
ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "head": ("", ("people", "head")),
    "dsl": ("designated safeguarding lead (DSL)", ("people", "dsl")),
    "deputy_dsl": ("deputy DSL", ("people", "deputy_dsls")),
    "online_safety_lead": ("online safety lead", ("people", "online_safety_lead")),
    "dpo": ("data protection officer", ("people", "dpo")),
    "chair": ("", ("people", "chair")),
    "link_governor": ("link governor for online safety", ("people", "link_governor")),
    "it_support": ("IT support", ("reporting", "it_support")),
    "lado": ("local authority designated officer (LADO)", ("la", "lado")),
}


def _get(context: Any, path: tuple[str, ...]) -> Any:
    value = context.get(path[0]) if hasattr(context, "get") else None
    for part in path[1:]:
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _label(role: str, context: Any) -> str:
    terms = context.get("terms") or {}
    if role == "head":
        return str(terms.get("head", "Headteacher"))
    if role == "chair":
        return str(terms.get("chair", "Chair of Governors"))
    return ROLES[role][0]


def _name(person: Any) -> str:
    return str(person.get("name", "")).strip() if isinstance(person, Mapping) else ""


def people_phrase(roles: tuple[str, ...], context: Any, join: str = "or", mid: bool = False) -> str:
    """The phrase `who` returns (see the module's docstring); `mid`: the sentence goes on after
    it, so a name set off by a comma gets its closing comma ("the DSL, Rachel Simmons, at once")."""
    groups: dict[str, list[str]] = {}  # a person's name -> their roles' labels, in the order asked
    unnamed: list[str] = []
    deputies: list[str] = []
    for role in roles:
        if role not in ROLES:
            raise ValueError(f"who() knows no role '{role}': use one of {', '.join(ROLES)}")
        found = _get(context, ROLES[role][1])
        if role == "deputy_dsl":
            deputies = [n for n in (_name(p) for p in found or ()) if n]
            if not deputies:
                unnamed.append("a deputy DSL")
            continue
        name = _name(found)
        if name and role == "it_support":  # a service, not a person: its own name says what it is
            unnamed.append(name)
        elif name:
            labels = groups.setdefault(name, [])
            # the school's own title first: "our Headteacher and designated safeguarding lead"
            labels.insert(0 if role == "head" else len(labels), _label(role, context))
        else:
            unnamed.append(f"the {_label(role, context)}")
    pieces: list[tuple[str, bool]] = []  # each person or role, and whether it ends set off by a comma
    for name, labels in groups.items():
        if len(labels) == 1:
            pieces.append((f"the {labels[0]}, {name}", True))
        else:
            pieces.append((f"{name}, our {_and(labels)}", True))
    deputies = [d for d in deputies if d not in groups]
    if len(deputies) == 1:
        pieces.append((f"the deputy DSL, {deputies[0]}", True))
    elif deputies:
        pieces.append((f"a deputy DSL ({' or '.join(deputies)})", False))
    pieces += [(label, False) for label in unnamed]
    texts = [text for text, _ in pieces]
    # a name set off by commas ("the DSL, Rachel Simmons,") keeps its closing comma before "or"
    phrase = texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + f", {join} " + texts[-1]
    if mid and pieces[-1][1]:
        return phrase + ","
    return phrase


def _and(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


@pass_context
def who(context: Any, *roles: str, join: str = "or", mid: bool = False) -> str:
    """`{{ who('dsl', 'head') }}`: who to go to, each person named once; `mid=True` where the
    sentence goes on after it."""
    if not roles:
        raise ValueError("who() needs at least one role, e.g. who('dsl')")
    if join not in ("or", "and"):
        raise ValueError("who() joins people with 'or' or 'and'")
    return people_phrase(tuple(str(r) for r in roles), context, join, bool(mid))


def capfirst(value: Any) -> str:
    """The text with its first letter a capital, for a sentence that starts with `who(...)`."""
    text = str(value)
    return text[:1].upper() + text[1:]
