"""trust.yaml and each school's settings file: checked, merged with the trust's defaults, adapted."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from policykit.core import schema
from policykit.core.conditions import age_range, applies, setting_facts
from policykit.core.context import merge
from policykit.core.load import Sources
from policykit.core.validate.library import declared_options, option_value
from policykit.core.yamlfile import YamlDoc
from policykit.errors import Problem, did_you_mean
from policykit.model import ID, Library, Setting, freeze
from policykit.system.places import RESERVED_IDS, through_link


def trust_settings(sources: Sources, problems: list[Problem]) -> dict[str, Any] | None:
    doc = sources.trust
    if doc is None:
        return None
    found = schema.check(doc, "trust")
    problems.extend(found)
    defaults = doc.data.get("defaults") if isinstance(doc.data, dict) else None
    options = declared_options(sources)
    if isinstance(defaults, dict) and isinstance(defaults.get("options"), dict) and options is not None:
        problems.extend(_option_problems(doc, defaults["options"], options, ("defaults", "options")))
    if found:
        return None
    if logo := doc.data["trust"].get("logo"):
        problems.extend(doc.problem(("trust", "logo"), message, hint) for message, hint in asset_problems(
            doc.path.parent, str(logo)))
    return doc.data


def school_settings(sources: Sources, trust: Mapping[str, Any] | None, library: Library | None,
              problems: list[Problem]) -> dict[str, Setting]:
    """Check every school file; return the schools, merged with the trust's defaults (none when
    trust.yaml is broken: each school's own file is still checked)."""
    settings: dict[str, Setting] = {}
    authorities = trust["local_authorities"] if trust is not None else _authorities(sources, problems)
    options = declared_options(sources)
    for doc in sources.settings:
        sid = doc.path.stem
        if not ID.match(sid):
            problems.append(Problem(doc.shown, 0, 0, "", f"'{sid}' is not a usable school id",
                                    "name the file with lower-case letters, digits and hyphens, e.g. oakfield.yaml"))
            continue
        if sid in RESERVED_IDS:
            problems.append(Problem(doc.shown, 0, 0, "", f"'{sid}' is the name of a folder policykit writes in build/",
                                    f"name the school's file something else (not {', '.join(sorted(RESERVED_IDS))})"))
            continue
        found = schema.check(doc, "setting")
        problems.extend(found)
        data = doc.data if isinstance(doc.data, dict) else {}
        given = data.get("options") if isinstance(data.get("options"), dict) else {}
        if options is not None:
            problems.extend(_option_problems(doc, given, options))
        if found:
            continue
        given = data["school"].get("age_range")
        if given is not None and age_range(given) is None:
            problems.append(doc.problem(("school", "age_range"), f"'{given}' gives the older age first",
                                        "write the youngest age first, e.g. 11-18"))
        la_key = data["school"]["local_authority"]
        if authorities is not None and la_key not in authorities:
            problems.append(doc.problem(("school", "local_authority"), f"unknown local authority '{la_key}'",
                                        did_you_mean(la_key, authorities) or
                                        "add it under local_authorities in settings/trust.yaml"))
            continue
        if trust is None:
            continue  # merging needs the trust's defaults
        values = merge(trust.get("defaults", {}), data)
        settings[sid] = Setting(sid, doc.shown, freeze(values), freeze(authorities[la_key]))
    return settings


def _authorities(sources: Sources, problems: list[Problem]) -> Mapping[str, Any] | None:
    """A broken trust.yaml's local authorities, if that part of it is sound."""
    data = sources.trust.data if sources.trust is not None else None
    las = data.get("local_authorities") if isinstance(data, dict) else None
    shown = sources.trust.shown if sources.trust is not None else ""
    if not isinstance(las, dict) or any(p.path == shown and p.key.startswith("local_authorities") for p in problems):
        return None
    return las


def check_adaptations(library: Library, settings: Mapping[str, Setting], docs: Mapping[str, YamlDoc],
                       problems: list[Problem]) -> None:
    """A school may adapt only clauses the trust left adaptable and that are in its policies."""
    for sid, setting in settings.items():
        adaptations = setting.values.get("adaptations", {})
        if not adaptations:
            continue
        doc = docs[sid]
        facts = setting_facts(setting.values)
        used = {cid for policy in library.policies.values() for part in policy.parts for cid in part.clauses
                if applies(library.clauses[cid].conditions, facts)}
        for cid in adaptations:
            key = ("adaptations", cid)
            clause = library.clauses.get(cid)
            if clause is None:
                problems.append(doc.problem(key, f"unknown clause '{cid}'", did_you_mean(cid, library.clauses)))
            elif clause.locked:
                problems.append(doc.problem(key, f"clause '{cid}' is locked by the trust in {clause.path}",
                                            "only clauses with 'locked: false' may be adapted; ask the trust"))
            elif cid not in used:
                problems.append(doc.problem(key, f"clause '{cid}' is not in any of this school's policies"))


def _option_problems(doc: YamlDoc, given: Mapping[str, Any], options: Mapping[str, Any],
                     base: tuple[str, ...] = ("options",)) -> list[Problem]:
    problems = []
    for name, value in given.items():
        if name not in options:
            problems.append(doc.problem(base + (name,), f"unknown option '{name}'",
                                        did_you_mean(str(name), options) or f"options are: {', '.join(options)}"))
        else:
            problems.extend(option_value(doc, base + (name,), value, options[name]))
    return problems


IMAGES = {".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",),
          ".svg": (b"<svg", b"<?xml")}
MAX_IMAGE_BYTES = 5 * 2**20


def asset_problems(settings: Path, name: str) -> list[tuple[str, str]]:
    """Why a file a setting names (the logo) cannot be used: it must be inside settings/, reached
    through no symbolic link, a regular file of a supported image kind, and of a sensible size
    (its bytes go into every document: nothing outside the trust may)."""
    hint = "put the image in settings/ (for example settings/images/logo.png) and name it from there"
    rel = Path(name)
    if rel.is_absolute() or ".." in rel.parts:
        return [(f"'{name}' is outside settings/", hint)]
    path = settings / rel
    if through_link(settings, rel):
        return [(f"settings/{name} is a symbolic link", "use the image file itself, not a link to it")]
    if not path.exists():
        return [(f"no file settings/{name}", hint)]
    if not path.is_file():
        return [(f"settings/{name} is not a file", hint)]
    kinds = IMAGES.get(path.suffix.lower())
    if kinds is None:
        return [(f"settings/{name} is not a PNG, JPEG or SVG image", "use a .png, .jpg or .svg file")]
    if path.stat().st_size > MAX_IMAGE_BYTES:
        return [(f"settings/{name} is larger than {MAX_IMAGE_BYTES // 2**20} MB", "use a smaller image")]
    with open(path, "rb") as handle:
        start = handle.read(256).lstrip()
    if not start.startswith(kinds) and not (path.suffix.lower() == ".svg" and b"<svg" in start):
        return [(f"settings/{name} is not the {path.suffix.lower()[1:].upper()} image its name says",
                 "export the logo again as PNG, JPEG or SVG")]
    return []
