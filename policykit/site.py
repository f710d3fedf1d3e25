"""`policykit site`: the governors' view, a static site that needs no server and no script.

Pages (all links relative, so it works opened from disk and on any static host):

    index.html                      trust dashboard: schools x policies, totals, timeline
    library.html                    sections, clauses, versions, changelogs, reach
    style.css                       the one stylesheet
    <school>/index.html             policies, approval history, downloads, key people
    <school>/<policy>/index.html    document information, changes, the policy text
    <school>/<policy>/redline.html  the redline against the last approved text (if any)
    <school>/<policy>/<school>-<policy>.{docx,pdf}   copies of the built files

Every value reaches the HTML through Jinja with autoescaping; the only HTML inserted as is
comes from pandoc (the policy text and the redline), which escapes what it reads. The same
inputs and the same as-of date make byte-identical pages: nothing reads the clock.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from .approvals import APPROVED, AWAITING, CHANGED, DRAFT, DUE, OVERDUE
from .build import build
from .check import check
from .convert import Converter, Job, Output, Pandoc, asset
from .dates import MONTHS, add_months, long_date
from .errors import OutputError, Problem
from .outdir import check_output_folder
from .model import SECTIONS, Policy, Project
from .parallel import batches, default_jobs
from .render import RenderedDocument, render
from .resolve import Plan, resolve
from .scheme import body_name
from .site_redline import ADDED, CHANGED as CLAUSE_CHANGED, MOVED, REMOVED, Redline, redlines_for
from .status import StatusRow, status_of
from .write import write_files

MARKER = ".policykit-site.json"  # what the last run wrote, so pages no longer made are removed

# Each state: (text colour, background, border). Text on background is at least 7:1, and the
# state is always written in words as well (WCAG 1.4.1: not by colour alone).
STATE_COLOURS: dict[str, tuple[str, str, str]] = {
    APPROVED: ("#14532D", "#E3F2E6", "#2E7D32"),
    DUE: ("#5C3D00", "#FFF1C2", "#B7791F"),
    OVERDUE: ("#7F1D1D", "#FBE3E3", "#B91C1C"),
    CHANGED: ("#4A1D6E", "#F0E6F8", "#7B3FA6"),
    AWAITING: ("#0B3C61", "#E0EDF8", "#2B6CB0"),
    DRAFT: ("#333333", "#EDEDED", "#6B6B6B"),
}
DEFAULT_PRIMARY = "#1F4E79"
STATE_ORDER = (OVERDUE, DUE, CHANGED, AWAITING, DRAFT, APPROVED)  # most urgent first


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


def site(root: Path | str = ".", out: Path | str | None = None, as_of: date | None = None,
         build_out: Path | str | None = None, converter: Converter | None = None) -> SiteResult:
    """Build the documents the site links to, then write the site into `out` (default ROOT/build/site)."""
    root = Path(root)
    as_of = as_of or date.today()
    out_dir = Path(out) if out is not None else root / "build" / "site"
    check_output_folder(root, out_dir)
    converter = converter or Pandoc()
    built = build(root, formats=("docx", "pdf"), out=build_out, converter=converter)
    project = check(root).as_of(as_of)
    plan = resolve(project)
    docs = render(plan)
    report = status_of(plan, docs, as_of)
    rows = {(r.setting, r.policy): r for r in report.rows}
    files: dict[Path, bytes] = {}
    entries: dict[tuple[str, str], _Doc] = {}
    redlines = redlines_for(project, docs)
    for plan_doc, doc in zip(plan.documents, docs):
        downloads = []
        for kind, label in (("docx", "Word document"), ("pdf", "PDF")):
            data = _read(built.out / doc.setting_id / f"{doc.policy_id}.{kind}")
            name = f"{doc.setting_id}-{doc.policy_id}.{kind}"
            files[out_dir / doc.setting_id / doc.policy_id / name] = data
            downloads.append((label, kind.upper(), name, len(data)))
        names = [body_name(s, plan_doc.context["terms"], plan_doc.context["trust"]) for s in plan_doc.stages]
        pending = tuple(doc.standing.pending) if doc.standing is not None else ()
        entries[(doc.setting_id, doc.policy_id)] = _Doc(
            rows[(doc.setting_id, doc.policy_id)], doc, redlines[doc.key], " then ".join(names),
            tuple(downloads), tuple((r.body, r.date, r.minute) for r in pending),
            " then ".join(names[len(pending):]) if pending else "")
    fragments = _fragments(converter, entries)
    pages = _Pages(project, report.as_of, entries, fragments, _reach(plan))
    for rel, html in pages.all():
        files[out_dir / rel] = html.encode("utf-8")
    files[out_dir / "style.css"] = stylesheet(project.trust).encode("utf-8")
    made = sorted(files)
    files[out_dir / MARKER] = (json.dumps([p.relative_to(out_dir).as_posix() for p in made], indent=1)
                               + "\n").encode("utf-8")
    removed = _stale(out_dir, set(made))
    changed = write_files(files)
    for path in removed:
        path.unlink(missing_ok=True)
    page_paths = tuple(p for p in made if p.suffix == ".html")
    return SiteResult(out_dir, as_of, page_paths, tuple(made), tuple(p for p in changed if p.name != MARKER),
                      tuple(removed))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise OutputError(Problem(str(path), message=f"cannot read the built file: {exc.strerror}")) from None


def _stale(out: Path, keep: set[Path]) -> list[Path]:
    """Files an earlier run of `site` wrote that this run does not: only those it listed itself."""
    try:
        listed = json.loads((out / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    stale = []
    for rel in listed if isinstance(listed, list) else []:
        path = out / str(rel)
        if ".." not in Path(str(rel)).parts and path not in keep and path.is_file():
            stale.append(path)
    return sorted(stale)


# --- HTML from pandoc ---------------------------------------------------------------------

_BANNER = re.compile(r"^::: \{\.draft-banner\}\n.*?^:::\n", re.M | re.S)
_HEADING = re.compile(r"<(/?)h([1-6])\b")
_TH = re.compile(r"<th(?=[\s>])(?![^>]*\bscope=)")


def policy_markdown(doc: RenderedDocument) -> str:
    """The canonical Markdown without the draft banner (each page shows the state itself)."""
    return _BANNER.sub("", doc.markdown, count=1)


def _fragments(converter: Converter, entries: Mapping[tuple[str, str], _Doc]) -> dict[tuple[str, str, str], str]:
    """The policy text and the redline of every document as HTML fragments (a few pandoc runs side by side)."""
    keys: list[tuple[str, str, str]] = []
    jobs: list[Job] = []
    for key, entry in sorted(entries.items()):
        keys.append((*key, "text"))
        jobs.append(Job(policy_markdown(entry.doc), (Output("html5"),)))
        if entry.redline is not None and entry.redline.markdown:
            keys.append((*key, "redline"))
            jobs.append(Job(entry.redline.markdown, (Output("html5"),)))
    # one pandoc process per batch, batches side by side (pandoc runs outside the GIL)
    groups = batches(list(range(len(jobs))), default_jobs())
    with ThreadPoolExecutor(max_workers=max(1, len(groups))) as pool:
        done = list(pool.map(lambda group: converter.convert([jobs[i] for i in group]), groups))
    results = [out for group in done for out in group]
    return {key: tidy_fragment(out[0].decode("utf-8"), 3, redline=key[2] == "redline")
            for key, out in zip(keys, results)}


_TAG = re.compile(r"<h[1-6]\b([^>]*)>")


def clause_anchors(html: str) -> dict[str, str]:
    """clause id -> the id of its heading in a redline fragment (the diff marks each with data-clause)."""
    anchors = {}
    for match in _TAG.finditer(html):
        clause = re.search(r'\bdata-clause="([^"]+)"', match.group(1))
        ident = re.search(r'\bid="([^"]+)"', match.group(1))
        if clause and ident:
            anchors.setdefault(clause.group(1), ident.group(1))
    return anchors


def tidy_fragment(html: str, top: int, redline: bool = False) -> str:
    """Headings moved so the highest is `top` (the page's own are above it); header cells scoped;
    in a redline, pandoc's underline (an addition) marked as the insertion it is."""
    levels = [int(m.group(2)) for m in _HEADING.finditer(html) if not m.group(1)]
    if levels:
        delta = top - min(levels)
        html = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + delta)}", html)
    html = _TH.sub('<th scope="col"', html)
    html = _TABLE.sub(_scrolling, html)
    return html.replace("<u>", "<ins>").replace("</u>", "</ins>") if redline else html


_TABLE = re.compile(r"<table\b.*?</table>", re.S)
_CELL = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S)
_TAGS = re.compile(r"<[^>]+>")


def _scrolling(match: re.Match[str]) -> str:
    """A table of the policy text in a labelled region that scrolls sideways when a phone is
    too narrow for it (WCAG 1.4.10), reachable by keyboard like the dashboard's."""
    table = match.group(0)
    heads = [html_lib.unescape(_TAGS.sub("", cell)).strip() for cell in _CELL.findall(table)]
    label = "Table" + (": " + ", ".join(" ".join(h.split()) for h in heads if h) if any(heads) else "")
    return (f'<div class="scroll" role="region" aria-label="{html_lib.escape(label, quote=True)}" tabindex="0">'
            f"{table}</div>")


# --- pages ----------------------------------------------------------------------------------

def _reach(plan: Plan) -> dict[str, list[tuple[str, str]]]:
    """clause id -> the (school, policy) documents it appears in."""
    reach: dict[str, list[tuple[str, str]]] = {}
    for doc in plan.documents:
        for part in doc.parts:
            for clause in part.clauses:
                pair = (doc.setting.id, doc.policy.id)
                if pair not in reach.setdefault(clause.id, []):
                    reach[clause.id].append(pair)
    return reach


def _state_label(state: str) -> str:
    return state[:1].upper() + state[1:]


def _state_class(state: str) -> str:
    return "st-" + re.sub(r"[^a-z]+", "-", state).strip("-")


def _size(n: int) -> str:
    return f"{max(1, round(n / 1024))} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(asset("templates/site")), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["longdate"] = lambda d: long_date(d) if d else ""
    env.filters["state_label"] = _state_label
    env.filters["state_class"] = _state_class
    env.filters["size"] = _size
    env.globals["CHANGED"] = CHANGED
    return env


class _Pages:
    """Renders every page; each method returns (path relative to the site, HTML)."""

    def __init__(self, project: Project, as_of: date, entries: Mapping[tuple[str, str], _Doc],
                 fragments: Mapping[tuple[str, str, str], str], reach: Mapping[str, list[tuple[str, str]]]):
        self.project, self.as_of, self.entries, self.fragments, self.reach = project, as_of, entries, fragments, reach
        self.schools = sorted(project.settings.values(), key=lambda s: (s.name.casefold(), s.id))
        self.policies = sorted(project.library.policies.values(), key=lambda p: (p.title.casefold(), p.id))
        trust = project.trust.get("trust", {})
        self.common = {"trust": str(trust.get("name", "")), "as_of": as_of, "release": project.library.release,
                       "schools": self.schools}

    def _page(self, template: str, rel: str, exact: bool = True, **values: Any) -> tuple[str, str]:
        base = "../" * rel.count("/")
        html = _environment().get_template(template).render(base=base, exact=exact, **self.common, **values)
        return rel, html

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
        changed = Counter(r.state for r in rows if r.changed or r.state == CHANGED)
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
        for section in SECTIONS:
            clauses = sorted((c for c in library.clauses.values() if c.section == section), key=lambda c: c.id)
            if clauses:
                sections.append({"id": section, "title": _state_label(section.replace("-", " ")),
                                 "clauses": clauses})
        reach: dict[str, list[tuple[str, list[str]]]] = {}
        for cid, pairs in self.reach.items():
            by_school: dict[str, list[str]] = {}
            for sid, pid in pairs:
                by_school.setdefault(sid, []).append(pid)
            reach[cid] = [(sid, sorted(pids, key=lambda p: titles[p].casefold()))
                          for sid, pids in sorted(by_school.items(), key=lambda item: names[item[0]].casefold())]
        return self._page("library.html.j2", "library.html", title="Clause library", current="library",
                          library=library, sections=sections, reach=reach, names=names, titles=titles,
                          conditions=_conditions, policies=self.policies,
                          contents={p.id: contents(p, self.policies) for p in self.policies})


_KINDS = {ADDED: "Added", REMOVED: "Removed", CLAUSE_CHANGED: "Changed", MOVED: "Moved"}


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


# --- the stylesheet -------------------------------------------------------------------------

def contrast(fg: str, bg: str) -> float:
    """WCAG 2.1 contrast ratio of two #RRGGBB colours."""
    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def brand(trust: Mapping[str, Any]) -> str:
    """The trust's primary colour where white text on it (and it as text on white) is readable."""
    colour = str(trust.get("trust", {}).get("colours", {}).get("primary", DEFAULT_PRIMARY))
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", colour) or contrast(colour, "#FFFFFF") < 4.5:
        return DEFAULT_PRIMARY
    return colour.upper()


def stylesheet(trust: Mapping[str, Any]) -> str:
    states = "\n".join(
        f".{_state_class(s)} {{ --fg: {fg}; --bg: {bg}; --edge: {edge}; }}" for s, (fg, bg, edge) in STATE_COLOURS.items())
    css = (Path(asset("templates/site/style.css"))).read_text(encoding="utf-8")
    return css.replace("/* STATES */", states).replace("#1F4E79", brand(trust))

