"""Earlier library releases, rebuilt from clauses/ and clauses/history/.

A release R (from the changelog in clauses/library.yaml) holds, for each clause, the newest
version whose changelog date is on or before R's date: the current file when that is its
current version, else `clauses/history/<id>@<version>.md`. A clause whose first changelog
date is after R's date did not exist in R. Policy definitions are not versioned: a release
uses today's, less the clauses it did not have; a policy existed in R when at least one of
the clauses it lists itself (not through `include`) did.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from .errors import PolicykitError, Problem, UsageError, did_you_mean, display_path
from .load import Sources
from .model import Library, freeze
from .validate import _clauses, _policies
from .yamlfile import YamlDoc, YamlError, parse_front_matter, read_text

HISTORY = Path("clauses") / "history"


@dataclass(frozen=True)
class Release:
    """One entry of the library changelog."""

    name: str
    date: date
    notes: tuple[str, ...]


def releases(sources: Sources) -> tuple[Release, ...]:
    """Every release the library's changelog names, newest first (the current one included)."""
    data = sources.library.data if sources.library is not None else None
    if not isinstance(data, dict):
        return ()
    found = {str(data.get("release")): Release(str(data.get("release")), _day(data.get("date")), ())}
    for entry in data.get("changelog") or ():
        if isinstance(entry, dict) and entry.get("release") is not None:
            found[str(entry["release"])] = Release(str(entry["release"]), _day(entry.get("date")),
                                                   tuple(str(n) for n in entry.get("notes") or ()))
    return tuple(sorted(found.values(), key=lambda r: (r.date, r.name), reverse=True))


def find_release(sources: Sources, name: str, where: str = "release") -> Release:
    """The release called `name`, or a usage error listing the known ones."""
    known = {r.name: r for r in releases(sources)}
    if name not in known:
        close = did_you_mean(name, known)
        raise UsageError(Problem(where, message=f"unknown library release '{name}'",
                                 hint=(close + " " if close else "") + f"releases: {', '.join(known) or 'none'}"))
    return known[name]


def library_at(sources: Sources, current: Library, name: str, where: str = "release") -> Library:
    """The library as it stood at release `name` (the validated current library for the current one)."""
    release = find_release(sources, name, where)
    if release.name == current.release:
        return current
    problems: list[Problem] = []
    docs = _clause_docs(sources, release, problems)
    clauses = _clauses(docs, current.options, problems)
    policies = _policies(_policy_docs(sources.policies, set(clauses)), clauses, problems)
    if problems:
        raise PolicykitError(problems)
    changelog = [c for c in current.changelog if _day(c.get("date")) <= release.date]
    return Library(name=current.name, release=release.name, date=release.date, options=current.options,
                   changelog=freeze(changelog), clauses=freeze(clauses), policies=freeze(policies))


def _clause_docs(sources: Sources, release: Release, problems: list[Problem]) -> list[YamlDoc]:
    history = sources.root / HISTORY
    docs = []
    current_ids = set()
    for doc in sources.clauses:
        data = doc.data if isinstance(doc.data, dict) else {}
        current_ids.add(str(data.get("id", doc.path.stem)))
        version = _version_at(data.get("changelog"), release.date)
        if version is None:
            continue  # the clause is newer than the release
        if version == data.get("version"):
            docs.append(doc)
            continue
        old = _history_doc(history / f"{data['id']}@{version}.md", sources.root, data["section"], problems,
                           f"clause {data['id']} was at version {version} in release {release.name}")
        if old is not None:
            docs.append(old)
    # a clause no longer in the library survives only in history: it was in the releases
    # before the current one from its version's date on
    newest: dict[str, tuple[tuple[int, ...], Path]] = {}
    for path in sorted(history.glob("*@*.md")) if history.is_dir() else ():
        cid, _, version = path.stem.partition("@")
        if cid not in current_ids and semver(version) > newest.get(cid, ((-1,), path))[0]:
            text_date = _history_date(path, version)
            if text_date is not None and text_date <= release.date:
                newest[cid] = (semver(version), path)
    for cid, (_, path) in sorted(newest.items()):
        old = _history_doc(path, sources.root, None, problems, "")
        if old is not None:
            docs.append(old)
    return docs


def history_problems(sources: Sources) -> list[Problem]:
    """Each clause's text at each release must survive: the current file when the release had
    its current version, else clauses/history/<id>@<version>.md (what `diff --from release:R`
    rebuilds it from). Reported at the clause's changelog entry for that version.

    The current release (library.yaml's `release`) is built from the current files, edits
    dated after it included (work towards the next release): it needs no history."""
    history = sources.root / HISTORY
    problems = []
    data = sources.library.data if sources.library is not None else None
    current = str(data.get("release")) if isinstance(data, dict) else None
    dated = [r for r in releases(sources) if r.date != date.min and r.name != current]
    for doc in sources.clauses:
        data = doc.data if isinstance(doc.data, dict) else {}
        cid, changelog = data.get("id"), data.get("changelog")
        if not isinstance(cid, str) or not isinstance(changelog, list):
            continue
        needed: dict[str, list[str]] = {}
        for release in dated:
            version = _version_at(changelog, release.date)
            if version is not None and version != str(data.get("version")):
                needed.setdefault(version, []).append(release.name)
        for version, names in needed.items():
            path = history / f"{cid}@{version}.md"
            if path.is_file():
                continue
            index = next((i for i, e in enumerate(changelog) if isinstance(e, dict) and str(e.get("version")) == version), 0)
            shown = display_path(path, sources.root)
            problems.append(doc.problem(("changelog", index), f"version {version} was in library release"
                                        f"{'s' if len(names) > 1 else ''} {', '.join(sorted(names))}, but {shown} "
                                        "is missing", f"put that version's text there, e.g. git show "
                                        f"REV:{doc.shown} > {shown}; diff --from release:{sorted(names)[0]} "
                                        "rebuilds the release from it"))
    return problems


def _history_doc(path: Path, root: Path, section: str | None, problems: list[Problem],
                 needed: str) -> YamlDoc | None:
    """A history file, placed (for validate's file-name checks) where its clause would live."""
    shown = display_path(path, root)
    if not path.is_file():
        problems.append(Problem(shown, message="missing history file", hint=f"{needed}; restore the file "
                                "from git or the release"))
        return None
    try:
        doc = parse_front_matter(read_text(path, shown), path, shown)
    except YamlError as exc:
        problems.extend(exc.problems)
        return None
    data = doc.data if isinstance(doc.data, dict) else {}
    section = str(data.get("section", section or "history"))
    return replace(doc, path=root / "clauses" / section / f"{data.get('id', path.stem.partition('@')[0])}.md")


def _history_date(path: Path, version: str) -> date | None:
    try:
        doc = parse_front_matter(read_text(path, path.name), path, path.name)
    except YamlError:
        return None
    data = doc.data if isinstance(doc.data, dict) else {}
    for entry in data.get("changelog") or ():
        if isinstance(entry, dict) and str(entry.get("version")) == version:
            return _day(entry.get("date"))
    return None


def _policy_docs(docs: tuple[YamlDoc, ...], clauses: set[str]) -> list[YamlDoc]:
    """Policy definitions less the clauses the release did not have (and policies it did not have)."""
    out = []
    for doc in docs:
        data = copy.deepcopy(doc.data)
        if not isinstance(data, dict) or not isinstance(data.get("parts"), list):
            out.append(doc)
            continue
        own = [c for part in data["parts"] if isinstance(part, dict) for c in part.get("clauses") or ()]
        if own and not any(c in clauses for c in own):
            continue
        parts = []
        for part in data["parts"]:
            if isinstance(part, dict) and isinstance(part.get("clauses"), list):
                part["clauses"] = [c for c in part["clauses"] if c in clauses]
                if not part["clauses"]:
                    continue
            parts.append(part)
        data["parts"] = parts
        out.append(replace(doc, data=data))
    names = {d.path.stem for d in out}
    # an `include` of (or a reference to) a policy the release did not have goes too
    for doc in out:
        if isinstance(doc.data, dict) and isinstance(doc.data.get("parts"), list):
            doc.data["parts"] = [p for p in doc.data["parts"]
                                 if not (isinstance(p, dict) and "include" in p and p["include"] not in names)]
            if isinstance(doc.data.get("related"), list):
                doc.data["related"] = [r for r in doc.data["related"] if r in names]
    return [d for d in out if not isinstance(d.data, dict) or d.data.get("parts")]


def _version_at(changelog: Any, day: date) -> str | None:
    """The newest version in a clause's changelog dated on or before `day`."""
    best: tuple[date, tuple[int, ...], str] | None = None
    for entry in changelog or ():
        if not isinstance(entry, dict):
            continue
        when = _day(entry.get("date"))
        if when <= day:
            key = (when, semver(str(entry.get("version"))), str(entry.get("version")))
            best = key if best is None or key > best else best
    return best[2] if best else None


def semver(text: str) -> tuple[int, ...]:
    """A version string as a comparable tuple ((-1,) when it is not one)."""
    try:
        return tuple(int(p) for p in text.split("."))
    except ValueError:
        return (-1,)


def _day(value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return date.min


__all__ = ["Release", "releases", "find_release", "library_at", "semver", "history_problems"]
