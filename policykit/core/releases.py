"""The library's releases (from clauses/library.yaml), and the history files each one needs.

A release R (from the changelog in clauses/library.yaml) holds, for each clause, the newest
version whose changelog date is on or before R's date: the current file when that is its
current version, else `clauses/history/<id>@<version>.md`. That goes for the current release
too: a clause changed after it (an unreleased change, on its way to the next release) is in it
at its earlier version. `library_at.py` rebuilds a release from those files; this module only
reads the sources, so validate can check that every history file a release needs is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from policykit.core.load import Sources
from policykit.errors import Problem, UsageError, did_you_mean, display_path

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
    found = {str(data.get("release")): Release(str(data.get("release")), parse_day(data.get("date")), ())}
    for entry in data.get("changelog") or ():
        if isinstance(entry, dict) and entry.get("release") is not None:
            found[str(entry["release"])] = Release(str(entry["release"]), parse_day(entry.get("date")),
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


def history_problems(sources: Sources) -> list[Problem]:
    """Each clause's text at each release must survive: the current file when the release had
    its current version, else clauses/history/<id>@<version>.md (what `diff --from release:R`
    rebuilds it from). Reported at the clause's changelog entry for that version.

    The current release (library.yaml's `release`) is no exception: a clause changed since it
    needs the text the release had, or nothing could show what the unreleased change changed."""
    history = sources.root / HISTORY
    problems = []
    data = sources.library.data if sources.library is not None else None
    current = str(data.get("release")) if isinstance(data, dict) else None
    dated = [r for r in releases(sources) if r.date != date.min]
    for doc in sources.clauses:
        data = doc.data if isinstance(doc.data, dict) else {}
        cid, changelog = data.get("id"), data.get("changelog")
        if not isinstance(cid, str) or not isinstance(changelog, list):
            continue
        needed: dict[str, list[str]] = {}
        for release in dated:
            version = version_at(changelog, release.date)
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
                                        "rebuilds the release from it" + (
                                            f"; the clause changed after library release {current}, which still "
                                            "holds that version until the next release" if current in names else "")))
    return problems


def version_at(changelog: Any, day: date) -> str | None:
    """The newest version in a clause's changelog dated on or before `day`."""
    best: tuple[date, tuple[int, ...], str] | None = None
    for entry in changelog or ():
        if not isinstance(entry, dict):
            continue
        when = parse_day(entry.get("date"))
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


def parse_day(value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return date.min
