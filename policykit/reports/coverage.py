"""Where the library covers each requirement, per school: an inspector's "where do you cover X?".

    plan (every school x policy) -> for each requirement (clauses/requirements.yaml): the
    clauses that cover it, and for each school whether one of them is in its documents

The report is made from the plan the command resolved once; it never reads the trust again.
"""

from __future__ import annotations

import csv
import html
import io
import json
from dataclasses import dataclass, field
from typing import Mapping

from policykit.core.conditions import applies, setting_facts
from policykit.core.resolve import Plan


@dataclass(frozen=True)
class Reach:
    """One requirement at one school: whether it is for that school, and where it is covered."""

    setting: str
    school: str
    applies: bool
    clauses: tuple[str, ...]  # the covering clauses in this school's documents
    policies: tuple[str, ...]  # the policies that hold them

    @property
    def covered(self) -> bool:
        return bool(self.clauses)


@dataclass(frozen=True)
class RequirementCoverage:
    id: str
    section: str
    text: str
    clauses: tuple[str, ...]  # every clause of the library that covers it
    schools: tuple[Reach, ...]

    @property
    def uncovered(self) -> tuple[str, ...]:
        """The schools it is for whose documents hold no clause covering it."""
        return tuple(r.setting for r in self.schools if r.applies and not r.covered)


@dataclass(frozen=True)
class Coverage:
    release: str
    trust: str
    schools: tuple[str, ...]
    requirements: tuple[RequirementCoverage, ...]
    # for people reading the report: school id -> name, clause and policy id -> title
    names: Mapping[str, str] = field(default_factory=dict)

    def uncovered(self) -> tuple[tuple[str, str], ...]:
        """(requirement, school) for each requirement that reaches no document of a school it is for."""
        return tuple((r.id, s) for r in self.requirements for s in r.uncovered)


def coverage_of(plan: Plan) -> Coverage:
    """The coverage of every requirement in the plan's schools (those it was resolved for)."""
    library = plan.project.library
    held: dict[str, dict[str, set[str]]] = {}  # school -> clause -> policies holding it
    names: dict[str, str] = {}
    for doc in plan.documents:
        names[doc.setting.id] = doc.setting.name
        for part in doc.parts:
            for clause in part.clauses:
                held.setdefault(doc.setting.id, {}).setdefault(clause.id, set()).add(doc.policy.id)
    schools = tuple(sorted(names))
    rows = []
    for req in library.requirements:
        covering = tuple(sorted(c.id for c in library.clauses.values() if req.id in c.covers))
        reach = []
        for sid in schools:
            setting = plan.project.settings[sid]
            here = tuple(c for c in covering if c in held.get(sid, {}))
            policies = tuple(sorted({p for c in here for p in held[sid][c]}))
            reach.append(Reach(sid, names[sid], applies(req.applies, setting_facts(setting.values)), here, policies))
        rows.append(RequirementCoverage(req.id, req.section, req.text, covering, tuple(reach)))
    names = {**names, **{c.id: c.title for c in library.clauses.values()},
             **{p.id: p.title for p in library.policies.values()}}
    return Coverage(library.release, str(plan.project.trust["trust"]["name"]), schools, tuple(rows), names)


def cell(reach: Reach) -> str:
    """A school's cell in the table: its covering clauses, or why there are none."""
    if not reach.applies:
        return "not applicable"
    return ", ".join(reach.clauses) if reach.clauses else "NOT COVERED"


def _html_cell(reach: Reach, names: Mapping[str, str]) -> str:
    """The clauses by title, with the policies that hold them, or why there are none."""
    if not reach.applies or not reach.clauses:
        return html.escape(cell(reach))
    items = "".join(f"<li>{html.escape(names.get(c, c))} <code>{html.escape(c)}</code></li>" for c in reach.clauses)
    held = ", ".join(html.escape(names.get(p, p)) for p in reach.policies)
    return f"<ul>{items}</ul>in: {held}"


def to_csv(report: Coverage) -> str:
    """One row per requirement and school (the form a spreadsheet filters best)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["requirement", "section", "text", "school", "applies", "covered", "clauses", "policies"])
    for req in report.requirements:
        for r in req.schools:
            writer.writerow([req.id, req.section, req.text, r.setting, "true" if r.applies else "false",
                             "true" if r.covered else "false", " ".join(r.clauses), " ".join(r.policies)])
    return out.getvalue()


def to_json(report: Coverage) -> str:
    data = {
        "library_release": report.release,
        "schools": list(report.schools),
        "requirements": [{
            "id": req.id, "section": req.section, "text": req.text, "clauses": list(req.clauses),
            "schools": {r.setting: {"applies": r.applies, "covered": r.covered, "clauses": list(r.clauses),
                                    "policies": list(r.policies)} for r in req.schools},
        } for req in report.requirements],
        "uncovered": [{"requirement": rid, "school": sid} for rid, sid in report.uncovered()],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_html(report: Coverage, trust: str) -> str:
    """A page to hand an inspector: a table, requirement by school, with a caption and headers."""
    e = html.escape
    head = "".join(f'<th scope="col">{e(report.names.get(s, s))}</th>' for s in report.schools)
    body = []
    for req in report.requirements:
        cells = "".join(
            f'<td class="{"gap" if r.applies and not r.covered else "na" if not r.applies else "ok"}">'
            f"{_html_cell(r, report.names)}</td>" for r in req.schools)
        body.append(f'<tr><th scope="row">{e(req.id)}</th><td class="what">{e(req.text)}</td>{cells}</tr>')
    gaps = report.uncovered()
    summary = (f"{len(gaps)} requirement(s) reach no document of a school they apply to."
               if gaps else "Every requirement reaches every school it applies to.")
    title = f"Where our policies cover each requirement: {trust}, library release {report.release}"
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; color: #1a1a1a; }}
table {{ border-collapse: collapse; font-size: 0.9rem; }}
th, td {{ border: 1px solid #888; padding: 0.3rem 0.5rem; vertical-align: top; text-align: left; }}
td.gap {{ background: #fde8e8; font-weight: bold; }}
td.na {{ color: #555; }}
td.what {{ min-width: 22em; }}
td ul {{ margin: 0; padding-left: 1.1em; }}
</style>
</head>
<body>
<main>
<h1>{e(title)}</h1>
<p>{e(summary)}</p>
<table>
<caption>Each requirement, and the clauses that bring it into each school's documents</caption>
<thead><tr><th scope="col">Requirement</th><th scope="col">What it asks</th>{head}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
</main>
</body>
</html>
"""
