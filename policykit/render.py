"""Stage 4, render: each document plan becomes canonical Markdown (sandboxed Jinja)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from .errors import PolicykitError, Problem
from .model import ROLE_LABELS, Clause, Setting
from .resolve import DocumentPlan, Plan
from .templating import Markdown, TemplateProblem, escape, render as render_template
from .validate import frame_source


@dataclass(frozen=True)
class RenderedDocument:
    """Canonical Markdown for one school x policy, and what the writers need to know."""

    key: str
    setting_id: str
    policy_id: str
    markdown: str
    title: str
    school: str
    trust: str
    epoch: int  # seconds since 1970 of the document's date: its outputs carry no clock time
    clause_versions: Mapping[str, str]
    colours: Mapping[str, str]  # trust colours (schema-checked #RRGGBB) for the PDF and HTML


def render(plan: Plan) -> tuple[RenderedDocument, ...]:
    """Render every planned document, collecting every template problem before failing."""
    problems: list[Problem] = []
    out = []
    for doc in plan.documents:
        try:
            out.append(render_document(doc))
        except _ClauseFailure as exc:
            problems.extend(exc.problems)
    if problems:
        raise PolicykitError(problems)
    return tuple(out)


class _ClauseFailure(Exception):
    def __init__(self, *problems: Problem):
        self.problems = problems


def render_document(doc: DocumentPlan) -> RenderedDocument:
    context = dict(doc.context)
    parts = []
    texts: list[tuple[Clause, str]] = []
    for part in doc.parts:
        clauses = []
        for clause in part.clauses:
            try:
                text = render_template(clause.body, context)
            except TemplateProblem as exc:
                raise _ClauseFailure(Problem(clause.path, clause.body_line + max(exc.line, 1) - 1, 0, "",
                                             f"{exc.message} (building {doc.key})")) from None
            adaptation = context["adaptations"].get(clause.id)
            if adaptation:
                local = local_text(adaptation.get("replace") or adaptation["append"])
                text = local if "replace" in adaptation else f"{text.strip()}\n\n{local}"
            texts.append((clause, text))
            clauses.append({"id": clause.id, "title": Markdown(clause.title), "version": clause.version,
                            "text": Markdown(text.strip())})
        parts.append({"heading": Markdown(part.heading), "intro": Markdown(part.intro.strip()), "clauses": clauses})
    policy = doc.policy
    terms = context["terms"]
    context["doc"] = {
        "version": policy.version,
        "library_release": doc.library_release,
        "issued": doc.issued,
        "review_due": doc.review_due,
        "owner": _role(policy.owner, doc.setting),
        "approver": _approver(policy.approver, terms, context["trust"]),
        "approved": False,
        "approval_date": "Not yet approved",
        "approval_status": "draft",
        "audience": policy.audience,
        "summary": policy.summary,
        "related": list(doc.related),
        "key_people": _key_people(doc.setting, context["la"]),
        "parts": parts,
        "keywords": ["policy", *sorted({c.section for p in doc.parts for c in p.clauses})],
        "subject": f"{policy.title} for {doc.setting.name}",
    }
    try:
        markdown = render_template(frame_source(), context)
    except TemplateProblem as exc:
        raise _ClauseFailure(Problem(doc.setting.path, 0, 0, "", f"{exc.message} (building {doc.key})")) from None
    avoided = _avoided_terms(doc, texts, markdown)
    if avoided:
        raise _ClauseFailure(*avoided)
    return RenderedDocument(
        key=doc.key, setting_id=doc.setting.id, policy_id=policy.id, markdown=markdown,
        title=policy.title, school=doc.setting.name, trust=str(context["trust"]["name"]),
        epoch=_epoch(doc), clause_versions=doc.clause_versions,
        colours={f"colour-{k}": v for k, v in context["trust"].get("colours", {}).items()},
    )


def _avoided_terms(doc: DocumentPlan, texts: list[tuple[Clause, str]], markdown: str) -> list[Problem]:
    """Terms the school said it does not use (terminology.avoid) must not reach its documents."""
    terms = doc.setting.values.get("terminology", {}).get("avoid", ())
    problems = []
    for term in terms:
        pattern = re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)
        if not pattern.search(markdown):
            continue
        hint = f"{doc.setting.path} lists '{term}' under terminology.avoid"
        found_in_clause = False
        for clause, text in texts:
            if pattern.search(clause.title) or pattern.search(text):
                found_in_clause = True
                lines = clause.body.splitlines()
                at = next((i for i, line in enumerate(lines) if pattern.search(line)), None)
                line = clause.body_line + at if at is not None else 0
                problems.append(Problem(clause.path, line, 0, "", f"'{term}' appears in {doc.key}", hint +
                                        "; use a terms.* variable, or change the value that holds it"))
        if not found_in_clause:
            problems.append(Problem(doc.setting.path, 0, 0, "terminology.avoid",
                                    f"'{term}' appears in {doc.key} (from a settings value, not a clause)",
                                    "check the names and titles in the settings"))
    return problems


def local_text(text: str) -> str:
    """A school's own wording as Markdown that shows exactly what it typed.

    Paragraphs are separated by a blank line; lines that start with '- ' become bullets.
    Everything else is escaped: settings are data, never markup.
    """
    blocks = []
    for para in text.strip().split("\n\n"):
        lines = [line.strip() for line in para.strip().splitlines() if line.strip()]
        if lines and all(line.startswith("- ") for line in lines):
            blocks.append("\n".join("- " + escape(line[2:]) for line in lines))
        else:
            blocks.append(escape(" ".join(lines)))
    return "\n\n".join(b for b in blocks if b)


def _epoch(doc: DocumentPlan) -> int:
    from datetime import datetime, timezone

    return int(datetime(doc.issued.year, doc.issued.month, doc.issued.day, 12, tzinfo=timezone.utc).timestamp())


def _role(role: str, setting: Setting) -> str:
    terms = setting.values.get("terminology", {})
    label = ROLE_LABELS.get(role) or terms.get({"head": "head", "chair": "chair"}[role], role)
    person = setting.values.get("people", {}).get(role)
    return f"{label} ({person['name']})" if person else label


def _approver(approver: str, terms: Mapping[str, Any], trust: Mapping[str, Any]) -> str:
    if approver == "trust-board":
        return str(trust.get("board", "Trust Board"))
    if approver == "head":
        return str(terms["head"])
    if approver == "committee":
        return str(terms.get("committee", terms["board"]))
    return str(terms["board"])


def _key_people(setting: Setting, la: Mapping[str, Any]) -> list[dict[str, str]]:
    people = setting.values.get("people", {})
    terms = setting.values.get("terminology", {})
    rows: list[dict[str, str]] = []

    def add(label: str, person: Mapping[str, Any] | None) -> None:
        if not person:
            return
        name = person["name"] + (f", {person['role']}" if person.get("role") and person["role"] != label else "")
        contact = "; ".join(str(person[k]) for k in ("email", "phone") if person.get(k))
        rows.append({"role": label, "name": name, "contact": contact})

    add(str(terms.get("head", "Headteacher")), people.get("head"))
    add("Designated Safeguarding Lead", people.get("dsl"))
    for deputy in people.get("deputy_dsls", ()):
        add("Deputy Designated Safeguarding Lead", deputy)
    add("Online Safety Lead", people.get("online_safety_lead"))
    add("Data Protection Officer", people.get("dpo"))
    add(str(terms.get("chair", "Chair of Governors")), people.get("chair"))
    add("Link Governor for Online Safety", people.get("link_governor"))
    if la.get("lado"):
        add(f"Local Authority Designated Officer ({la['name']})", la["lado"])
    return rows
