"""A library folder's files as they stood at one of its releases: what `init --library` writes and
what `update` merges from.

A library folder is a trust's `clauses/` (or the one shipped with policykit). At release R each
clause has the version releases.py says (the current file, or `history/<id>@<version>.md` put
back in its place); clauses newer than R are left out, and so are history files newer than R.
Policy definitions are not versioned: they are today's, less the clauses R did not have (as
library_at.py rebuilds them). library.yaml names R as its release and keeps the changelog up to
R. The result is bytes by path (relative, `/`-separated, under the folder): nothing is written.
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import yaml

from policykit.core.releases import parse_day, semver, version_at
from policykit.core.yamlfile import YamlError, parse_front_matter, parse_yaml, read_text
from policykit.errors import PolicykitError, Problem, UsageError, did_you_mean

LIBRARY_FILE = "library.yaml"
POLICIES, HISTORY = "policies", "history"


def library_releases(folder: Path) -> dict[str, date]:
    """Release name -> date, for every release the folder's library.yaml names."""
    data = _yaml(folder / LIBRARY_FILE, LIBRARY_FILE)
    found = {str(data.get("release")): parse_day(data.get("date"))}
    for entry in data.get("changelog") or ():
        if isinstance(entry, dict) and entry.get("release") is not None:
            found[str(entry["release"])] = parse_day(entry.get("date"))
    return found


def library_files(folder: Path | str, release: str | None = None) -> dict[str, bytes]:
    """Every file of the library in `folder` at `release` (None: as the folder holds it now)."""
    folder = Path(folder)
    if release is None:
        return {p.relative_to(folder).as_posix(): p.read_bytes()
                for p in sorted(folder.rglob("*")) if p.is_file() and not _hidden(p, folder)}
    known = library_releases(folder)
    if release not in known:
        close = did_you_mean(release, known)
        raise UsageError(Problem("--library", message=f"unknown library release '{release}'",
                                 hint=(close + " " if close else "") + f"releases: {', '.join(sorted(known))}"))
    day = known[release]
    out: dict[str, bytes] = {}
    kept: set[str] = set()
    current_ids: set[str] = set()
    for path in sorted(folder.glob("*/*.md")):
        if path.parent.name in (POLICIES, HISTORY):
            continue
        data = _front(path, folder)
        cid = str(data.get("id", path.stem))
        current_ids.add(cid)
        version = version_at(data.get("changelog"), day)
        if version is None:
            continue  # newer than the release
        name = path.relative_to(folder).as_posix()
        if version == str(data.get("version")):
            out[name] = path.read_bytes()
        else:
            old = folder / HISTORY / f"{cid}@{version}.md"
            if not old.is_file():
                raise PolicykitError(Problem(f"{HISTORY}/{old.name}", message="missing history file",
                                             hint=f"clause {cid} was at version {version} in release {release}"))
            out[name] = old.read_bytes()
        kept.add(cid)
    history = folder / HISTORY
    newest_gone: dict[str, tuple[tuple[int, ...], Path]] = {}
    for path in sorted(history.glob("*@*.md")) if history.is_dir() else ():
        cid, _, version = path.stem.partition("@")
        when = _version_date(path, version)
        if when is None or when > day:
            continue
        out[path.relative_to(folder).as_posix()] = path.read_bytes()
        if cid not in current_ids and semver(version) > newest_gone.get(cid, ((-1,), path))[0]:
            newest_gone[cid] = (semver(version), path)
    for cid, (_, path) in newest_gone.items():  # a clause the library has since dropped
        data = _front(path, folder)
        out[f"{data.get('section', HISTORY)}/{cid}.md"] = path.read_bytes()
        kept.add(cid)
    for path in sorted((folder / POLICIES).glob("*.yaml")):
        text = _policy_at(path, folder, kept)
        if text is not None:
            out[path.relative_to(folder).as_posix()] = text
    out[LIBRARY_FILE] = _library_at(folder / LIBRARY_FILE, release, day)
    for path in sorted(folder.glob("*.yaml")):
        if path.name != LIBRARY_FILE:
            out.setdefault(path.name, path.read_bytes())  # requirements: not versioned
    return dict(sorted(out.items()))


def _hidden(path: Path, folder: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(folder).parts)


def _yaml(path: Path, shown: str) -> dict:
    try:
        doc = parse_yaml(read_text(path, shown), path, shown)
    except YamlError as exc:
        raise PolicykitError(exc.problems) from None
    return doc.data if isinstance(doc.data, dict) else {}


def _front(path: Path, folder: Path) -> dict:
    shown = path.relative_to(folder).as_posix()
    try:
        doc = parse_front_matter(read_text(path, shown), path, shown)
    except YamlError as exc:
        raise PolicykitError(exc.problems) from None
    return doc.data if isinstance(doc.data, dict) else {}


def _version_date(path: Path, version: str) -> date | None:
    try:
        data = parse_front_matter(read_text(path, path.name), path, path.name).data
    except YamlError:
        return None
    for entry in (data.get("changelog") if isinstance(data, dict) else None) or ():
        if isinstance(entry, dict) and str(entry.get("version")) == version:
            return parse_day(entry.get("date"))
    return None


def _policy_at(path: Path, folder: Path, clauses: set[str]) -> bytes | None:
    """The policy file less the clauses the release did not have; None when it had none of them."""
    data = _yaml(path, path.relative_to(folder).as_posix())
    parts = data.get("parts")
    if not isinstance(parts, list):
        return path.read_bytes()
    listed = [c for p in parts if isinstance(p, dict) for c in p.get("clauses") or ()]
    if all(c in clauses for c in listed):
        return path.read_bytes()  # unchanged: keep the file as written, comments and all
    if listed and not any(c in clauses for c in listed):
        return None
    data = copy.deepcopy(data)
    new_parts = []
    for part in parts:
        if isinstance(part, dict) and isinstance(part.get("clauses"), list):
            part = {**part, "clauses": [c for c in part["clauses"] if c in clauses]}
            if not part["clauses"]:
                continue
        new_parts.append(part)
    data["parts"] = new_parts
    return _dump(data, path)


def _library_at(path: Path, release: str, day: date) -> bytes:
    data = _yaml(path, LIBRARY_FILE)
    data = {**data, "release": release, "date": day.isoformat(),
            "changelog": [e for e in data.get("changelog") or () if isinstance(e, dict) and parse_day(e.get("date")) <= day]}
    return _dump(data, path)


def _dump(data: dict, path: Path) -> bytes:
    """YAML for a rewritten file, keeping its editor schema line (the first line, when it is one)."""
    first = path.read_text(encoding="utf-8").splitlines()[:1]
    header = first[0] + "\n" if first and first[0].startswith("# yaml-language-server:") else ""
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return (header + body).encode("utf-8")
