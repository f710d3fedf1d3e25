"""The public site (site --public): each school's published policies, in force, as public copies.

    index.html                          the trust's schools
    <school>/index.html                 its policies in force: version, approval, next review, files
    <school>/<policy>/<school>-<policy>.{html,pdf,docx}   copies of the public build's files

Only what a school would put on its website: the policies the library marks `published`
whose text is approved at every stage (the version in force while a changed text waits for
approval), and nothing of the governors' site: no states, drafts, redlines, ledger details,
key people's contacts or clause library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping, Sequence

from policykit.core.in_force import in_force_key
from policykit.core.public import PublicCopy
from policykit.model import Project
from policykit.reports.site import _environment
from policykit.reports.site_style import stylesheet
from policykit.reports.status import Status

FILES = (("html", "Read online"), ("pdf", "PDF"), ("docx", "Word"))


@dataclass(frozen=True)
class Published:
    """One school's policy as the public site offers it."""

    setting: str
    policy: str
    title: str
    version: str
    approved: date
    review: date
    key: str  # the built document's key: the current text's, or its version in force


def published(report: Status, built: set[str]) -> tuple[Published, ...]:
    """The documents the public site offers: each policy's text approved at every stage, built."""
    out = []
    for row in report.rows:
        if row.approved_on is None:
            continue  # never approved at every stage: nothing in force to publish
        key = f"{row.setting}/{row.policy}"
        if row.in_force_sha256 != row.text_sha256:
            key = in_force_key(row.setting, row.policy)
        if key in built:
            version = row.version if row.in_force_sha256 == row.text_sha256 else row.in_force_version
            out.append(Published(row.setting, row.policy, row.title, version, row.approved_on, row.next_review, key))
    return tuple(out)


def file_name(item: Published, kind: str) -> str:
    """A built file's copy in the public site, relative to the site folder."""
    return f"{item.setting}/{item.policy}/{item.setting}-{item.policy}.{kind}"


def public_pages(project: Project, items: Sequence[Published], public: PublicCopy, as_of: date) -> dict[str, bytes]:
    """Every page of the public site and its stylesheet (path relative to the site -> bytes)."""
    env = _environment(None)
    page = env.get_template("public.html.j2")
    trust = str(project.trust.get("trust", {}).get("name", ""))
    common: dict[str, Any] = {"trust": trust, "as_of": as_of}
    schools = sorted(project.settings.values(), key=lambda s: (s.name.casefold(), s.id))
    files = {"style.css": stylesheet(project.trust).encode("utf-8")}
    files["index.html"] = page.render(**common, base="", title="Our schools' policies", school=None, rows=(),
                                      office="", schools=[{"name": s.name, "href": f"{s.id}/index.html"}
                                                          for s in schools]).encode("utf-8")
    for setting in schools:
        school = public.context({"school": dict(setting.values.get("school", {}))})["school"]
        office = "; ".join(str(school[k]) for k in ("phone", "email") if school.get(k))
        rows = [{"title": i.title, "version": i.version, "approved": i.approved, "review": i.review,
                 "links": [(label, file_name(i, kind).split("/", 1)[1]) for kind, label in FILES]}
                for i in sorted((i for i in items if i.setting == setting.id), key=lambda i: i.title.casefold())]
        files[f"{setting.id}/index.html"] = page.render(**common, base="../", title=f"{setting.name}: policies",
                                                        school=setting, rows=rows, office=office,
                                                        schools=()).encode("utf-8")
    return files


def downloads(items: Sequence[Published]) -> Mapping[str, tuple[str, str]]:
    """Site path -> (built document key, format) of every file the public site copies in."""
    return {file_name(i, kind): (i.key, kind) for i in items for kind, _ in FILES}
