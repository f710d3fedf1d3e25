"""`policykit coverage`: for each requirement, the clauses that cover it and the schools they reach.

    load -> validate -> resolve (every policy of the chosen schools) -> coverage -> the report
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from policykit.core.load import load
from policykit.core.resolve import resolve
from policykit.core.validate import validate
from policykit.errors import PolicykitError, Problem
from policykit.reports.coverage import Coverage, coverage_of, to_csv, to_html, to_json

__all__ = ["coverage", "coverage_text", "Coverage"]


def coverage(root: Path | str = ".", settings: Sequence[str] | None = None) -> Coverage:
    """Where each requirement of clauses/requirements.yaml is covered, per school (all by default)."""
    project = validate(load(root))
    if not project.library.requirements:
        raise PolicykitError(Problem("clauses/requirements.yaml", message="no requirements to report on",
                                     hint="list what the library must cover in clauses/requirements.yaml"))
    return coverage_of(resolve(project, settings))


def coverage_text(report: Coverage, fmt: str, trust: str = "") -> str:
    """The report as csv, json or html."""
    if fmt == "csv":
        return to_csv(report)
    if fmt == "json":
        return to_json(report)
    return to_html(report, trust)
