"""The installed policykit's version, from its package metadata (so pyproject.toml says it once)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _installed

try:
    VERSION = _installed("policykit")
except PackageNotFoundError:  # pragma: no cover - run from a source tree that was never installed
    VERSION = "0+unknown"
