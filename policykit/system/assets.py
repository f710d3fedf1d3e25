"""Files shipped inside the package: templates, Lua filters, fonts and (when installed) schemas."""

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
