"""An earlier library release, rebuilt from clauses/ and clauses/history/.

A release holds, for each clause, the version releases.py says it had (the current release
too, when clauses have changed since it). A clause whose first changelog date is after the
release's date did not exist in it. Policy definitions are not
versioned (nor are library.yaml's guidance editions and documents): a release uses today's, less
the clauses it did not have; a policy existed in the
release when at least one of the clauses it lists itself (not through `include`) did.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date
from pathlib import Path

from policykit.core.load import Sources
from policykit.core.releases import HISTORY, Release, find_release, parse_day, semver, version_at
from policykit.core.validate.library import parse_clauses, parse_policies
from policykit.core.yamlfile import YamlDoc, YamlError, parse_front_matter, read_text
from policykit.errors import PolicykitError, Problem, display_path
from policykit.model import Library, freeze


def library_at(sources: Sources, current: Library, name: str, where: str = "release") -> Library:
    """The library as it stood at release `name`: for the current release, the validated current
    library itself unless a clause has changed since (then it is rebuilt like any other)."""
    release = find_release(sources, name, where)
    is_current = release.name == current.release
    if is_current and not current.unreleased_clauses():
        return current
    problems: list[Problem] = []
    # a clause that is only in history left the library at some release: the current release
    # cannot tell whether that was before it or since, and counts it gone (as it always has)
    docs = _clause_docs(sources, release, problems, removed=not is_current)
    clauses = parse_clauses(docs, current.options, problems, current.guidance, None)  # sections: as validated
    policies = parse_policies(_policy_docs(sources.policies, set(clauses), set(current.documents)), clauses,
                              problems, documents=current.documents)
    if problems:
        raise PolicykitError(problems)
    changelog = [c for c in current.changelog if parse_day(c.get("date")) <= release.date]
    return Library(name=current.name, release=release.name, date=release.date, options=current.options,
                   changelog=freeze(changelog), clauses=freeze(clauses), policies=freeze(policies),
                   guidance=current.guidance, documents=current.documents, sections=current.sections)


def _clause_docs(sources: Sources, release: Release, problems: list[Problem], removed: bool = True) -> list[YamlDoc]:
    """The clause files of the release: current ones, history ones, and (with `removed`) those of
    clauses no longer in the library."""
    history = sources.root / HISTORY
    docs = []
    current_ids = set()
    for doc in sources.clauses:
        data = doc.data if isinstance(doc.data, dict) else {}
        current_ids.add(str(data.get("id", doc.path.stem)))
        version = version_at(data.get("changelog"), release.date)
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
    for path in sorted(history.glob("*@*.md")) if history.is_dir() and removed else ():
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
            return parse_day(entry.get("date"))
    return None


def _policy_docs(docs: tuple[YamlDoc, ...], clauses: set[str], documents: set[str] = frozenset()) -> list[YamlDoc]:
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
                doc.data["related"] = [r for r in doc.data["related"] if r in names or r in documents]
    return [d for d in out if not isinstance(d.data, dict) or d.data.get("parts")]
