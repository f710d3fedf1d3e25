"""Stage 1, load: read every file of a trust repository, keeping line numbers.

Nothing here judges the content beyond "is it YAML at all"; `validate` does the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from policykit.core.yamlfile import YamlDoc, YamlError, parse_front_matter, parse_yaml, read_text
from policykit.errors import PolicykitError, Problem, display_path
from policykit.governance.archive import ArchivedFile, read_archive
from policykit.governance.ledger import LEDGER, LedgerLine, read_ledger
from policykit.governance.pending import as_it_was, read_pending

TRUST_FILE = "trust.yaml"
REQUIREMENTS_FILE = "requirements.yaml"
SPECIAL_CLAUSE_DIRS = {"policies", "history"}


@dataclass(frozen=True)
class Sources:
    """The raw files of one trust repository, parsed but not yet checked."""

    root: Path
    library: YamlDoc | None
    trust: YamlDoc | None
    clauses: tuple[YamlDoc, ...]
    policies: tuple[YamlDoc, ...]
    settings: tuple[YamlDoc, ...]
    problems: tuple[Problem, ...]
    ledger: tuple[LedgerLine, ...] = ()
    archive: tuple[ArchivedFile, ...] = ()  # the approved texts beside the ledger
    requirements: YamlDoc | None = None  # clauses/requirements.yaml, when the trust keeps one


def load(root: Path | str = ".") -> Sources:
    """Read clauses/ and settings/ under `root`; unreadable files become problems."""
    root = Path(root)
    clauses_dir, settings_dir = root / "clauses", root / "settings"
    missing = [d for d in (clauses_dir, settings_dir) if not d.is_dir()]
    if missing:
        names = " and ".join(f"{d.name}/" for d in missing)
        raise PolicykitError(Problem(
            display_path(root, Path.cwd()) if root != Path(".") else ".", message=f"no {names} folder here",
            hint="run policykit in a trust repository, or give --root DIR"))
    problems: list[Problem] = []

    trust = root.resolve()

    def read(path: Path, front_matter: bool = False) -> YamlDoc | None:
        shown = display_path(path, root)
        if not _inside(path, trust):  # a link (of the file or a folder) out: another file's text in documents
            problems.append(Problem(shown, message="is a link to a file outside the trust",
                                    hint="policykit reads only the trust's own files: put the file itself here"))
            return None
        try:
            text = read_text(path, shown)
            if front_matter:
                return parse_front_matter(text, path, shown)
            doc = parse_yaml(text, path, shown)
        except YamlError as exc:
            problems.extend(exc.problems)
            return None
        if doc.data is None:
            problems.append(Problem(shown, 1, 1, "", "file is empty"))
            return None
        return doc

    library_path = clauses_dir / "library.yaml"
    library = read(library_path) if library_path.is_file() else None
    if not library_path.is_file():
        problems.append(Problem(display_path(library_path, root), message="missing library file",
                                hint="it gives the library's release, date and options"))
    requirements_path = clauses_dir / REQUIREMENTS_FILE
    requirements = read(requirements_path) if requirements_path.is_file() else None
    clause_files = sorted(
        p for p in clauses_dir.rglob("*.md")
        if p.relative_to(clauses_dir).parts[0] not in SPECIAL_CLAUSE_DIRS and p.is_file()
    )
    policy_files = sorted((clauses_dir / "policies").glob("*.yaml"))
    trust_path = settings_dir / TRUST_FILE
    trust_doc = read(trust_path) if trust_path.is_file() else None
    if not trust_path.is_file():
        problems.append(Problem(display_path(trust_path, root), message="missing trust settings file"))
    setting_files = sorted(p for p in settings_dir.glob("*.yaml") if p.name != TRUST_FILE)
    for odd in sorted(settings_dir.glob("*.yml")):
        problems.append(Problem(display_path(odd, root), message="settings files end in .yaml",
                                hint=f"rename it to {odd.stem}.yaml"))
    clauses = tuple(d for d in (read(p, front_matter=True) for p in clause_files) if d)
    policies = tuple(d for d in (read(p) for p in policy_files) if d)
    settings = tuple(d for d in (read(p) for p in setting_files) if d)
    ledger = read_ledger(root / LEDGER)
    archive = read_archive(root)
    pending = read_pending(root)
    if pending is not None and not pending.recorded(ledger):  # an approval killed before its record
        archive = as_it_was(archive, pending)
    return Sources(root, library, trust_doc, clauses, policies, settings, tuple(problems), ledger, archive,
                   requirements)


def _inside(path: Path, trust: Path) -> bool:
    try:
        return path.resolve().is_relative_to(trust)
    except (OSError, RuntimeError):  # a circle of links: not a file of the trust either
        return False
