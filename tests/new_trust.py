"""Helpers for tests of `policykit init`: fill a new repository's marked values as a trust would."""

from __future__ import annotations

import re
from pathlib import Path

MARKED = re.compile(r'^(?P<lead>\s*(?:- )?)(?P<key>[a-z_]+): "REPLACE: [^"\n]*"', re.M)
VALUES = {"urn": '"123456"', "phase": "primary", "type": "mainstream", "pupil_phones": "handed-in",
          "company_number": '"01234567"', "learning_journal": "Tapestry", "email": "office@school.example",
          "phone": "01632 960 000", "website": "https://www.school.example"}


def value(key: str) -> str:
    """A real-looking value for the key a marker stands at."""
    return VALUES.get(key, f'"Sample {key.replace("_", " ")}"')


def fill_text(text: str) -> str:
    return MARKED.sub(lambda m: f"{m['lead']}{m['key']}: {value(m['key'])}", text)


def fill(root: Path, names: tuple[str, ...] | None = None) -> dict[str, str]:
    """Replace every marked value in ROOT/settings/*.yaml (or only the files `names`); return the
    settings files' new texts by name."""
    out = {}
    for path in sorted((root / "settings").glob("*.yaml")):
        if names is None or path.name in names:
            path.write_text(fill_text(path.read_text(encoding="utf-8")), encoding="utf-8")
        out[path.name] = path.read_text(encoding="utf-8")
    return out


def outputs(folder: Path) -> dict[str, bytes]:
    """Every file a build wrote under `folder` (its private stat cache left out), by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}
