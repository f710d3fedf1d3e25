"""The trust's record of the policykit library release its clauses/ came from (`.policykit.yaml`).

`policykit init` writes it and `policykit update` moves it on: it is the common ancestor of the
three-way merge (the release the trust started from, the trust's files, the new release), as
copier's `.copier-answers.yml` is for a project made from a template. A repository without one
was not made by `init` (this repository is the library itself): `update` then asks for `--from`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from policykit.core.yamlfile import YamlError, parse_yaml, read_text
from policykit.errors import PolicykitError, Problem

FILE = ".policykit.yaml"
_RELEASE = re.compile(r"^[0-9]{4}\.[0-9]+$")
_HEADER = ("# Written by `policykit init` and `policykit update`: the policykit library release this\n"
           "# trust's clauses/ came from. `update` merges from it; edit it only to repair a lost record.\n")


@dataclass(frozen=True)
class Upstream:
    """Which bundled library release the trust's clauses/ were last taken from, and by which engine."""

    release: str
    engine: str = ""


def read_upstream(root: Path | str) -> Upstream | None:
    """The record in ROOT/.policykit.yaml, or None when the repository has none."""
    path = Path(root) / FILE
    if not path.is_file():
        return None
    try:
        doc = parse_yaml(read_text(path, FILE), path, FILE)
    except YamlError as exc:
        raise PolicykitError(exc.problems) from None
    data = doc.data if isinstance(doc.data, dict) else {}
    problems: list[Problem] = []
    release = data.get("library_release")
    if not isinstance(release, str) or not _RELEASE.match(release):
        problems.append(doc.problem(("library_release",), "must be a library release such as \"2026.1\" (in quotes)",
                                    "the release `policykit init` or `policykit update` last took"))
    unknown = sorted(set(data) - {"library_release", "engine"})
    problems += [doc.problem((key,), "is not a key of this file", "keys: library_release, engine") for key in unknown]
    engine = data.get("engine", "")
    if not isinstance(engine, str):
        problems.append(doc.problem(("engine",), "must be text, the policykit version that wrote this file"))
    if problems:
        raise PolicykitError(problems)
    return Upstream(str(release), str(engine))


def upstream_text(record: Upstream) -> str:
    """The file's text for `record` (written by init and update through the staging writer)."""
    engine = f"engine: \"{record.engine}\"\n" if record.engine else ""
    return f"{_HEADER}library_release: \"{record.release}\"\n{engine}"
