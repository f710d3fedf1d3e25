"""The two texts a diff compares, named on the command line.

`current` (the text as built now), `approved` (the latest full approval), `approval:N`
(ledger record N), `release:R` (library release R with today's settings) or `git:REV`
(clauses/ and settings/ as committed at REV). Approved texts come from the archive beside
the ledger, so they need neither git history nor the old library. A text holding clause
changes dated after its library release is "unreleased changes since library release R",
dated by the newest of those changes.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Callable, Mapping

from policykit.core.load import Sources, load
from policykit.core.render import RenderedDocument, render
from policykit.core.resolve import resolve
from policykit.core.validate import validate
from policykit.dates import long_date
from policykit.errors import PolicykitError, Problem, UsageError, did_you_mean
from policykit.governance.archive import archive_path
from policykit.governance.scheme import stages
from policykit.governance.standing import standing
from policykit.model import Approval, Library, Project, released_as

KINDS = ("current", "approved", "approval:N", "release:R", "git:REV")


@dataclass(frozen=True)
class Version:
    """One side of a diff: a text of one school's policy, and where it came from."""

    spec: str
    label: str  # for people: "approval 3 (Local Governing Body, 14 October 2025)"
    content: Mapping[str, Any]  # render.approvable_content
    library_release: str
    day: date  # the date the text is dated from: its release (or its newest unreleased change), or its approval
    library: Library | None = None  # the library it was built from, when known (changelog notes)
    # the newest changelog date among its clauses changed since `library_release` (None: none were)
    unreleased: date | None = None


@dataclass(frozen=True)
class Trust:
    """The current trust repository as the command loaded and validated it, once for every
    version asked for; with the documents it has already rendered (by key), if any."""

    root: Path
    sources: Sources
    project: Project
    documents: Mapping[str, RenderedDocument] = field(default_factory=dict)


def version(trust: Trust, setting: str, policy: str, spec: str, option: str = "--from") -> Version:
    """The text `spec` names for `setting` x `policy`."""
    kind, _, arg = spec.partition(":")
    if spec == "current":
        doc = trust.documents.get(f"{setting}/{policy}")
        if doc is not None and doc.content is not None:
            library = trust.project.library
            unreleased = library.unreleased(doc.clause_versions)
            return Version(spec, f"the current text ({released_as(library.release, unreleased)})", doc.content,
                           library.release, max(library.date, unreleased or library.date), library, unreleased)
        return _rendered(trust.project, setting, policy, spec, None)
    if spec == "approved":
        return _approved(trust, setting, policy, option)
    if kind == "approval" and arg:
        return _approval(trust, setting, policy, arg, spec, option)
    if kind == "release" and arg:
        from policykit.core.library_at import library_at

        library = library_at(trust.sources, trust.project.library, arg, option)
        project = replace(trust.project, library=library, approvals=())
        if policy not in library.policies:
            raise UsageError(Problem(option, message=f"policy '{policy}' is not in library release {arg}",
                                     hint="it was added to the library later"))
        return _rendered(project, setting, policy, spec, f"library release {arg}")
    if kind == "git" and arg:
        return _git(trust, setting, policy, arg, spec, option)
    raise UsageError(Problem(option, message=f"cannot read '{spec}' as a version",
                             hint=f"use one of: {', '.join(KINDS)}" + _close(kind)))


def _close(kind: str) -> str:
    close = did_you_mean(kind, ("current", "approved", "approval", "release", "git"))
    return f"; {close}" if close else ""


def _rendered(project: Project, setting: str, policy: str, spec: str, label: str | None) -> Version:
    """The text `project` renders, called `label` (None: the current text, by its library release)."""
    (doc,) = render(resolve(project, [setting], [policy]))
    assert doc.content is not None
    library = project.library
    unreleased = library.unreleased(doc.clause_versions)
    label = label or f"the current text ({released_as(library.release, unreleased)})"
    return Version(spec, label, doc.content, library.release, max(library.date, unreleased or library.date), library,
                   unreleased)


def _records(trust: Trust, setting: str, policy: str) -> tuple[Approval, ...]:
    return trust.project.approvals_for(setting, policy)


def _approved(trust: Trust, setting: str, policy: str, option: str) -> Version:
    project = trust.project
    if setting in project.settings and policy in project.library.policies:
        school_type = project.settings[setting].values["school"]["type"]
        place = standing(_records(trust, setting, policy), "", stages(project.trust, project.library.policies[policy],
                                                                      school_type), 12)
        if place.latest is not None:
            return _approval(trust, setting, policy, str(place.latest.last.seq), "approved", option)
    resolve(project, [setting], [policy])  # an unknown school or policy is a usage error
    from policykit.core.releases import releases

    names = [r.name for r in releases(trust.sources)]
    # the current release, when this text has changed since it; else the one before
    current = {c.id for c in project.library.unreleased_clauses()}
    changed = any(cid in current for part in project.library.policies[policy].parts for cid in part.clauses)
    earlier = names[1] if len(names) > 1 and not changed else project.library.release
    partial = ", ".join(f"approval:{r.seq}" for r in _records(trust, setting, policy))
    raise PolicykitError(Problem(f"{setting}/{policy}", message="has no approved text to compare with yet",
                                 hint=f"compare with a library release instead, e.g. --from release:{earlier}"
                                 + (f"; or with a first-stage approval: --from {partial}" if partial else "")))


def _approval(trust: Trust, setting: str, policy: str, number: str, spec: str, option: str) -> Version:
    records = _records(trust, setting, policy)
    record = next((r for r in trust.project.approvals if str(r.seq) == number), None)
    if record is None or (record.setting, record.policy) != (setting, policy):
        known = ", ".join(f"approval:{r.seq}" for r in records) or "none yet"
        where = f" (it is for {record.setting}/{record.policy})" if record else ""
        raise UsageError(Problem(option, message=f"no approval {number} of {setting}/{policy}{where}",
                                 hint=f"approvals of {setting}/{policy}: {known}"))
    # validate read and checked every archived text against its record: an edited one was
    # refused there, so a text not in hand here is missing (or unreadable)
    content = trust.project.archived.get(record.text_sha256)
    if content is None:
        raise PolicykitError(Problem(archive_path(setting, policy, record.text_sha256, "json").as_posix(),
                                     message=f"the approved text of approval {record.seq} is missing or unreadable",
                                     hint="restore it from git; `policykit approve` keeps it beside the "
                                     "ledger"))
    label = f"approval {record.seq} ({record.body}, {long_date(record.date)})"
    unreleased = trust.project.library.unreleased(record.clauses, record.library_release)
    return Version(spec, label, content, record.library_release, record.date, unreleased=unreleased)


def _inside() -> Callable[[tarfile.TarInfo, str], tarfile.TarInfo | None]:
    """tarfile's `data` filter (no absolute path, no link out of the folder, no device), which
    Python has from 3.11.4; before that, the same refusal for links by hand."""
    if hasattr(tarfile, "data_filter"):
        return tarfile.data_filter
    def check(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:  # pragma: no cover - old Python
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts:
            raise tarfile.FilterError(member)
        if member.issym() or member.islnk():
            target = Path(member.linkname)
            if target.is_absolute() or ".." in target.parts:
                raise tarfile.FilterError(member)
        return None if member.isdev() or member.isfifo() else member
    return check


def _git(trust: Trust, setting: str, policy: str, rev: str, spec: str, option: str) -> Version:
    """Render the text from clauses/ and settings/ as committed at `rev`."""
    def git(*args: str) -> subprocess.CompletedProcess[bytes]:
        try:
            return subprocess.run(["git", "-C", str(trust.root), *args], capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as exc:
            raise UsageError(Problem(option, message=f"cannot run git: {exc}")) from None

    inside = git("rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != b"true":
        raise UsageError(Problem(option, message=f"'{spec}' needs a git repository, and {trust.root} is not in one",
                                 hint="compare with approval:N or release:R instead"))
    commit = git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if commit.returncode != 0:
        raise UsageError(Problem(option, message=f"unknown git revision '{rev}'",
                                 hint="give a commit, tag or branch, e.g. git:HEAD~1"))
    prefix = git("rev-parse", "--show-prefix").stdout.decode().strip()
    sha = commit.stdout.decode().strip()
    archive = git("archive", "--format=tar", f"{sha}:{prefix}", "clauses", "settings")
    if archive.returncode != 0:
        raise UsageError(Problem(option, message=f"git revision '{rev}' has no clauses/ and settings/ here",
                                 hint=archive.stderr.decode("utf-8", "replace").strip()[:300]))
    with tempfile.TemporaryDirectory(prefix="policykit-git-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            try:
                tar.extractall(tmp, filter=_inside())
            except tarfile.FilterError as exc:  # a link out of the trust (absolute, or up past it)
                member = exc.tarinfo
                raise UsageError(Problem(option, message=f"git revision '{rev}' holds {member.name}, a link to "
                                         f"{member.linkname or '?'}, outside the trust: policykit reads no file "
                                         "through it", hint="compare with approval:N or release:R instead, or "
                                         "commit the file itself in place of the link")) from None
        try:
            project = validate(load(tmp))
            return _rendered(project, setting, policy, spec, f"git revision {rev} ({sha[:10]})")
        except UsageError:
            raise
        except PolicykitError as exc:
            raise PolicykitError([replace(p, path=f"{rev}:{p.path}") for p in exc.problems]) from None
