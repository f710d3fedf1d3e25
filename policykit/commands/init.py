"""`policykit init`: make a new trust repository, with the library, settings to fill in and CI.

    (DIR new or empty; the trust's name) -> the bundled library's files at the release asked
      for (library_files) -> the schemas, so the editor lines resolve offline -> trust.yaml and
      one school's file from templates, with a marked value ("REPLACE: ...") wherever only the
      trust knows the answer -> an empty ledger, .gitignore, README, .policykit.yaml (the
      release, for `update`), the CI files -> written atomically, or nothing at all

`policykit validate` in the new repository lists each marked value still to fill in
(core/validate/placeholders.py); once none is left, `policykit build` builds.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from policykit.core.library_files import LIBRARY_FILE, library_files
from policykit.core.schema import schema_dir
from policykit.core.upstream import FILE as UPSTREAM, Upstream, upstream_text
from policykit.core.validate.placeholders import MARKER, marked_values
from policykit.errors import OutputError, Problem, UsageError
from policykit.model import ID
from policykit.system.assets import bundled_library, read_asset
from policykit.system.atomic import write_files
from policykit.system.places import APPROVALS
from policykit.version import VERSION

__all__ = ["init", "InitResult", "school_id"]

TEMPLATES = "templates/trust"
LEDGER = (APPROVALS / "ledger.jsonl").as_posix()
EXAMPLE_SCHOOL = "example-school"
# template file -> where it goes in the new repository
_STATIC = {
    "README.md": "README.md",
    "gitignore": ".gitignore",
    "policykit.yml": ".github/workflows/policykit.yml",
    "policykit-reviews.yml": ".github/workflows/policykit-reviews.yml",
    "gitlab-ci.yml": ".gitlab-ci.yml",
}


@dataclass(frozen=True)
class InitResult:
    """The repository `init` made."""

    root: Path
    release: str  # the library release its clauses/ came from
    school: str  # the example school's settings file, e.g. settings/oakfield.yaml
    files: tuple[Path, ...]
    to_fill: int  # marked values left to fill in


def school_id(name: str) -> str:
    """A school's id (its settings file's name) from its name: 'St Mary's C of E' -> 'st-marys-c-of-e'."""
    plain = unicodedata.normalize("NFKD", name.lower()).encode("ascii", "ignore").decode("ascii")
    sid = "-".join(re.findall(r"[a-z0-9]+", re.sub(r"'", "", plain))) or "school"
    return "trust-school" if sid == "trust" else sid  # settings/trust.yaml is the trust's own


def init(target: Path | str, trust_name: str, library: str | None = None, school_name: str | None = None,
         school: str | None = None) -> InitResult:
    """Make a trust repository in `target` (a new or empty folder): clauses/ from the bundled
    library at release `library` (default: its current release), settings to fill in, an empty
    ledger, a README for staff, .policykit.yaml and CI for GitHub and GitLab."""
    root = Path(target)
    _check_target(root)
    trust_name = _one_line(trust_name, "--trust-name",
                           "the trust's full name, e.g. --trust-name \"Meadowbank Learning Trust\"")
    if school_name is not None:
        school_name = _one_line(school_name, "--school-name", "the school's full name")
    sid = school or (school_id(school_name) if school_name else EXAMPLE_SCHOOL)
    if not ID.match(sid) or sid == "trust":
        raise UsageError(Problem("--school", message=f"'{sid}' is not a usable school id" +
                                 (" (settings/trust.yaml is the trust's own file)" if sid == "trust" else ""),
                                 hint="lower-case letters, digits and hyphens, e.g. oakfield"))
    source = bundled_library()
    release = library or _current_release(source)
    clauses = library_files(source, release)  # an unknown release is a usage error naming --library
    files: dict[str, bytes] = {f"clauses/{name}": data for name, data in clauses.items()}
    files.update({f"schemas/{p.name}": p.read_bytes() for p in sorted(schema_dir().glob("*.schema.json"))})
    options = _declared_options(clauses)
    school_file = f"settings/{sid}.yaml"
    fill = {"@TRUST_NAME@": trust_name, "@ENGINE@": VERSION, "@RELEASE@": release, "@SCHOOL_FILE@": school_file}
    files["settings/trust.yaml"] = _fill(_trust_yaml(trust_name, clauses, options), fill)
    files[school_file] = _fill(_school_yaml(school_name, options), fill)
    files[LEDGER] = b""
    files[UPSTREAM] = upstream_text(Upstream(release, VERSION)).encode("utf-8")
    for template, name in _STATIC.items():
        files[name] = _fill(read_asset(f"{TEMPLATES}/{template}"), fill)
    written = _write(root, {root / name: data for name, data in sorted(files.items())})
    to_fill = sum(len(marked_values(yaml.safe_load(files[name].decode("utf-8"))))
                  for name in ("settings/trust.yaml", school_file))
    return InitResult(root, release, school_file, tuple(written), to_fill)


def _check_target(root: Path) -> None:
    if root.exists() and not root.is_dir():
        raise UsageError(Problem(str(root), message="is a file, not a folder", hint="give a new or empty folder"))
    if root.is_dir() and any(root.iterdir()):
        raise UsageError(Problem(str(root), message="is not empty; nothing was written",
                                 hint="give a new or empty folder: init never writes over a trust's files"))


def _one_line(value: str, option: str, hint: str) -> str:
    text = " ".join(value.split())
    if not text or MARKER in text:
        raise UsageError(Problem(option, message="must be a name", hint=hint))
    return text


def _current_release(source: Path) -> str:
    data = yaml.safe_load((source / LIBRARY_FILE).read_text(encoding="utf-8")) or {}
    return str(data.get("release", ""))


def _declared_options(clauses: Mapping[str, bytes]) -> dict[str, Any]:
    data = yaml.safe_load(clauses[LIBRARY_FILE].decode("utf-8")) or {}
    options = data.get("options") if isinstance(data, dict) else None
    return dict(options) if isinstance(options, dict) else {}


def _quoted(text: str) -> str:
    """`text` as a YAML scalar that reads back exactly (a JSON string is a YAML double-quoted one)."""
    return json.dumps(text, ensure_ascii=False)


def _marker(what: str) -> str:
    return _quoted(f"{MARKER} {what}")


def _trust_yaml(trust_name: str, clauses: Mapping[str, bytes], options: Mapping[str, Any]) -> str:
    text = read_asset(f"{TEMPLATES}/trust.yaml").replace("@TRUST_NAME@", _quoted(trust_name))
    scheme = []
    for name in sorted(clauses):
        if name.startswith("policies/") and name.endswith(".yaml"):
            data = yaml.safe_load(clauses[name].decode("utf-8")) or {}
            if isinstance(data, dict) and data.get("id"):
                scheme.append(f"    {data['id']}:\n      stages: [{data.get('approver', 'board')}]")
    text = text.replace("@SCHEME_POLICIES@", "\n".join(scheme) if scheme else "    {}")
    known = [line for line in text.split("\n") if not _unknown_option(line, options)]
    return "\n".join(known)


def _unknown_option(line: str, options: Mapping[str, Any]) -> bool:
    """A line of the templates' options that the library (at an older release) does not declare."""
    match = re.match(r"^ {2,4}(work_phones|personal_devices_for_work|remote_learning_platform|pupil_phones"
                     r"|learning_journal):", line)
    return bool(match) and match[1] not in options


def _school_yaml(school_name: str | None, options: Mapping[str, Any]) -> str:
    name = _quoted(school_name) if school_name else _marker("the school's full name")
    text = read_asset(f"{TEMPLATES}/school.yaml").replace("@SCHOOL_NAME@", name)
    lines = [line for line in text.split("\n") if not _unknown_option(line, options)]
    extra = [f"  {oid}: {_marker(_option_text(spec))}" for oid, spec in options.items()
             if isinstance(spec, dict) and spec.get("type") != "boolean"
             and oid not in ("remote_learning_platform", "pupil_phones")]
    if extra:
        at = lines.index("options:") + 1 if "options:" in lines else len(lines)
        lines[at:at] = extra
    if "options:" in lines and lines[lines.index("options:") + 1].startswith("reporting:"):
        lines.remove("options:")  # a library with no options a school gives
    return "\n".join(lines)


def _option_text(spec: Mapping[str, Any]) -> str:
    described = " ".join(str(spec.get("description", "")).split()) or "this option's value"
    described = described[:1].lower() + described[1:]
    choices = spec.get("choices")
    if choices:
        return f"one of {', '.join(str(c) for c in choices)} ({described})"
    return f"{described.rstrip('.')} (delete the line if the school has none)"


def _fill(text: str, values: Mapping[str, str]) -> bytes:
    for token, value in values.items():
        text = text.replace(token, value)
    return text.encode("utf-8")


def _write(root: Path, files: Mapping[Path, bytes]) -> list[Path]:
    """Write every file, or none: on a failure the folders made for them go too."""
    existed = root.is_dir()
    try:
        write_files(files, hint="choose another folder, or fix its permissions")
    except OutputError:
        _remove_empty(root, keep=existed)
        raise
    return sorted(files)


def _remove_empty(root: Path, keep: bool) -> None:
    if not root.is_dir():
        return
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:
            pass
    if not keep:
        try:
            root.rmdir()
        except OSError:
            pass
