"""Who signs a document's approval block: one signatory for each body the scheme of delegation names.

The trust board is signed for by its chair (trust.chair), a school's board by the school's
chair (people.chair, titled terminology.chair), a committee by its own chair
(people.committee_chair) or, when the school names none, by the school's chair (in many trusts
the committee is the local board itself), and the head signs alone for a policy the head approves.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from policykit.governance.scheme import body_name

Setting = tuple[str, ...]  # a path in a clause context, e.g. ("trust", "chair", "name")


def signatory_needs(stage: str, people: Mapping[str, Any]) -> tuple[Setting, ...]:
    """The clause-context paths (trust, people, terms) the signatory line for `stage` reads."""
    if stage == "trust-board":
        return (("trust", "chair", "name"),)
    if stage == "head":
        return (("people", "head", "name"),)
    if stage == "committee" and "committee_chair" in people:
        return (("people", "committee_chair", "name"),)
    return (("people", "chair", "name"),)


def signatories(stages: Iterable[str], context: Mapping[str, Any]) -> list[dict[str, str]]:
    """A line per approving body, in order: the body signed for, who signs, and their role
    where it is not the body itself (the head signs as the head). `context` is a clause
    context (trust, people, terms), already validated to hold what `signatory_needs` asks."""
    trust, people, terms = context["trust"], context["people"], context["terms"]
    lines = []
    for stage in stages:
        body = body_name(stage, terms, trust)
        if stage == "trust-board":
            chair = trust["chair"]
            lines.append(_line(body, chair, str(chair.get("role") or f"Chair of the {body}")))
        elif stage == "head":
            lines.append(_line(body, people["head"], ""))
        elif stage == "committee" and "committee_chair" in people:
            chair = people["committee_chair"]
            lines.append(_line(body, chair, str(chair.get("role") or f"Chair of the {body}")))
        else:
            lines.append(_line(body, people["chair"], str(terms.get("chair") or f"Chair of the {body}")))
    return lines


def _line(body: str, person: Mapping[str, Any], role: str) -> dict[str, str]:
    return {"body": body, "name": str(person["name"]), "role": role}
