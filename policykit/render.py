"""Stage 4, render: each document plan becomes canonical Markdown (sandboxed Jinja)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from typing import Any, Mapping

from .archive import content_hash
from .errors import PolicykitError, Problem
from .approvals import Standing, stages_reached, standing
from .dates import long_date
from .history import document_control
from .model import ROLE_LABELS, Clause, Setting
from .scheme import body_name
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
    text_sha256: str = ""  # fingerprint of the approvable text (see approvable_content)
    content: Mapping[str, Any] | None = None  # that text, clause by clause
    standing: Standing | None = None  # where this text stands against the approval ledger
    issued: date | None = None  # the library release date
    logo: str | None = None  # absolute path of the trust's logo (settings trust.logo), if it has one


def render(plan: Plan) -> tuple[RenderedDocument, ...]:
    """Render every planned document, collecting every template problem before failing."""
    problems: list[Problem] = []
    out = []
    for doc in plan.documents:
        try:
            out.append(replace(render_document(doc), logo=_logo(plan)))
        except _ClauseFailure as exc:
            problems.extend(exc.problems)
    if problems:
        raise PolicykitError(problems)
    return tuple(out)


def _logo(plan: Plan) -> str | None:
    logo = plan.project.trust.get("trust", {}).get("logo")
    return str((plan.project.root / "settings" / logo).resolve()) if logo else None


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
                raise _ClauseFailure(Problem(clause.path, clause.body_line + max(exc.line, 1) - 1, exc.column,
                                             exc.key, f"{exc.message} (building {doc.key})")) from None
            adaptation = context["adaptations"].get(clause.id)
            if adaptation:
                local = local_text(adaptation.get("replace") or adaptation["append"])
                text = local if "replace" in adaptation else f"{text.strip()}\n\n{local}"
            texts.append((clause, text))
            clauses.append({"id": clause.id, "title": Markdown(clause.title), "version": clause.version,
                            "text": Markdown(text.strip())})
        # the first part of an included policy opens a division headed by that policy's title
        starts = part.group if part.group and part.group != (parts[-1]["group"] if parts else "") else ""
        parts.append({"heading": Markdown(part.heading), "intro": Markdown(part.intro.strip()), "clauses": clauses,
                      "group": Markdown(part.group), "starts_group": Markdown(starts)})
    policy = doc.policy
    terms = context["terms"]
    key_people = _key_people(doc.setting, context["la"])
    content = approvable_content(doc, key_people, parts)
    text_sha256 = content_hash(content)
    place = standing(doc.approvals, text_sha256, doc.stages, doc.review_months)
    names = [body_name(stage, terms, context["trust"]) for stage in doc.stages]
    dated = place.current.date if place.current else doc.issued
    context["doc"] = {
        "version": policy.version,
        "library_release": doc.library_release,
        "issued": dated,
        "review_due": place.review_due(doc.issued),
        "owner": _role(policy.owner, doc.setting),
        "approver": " then ".join(names),
        "approved": place.approved,
        "approval_date": long_date(place.current.date) if place.current else "Not yet approved",
        "approval_status": "Approved" if place.approved else "Draft: not approved",
        "approval_note": _approval_note(place, names),
        "minutes": "; ".join(r.minute for r in place.current.records) if place.current else "",
        "history": document_control(place, doc),
        "text_sha256": text_sha256,
        "audience": policy.audience,
        "summary": policy.summary,
        "related": list(doc.related),
        "key_people": key_people,
        "parts": parts,
        "keywords": ["policy", *sorted({c.section for p in doc.parts for c in p.clauses})],
        "subject": f"{policy.title} for {doc.setting.name}",
    }
    try:
        markdown = render_template(frame_source(), context, limit=None)  # the engine's own frame: clauses are bounded
    except TemplateProblem as exc:
        raise _ClauseFailure(Problem(doc.setting.path, 0, 0, "", f"{exc.message} (building {doc.key})")) from None
    avoided = _avoided_terms(doc, texts, markdown)
    if avoided:
        raise _ClauseFailure(*avoided)
    return RenderedDocument(
        key=doc.key, setting_id=doc.setting.id, policy_id=policy.id, markdown=markdown,
        title=policy.title, school=doc.setting.name, trust=str(context["trust"]["name"]),
        epoch=_epoch(dated), clause_versions=doc.clause_versions, text_sha256=text_sha256, standing=place,
        content=content,
        issued=doc.issued,
        colours={f"colour-{k}": v for k, v in context["trust"].get("colours", {}).items()},
    )


def _avoided_terms(doc: DocumentPlan, texts: list[tuple[Clause, str]], markdown: str) -> list[Problem]:
    """Terms the school said it does not use (terminology.avoid) must not reach its documents."""
    terms = doc.setting.values.get("terminology", {}).get("avoid", ())
    problems = []
    lowered = markdown.lower() if terms and markdown.isascii() else None
    for term in terms:
        # cheap and exact first test: in ASCII text, ignoring case is comparing lower() (the
        # regex below costs ~1 ms per document and term, a fifth of `validate` on a big trust)
        if lowered is not None and term.isascii() and term.lower() not in lowered:
            continue
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


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc).timestamp())


def approvable_content(doc: DocumentPlan, key_people: list[dict[str, str]],
                       parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The text governors approve: everything but the approval details and the layout.

    Recording an approval (or restyling the documents) therefore does not change it.
    """
    return {
        "policy": doc.policy.id, "title": doc.policy.title, "version": doc.policy.version,
        "school": doc.setting.name, "key_people": key_people,
        # a division's title is text the board approves too; only parts in one carry the key, so
        # the texts of policies without divisions keep their fingerprints
        "parts": [{"heading": str(p["heading"]), "intro": str(p["intro"]),
                   "clauses": [[c["id"], c["version"], str(c["title"]), str(c["text"])] for c in p["clauses"]],
                   **({"group": str(p["group"])} if p["group"] else {})}
                  for p in parts],
    }


def _approval_note(place: Standing, names: list[str]) -> str:
    if place.current:
        bodies = " and ".join(f"the {r.body} on {long_date(r.date)} (minute {r.minute})" for r in place.current.records)
        return f"Approved by {bodies}."
    if place.pending:
        done = " and ".join(f"the {r.body} on {long_date(r.date)}" for r in place.pending)
        return f"Approved by {done}; awaiting approval by the {names[len(place.pending)]}."
    if place.earlier:
        last = place.earlier[-1]
        when = long_date(max(r.date for r in place.earlier))
        stage = "" if place.earlier_full else f" ({stages_reached(len(place.earlier), len(names))})"
        return (f"This text has changed since the {last.body} approved an earlier version on {when}{stage}; "
                f"it needs approval by the {' then the '.join(names)}.")
    return f"It needs approval by the {' then the '.join(names)}."


def _role(role: str, setting: Setting) -> str:
    terms = setting.values.get("terminology", {})
    label = ROLE_LABELS.get(role) or terms.get({"head": "head", "chair": "chair"}[role], role)
    person = setting.values.get("people", {}).get(role)
    return f"{label} ({person['name']})" if person else label


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
