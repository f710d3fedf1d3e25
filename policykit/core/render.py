"""Stage 4, render: each document plan becomes canonical Markdown (sandboxed Jinja).

Each clause body is rendered in the sandbox with the school's values, local wording is put
in (wording.py), and the whole is set into the document frame (frame.py) with the
document's approval standing, key people (people.py) and document control.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Mapping

from policykit.core import characters, glyphs
from policykit.core.approvable import approvable_content
from policykit.core.frame import frame_source
from policykit.core.markup import markup_problems
from policykit.core.people import key_people, role
from policykit.core.public import PublicCopy
from policykit.core.resolve import DocumentPlan, Plan
from policykit.core.wording import avoided_terms, local_text
from policykit.dates import long_date, noon_epoch
from policykit.errors import PolicykitError, Problem
from policykit.governance.archive import content_hash
from policykit.governance.control import CurrentText, document_control
from policykit.governance.scheme import bodies_phrase
from policykit.governance.signing import signatories
from policykit.governance.standing import Standing, Verdict, stages_reached, standing
from policykit.model import Clause, template_colours
from policykit.templating.engine import TemplateProblem
from policykit.templating.engine import render as render_template
from policykit.templating.markdown import Markdown


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
    # absolute path of the trust's logo (settings trust.logo), if it has one: left out of the build's
    # keys (the same trust in another folder is the same document), which the logo's bytes and its
    # name in the settings are in already
    logo: str | None = field(default=None, metadata={"key": False})
    # The first day this text would read differently with nothing else changed: the day after its
    # approval or review falls due, when it starts saying "(overdue)". None: no date changes it.
    changes_on: date | None = None


def render(plan: Plan) -> tuple[RenderedDocument, ...]:
    """Render every planned document, collecting every template problem before failing."""
    problems: list[Problem] = []
    out = []
    for doc in plan.documents:
        try:
            out.append(replace(render_document(doc, plan.as_of, plan.public), logo=plan.project.logo))
        except _ClauseFailure as exc:
            problems.extend(exc.problems)
    if problems:
        raise PolicykitError(problems)
    return tuple(out)


class _ClauseFailure(Exception):
    def __init__(self, *problems: Problem):
        self.problems = problems


def render_document(doc: DocumentPlan, as_of: date, public: PublicCopy | None = None) -> RenderedDocument:
    """One document's canonical Markdown as it reads on `as_of` (only its due date's "(overdue)"
    depends on the day); `public`: the copy for the school's website, without the values it
    names as private (core/public.py). Its approval standing is the staff text's: the two are
    one text, which governors approve with its contact details."""
    context = dict(doc.context)
    parts, texts = _render_parts(doc, context)
    policy = doc.policy
    people = key_people(doc.setting, context["la"])
    content = approvable_content(doc, people, parts)
    text_sha256 = content_hash(content)
    if public is not None:
        context = public.context(context)
        parts, texts = _render_parts(doc, context)
        people = _public_people(doc, context, public)
    minutes = public is None or not public.minutes
    place = standing(doc.approvals, text_sha256, doc.stages, doc.review_months)
    verdict = place.verdict(as_of, doc.due_soon_days, doc.issued)
    names = list(doc.bodies)
    # a draft is dated by its library release, or by its newest change since (never before its text)
    dated = place.current.date if place.current else max(doc.issued, doc.unreleased or doc.issued)
    context["doc"] = {
        "version": policy.version,
        "library_release": doc.library_release if doc.unreleased is None else
        f"{doc.library_release} with unreleased changes of {long_date(doc.unreleased)}",
        "issued": dated,
        "review_due": verdict.due,
        "review_label": "First approval due by" if verdict.first_approval else "Next review",
        "review_row": "First approval due by" if verdict.first_approval else "Next review date",
        "review_text": long_date(verdict.due) + (" (overdue)" if verdict.overdue else ""),
        "review_sentence": _review_sentence(verdict),
        "owner": role(policy.owner, doc.setting),
        "approver": ", then ".join(names),  # the same bodies as the approval note and signatures
        "approved": place.approved,
        "approval_date": long_date(place.current.date) if place.current else
        f"Not yet at every stage: the {place.pending[-1].body} approved it on {long_date(place.pending[-1].date)}"
        if place.pending else "Not yet approved",
        "approval_status": "Approved" if place.approved else "Draft: not approved",
        "approval_note": _approval_note(place, names, minutes),
        "signatories": signatories(doc.stages, context),
        "minutes": "; ".join(r.minute for r in place.current.records) if place.current and minutes else "",
        "history": document_control(place, _current_text(doc), minutes),
        "public": public.note(context) if public is not None else "",
        "text_sha256": text_sha256,
        "audience": policy.audience,
        "summary": policy.summary,
        "related": [{"title": title, "url": url} for title, url in zip(doc.related, doc.related_urls or
                                                                        ("",) * len(doc.related))],
        "key_people": people,
        "related_placed": any(p.related for p in doc.parts),
        "parts": parts,
        "keywords": ["policy", *sorted({c.section for p in doc.parts for c in p.clauses})],
        "subject": f"{policy.title} for {doc.setting.name}",
    }
    try:
        markdown = render_template(frame_source(), context, limit=None)  # the engine's own frame: clauses are bounded
    except TemplateProblem as exc:
        raise _ClauseFailure(Problem(doc.setting.path, 0, 0, "", f"{exc.message} (building {doc.key})")) from None
    avoided = avoided_terms(doc, texts, markdown)
    if avoided:
        raise _ClauseFailure(*avoided)
    return RenderedDocument(
        key=doc.key, setting_id=doc.setting.id, policy_id=policy.id, markdown=markdown,
        title=policy.title, school=doc.setting.name, trust=str(context["trust"]["name"]),
        epoch=noon_epoch(dated), clause_versions=doc.clause_versions, text_sha256=text_sha256, standing=place,
        changes_on=None if verdict.overdue else verdict.due + timedelta(days=1),
        content=content if public is None else None,  # (the staff text: a public copy carries none of it)
        issued=doc.issued,
        colours=template_colours(context["trust"]),
    )


def _render_parts(doc: DocumentPlan, context: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[tuple[Clause, str]]]:
    """Each part of the document with its clauses rendered in `context`, and each clause's text."""
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
            unusable = _unusable(text)
            if unusable:  # made by the template itself (a "\\U0001F3EB" escape, say): no value holds it
                raise _ClauseFailure(Problem(clause.path, clause.body_line, 0, "", f"the template makes {unusable} "
                                             f"(building {doc.key})", "use other characters or leave them out"))
            misused = _markup(clause.path, clause.body, clause.body_line, text, doc.key) \
                + _markup(clause.path, "", 0, clause.title, doc.key, "title")
            if misused:
                raise _ClauseFailure(*misused)
            texts.append((clause, text))
            clauses.append({"id": clause.id, "title": Markdown(clause.title), "version": clause.version,
                            "text": Markdown(text.strip())})
        misused = _markup(doc.policy.path, "", 0, part.heading, doc.key, "heading") \
            + _markup(doc.policy.path, "", 0, part.intro, doc.key, "intro")
        if misused:
            raise _ClauseFailure(*misused)
        # the first part of an included policy opens a division headed by that policy's title
        starts = part.group if part.group and part.group != (parts[-1]["group"] if parts else "") else ""
        parts.append({"heading": Markdown(part.heading), "intro": Markdown(part.intro.strip()), "clauses": clauses,
                      "group": Markdown(part.group), "starts_group": Markdown(starts), "related": part.related})
    return parts, texts


def _markup(path: str, source: str, first_line: int, text: str, key: str, field: str = "") -> list[Problem]:
    """Links, images and attributes a rendered text may not hold (core/markup.py), each at the
    source line that shows it when there is one (else where the text starts: the template made it)."""
    problems = []
    lines = source.splitlines()
    for offset, message, hint in markup_problems(text):
        shown = text[offset:].split(None, 1)[0][:40] if text[offset:].strip() else ""
        at = next((i for i, line in enumerate(lines) if shown and shown in line), None)
        line, column = (first_line + at, lines[at].index(shown) + 1) if at is not None else (first_line, 0)
        made = "" if at is not None or not source else ", made by the template"
        problems.append(Problem(path, line, column, field, f"{message}{made} (building {key})", hint))
    return problems


def _unusable(text: str) -> str:
    """The characters of a rendered clause that no document can carry or the PDF draw, in words."""
    if not characters.suspicious(text):
        return ""
    cannot = glyphs.undrawable(set(text))
    bad = [c for c in dict.fromkeys(text) if characters.not_text(c) or c in cannot]
    return ", ".join(f"{characters.describe(c)}, {characters.not_text(c) or 'which the PDF cannot draw'}"
                     for c in bad)


def _current_text(doc: DocumentPlan) -> CurrentText:
    return CurrentText(version=doc.policy.version, library_release=doc.library_release, issued=doc.issued,
                       clauses=tuple(c for part in doc.parts for c in part.clauses),
                       library_changelog=doc.library_changelog, recorded_titles=doc.recorded_titles,
                       bodies=doc.bodies, unreleased=doc.unreleased, unreleased_records=doc.unreleased_records)


def _public_people(doc: DocumentPlan, context: Mapping[str, Any], public: PublicCopy) -> list[dict[str, str]]:
    """The key people table of a public copy: names and roles, each contact left out is
    "Through the school office" (the trust's contact words) instead of an empty cell."""
    shown = replace(doc.setting, values={**doc.setting.values, "people": context["people"]})
    rows = key_people(shown, context["la"])
    return [{**row, "contact": row["contact"] or f"Through {public.contact}"} for row in rows]


def _review_sentence(verdict: Verdict) -> str:
    when = long_date(verdict.due)
    if verdict.first_approval:
        return f"Its first approval is due by {when}" + (": it is overdue." if verdict.overdue else ".")
    return f"The next review is due by {when}" + (": it is overdue." if verdict.overdue else ".")


def _approval_note(place: Standing, names: list[str], minutes: bool = True) -> str:
    if place.current:
        bodies = " and ".join(f"the {r.body} on {long_date(r.date)}" + (f" (minute {r.minute})" if minutes else "")
                              for r in place.current.records)
        return f"Approved by {bodies}."
    if place.pending:
        done = " and ".join(f"the {r.body} on {long_date(r.date)}" for r in place.pending)
        return f"Approved by {done}; awaiting approval by the {names[len(place.pending)]}."
    if place.earlier:
        last = place.earlier[-1]
        when = long_date(max(r.date for r in place.earlier))
        stage = "" if place.earlier_full else f" ({stages_reached(len(place.earlier), len(names))})"
        return (f"This text has changed since the {last.body} approved an earlier version on {when}{stage}; "
                f"it needs approval by {bodies_phrase(names)}.")
    return f"It needs approval by {bodies_phrase(names)}."
