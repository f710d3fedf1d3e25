"""Every template variable a school's documents use (clauses and the frame) is set for that school."""

from __future__ import annotations

from typing import Any, Mapping

from policykit.core.conditions import applies, setting_facts
from policykit.core.context import COMPUTED, ROOTS, clause_context, settings_key
from policykit.core.frame import frame_source
from policykit.core.validate.clause_text import column
from policykit.errors import Problem
from policykit.model import Library, Setting
from policykit.templating.variables import dead, missing, variables


def check_variables(library: Library, trust: Mapping[str, Any], settings: Mapping[str, Setting],
                     problems: list[Problem]) -> None:
    """Every variable of every clause that applies to a school must resolve in its settings."""
    frame = frame_source()
    frame_vars = [v for v in variables(frame) if v.path[0] in ROOTS]
    policies = list(library.policies.values())
    unknown: set[tuple[str, int, str]] = set()  # a computed value no document has: reported once, not per school
    for setting in settings.values():
        facts = setting_facts(setting.values)
        la_key = setting.values["school"]["local_authority"]
        # Only key presence is checked, and every policy gives `policy` and `approval` the same keys:
        # so each clause (in several policies) and the frame are checked once per school, not per
        # policy. Their values differ by document, so an `if` on them settles nothing here (`facts`).
        checked: set[str] = set()
        for policy in policies[:1]:
            ctx = clause_context(trust, setting.values, setting.local_authority,
                                 {"id": policy.id, "title": policy.title, "version": policy.version},
                                 guidance=library.guidance)
            facts_ctx = {k: v for k, v in ctx.items() if k not in COMPUTED}
            for part in (p for pol in policies for p in pol.parts):
                for cid in part.clauses:
                    clause = library.clauses[cid]
                    if cid in checked or not applies(clause.conditions, facts):
                        continue
                    checked.add(cid)
                    for var in variables(clause.body):
                        if var.when and dead(var.when, facts_ctx):
                            continue  # under an `if` this school's settings rule out: never rendered
                        gap = missing(var.path, ctx) if var.path[0] in ROOTS else None
                        if gap and gap[0] in COMPUTED:
                            if (cid, var.line, var.dotted) in unknown:
                                continue
                            unknown.add((cid, var.line, var.dotted))
                            problems.append(Problem(
                                clause.path, clause.body_line + var.line - 1,
                                column(clause.body.splitlines(), var), var.dotted,
                                f"{gap[0]} has no '{gap[-1]}' (clause {cid}): {gap[0]}.* is {COMPUTED[gap[0]]}",
                                f"use one of {', '.join(f'{gap[0]}.{k}' for k in sorted(ctx[gap[0]]))}"))
                        elif gap:
                            where, key = settings_key(gap, setting.path, la_key)
                            problems.append(Problem(
                                clause.path, clause.body_line + var.line - 1,
                                column(clause.body.splitlines(), var), var.dotted,
                                f"not set for {setting.path} (clause {cid})",
                                f"set {key} in {where}" + ("" if where != setting.path else
                                                          " or under defaults in settings/trust.yaml")))
            for var in frame_vars:
                gap = missing(var.path, ctx)
                if gap:
                    where, key = settings_key(gap, setting.path, la_key)
                    problems.append(Problem(where, 0, 0, key, "is required by every policy document "
                                            "(cover, key people and approval block)",
                                            f"set it in {where}" + ("" if where != setting.path else
                                                                   " or under defaults in settings/trust.yaml")))
