"""The trust's scheme of delegation: who approves each policy, and how often it is reviewed."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from policykit.model import Policy

BODY_IDS = ("trust-board", "board", "committee", "head")
DEFAULT_DUE_SOON_DAYS = 60
DEFAULT_REMINDERS = (60, 30, 7)


def _scheme(trust: Mapping[str, Any]) -> Mapping[str, Any]:
    return trust.get("scheme_of_delegation", {}) or {}


def stages(trust: Mapping[str, Any], policy: Policy, setting_type: str) -> tuple[str, ...]:
    """The bodies that must approve `policy` for a setting of this type, in order."""
    entry = _scheme(trust).get("policies", {}).get(policy.id, {})
    by_type = entry.get("by_type", {})
    if setting_type in by_type:
        return tuple(by_type[setting_type])
    if "stages" in entry:
        return tuple(entry["stages"])
    return (policy.approver,)


def review_months(trust: Mapping[str, Any], policy: Policy) -> int:
    """The policy's review cycle, capped by the scheme (for the policy, then trust-wide)."""
    scheme = _scheme(trust)
    months = policy.review_months
    caps = [scheme.get("policies", {}).get(policy.id, {}).get("max_review_months"), scheme.get("max_review_months")]
    for cap in caps:
        if cap:
            months = min(months, int(cap))
    return months


def due_soon_days(trust: Mapping[str, Any]) -> int:
    return int(_scheme(trust).get("due_soon_days", DEFAULT_DUE_SOON_DAYS))


def reminder_days(trust: Mapping[str, Any]) -> tuple[int, ...]:
    return tuple(sorted(_scheme(trust).get("reminder_days", DEFAULT_REMINDERS), reverse=True))


def body_names(stages: Iterable[str], terms: Mapping[str, Any], trust: Mapping[str, Any]) -> tuple[str, ...]:
    """Each stage's body by the school's own names, in order."""
    return tuple(body_name(stage, terms, trust) for stage in stages)


def body_name(stage: str, terms: Mapping[str, Any], trust: Mapping[str, Any]) -> str:
    """What the school calls the body (its terminology), e.g. 'Local Academy Committee'."""
    if stage == "trust-board":
        return str(trust.get("trust", trust).get("board", "Trust Board"))
    if stage == "head":
        return str(terms.get("head", "Headteacher"))
    if stage == "committee":
        return str(terms.get("committee", terms.get("board", "Governing Board")))
    return str(terms.get("board", "Governing Board"))


def bodies_phrase(names: Iterable[str]) -> str:
    """The bodies in order as a phrase for a sentence: 'the Board of Trustees, then the Local
    Governing Body', or 'the Headteacher' for one stage."""
    return ", then ".join(f"the {name}" for name in names)
