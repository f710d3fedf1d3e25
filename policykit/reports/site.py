"""The governors' view, a static site that needs no server and no script: its pages as files.

Pages (all links relative, so it works opened from disk and on any static host):

    index.html                      trust dashboard: schools x policies, totals, timeline
    library.html                    sections, clauses, versions, changelogs, reach
    style.css                       the one stylesheet (site_style.py)
    <school>/index.html             policies, approval history, downloads, key people
    <school>/<policy>/index.html    document information, changes, the policy text
    <school>/<policy>/redline.html  the redline against the last approved text (if any)
    <school>/<policy>/<school>-<policy>.{docx,pdf}   copies of the built files

Every value reaches the HTML through Jinja with autoescaping; the only HTML inserted as is
comes from pandoc (the policy text and the redline, site_html.py), which escapes what it
reads. The same inputs and the same as-of date make byte-identical pages: nothing reads the
clock.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from policykit.compare.clauses import ADDED, CHANGED, MOVED, REMOVED
from policykit.core.in_force import in_force_key
from policykit.core.render import RenderedDocument
from policykit.core.resolve import Plan
from policykit.dates import MONTHS, add_months, long_date
from policykit.governance.standing import APPROVED, AWAITING, CHANGED_SINCE_APPROVAL, DRAFT, DUE, OVERDUE
from policykit.model import SECTIONS, Policy, Project
from policykit.outputs.pandoc import Converter
from policykit.reports.redlines import Redline
from policykit.reports.site_html import clause_anchors, fragments, policy_markdown
from policykit.reports.site_style import STATE_COLOURS, state_class, stylesheet
from policykit.reports.status import Status, StatusRow
from policykit.system.assets import asset
from policykit.templating.addresses import linked_html

MARKER = ".policykit-site.json"  # what the last run wrote, so pages no longer made are removed
DOWNLOADS = (("docx", "Word document"), ("pdf", "PDF"))
STATE_ORDER = (OVERDUE, DUE, CHANGED_SINCE_APPROVAL, AWAITING, DRAFT, APPROVED)  # most urgent first


@dataclass(frozen=True)
class SiteResult:
    out: Path
    as_of: date
    pages: tuple[Path, ...]  # every HTML page, in a stable order
    files: tuple[Path, ...]  # every file of the site (pages, stylesheet, downloads)
    changed: tuple[Path, ...]  # files whose content changed on disk
    removed: tuple[Path, ...]  # files of an earlier run no longer made


@dataclass(frozen=True)
class _Doc:
    """What the pages need to know about one school x policy."""

    row: StatusRow
    doc: RenderedDocument
    redline: Redline | None
    stages: str  # the approving bodies, by the school's own names
    downloads: tuple[tuple[str, str, str, int], ...]  # (label, kind, href from the policy folder, bytes)
    pending: tuple[tuple[str, date, str], ...] = ()  # earlier stages that approved this very text: (body, date, minute)
    awaits: str = ""  # the bodies whose approval of this text is still to come, when a stage is pending


def download_name(doc: RenderedDocument, kind: str, in_force: bool = False) -> str:
    """A built file's copy in the site, relative to the site folder (beside the policy's page);
    `in_force`: the copy of the version in force, while a changed text waits for approval."""
    tail = "-in-force" if in_force else ""
    return f"{doc.setting_id}/{doc.policy_id}/{doc.setting_id}-{doc.policy_id}{tail}.{kind}"


def site_pages(plan: Plan, docs: Sequence[RenderedDocument], report: Status, redlines: Mapping[str, Redline | None],
               sizes: Mapping[str, Mapping[str, int]], converter: Converter,
               cache: Path | None = None) -> dict[str, bytes]:
    """Every page of the site and its stylesheet (path relative to the site folder -> bytes),
    from the documents planned and rendered, their status, their redlines and the sizes of
    the built files offered beside each policy page (`sizes`: document key -> format -> bytes;
    the files themselves are at `download_name`)."""
    rows = {(r.setting, r.policy): r for r in report.rows}
    files: dict[str, bytes] = {}
    entries: dict[tuple[str, str], _Doc] = {}
    for plan_doc, doc in zip(plan.documents, docs):
        offered = []
        row = rows[(doc.setting_id, doc.policy_id)]
        force = sizes.get(in_force_key(doc.setting_id, doc.policy_id))
        for kind, label in DOWNLOADS:
            name = download_name(doc, kind).rpartition("/")[2]
            offered.append((f"{label}, the text for approval" if force else label, kind.upper(), name,
                            sizes[doc.key][kind]))
        for kind, label in DOWNLOADS if force and row.approved_on else ():
            name = download_name(doc, kind, in_force=True).rpartition("/")[2]
            offered.append((f"{label}, the version in force (approved {long_date(row.approved_on)})", kind.upper(),
                            name, force[kind]))
        names = plan_doc.bodies
        pending = tuple(doc.standing.pending) if doc.standing is not None else ()
        entries[(doc.setting_id, doc.policy_id)] = _Doc(
            rows[(doc.setting_id, doc.policy_id)], doc, redlines[doc.key], " then ".join(names),
            tuple(offered), tuple((r.body, r.date, r.minute) for r in pending),
            " then ".join(names[len(pending):]) if pending else "")
    fragments = _fragments(converter, entries, cache / "fragments" if cache else None)
    pages = _Pages(plan.project, report.as_of, entries, fragments, _reach(plan), cache / "templates" if cache else None)
    for rel, html in pages.all():
        files[rel] = html.encode("utf-8")
    files["style.css"] = stylesheet(plan.project.trust).encode("utf-8")
    return files


def marker(made: Mapping[str, str]) -> bytes:
    """The site's record of the files it made (relative path -> sha256 of what it wrote), kept
    beside them: the next run removes a file it no longer makes only if it is still as written."""
    return (json.dumps({"files": dict(sorted(made.items()))}, indent=1) + "\n").encode("utf-8")


def _fragments(converter: Converter, entries: Mapping[tuple[str, str], _Doc],
               cache: Path | None) -> dict[tuple[str, str, str], str]:
    """The policy text and the redline of every document as HTML fragments."""
    keys: list[tuple[str, str, str]] = []
    texts: list[tuple[str, bool]] = []
    for key, entry in sorted(entries.items()):
        keys.append((*key, "text"))
        texts.append((policy_markdown(entry.doc), False))
        if entry.redline is not None and entry.redline.markdown:
            keys.append((*key, "redline"))
            texts.append((entry.redline.markdown, True))
    return dict(zip(keys, fragments(converter, texts, cache)))


def _current(here: bool, exact: bool = True) -> str:
    """The navigation's mark on the current place: the page itself, or a page inside it."""
    return f' aria-current="{"page" if exact else "true"}"' if here else ""


def _reach(plan: Plan) -> dict[str, list[tuple[str, str]]]:
    """clause id -> the (school, policy) documents it appears in, in plan order."""
    reach: dict[str, dict[tuple[str, str], None]] = {}
    for doc in plan.documents:
        pair = (doc.setting.id, doc.policy.id)
        for part in doc.parts:
            for clause in part.clauses:
                reach.setdefault(clause.id, {})[pair] = None
    return {cid: list(pairs) for cid, pairs in reach.items()}


def _state_label(state: str) -> str:
    return state[:1].upper() + state[1:]


def _size(n: int) -> str:
    return f"{max(1, round(n / 1024))} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


@lru_cache(maxsize=2)
def _environment(cache: Path | None = None) -> Environment:
    """The pages' Jinja environment; with `cache` (a folder of policykit's own), compiled
    templates are kept there, so a site run does not compile them again."""
    bytecode = None
    if cache is not None:
        try:
            cache.mkdir(parents=True, exist_ok=True)
            bytecode = FileSystemBytecodeCache(str(cache), "site-%s.cache")
        except OSError:
            pass  # no cache: the templates are compiled, as without one
    env = Environment(loader=FileSystemLoader(asset("templates/site")), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, bytecode_cache=bytecode)
    env.filters["longdate"] = lambda d: long_date(d) if d else ""
    env.filters["state_label"] = _state_label
    env.filters["state_class"] = state_class
    env.filters["size"] = _size
    # email and web addresses in settings values and notes as links, by the build's rule (links.lua)
    env.filters["linked"] = lambda text: text if isinstance(text, Markup) else Markup(linked_html(str(text)))
    env.globals["CHANGED_SINCE_APPROVAL"] = CHANGED_SINCE_APPROVAL
    return env


class _Pages:
    """Renders every page; each method returns (path relative to the site, HTML)."""

    def __init__(self, project: Project, as_of: date, entries: Mapping[tuple[str, str], _Doc],
                 fragments: Mapping[tuple[str, str, str], str], reach: Mapping[str, list[tuple[str, str]]],
                 cache: Path | None = None):
        self.project, self.as_of, self.entries, self.fragments, self.reach = project, as_of, entries, fragments, reach
        self.cache = cache
        self.schools = sorted(project.settings.values(), key=lambda s: (s.name.casefold(), s.id))
        self.policies = sorted(project.library.policies.values(), key=lambda p: (p.title.casefold(), p.id))
        trust = project.trust.get("trust", {})
        self.common = {"trust": str(trust.get("name", "")), "as_of": as_of, "release": project.library.release,
                       "schools": self.schools}
        self._navs: dict[str, list[tuple[str, str, str]]] = {}

    def _page(self, template: str, rel: str, exact: bool = True, **values: Any) -> tuple[str, str]:
        base = "../" * rel.count("/")
        html = _environment(self.cache).get_template(template).render(base=base, exact=exact, nav=self._nav, **self.common,
                                                            **values)
        return rel, html

    def _nav(self, base: str, current: str, exact: bool) -> Markup:
        """The navigation, the same on every page but for the current place. A trust of 100
        schools has 600 pages, each listing every school: the entries are made once for each
        depth in the site (`base`), escaped, and only the current one is marked per page."""
        if base not in self._navs:
            self._navs[base] = [
                (school.id, f'<li><a href="{escape(base)}{escape(school.id)}/index.html"',
                 f">{escape(school.name)}</a></li>") for school in self.schools]
        lines = ['<nav aria-label="Site">', "<ul>",
                 f'<li><a href="{escape(base)}index.html"{_current(current == "dashboard")}>Dashboard</a></li>']
        for sid, head, tail in self._navs[base]:
            lines.append(head + (_current(True, exact) if sid == current else "") + tail)
        lines += [f'<li><a href="{escape(base)}library.html"{_current(current == "library")}>Clause library</a></li>',
                  "</ul>", "</nav>"]
        return Markup("\n".join(lines))

    def all(self) -> Iterable[tuple[str, str]]:
        yield self.dashboard()
        yield self.library()
        for school in self.schools:
            yield self.school(school.id)
            for policy in self.policies:
                entry = self.entries.get((school.id, policy.id))
                if entry is None:
                    continue
                yield self.policy(entry)
                if (school.id, policy.id, "redline") in self.fragments:
                    yield self.redline(entry)

    def dashboard(self) -> tuple[str, str]:
        rows = [e.row for e in self.entries.values()]
        counts = Counter(r.state for r in rows)
        # a text can be changed and, more urgently, overdue (or awaiting a stage): its cell shows
        # both, and the totals count the changed texts under each state
        changed = Counter(r.state for r in rows if r.changed or r.state == CHANGED_SINCE_APPROVAL)
        first = date(self.as_of.year, self.as_of.month, 1)
        months = [add_months(first, i) for i in range(12)]
        end = add_months(first, 12)
        ordered = sorted(rows, key=lambda r: (r.next_review, r.school.casefold(), r.title.casefold()))
        timeline = [{"label": f"{MONTHS[m.month - 1]} {m.year}", "id": f"m-{m.isoformat()[:7]}",
                     "rows": [r for r in ordered if (r.next_review.year, r.next_review.month) == (m.year, m.month)
                              and r.next_review >= self.as_of]} for m in months]
        past = [r for r in ordered if r.next_review < self.as_of]
        later = sum(1 for r in ordered if r.next_review >= end)
        return self._page("dashboard.html.j2", "index.html", title="Policy dashboard", current="dashboard",
                          policies=self.policies, entries=self.entries, states=STATE_ORDER, counts=counts,
                          changed=changed, total=len(rows), timeline=timeline, past=past, later=later, end=end,
                          colours=STATE_COLOURS)

    def school(self, sid: str) -> tuple[str, str]:
        setting = self.project.settings[sid]
        entries = [self.entries[(sid, p.id)] for p in self.policies if (sid, p.id) in self.entries]
        titles = {p.id: p.title for p in self.policies}
        history = sorted((a for a in self.project.approvals if a.setting == sid),
                         key=lambda a: (a.date, a.seq), reverse=True)
        people = list(entries[0].doc.content.get("key_people", ())) if entries and entries[0].doc.content else []
        school = setting.values["school"]
        details = [("URN", school.get("urn", "")), ("Phase", str(school.get("phase", "")).replace("-", " ")),
                   ("Type", str(school.get("type", "")).replace("-", " ")),
                   ("Local authority", setting.local_authority.get("name", ""))]
        return self._page("school.html.j2", f"{sid}/index.html", title=setting.name, current=sid,
                          setting=setting, entries=entries, history=history, titles=titles, people=people,
                          details=[d for d in details if d[1]])

    def policy(self, entry: _Doc) -> tuple[str, str]:
        sid, pid = entry.row.setting, entry.row.policy
        setting = self.project.settings[sid]
        redline = self.fragments.get((sid, pid, "redline"))
        return self._page("policy.html.j2", f"{sid}/{pid}/index.html", title=f"{entry.row.title}: {setting.name}",
                          current=sid, exact=False, setting=setting, entry=entry, policy=self.project.library.policies[pid],
                          text=Markup(self.fragments[(sid, pid, "text")]), has_redline=redline is not None,
                          kinds=_KINDS, anchors=clause_anchors(redline or ""), link="redline.html")

    def redline(self, entry: _Doc) -> tuple[str, str]:
        sid, pid = entry.row.setting, entry.row.policy
        setting = self.project.settings[sid]
        return self._page("redline.html.j2", f"{sid}/{pid}/redline.html",
                          title=f"Changes to {entry.row.title}: {setting.name}", current=sid, exact=False, setting=setting,
                          entry=entry, redline=Markup(self.fragments[(sid, pid, "redline")]), kinds=_KINDS,
                          anchors=clause_anchors(self.fragments[(sid, pid, "redline")]), link="")

    def library(self) -> tuple[str, str]:
        library = self.project.library
        names = {s.id: s.name for s in self.schools}
        titles = {p.id: p.title for p in self.policies}
        sections = []
        for section in (*SECTIONS, *library.sections):
            clauses = sorted((c for c in library.clauses.values() if c.section == section), key=lambda c: c.id)
            if clauses:
                declared = str(library.sections.get(section, {}).get("title", ""))
                sections.append({"id": section, "title": declared or _state_label(section.replace("-", " ")),
                                 "clauses": clauses})
        reach: dict[str, list[tuple[str, list[str]]]] = {}
        for cid, pairs in self.reach.items():
            by_school: dict[str, list[str]] = {}
            for sid, pid in pairs:
                by_school.setdefault(sid, []).append(pid)
            reach[cid] = [(sid, sorted(pids, key=lambda p: titles[p].casefold()))
                          for sid, pids in sorted(by_school.items(), key=lambda item: names[item[0]].casefold())]
        # each clause's reach, one item a school with links to its policies: made here, escaped, as
        # it is most of the page (62 clauses x 100 schools in a large trust)
        items = {cid: Markup("".join(
            f"<li>{escape(names[sid])}: " + ", ".join(
                f'<a href="{escape(sid)}/{escape(pid)}/index.html">{escape(titles[pid])}</a>' for pid in pids) + "</li>\n"
            for sid, pids in pairs)) for cid, pairs in reach.items()}
        return self._page("library.html.j2", "library.html", title="Clause library", current="library",
                          library=library, sections=sections, reach=reach, reach_items=items, names=names,
                          titles=titles,
                          conditions=_conditions, policies=self.policies,
                          contents={p.id: contents(p, self.policies) for p in self.policies})


_KINDS = {ADDED: "Added", REMOVED: "Removed", CHANGED: "Changed", MOVED: "Moved"}


def contents(policy: Policy, policies: Iterable[Policy]) -> list[dict[str, Any]]:
    """A policy's parts as the library page lists them: its own parts, and each other policy it
    includes named once (its parts carry that policy's title as their `group`)."""
    by_title = {p.title: p for p in policies}
    out: list[dict[str, Any]] = []
    for part in policy.parts:
        whole = by_title.get(part.group)
        if whole is None:
            out.append({"include": None, "part": part, "clauses": len(part.clauses)})
        elif out and out[-1]["include"] is whole:
            out[-1]["parts"] += 1
            out[-1]["clauses"] += len(part.clauses)
        else:
            out.append({"include": whole, "part": None, "parts": 1, "clauses": len(part.clauses)})
    return out


def _conditions(conditions: Mapping[str, Any]) -> str:
    """A clause's conditions in words: 'phase: primary or secondary; options: work_phones is yes'."""
    out = []
    for key, value in conditions.items():
        if key == "options" and isinstance(value, Mapping):
            out.append("; ".join(f"option {k} is {_word(v)}" for k, v in value.items()))
        elif isinstance(value, (list, tuple)):
            out.append(f"{key}: " + " or ".join(_word(v) for v in value))
        else:
            out.append(f"{key}: {_word(value)}")
    return "; ".join(out)


def _word(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return " or ".join(_word(v) for v in value)
    return str(value)
