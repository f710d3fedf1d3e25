"""policykit: build every school's policies from a versioned clause library.

The library API, one function per command (the command line is a thin layer over these):

    validate(root)                         check everything; the validated Project
    build(root, ...)                       write each school's documents (only what changed)
    approve(root, setting, policy, ...)    record a decision in the ledger
    status(root, ...)                      where every document stands
    diff(root, setting, policy, ...)       compare two texts; write the redlines
    site(root, ...)                        the governors' static site
    pack(root, setting, meeting, ...)      the meeting pack PDF
    release(root, version, on, ...)        cut a library release into clauses/library.yaml
    merge_manifests(out)                   join the manifests of a sharded build
    coverage(root, ...)                    where each requirement is covered, per school
    import_docx(root, file, section, policy)  a Word policy as draft clauses and a policy definition
    update(root, to, ...)                  take a new library release, keeping the trust's changes
    init(folder, trust_name, ...)          make a new trust repository from the bundled library

Each name is imported from its command's module when first used, so a command pays only
for the modules it needs (a build with nothing to do never loads python-docx or Jinja).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from policykit.errors import OutputError, PolicykitError, Problem, UsageError
from policykit.version import VERSION as __version__

_API = {
    "validate": "policykit.commands.validate",
    "build": "policykit.commands.build", "merge_manifests": "policykit.commands.build",
    "BuildResult": "policykit.commands.build",
    "approve": "policykit.commands.approve", "ApprovalResult": "policykit.commands.approve",
    "status": "policykit.commands.status", "Status": "policykit.commands.status",
    "diff": "policykit.commands.diff", "DiffResult": "policykit.commands.diff",
    "site": "policykit.commands.site", "SiteResult": "policykit.commands.site",
    "pack": "policykit.commands.pack", "PackResult": "policykit.commands.pack",
    "release": "policykit.commands.release", "ReleaseResult": "policykit.commands.release",
    "coverage": "policykit.commands.coverage", "Coverage": "policykit.commands.coverage",
    "import_docx": "policykit.commands.import_docx", "ImportResult": "policykit.commands.import_docx",
    "update": "policykit.commands.update", "UpdateResult": "policykit.commands.update",
    "init": "policykit.commands.init", "InitResult": "policykit.commands.init",
}

__all__ = [*_API, "PolicykitError", "OutputError", "UsageError", "Problem", "__version__"]

if TYPE_CHECKING:  # for type checkers and editors; at run time __getattr__ imports each on first use
    from policykit.commands.approve import ApprovalResult, approve  # noqa: F401
    from policykit.commands.build import BuildResult, build, merge_manifests  # noqa: F401
    from policykit.commands.diff import DiffResult, diff  # noqa: F401
    from policykit.commands.import_docx import ImportResult, import_docx  # noqa: F401
    from policykit.commands.init import InitResult, init  # noqa: F401
    from policykit.commands.pack import PackResult, pack  # noqa: F401
    from policykit.commands.release import ReleaseResult, release  # noqa: F401
    from policykit.commands.site import SiteResult, site  # noqa: F401
    from policykit.commands.status import Status, status  # noqa: F401
    from policykit.commands.update import UpdateResult, update  # noqa: F401
    from policykit.commands.validate import validate  # noqa: F401


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'policykit' has no attribute '{name}'")
    value = getattr(import_module(module), name)
    globals()[name] = value  # once: later lookups find it directly
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
