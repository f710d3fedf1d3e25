"""`policykit update`: take a new library release into the trust's clauses/, keeping its own changes.

    (the record in .policykit.yaml, or --from) -> the trust's git tree clean? -> three versions of
    every library file: BASE (the release the trust started from), OURS (clauses/ now), THEIRS
    (the new release: the bundled library at --to, or --library DIR) -> each file merged
    (core/merge.py) -> written together, with .policykit.yaml moved on, or nothing at all
    -> what the update changes for each school (diff --library BASE NEW), when it validates

As copier's update does for a project made from a template. settings/ (and the approval records
in it) are never written: places.library_files_to_write refuses any path outside clauses/. The
only other files touched are two kinds `policykit init` wrote: the schemas it copied into
schemas/ (for the editor lines) take the new engine's, and the CI files' `POLICYKIT_VERSION`
pin moves to the engine running the update, nothing else in them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from policykit.commands.diff import describe_library, library_diff
from policykit.compare.library import LibraryDiff
from policykit.core.library_files import library_files, library_releases
from policykit.core.merge import conflict_lines, merge_file
from policykit.core.releases import semver
from policykit.core.schema import schema_dir
from policykit.core.upstream import FILE, Upstream, read_upstream, upstream_text
from policykit.errors import PolicykitError, Problem, UsageError
from policykit.system import processes
from policykit.system.assets import bundled_library
from policykit.system.atomic import write_files
from policykit.system.places import library_files_to_write
from policykit.version import VERSION

__all__ = ["update", "UpdateResult", "describe"]

_SPECIAL = ("policies/", "history/")
_RESOLVE = "resolve the conflict: keep one side and delete the markers; commit, then update again"
_VERSION = re.compile(r"^version:\s*['\"]?([0-9][0-9.]*)['\"]?\s*$", re.MULTILINE)
CI_FILES = (".github/workflows/policykit.yml", ".github/workflows/policykit-reviews.yml", ".gitlab-ci.yml")
_PIN = re.compile(r'^(\s*POLICYKIT_VERSION:\s*)"[^"\n]*"', re.MULTILINE)


@dataclass(frozen=True)
class UpdateResult:
    """What `policykit update` did, file by file (paths under clauses/)."""

    old: str  # the release the trust's clauses came from
    new: str  # the release taken
    source: Path  # the library folder the new release came from
    updated: tuple[str, ...] = ()  # the trust had not touched them: the new text
    kept: tuple[str, ...] = ()  # only the trust had changed them (or deleted them): the trust's
    merged: tuple[str, ...] = ()  # both had changed them: merged cleanly
    conflicts: tuple[tuple[str, int], ...] = ()  # (file, line of a conflict) still to resolve
    added: tuple[str, ...] = ()  # new clauses of the release
    added_files: tuple[str, ...] = ()  # its other new files (history, policies)
    removed: tuple[str, ...] = ()  # clauses the release no longer has: kept, for the trust to decide
    notes: tuple[str, ...] = ()  # "file: note"
    written: tuple[Path, ...] = ()
    own: int = 0  # files only the trust has: untouched
    engine_files: tuple[str, ...] = ()  # schemas/ copies and CI pins moved to this engine (paths from the root)
    diff: LibraryDiff | None = None  # what the update changes for each school
    diff_problems: tuple[Problem, ...] = field(default=())  # why that could not be worked out

    @property
    def current(self) -> bool:
        """The trust was already at the release: nothing to do."""
        return self.old == self.new and not self.written


def update(root: Path | str, to: str | None = None, library: Path | str | None = None,
           start: str | None = None, allow_dirty: bool = False) -> UpdateResult:
    """Merge library release `to` (of the bundled library, or of the library folder `library`;
    default: its current release) into ROOT/clauses/, from the release the trust's clauses came
    from (.policykit.yaml's, or `start`). Writes nothing while clauses/ has uncommitted changes
    (unless `allow_dirty`), and everything together or nothing."""
    root = Path(root)
    if not (root / "clauses" / "library.yaml").is_file():
        raise PolicykitError(Problem(str(root), message="no clauses/library.yaml here",
                                     hint="run policykit update in a trust repository, or give --root DIR"))
    bundled = bundled_library()
    source = Path(library) if library is not None else bundled
    if not (source / "library.yaml").is_file():
        raise UsageError(Problem("--library", message=f"{source} holds no library.yaml",
                                 hint="give a library folder: a clauses/ folder, or policykit's own library"))
    record = read_upstream(root)
    old = start or (record.release if record else None)
    if old is None:
        raise UsageError(Problem(FILE, message="missing: this trust has no record of the library release its "
                                 "clauses/ came from", hint="give --from RELEASE, the release the trust's clauses "
                                 "were taken from (e.g. --from 2025.1)"))
    known = library_releases(source)
    if to is not None and to not in known:
        raise UsageError(Problem("--to", message=f"unknown library release '{to}'",
                                 hint=f"releases: {', '.join(sorted(known))}"))
    theirs = library_files(source, to)
    new = _release_of(theirs.get("library.yaml", b""), to)
    if old == new and record is not None and record.release == new:
        engine = engine_files(root)  # a new policykit with the same library: its schemas and CI pin
        if not engine and record.engine == VERSION:
            return UpdateResult(old, new, source)
        if not allow_dirty:
            _check_clean(root)
        writes = {root / name: data for name, data in engine.items()}
        writes[root / FILE] = upstream_text(Upstream(new, VERSION)).encode("utf-8")
        written = write_files(writes, hint="check that .policykit.yaml, schemas/ and the CI files can be written")
        return UpdateResult(old, new, source, written=tuple(written), engine_files=tuple(sorted(engine)))
    if semver(new) < semver(old):
        raise UsageError(Problem("--to", message=f"library {new} is older than {old}, the release the trust's "
                                 "clauses/ came from", hint="policykit update only moves forward: give a later "
                                 "release, or none for the library's current one"))
    in_bundled = known if source == bundled else library_releases(bundled)
    base_folder, base_known = (bundled, in_bundled) if old in in_bundled else (source, known)
    if old not in base_known:
        raise UsageError(Problem("--from" if start else FILE, message=f"unknown library release '{old}'",
                                 hint=f"releases: {', '.join(sorted(known))}"))
    if not allow_dirty:
        _check_clean(root)
    base = library_files(base_folder, old)
    ours = library_files(root / "clauses")
    left = [Problem(f"clauses/{name}", line, 1, "", "a conflict from an earlier update is still here", _RESOLVE)
            for name, data in ours.items() for line in conflict_lines(data.decode("utf-8", "replace"))]
    if left:
        raise PolicykitError(left)
    result = _merge(base, ours, theirs, new)
    files = dict(result.pop("files"))
    targets = library_files_to_write(root, files)
    writes = {targets[name]: data for name, data in files.items()}
    writes[root / FILE] = upstream_text(Upstream(new, VERSION)).encode("utf-8")
    engine = engine_files(root)
    writes.update({root / name: data for name, data in engine.items()})
    written = write_files(writes, hint="check that clauses/ and .policykit.yaml can be written")
    done = UpdateResult(old, new, source, written=tuple(written), engine_files=tuple(sorted(engine)), **result)
    if done.conflicts:
        return done
    try:
        report = library_diff(root, old, new)
    except PolicykitError as exc:
        return replace(done, diff_problems=exc.problems)
    return replace(done, diff=report)


def engine_files(root: Path) -> dict[str, bytes]:
    """The files `init` wrote for the engine that this engine would write differently: each schema
    in schemas/ that policykit ships (when the trust keeps the folder), and each CI file whose
    POLICYKIT_VERSION pin names another version. Path from the root -> the new bytes."""
    out: dict[str, bytes] = {}
    folder = root / "schemas"
    if folder.is_dir() and not folder.is_symlink():
        for shipped in sorted(schema_dir().glob("*.schema.json")):
            target, data = folder / shipped.name, shipped.read_bytes()
            if not target.is_symlink() and (not target.is_file() or target.read_bytes() != data):
                out[f"schemas/{shipped.name}"] = data
    for name in CI_FILES:
        path = root / name
        if path.is_file() and not path.is_symlink():
            text = path.read_text(encoding="utf-8")
            pinned = _PIN.sub(lambda m: f'{m.group(1)}"{VERSION}"', text)
            if pinned != text:
                out[name] = pinned.encode("utf-8")
    return out


def _release_of(data: bytes, asked: str | None) -> str:
    try:
        parsed = yaml.safe_load(data.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        parsed = None
    release = parsed.get("release") if isinstance(parsed, dict) else None
    if release is None:
        raise UsageError(Problem("--library", message="the library's library.yaml names no release",
                                 hint="give a library folder whose library.yaml has release: and date:"))
    return asked or str(release)


def _check_clean(root: Path) -> None:
    """Refuse while the trust's library (or its record) has changes git has not committed: the
    update's own changes must be the only ones `git diff` shows, and `git checkout` undoes."""
    hint = "commit or stash them first, or give --allow-dirty to update anyway"
    try:
        done = processes.run(["git", "status", "--porcelain", "--", "clauses", FILE, "schemas", *CI_FILES], cwd=root)
    except FileNotFoundError:
        done = None
    if done is None or done.returncode != 0:
        raise PolicykitError(Problem(str(root), message="is not a git repository (or git is not installed), so "
                                     "policykit update cannot tell your own uncommitted changes from its own",
                                     hint="keep the trust in git and commit, or give --allow-dirty to update anyway"))
    changed = [line[3:] for line in done.stdout.decode("utf-8", "replace").splitlines() if line.strip()]
    if changed:
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        raise PolicykitError(Problem(str(root), message=f"has uncommitted changes ({shown}); nothing was written",
                                     hint=hint))


def _merge(base: dict[str, bytes], ours: dict[str, bytes], theirs: dict[str, bytes], new: str) -> dict:
    label = f"library {new}"
    files: dict[str, bytes] = {}
    out: dict[str, list] = {k: [] for k in ("updated", "kept", "merged", "conflicts", "added", "added_files",
                                            "removed", "notes")}
    own = 0
    for name in sorted(set(base) | set(ours) | set(theirs)):
        b, o, t = base.get(name), ours.get(name), theirs.get(name)
        clause = name.endswith(".md") and not name.startswith(_SPECIAL)
        if t is None:
            if o is None:
                continue
            if b is None:
                own += 1  # the trust's own file
            elif clause:
                out["removed"].append(name)
            continue
        if o is None:
            if b is None:
                files[name] = t
                out["added" if clause else "added_files"].append(name)
            elif t != b:
                out["kept"].append(name)
                out["notes"].append(f"{name}: deleted by the trust, changed in {label}: left deleted (the new text "
                                    f"is in the library's own copy, to take back by hand if wanted)")
            continue
        if o == t or t == b:
            continue
        if o == b:
            files[name] = t
            out["updated"].append(name)
            continue
        try:
            texts = [(x or b"").decode("utf-8") for x in (b, o, t)]
        except UnicodeDecodeError:
            out["kept"].append(name)
            out["notes"].append(f"{name}: not text, changed by both the trust and {label}: the trust's kept")
            continue
        merged = merge_file(name, texts[0], texts[1], texts[2], label)
        files[name] = merged.text.encode("utf-8")
        out["notes"].extend(f"{name}: {note}" for note in merged.notes)
        if merged.conflicts:
            out["conflicts"].extend((name, line) for line in merged.conflicts)
        elif merged.text == texts[1]:
            files.pop(name)
            out["kept"].append(name)
            continue
        else:
            out["merged"].append(name)
        if clause:
            out["added_files"].extend(_keep_history(name, texts[1], texts[2], merged.text, files, ours, theirs))
    return {**{k: tuple(v) for k, v in out.items()}, "own": own, "files": files}


def _keep_history(name: str, ours: str, theirs: str, merged: str, files: dict[str, bytes],
                  *have: dict[str, bytes]) -> list[str]:
    """Both sides' texts of a merged clause go to history/<id>@<version>.md, where their version is
    not the merged one and has no history file yet: the releases before still hold them, and
    validate (and diff --from release:R) rebuild those releases from history."""
    now = _VERSION.search(merged.split("\n---", 1)[0])
    kept = []
    for text in (ours, theirs):
        found = _VERSION.search(text.split("\n---", 1)[0])
        if found is None or (now is not None and now.group(1) == found.group(1)):
            continue
        target = f"history/{Path(name).stem}@{found.group(1)}.md"
        if not any(target in h for h in (files, *have)):
            files[target] = text.encode("utf-8")
            kept.append(target)
    return kept


def describe(result: UpdateResult) -> list[str]:
    """What an update did, in lines for people (the command line prints them)."""
    if result.current:
        return [f"already at library {result.new}: nothing to update"]
    if result.old == result.new and not result.updated and not result.merged and not result.conflicts \
            and not result.added and not result.kept:
        return [f"already at library {result.new}; moved to policykit {VERSION}: "
                + (", ".join(result.engine_files) or FILE)]
    moved = f"from {result.old} to {result.new}" if result.old != result.new else f"at {result.new}, checked against it"
    lines = [f"updated the library {moved}"
             + ("" if result.source == bundled_library() else f" (from {result.source})")]

    def listed(title: str, names: tuple[str, ...], what: str = "") -> None:
        if names:
            lines.append(f"{title} ({len(names)}){what}:")
            lines.extend(f"  clauses/{n}" for n in names)

    listed("updated: the new release's text, the trust had not changed them", result.updated)
    listed("kept: the trust's own changes, the release had not changed them", result.kept)
    listed("merged: the trust's changes and the release's, combined", result.merged)
    listed("new clauses", result.added)
    if result.added_files:
        lines.append(f"new files ({len(result.added_files)}): " + ", ".join(result.added_files))
    listed("removed upstream", result.removed, ": kept as they are. The release no longer has them: delete each "
           "(and take it out of clauses/policies/) if the trust no longer wants it, or keep it as the trust's own")
    if result.own:
        lines.append(f"the trust's own files, untouched: {result.own}")
    if result.engine_files:
        lines.append(f"moved to policykit {VERSION}: " + ", ".join(result.engine_files))
    if result.notes:
        lines.append("notes:")
        lines.extend(f"  clauses/{n}" for n in result.notes)
    if result.conflicts:
        lines.append(f"conflicts ({len(result.conflicts)}): both the trust and library {result.new} changed these "
                     "lines; keep one side and delete the markers, then run policykit validate:")
        lines.extend(f"  clauses/{name}:{line}" for name, line in result.conflicts)
    if not [p for p in result.written if p.name != FILE]:
        lines.append("no library file changed; .policykit.yaml now records " + result.new)
    else:
        lines.append(f"wrote {len(result.written)} file{'s' if len(result.written) != 1 else ''} (with .policykit.yaml,"
                     f" now at {result.new}); git diff shows every change, git checkout -- clauses .policykit.yaml "
                     "(and the files moved to this engine) undoes them")
    if result.diff is not None:
        lines.append("")
        lines.extend(describe_library(result.diff))
    elif result.conflicts:
        lines.append(f"when they are resolved, policykit diff --library {result.old} {result.new} says what the "
                     "update changes for each school")
    else:
        lines.append(f"policykit validate finds {len(result.diff_problems)} problem"
                     f"{'s' if len(result.diff_problems) != 1 else ''} (run it to see them), so what the update "
                     f"changes for each school is not known yet: fix them, then run "
                     f"policykit diff --library {result.old} {result.new}")
    return lines

