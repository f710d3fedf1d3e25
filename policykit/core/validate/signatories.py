"""Every body that approves a school's documents has someone to sign for it in the approval block."""

from __future__ import annotations

from typing import Any, Mapping

from policykit.core.context import clause_context, settings_key
from policykit.core.load import Sources
from policykit.errors import Problem
from policykit.governance.scheme import body_name, stages
from policykit.governance.signing import signatory_needs
from policykit.model import Library, Setting
from policykit.templating.variables import missing


def check_signatories(sources: Sources, library: Library, trust: Mapping[str, Any],
                      settings: Mapping[str, Setting], problems: list[Problem]) -> None:
    """The signatory of each stage of each school x policy (trust.chair for the trust board, the
    chair for the board, the head for the head) must be set: reported once per missing value,
    at the file that should give it, with the policies that need it."""
    # (file, dotted key) -> (the body signed for, the policies that need it, the school's file)
    needs: dict[tuple[str, str], tuple[str, dict[str, None], str]] = {}
    for setting in settings.values():
        ctx = clause_context(trust, setting.values, setting.local_authority)
        la_key = setting.values["school"]["local_authority"]
        for policy in library.policies.values():
            for stage in stages(trust, policy, setting.values["school"]["type"]):
                for path in signatory_needs(stage, ctx["people"]):
                    gap = missing(path, ctx)
                    if gap is None:
                        continue
                    where, key = settings_key(gap, setting.path, la_key)
                    body = body_name(stage, ctx["terms"], ctx["trust"])
                    entry = needs.setdefault((where, key), (body, {}, setting.path))
                    entry[1][policy.id] = None
    docs = {d.shown: d for d in (sources.trust, *sources.settings) if d is not None}
    for (where, key), (body, policies, school) in sorted(needs.items()):
        whose = "their" if key == "people.head" else "its chair's"
        ids = sorted(policies)
        names = ids[0] if len(ids) == 1 else f"{', '.join(ids[:-1])} and {ids[-1]}"
        message = (f"is required: the {body} approves {names} (scheme of delegation), "
                   f"and the approval block has a line for {whose} signature")
        if where == school:
            hint = f"set {key}, with a name, in {where} or under defaults in settings/trust.yaml"
        else:
            hint = f"set {key} in {where}: the chair's name, and the role they sign as, e.g. Chair of Trustees"
        doc = docs.get(where)
        problems.append(doc.problem(tuple(key.split(".")), message, hint) if doc is not None
                        else Problem(where, 0, 0, key, message, hint))
