"""`policykit validate`: load, validate, resolve and render every document, writing nothing.

Rendering Markdown is cheap and catches what only a filled-in text shows: a template that
fails at run time, or a term a school has said it does not use.
"""

from __future__ import annotations

from pathlib import Path

from policykit.core.load import load
from policykit.core.render import render
from policykit.core.resolve import resolve
from policykit.core.validate import validate as validate_sources
from policykit.model import Project


def validate(root: Path | str = ".") -> Project:
    """Check a trust repository and render every document without writing anything; raise
    PolicykitError listing every problem."""
    project = validate_sources(load(root))
    render(resolve(project))
    return project
