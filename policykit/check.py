"""`policykit validate` in full: the validate stage, then a dry render of every document.

Rendering Markdown is cheap and catches what only a filled-in text shows: a template that
fails at run time, or a term a school has said it does not use.
"""

from __future__ import annotations

from pathlib import Path

from .load import load
from .model import Project
from .render import render
from .resolve import resolve
from .validate import validate


def check(root: Path | str = ".") -> Project:
    """Validate a trust repository and render every document without writing anything."""
    project = validate(load(root))
    render(resolve(project))
    return project
