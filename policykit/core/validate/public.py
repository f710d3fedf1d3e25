"""settings/trust.yaml `public`: every name it marks private is a value a school's documents can hold."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from policykit.core.load import Sources
from policykit.core.public import APPROVAL_FIELDS, matches
from policykit.errors import Problem, did_you_mean
from policykit.model import Setting

# what a person may give (schemas/setting.schema.json $defs/person), and the people a school names
PERSON = ("name", "role", "email", "phone")
ROLES = ("head", "dsl", "deputy_dsls", "online_safety_lead", "dpo", "chair", "committee_chair", "link_governor")


def check_public(sources: Sources, trust: Mapping[str, Any], settings: Mapping[str, Setting],
                 problems: list[Problem]) -> None:
    """Report each `public.private` name that matches nothing a clause could be given, with the
    nearest name that does."""
    doc = sources.trust
    given = (trust.get("public") or {}).get("private") or ()
    if doc is None or not given:
        return
    known = names(trust, settings)
    for i, pattern in enumerate(given):
        if not any(matches(str(pattern), tuple(name.split("."))) for name in known):
            shown = sorted(known | _wildcards(known))
            problems.append(doc.problem(("public", "private", i), f"'{pattern}' names no value a school's "
                                        "documents can hold", did_you_mean(str(pattern), shown) or
                                        "start with people., reporting., school., trust., la. or approval., "
                                        "e.g. people.*.email"))


def names(trust: Mapping[str, Any], settings: Mapping[str, Setting]) -> set[str]:
    """Every dotted name (list indexes left out) a clause context holds for some school, every
    field a person may have, and the approval block's own fields."""
    out = set(APPROVAL_FIELDS) | {f"people.{r}.{f}" for r in ROLES for f in PERSON}
    out |= {f"trust.{k}.{f}" for k in ("ceo", "chair") for f in PERSON}
    _walk(trust.get("trust", {}), ("trust",), out)
    for setting in settings.values():
        values = setting.values
        for root, key in (("school", "school"), ("people", "people"), ("reporting", "reporting"),
                          ("terms", "terminology"), ("options", "options")):
            _walk(values.get(key, {}), (root,), out)
        _walk(setting.local_authority, ("la",), out)
    return out


def _walk(value: Any, path: tuple[str, ...], out: set[str]) -> None:
    if len(path) > 1:
        out.add(".".join(path))
    if isinstance(value, Mapping):
        for key, item in value.items():
            _walk(item, (*path, str(key)), out)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _walk(item, path, out)


def _wildcards(known: Iterable[str]) -> set[str]:
    """`people.*.email` for every `people.<role>.email`: the forms a hint may suggest."""
    return {".".join((n.split(".")[0], "*", *n.split(".")[2:])) for n in known if n.count(".") >= 2}
