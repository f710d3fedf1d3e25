"""Files shipped inside the package: templates, Lua filters, fonts and (when installed) schemas and the library."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

PACKAGE = Path(str(resources.files("policykit")))
FONTS = PACKAGE / "fonts"


def asset(name: str) -> str:
    """Path of a file shipped in policykit/ (templates, Lua filters, fonts)."""
    return str(PACKAGE / name)


def read_asset(name: str) -> str:
    """A shipped text file's contents (UTF-8)."""
    return (PACKAGE / name).read_text(encoding="utf-8")


def bundled_library() -> Path:
    """The clause library shipped with policykit (clauses/, its history and releases): inside the
    installed wheel as policykit/library, or the repository's clauses/ in a source checkout."""
    packaged = PACKAGE / "library"
    if (packaged / "library.yaml").is_file():
        return packaged
    return PACKAGE.parent / "clauses"
