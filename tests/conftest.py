"""Shared fixtures: small trust repositories built in tmp_path."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Callable

import pytest

REPO = Path(__file__).resolve().parent.parent

LIBRARY = """\
name: Test library
release: "2025.1"
date: 2025-09-01
options:
  work_phones:
    type: boolean
    description: Staff have work phones.
  platform:
    type: string
    description: Remote learning platform.
changelog:
  - release: "2025.1"
    date: 2025-09-01
    notes: [First release.]
"""

CLAUSE_PHONES = """\
---
id: rw-phones
version: 1.1.0
title: Phoning families
section: remote-working
covers: [RW-03]
source: [Remote working guidance]
changelog:
  - version: 1.1.0
    date: 2025-09-01
    note: Mentions 141.
  - version: 1.0.0
    date: 2024-09-01
    note: First version.
---
{% if options.work_phones %}
Use your work phone to call families.
{% else %}
Call families from the school office.
{% endif %}
If you must use your own phone, dial 141 first. Ask {{ people.dsl.name }} if unsure.
"""

CLAUSE_PLATFORM = """\
---
id: rw-platform
version: 1.0.0
title: Live lessons
section: remote-working
covers: [RW-06]
source: [Remote working guidance]
conditions:
  phase: [secondary]
changelog:
  - version: 1.0.0
    date: 2025-09-01
    note: First version.
---
Teach live lessons only on {{ options.platform }}, and tell {{ terms.head }} first.
"""

POLICY = """\
id: remote
title: Remote Working Policy
version: 1.0.0
owner: dsl
approver: board
review_months: 12
audience: All staff
parts:
  - heading: Working from home
    clauses: [rw-phones, rw-platform]
"""

TRUST = """\
trust:
  name: Test Learning Trust
  board: Board of Trustees
  chair: {name: Tess Trustee, role: Chair of Trustees}
local_authorities:
  shire:
    name: Shire Council
    lado: {name: Shire LADO, phone: "01234 567890"}
defaults:
  terminology:
    head: Headteacher
    board: Local Governing Body
    chair: Chair of Governors
  options:
    work_phones: false
    platform: Teams
"""

SCHOOL = """\
school:
  name: {name}
  urn: "{urn}"
  phase: {phase}
  type: mainstream
  local_authority: shire
people:
  head: {{name: Ann Head}}
  dsl: {{name: Dev Lead}}
  chair: {{name: Cy Chair}}
"""


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if not text.startswith("---") else text, encoding="utf-8")
    return root


def new_clause_version(root: Path, rel: str, text: str) -> None:
    """Give the clause at `rel` a new version as a trust does: its earlier text, which a release
    may hold, goes to clauses/history/<id>@<version>.md first."""
    import yaml

    path = root / rel
    old = path.read_text(encoding="utf-8")
    meta = yaml.safe_load(old.split("---\n")[1])
    history = root / "clauses" / "history" / f"{meta['id']}@{meta['version']}.md"
    history.parent.mkdir(parents=True, exist_ok=True)
    history.write_text(old, encoding="utf-8")
    path.write_text(text, encoding="utf-8")


def mini_files() -> dict[str, str]:
    return {
        "clauses/library.yaml": LIBRARY,
        "clauses/remote-working/rw-phones.md": CLAUSE_PHONES,
        "clauses/remote-working/rw-platform.md": CLAUSE_PLATFORM,
        "clauses/policies/remote.yaml": POLICY,
        "settings/trust.yaml": TRUST,
        "settings/alpha.yaml": SCHOOL.format(name="Alpha Primary School", urn="100001", phase="primary"),
        "settings/beta.yaml": SCHOOL.format(name="Beta Academy", urn="100002", phase="secondary"),
    }


@pytest.fixture
def mini(tmp_path: Path) -> Callable[..., Path]:
    """A factory: mini({path: text}) writes a small valid trust; text None removes a file."""

    def make(overrides: dict[str, str | None] | None = None) -> Path:
        root = tmp_path / "trust"
        files = mini_files()
        for rel, text in (overrides or {}).items():
            if text is None:
                files.pop(rel, None)
            else:
                files[rel] = text
        return write_tree(root, files)

    return make


@pytest.fixture(scope="session")
def example_trust(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of this repository's example trust (clauses/ and settings/)."""
    root = tmp_path_factory.mktemp("example")
    shutil.copytree(REPO / "clauses", root / "clauses")
    shutil.copytree(REPO / "settings", root / "settings")
    return root


@pytest.fixture(scope="session")
def example_build(example_trust: Path) -> Path:
    """The example trust built once in every format (the slow part, shared by tests)."""
    import policykit

    policykit.build(example_trust)
    return example_trust / "build"
