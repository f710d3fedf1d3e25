"""The ledger as validate reads it: an intact chain, and records of known schools, policies and bodies."""

from __future__ import annotations

from typing import Any, Mapping

from policykit.core import schema
from policykit.core.load import Sources
from policykit.core.validate.library import policy_names
from policykit.core.yamlfile import YamlDoc
from policykit.errors import Problem, did_you_mean
from policykit.governance.ledger import LEDGER, chain_problems, to_approval
from policykit.governance.scheme import stages
from policykit.model import Approval, Library, Setting


def ledger_records(sources: Sources, library: Library | None, trust: Mapping[str, Any] | None,
            settings: Mapping[str, Setting], problems: list[Problem]) -> tuple[Approval, ...]:
    """Ledger records: intact chain, valid fields, known schools and policies, allowed bodies."""
    shown = LEDGER.as_posix()
    problems.extend(chain_problems(sources.ledger, shown))
    approvals = []
    for entry in sources.ledger:
        if not isinstance(entry.data, dict):
            continue
        data = {k: v for k, v in entry.data.items() if k != "hash"}
        doc = YamlDoc(sources.root / LEDGER, shown, data, {(): (entry.line, 0)})
        found = schema.check(doc, "approval")
        if found:
            problems.extend(Problem(p.path, entry.line, 0, f"record {entry.data.get('seq', '?')}: {p.key}".rstrip(": "),
                                    p.message, p.hint) for p in found)
            continue
        record = to_approval(data)
        where = f"record {record.seq}"
        if record.setting not in settings:
            if settings or not problems:
                problems.append(Problem(shown, entry.line, 0, where, f"unknown school '{record.setting}'",
                                        did_you_mean(record.setting, settings)))
            continue
        if library is None or trust is None:
            continue
        policy = library.policies.get(record.policy)
        if policy is None:
            known = policy_names(sources)
            if record.policy not in known:  # a known but broken policy reports its own problem
                problems.append(Problem(shown, entry.line, 0, where, f"unknown policy '{record.policy}'",
                                        did_you_mean(record.policy, known)))
            continue
        allowed = stages(trust, policy, settings[record.setting].values["school"]["type"])
        if record.stage not in allowed:
            problems.append(Problem(shown, entry.line, 0, where, f"the scheme of delegation does not let "
                                    f"'{record.stage}' approve {record.policy} at {record.setting}",
                                    f"allowed: {', '.join(allowed)}"))
            continue
        approvals.append(record)
    return tuple(approvals)
