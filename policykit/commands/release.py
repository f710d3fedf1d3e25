"""`policykit release`: cut a library release, once every clause changed since the last one is ready.

    (VERSION checked) -> load -> validate (with the clause texts the last build recorded)
      -> the clause changes since the current release, each with what a release needs: a new
         version, a changelog entry dated after the current release, the text it replaces in
         clauses/history/ (validate's history check) -> the release notes, from those entries
      -> clauses/library.yaml edited as text (release, date, a changelog entry on top), so its
         comments and layout stay -> loaded, validated and rendered again, the release before
         rebuilt -> written atomically, or nothing at all

It is the one command that writes inside clauses/, and only clauses/library.yaml.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Iterable, Sequence

from policykit.commands.validate import built_texts
from policykit.core.library_at import library_at
from policykit.core.load import Sources, load
from policykit.core.releases import HISTORY, releases, semver
from policykit.core.render import render
from policykit.core.resolve import resolve
from policykit.core.validate import validate
from policykit.core.validate.unversioned import RecordedText, approval_texts, history_texts, unversioned_changes
from policykit.core.yamlfile import YamlDoc, YamlError, parse_front_matter, parse_yaml, read_text
from policykit.dates import long_date
from policykit.errors import PolicykitError, Problem, UsageError, display_path
from policykit.incremental.manifest import read_manifest
from policykit.model import ChangeNote, Clause, Library, Project
from policykit.system.atomic import write_files
from policykit.system.places import default_out, library_file

__all__ = ["release", "ReleaseResult", "ReleasedClause"]

NAME = re.compile(r"^[0-9]+\.[0-9]+(\.[0-9]+)?$")  # as schemas/library.schema.json has it
# PyYAML refuses these in a file, and reads U+0085, U+2028 and U+2029 in quotes as line breaks
_UNSAFE = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class ReleasedClause:
    """A clause change the release takes in."""

    id: str
    title: str
    old_version: str | None  # in the release before (None: a new clause)
    new_version: str
    notes: tuple[ChangeNote, ...]  # its changelog entries since the release before, oldest first


@dataclass(frozen=True)
class ReleaseResult:
    """The release `release` wrote into clauses/library.yaml."""

    release: str
    date: date
    previous: str  # the release it follows
    path: Path  # clauses/library.yaml
    notes: tuple[str, ...]  # its changelog entry's notes, as written
    clauses: tuple[ReleasedClause, ...]
    later: tuple[str, ...] = ()  # "id version" of clause changes dated after it: still unreleased


def release(root: Path | str, version: str, on: date, notes: Sequence[str] = ()) -> ReleaseResult:
    """Cut library release `version` dated `on`: refuse (writing nothing) while a clause changed
    since the current release lacks a new version, a changelog entry dated after that release or
    its earlier text in clauses/history/; else write the release, its date and its notes (given
    `notes` first, then one per clause change, from the clauses' changelogs) into clauses/library.yaml."""
    root = Path(root)
    name = version.strip()
    if not NAME.match(name):
        raise UsageError(Problem("VERSION", message=f"'{version}' is not a release name",
                                 hint="a year, a dot and a number, e.g. 2026.1, as clauses/library.yaml has them"))
    given = [" ".join(n.split()) for n in notes]
    if any(not n for n in given):
        raise UsageError(Problem("--note", message="a note is blank", hint="say what the release brings, e.g. "
                                 "--note 'Updated for KCSIE 2026.'"))
    sources = load(root)
    built = built_texts(root, read_manifest(default_out(root)))
    project = validate(sources, built)
    library = project.library
    _check_request(sources, library, name, on)
    changes, later, problems = _changes(sources, project, on, built)
    if problems:
        raise PolicykitError(problems)
    if not changes:
        raise UsageError(_nothing(library, on, later))
    entry = [*given, *_clause_notes(changes)]
    path = library_file(root)
    assert sources.library is not None
    raw = path.read_bytes()
    text = _edited(sources.library, read_text(path, sources.library.shown), name, on, entry)
    _check_result(sources, text, name, on, library.release)
    if path.read_bytes() != raw:
        raise PolicykitError(Problem(sources.library.shown, message="the file changed while policykit release was "
                                     "reading it; nothing was written", hint="run policykit release again"))
    bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
    write_files({path: bom + text.encode("utf-8")}, hint="check that clauses/library.yaml can be written")
    return ReleaseResult(name, on, library.release, path, tuple(entry), tuple(changes), tuple(later))


def _check_request(sources: Sources, library: Library, name: str, on: date) -> None:
    """The release asked for must be new, come after the current one by name and date."""
    known = {r.name: r for r in releases(sources)}
    following = _following(library.release, on)
    if name in known:
        raise UsageError(Problem("VERSION", message=f"library release {name} already exists (dated "
                                 f"{known[name].date.isoformat()})", hint=f"the current release is {library.release}; "
                                 f"name the next one, e.g. {following}"))
    last = max(known, key=semver)
    if semver(name) < semver(last):
        raise UsageError(Problem("VERSION", message=f"{name} would come before library release {last}",
                                 hint=f"release names go up, e.g. {following}"))
    if on <= library.date:
        raise UsageError(Problem("--date", message=f"{on.isoformat()} is not after library release {library.release} "
                                 f"({library.date.isoformat()})", hint="a release is dated after the one before it, "
                                 "on or after the changes it takes in"))


def _following(current: str, on: date) -> str:
    """A name for the release after `current` dated `on`: 2026.1 after 2025.3 in 2026, else 2025.4."""
    parts = semver(current)
    if len(parts) >= 2 and parts[0] >= 1000:
        return f"{on.year}.1" if on.year > parts[0] else f"{parts[0]}.{parts[1] + 1}"
    return "the next number"


def _changes(sources: Sources, project: Project, on: date,
             built: Sequence[RecordedText]) -> tuple[list[ReleasedClause], list[str], list[Problem]]:
    """The clause changes since the current release that a release dated `on` takes in, the ones
    dated after it, and what stops the release (a clause changed without a new version or
    without a changelog entry dated after the current release; a history file that does not hold
    the version it is named for)."""
    library = project.library
    docs = {d.shown: d for d in sources.clauses}
    problems = _unversioned(sources, project, built)
    problems.extend(_recorded_versions(project, docs))
    changes, later = [], []
    for clause in sorted(library.clauses.values(), key=lambda c: c.id):
        doc = docs[clause.path]
        released = _version_on(clause.changelog, library.date)
        since = sorted((n for n in clause.changelog if n.date > library.date),
                       key=lambda n: (n.date, semver(n.version)))
        if not since:
            if released is not None and released != clause.version:
                problems.append(doc.problem(("changelog", 0, "date"), f"version {clause.version} has no changelog "
                                            f"entry dated after library release {library.release} "
                                            f"({library.date.isoformat()}), which holds version {released}",
                                            "date its changelog entry on the day it changed"))
            continue
        taken = [n for n in since if n.date <= on]
        if not taken:
            later.append(f"{clause.id} {clause.version}")
            continue
        version = _version_on(clause.changelog, on) or clause.version
        if clause.newest > on:
            later.append(f"{clause.id} {clause.version}")
        if released is not None and semver(version) <= semver(released):
            index = next(i for i, n in enumerate(clause.changelog) if n is taken[-1])
            problems.append(doc.problem(("version",) if version == clause.version else ("changelog", index, "version"),
                                        f"changed since library release {library.release} (changelog entry of "
                                        f"{taken[-1].date.isoformat()}), but version {version} is not after "
                                        f"{released}, the version that release holds",
                                        "give it a new version and make that its newest changelog entry"))
            continue
        if released is not None:
            problems.extend(_history_holds(sources, clause, released, library.release))
        changes.append(ReleasedClause(clause.id, clause.title, released, version, tuple(taken)))
    return changes, later, problems


def _unversioned(sources: Sources, project: Project, built: Sequence[RecordedText]) -> list[Problem]:
    """Validate's "changed without a new version", as reasons to refuse: against a release's history
    file or an approval always; against a build only for a version already released (a draft of
    an unreleased version may be reworded before its release without a new version each time)."""
    library = project.library
    released = [t for t in built if t.clause in library.clauses and library.clauses[t.clause].newest <= library.date]
    texts = [*history_texts(sources, library.clauses), *approval_texts(project.approvals), *released]
    return unversioned_changes(sources, library.clauses, library.release, texts)


def _recorded_versions(project: Project, docs: dict[str, YamlDoc]) -> list[Problem]:
    """An approval under the current release recorded another version that the changelog also
    dates on or before that release: the current version came after the release, dated before it."""
    library = project.library
    problems = []
    for record in project.approvals:
        if record.library_release != library.release:
            continue
        for cid, seen in record.clauses.items():
            clause = library.clauses.get(cid)
            if clause is None or seen == clause.version or clause.newest > library.date:
                continue
            if any(n.version == seen and n.date <= library.date for n in clause.changelog):
                problems.append(docs[clause.path].problem(
                    ("changelog", 0, "date"), f"version {clause.version} has no changelog entry dated after library "
                    f"release {library.release} ({library.date.isoformat()}): approval {record.seq} recorded version "
                    f"{seen} under that release", "date its changelog entry on the day it changed"))
    return problems


def _history_holds(sources: Sources, clause: Clause, version: str, release: str) -> list[Problem]:
    """The history file of `version` (validate made sure it is there) must hold that version's text."""
    path = sources.root / HISTORY / f"{clause.id}@{version}.md"
    shown = display_path(path, sources.root)
    hint = f"put the text of version {version} there, e.g. git show REV:{clause.path} > {shown}"
    try:
        doc = parse_front_matter(read_text(path, shown), path, shown)
    except YamlError as exc:
        return list(exc.problems)
    data = doc.data if isinstance(doc.data, dict) else {}
    if str(data.get("id")) != clause.id or str(data.get("version")) != version:
        return [doc.problem(("version",), f"holds {data.get('id')} version {data.get('version')}, not {clause.id} "
                            f"version {version}, which library release {release} holds", hint)]
    return []


def _version_on(changelog: Iterable[ChangeNote], day: date) -> str | None:
    """The newest version a changelog dates on or before `day` (as releases.version_at does)."""
    dated = [(n.date, semver(n.version), n.version) for n in changelog if n.date <= day]
    return max(dated)[2] if dated else None


def _nothing(library: Library, on: date, later: list[str]) -> Problem:
    if later:
        return Problem("--date", message=f"nothing to release on {on.isoformat()}: every clause change since library "
                       f"release {library.release} is dated after it ({', '.join(later)})",
                       hint="date the release on or after the changes it takes in")
    return Problem("policykit release", message=f"nothing to release: no clause has changed since library release "
                   f"{library.release} ({library.date.isoformat()})",
                   hint="a change is a new clause version with a changelog entry dated after that release")


def _clause_notes(changes: list[ReleasedClause]) -> list[str]:
    """One note per change of a clause the library had ("Title (id version): note"), then the new clauses."""
    notes = [f"{c.title} ({c.id} {n.version}): {n.note}" for c in changes if c.old_version is not None for n in c.notes]
    new = [c.id for c in changes if c.old_version is None]
    if new:
        notes.append(f"New clause{'s' if len(new) > 1 else ''}: {', '.join(new)}.")
    return notes


# --- the file, edited as text ----------------------------------------------------------------------

def _edited(doc: YamlDoc, text: str, name: str, on: date, notes: list[str]) -> str:
    """library.yaml's text with `release` and `date` set and a changelog entry on top; every other
    line (comments included) as it was."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    quote = _set(doc, lines, "release", name, always='"')
    date_quote = _set(doc, lines, "date", on.isoformat())
    first = doc.positions.get(("changelog", 0))
    line, col = doc.where(("changelog",))
    if first is not None:
        dash = re.match(r"^( *)- +$", lines[first[0] - 1][: first[1] - 1])
        if dash is None:
            raise _cannot(doc, ("changelog", 0), "write each changelog entry as a '- release: ...' list item")
        at, indent = first[0] - 1, dash.group(1)
    else:
        empty = re.match(r"^(changelog\s*:\s*)\[\s*\](.*)$", lines[line - 1].rstrip("\r\n"))
        if col != 1 or empty is None:
            raise _cannot(doc, ("changelog",), "write it as 'changelog:' followed by '- release: ...' list items")
        lines[line - 1] = empty.group(1).rstrip() + empty.group(2) + newline
        at, indent = line, "  "
    entry = [f"{indent}- release: {quote}{name}{quote}", f"{indent}  date: {date_quote}{on.isoformat()}{date_quote}",
             f"{indent}  notes:", *(f"{indent}    - {_quoted(n)}" for n in notes)]
    lines[at:at] = [e + newline for e in entry]
    return "".join(lines)


def _set(doc: YamlDoc, lines: list[str], key: str, value: str, always: str = "") -> str:
    """Put `value` as top-level `key`'s value on its line, quoted as it was (or with `always`);
    returns the quote used."""
    line, col = doc.where((key,))
    match = re.match(rf"^({key}\s*:\s*)(\"[^\"]*\"|'[^']*'|[^\s#]+)(.*?)(\r?\n)?$", lines[line - 1]) \
        if (key,) in doc.positions and col == 1 else None
    if match is None:
        raise _cannot(doc, (key,), f"write it on one line at the start, e.g. {key}: \"...\"")
    old = match.group(2)
    quote = always or (old[0] if old[0] in "\"'" else "")
    lines[line - 1] = f"{match.group(1)}{quote}{value}{quote}{match.group(3)}{match.group(4) or ''}"
    return quote


def _quoted(note: str) -> str:
    """A note as a YAML double-quoted scalar (JSON's escapes are YAML's)."""
    text = json.dumps(note, ensure_ascii=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}" if ord(m.group()) <= 0xFFFF else
                       f"\\U{ord(m.group()):08x}", text)


def _cannot(doc: YamlDoc, key: tuple[object, ...], hint: str) -> PolicykitError:
    return PolicykitError(doc.problem(key, "policykit release cannot edit this line (it edits the file as text "
                                      "to keep its comments and layout)", hint))


def _check_result(sources: Sources, text: str, name: str, on: date, previous: str) -> None:
    """The edited file, read by the project's own loader, must validate and hold the new release,
    every document must render with it, and the release before must still be rebuilt from it."""
    assert sources.library is not None
    try:
        edited = parse_yaml(text, sources.library.path, sources.library.shown)
    except YamlError as exc:
        raise PolicykitError(exc.problems) from None
    after = replace(sources, library=edited)
    project = validate(after)
    data = edited.data
    head = data["changelog"][0] if data.get("changelog") else {}
    if (project.library.release, project.library.date, str(head.get("release")), str(head.get("date"))) != \
            (name, on, name, on.isoformat()):  # (the schema and the duplicate-key check make this unreachable)
        raise PolicykitError(Problem(sources.library.shown, message="policykit release could not edit the file as it "
                                     "meant to; nothing was written", hint="set release and date, and add the "
                                     "changelog entry, by hand"))
    render(resolve(project))
    library_at(after, project.library, previous)


def describe(result: ReleaseResult) -> list[str]:
    """What a release did, in lines for people (the command line prints them)."""
    lines = [f"released library {result.release} dated {long_date(result.date)}, after {result.previous}: "
             f"{len(result.clauses)} clause{'s' if len(result.clauses) != 1 else ''}"]
    for c in result.clauses:
        lines.append(f"  {'changed ' if c.old_version else 'added   '} {c.id} "
                     f"{c.old_version + ' -> ' if c.old_version else ''}{c.new_version}: {c.title}")
    lines.append(f"wrote {result.path}: release {result.release}, date {result.date.isoformat()} and its changelog "
                 "entry:")
    lines.extend(f"  - {n}" for n in result.notes)
    if result.later:
        lines.append(f"still unreleased (dated after {result.date.isoformat()}): {', '.join(result.later)}")
    return lines
