"""Problems and warnings as CI reads them: GitHub workflow commands, or a GitLab Code Quality report.

`policykit validate --format github` prints one `::error file=...,line=...,col=...::...` line per
problem, which GitHub Actions shows on that line of a pull request; `--format gitlab` prints the
Code Quality report (the Code Climate JSON subset GitLab reads), which a merge request shows.
"""

from __future__ import annotations

import hashlib
import json
from typing import Sequence

from policykit.errors import Problem

__all__ = ["github_annotations", "gitlab_report", "FORMATS"]

FORMATS = ("text", "github", "gitlab")


def _is_file(problem: Problem) -> bool:
    """A problem located in a file (not at an option such as --library)."""
    return bool(problem.path) and not problem.path.startswith("-") and " " not in problem.path


def _message(problem: Problem) -> str:
    text = f"{problem.key}: {problem.message}" if problem.key else problem.message
    return text + (f" ({problem.hint})" if problem.hint else "")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(problems: Sequence[Problem], warnings: Sequence[Problem] = ()) -> str:
    """One workflow command line per problem (`::error`) and per warning (`::warning`)."""
    lines = []
    for level, items in (("error", problems), ("warning", warnings)):
        for problem in items:
            props = []
            if _is_file(problem):
                props.append(f"file={_escape_property(problem.path)}")
                if problem.line:
                    props.append(f"line={problem.line}")
                    if problem.column:
                        props.append(f"col={problem.column}")
            props.append(f"title={_escape_property('policykit validate')}")
            where = "" if _is_file(problem) else f"{problem.path}: "
            lines.append(f"::{level} {','.join(props)}::{_escape_data(where + _message(problem))}")
    return "".join(line + "\n" for line in lines)


def gitlab_report(problems: Sequence[Problem], warnings: Sequence[Problem] = ()) -> str:
    """The Code Quality report: a JSON list of issues, each with a stable fingerprint."""
    issues = []
    for severity, items in (("major", problems), ("minor", warnings)):
        for problem in items:
            path = problem.path if _is_file(problem) else ".policykit.yaml"
            description = _message(problem) if _is_file(problem) else f"{problem.path}: {_message(problem)}"
            fingerprint = hashlib.sha256("\0".join((problem.path, problem.key, problem.message)).encode()).hexdigest()
            issues.append({
                "type": "issue",
                "check_name": "policykit validate",
                "description": description,
                "categories": ["Bug Risk"],
                "severity": severity,
                "fingerprint": fingerprint,
                "location": {"path": path, "lines": {"begin": max(problem.line, 1)}},
            })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
