"""The ledger as validate reads it: an intact chain, and records of known schools, policies and bodies."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Mapping

from policykit.core import characters, glyphs, schema
from policykit.core.load import Sources
from policykit.core.validate.library import policy_names
from policykit.core.yamlfile import YamlDoc
from policykit.errors import Problem, did_you_mean
from policykit.governance.ledger import LEDGER, chain_problems, to_approval
from policykit.governance.scheme import stages
from policykit.system.fonts import FAMILY
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
        for problem in text_problems(data):
            problems.append(Problem(shown, entry.line, 0, f"{where}: {problem.key}", problem.message, problem.hint))
        if record.date > record.recorded_on or record.recorded_on > date.today():
            problems.append(Problem(shown, entry.line, 0, where, f"is dated {record.date.isoformat()} and recorded on "
                                    f"{record.recorded_on.isoformat()}: a decision is recorded on or after its "
                                    "meeting, and never on a day still to come",
                                    "the ledger is written by `policykit approve`; restore it from git"))
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


def record_problems(root: Path, fields: Mapping[str, Any]) -> list[Problem]:
    """Every rule validate applies to a ledger record, applied to one `approve` is about to write
    (its fields, without seq, prev and hash): what it records can never make a later command fail."""
    data = {"seq": 1, "prev": "0" * 64, **fields}
    doc = YamlDoc(root / LEDGER, LEDGER.as_posix(), data, {(): (0, 0)})
    return [*schema.check(doc, "approval"), *text_problems(data)]


def text_problems(data: Mapping[str, Any]) -> list[Problem]:
    """Characters in a record's text fields that no document can carry or the PDF draw (the
    minute and the body's name are printed in every document the record approves)."""
    problems = []
    texts = {key: value for key, value in data.items() if isinstance(value, str)}
    cannot = glyphs.undrawable({c for value in texts.values() if characters.suspicious(value) for c in value})
    for key, value in texts.items():
        if not characters.suspicious(value):
            continue
        for char in dict.fromkeys(value):
            why = characters.not_text(char) or (f"a character the PDF's font ({FAMILY}) cannot draw" if char in cannot else "")
            if why:
                problems.append(Problem(LEDGER.as_posix(), 0, 0, key, f"contains {characters.describe(char)}, {why}",
                                        "use other characters or leave them out"))
    return problems
