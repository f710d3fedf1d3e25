"""Every path policykit writes, checked in one place: never over or inside the trust's own files.

Each command that writes asks here first: `output_folder` for `build --out`, `site --out`
and `diff --out` (and the build folder `acknowledgements` links into), `output_file` for
`pack --out` and `status --ics`. Both refuse, as a usage error naming the option, a path
that is the trust root, lies inside `clauses/` or `settings/`, or (for a folder) holds one of
them. The only files policykit writes inside `settings/` are the approval records, and
`approval_records` is the one way to reach them. Inside `clauses/`, `policykit release` edits
the library's own file, through `library_file`; `policykit update` merges the library's files,
through `library_files_to_write`, which refuses any path outside clauses/ (settings/ and its
approval records among them); and `policykit import` writes new clauses and a policy definition
(and may declare a section in the library's file), through `import_targets`.

`--out ''` means the current folder, which is often the trust root: a build there would
scatter 80 files and a manifest among clauses/ and settings/, and `--out clauses` would put
documents into the library, where the next validate reads them as clauses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from policykit.errors import Problem, UsageError
from policykit.model import ID

GUARDED = ("clauses", "settings")
OUT = "build"  # the default output folder, under the trust root
SITE = Path(OUT) / "site"
PUBLIC = Path(OUT) / "public"  # the public copies (build --public)
PUBLIC_SITE = PUBLIC / "site"  # and their site (site --public)
PACKS = Path(OUT) / "packs"
# build/ folders of policykit's own: a school with one of these ids would share its folder
RESERVED_IDS = frozenset({SITE.name, PUBLIC.name, PACKS.name, "in-force"})
APPROVALS = Path("settings") / "approvals"  # the ledger and the approved texts: written by `approve` only
LIBRARY = Path("clauses") / "library.yaml"  # the library's release and changelog: written by `release` only
_HINT = "use build/, the default, or a folder outside clauses/ and settings/"
_FILE_HINT = "write it under build/, the default, or outside clauses/ and settings/"


def default_out(root: Path | str) -> Path:
    """ROOT/build: where documents go when no --out is given."""
    return Path(root) / OUT


def output_folder(root: Path | str, out: Path | str | None, option: str = "--out",
                  default: Path | str = OUT) -> Path:
    """The folder to write into (ROOT/`default` when `out` is None), refused (a usage error)
    when it is the trust root, or holds or lies inside clauses/ or settings/."""
    folder = Path(out) if out is not None else Path(root) / default
    shown = str(out if out is not None else folder)
    resolved, trust = _resolve(folder, option, shown), _resolve(Path(root), "--root", str(root))
    if resolved == trust:
        raise UsageError(Problem(option, message=f"{shown} is the trust's own folder", hint=_HINT))
    for name in GUARDED:
        guarded = trust / name
        if resolved == guarded or guarded in resolved.parents:
            raise UsageError(Problem(option, message=f"{shown} is inside the trust's {name}/ folder", hint=_HINT))
        if resolved in guarded.parents:
            raise UsageError(Problem(option, message=f"{shown} holds the trust's {name}/ folder", hint=_HINT))
    return folder


def output_file(root: Path | str, path: Path | str, option: str) -> Path:
    """A single file to write (the pack's PDF, the calendar), refused when it lies inside
    clauses/ or settings/, is the trust root, or is a folder."""
    target = Path(path)
    resolved, trust = _resolve(target, option, str(path)), _resolve(Path(root), "--root", str(root))
    if resolved == trust or target.is_dir():
        raise UsageError(Problem(option, message=f"{path} is a folder, not a file", hint="name the file to write"))
    for name in GUARDED:
        guarded = trust / name
        if resolved == guarded or guarded in resolved.parents:
            raise UsageError(Problem(option, message=f"{path} is inside the trust's {name}/ folder: policykit "
                                     "never writes over the trust's own files", hint=_FILE_HINT))
    return target


def _resolve(path: Path, option: str, shown: str) -> Path:
    """The real path, or a usage error when symbolic links lead round in a circle (Python says
    RuntimeError before 3.13 and OSError from it) or to nowhere it may look."""
    try:
        return path.resolve()
    except RuntimeError:
        raise UsageError(Problem(option, message=f"{shown} is a symbolic link that leads round in a circle",
                                 hint="remove the link, or point it at a real folder")) from None
    except OSError as exc:
        raise UsageError(Problem(option, message=f"{shown} cannot be followed: {exc.strerror or exc}",
                                 hint="remove the link, or point it at a real folder")) from None


def through_link(base: Path, rel: Path | str) -> bool:
    """Whether `base / rel` is reached through a symbolic link at any step below `base` (the file
    itself included): such a path may lead anywhere, so policykit neither reads nor deletes it."""
    parts = Path(rel).parts
    return any(base.joinpath(*parts[:i]).is_symlink() for i in range(1, len(parts) + 1))


def approval_records(root: Path | str) -> Path:
    """settings/approvals/ under the trust root: the ledger and the archive of approved texts."""
    return Path(root) / APPROVALS


def library_file(root: Path | str) -> Path:
    """clauses/library.yaml under the trust root: the library's release, date and changelog."""
    return Path(root) / LIBRARY


_NOT_SECTIONS = ("policies", "history")  # clauses/ folders that hold no section's clauses


def import_targets(root: Path | str, section: str, policy: str) -> tuple[Path, Path]:
    """clauses/SECTION/ and clauses/policies/POLICY.yaml under the trust root: where `policykit import`
    writes, refused (a usage error naming the option) for a name that is not an id, a folder that holds
    no clauses (policies/, history/), or a place reached through a symbolic link."""
    for option, name in (("--section", section), ("--policy", policy)):
        if not ID.match(name or "") or len(name) > 80:
            raise UsageError(Problem(option, message=f"'{name}' is not a name policykit can use",
                                     hint="lower-case letters, digits and hyphens, e.g. mobile-phones"))
    if section in _NOT_SECTIONS:
        raise UsageError(Problem("--section", message=f"clauses/{section}/ holds no section's clauses",
                                 hint="name the section the clauses belong to, e.g. acceptable-use"))
    base = Path(root)
    for rel in (Path("clauses") / section, Path("clauses") / "policies" / f"{policy}.yaml"):
        if through_link(base, rel):
            raise UsageError(Problem(rel.as_posix(), message="is reached through a symbolic link",
                                     hint="policykit writes only the trust's own files: remove the link"))
    return base / "clauses" / section, base / "clauses" / "policies" / f"{policy}.yaml"


LIBRARY_FOLDER = "clauses"


def library_files_to_write(root: Path | str, names: Iterable[str]) -> dict[str, Path]:
    """Where `policykit update` may write each library file `names` (paths under clauses/, `/`
    separated): ROOT/clauses/NAME. Refused (a usage error) for a name that would lead out of
    clauses/ (an absolute path, `..`, a link), so nothing in settings/ is ever reached."""
    folder = Path(root) / LIBRARY_FOLDER
    trust = _resolve(folder, "--library", str(folder))
    out: dict[str, Path] = {}
    for name in names:
        rel = Path(name)
        target = folder / rel
        if rel.is_absolute() or ".." in rel.parts or through_link(folder, rel) or \
                trust not in _resolve(target, "--library", name).parents:
            raise UsageError(Problem(name, message="is not a file inside the library's clauses/ folder",
                                     hint="policykit update writes only inside clauses/"))
        out[name] = target
    return out
