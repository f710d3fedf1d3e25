"""Problems found in a trust's files, and the one exception that carries them."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the inputs, located as precisely as we can."""

    path: str
    line: int = 0
    column: int = 0
    key: str = ""
    message: str = ""
    hint: str = ""

    @property
    def location(self) -> str:
        """`path:line:col` (as much of it as is known), as editors and CI problem matchers read it."""
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return where

    def __str__(self) -> str:
        where = self.location
        text = f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class PolicykitError(Exception):
    """Raised with every problem found; the command line prints them and exits non-zero."""

    exit_code = 1

    def __init__(self, problems: Iterable[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(path="policykit", message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(sorted(set(problems)))
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(PolicykitError):
    """The command was asked for something that does not exist (an unknown school or policy)."""

    exit_code = 2


class OutputError(PolicykitError):
    """Writing outputs failed (permissions, full disk); earlier outputs are untouched."""

    exit_code = 3


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A 'did you mean' hint for a misspelt name, or '' when nothing is close."""
    close = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def display_path(path: Path, root: Path) -> str:
    """A path as the user would type it: relative to the trust root where possible."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, RuntimeError, OSError):  # outside the root, or symbolic links in a circle
        return str(path)
