"""Conflict markers left in the library by `policykit update`, each reported at its line.

An update that could not merge a change of the trust's with one of the release's leaves both in
the file between `<<<<<<<`, `=======` and `>>>>>>>` lines, as git does. Until someone keeps one
side and deletes the markers, the file is neither text: validate (and so build) refuses it.
"""

from __future__ import annotations

from pathlib import Path

from policykit.core.load import Sources
from policykit.errors import Problem, display_path

_STARTS = ("<<<<<<< ", "=======", ">>>>>>> ")
_SUFFIXES = (".md", ".yaml", ".yml")
HINT = "resolve the conflict: keep one side and delete the markers"


def conflict_problems(sources: Sources) -> list[Problem]:
    """One problem per conflict (at its `<<<<<<<` line) in any text file under clauses/."""
    folder = sources.root / "clauses"
    problems = []
    for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
        if path.suffix in _SUFFIXES and path.is_file():
            problems.extend(_markers(path, display_path(path, sources.root)))
    return problems


def _markers(path: Path, shown: str) -> list[Problem]:
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return []  # unreadable: load reports it
    if "<<<<<<< " not in text:
        return []
    problems, start = [], 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("<<<<<<< "):
            start = number
        elif line.startswith(">>>>>>> ") and start:
            label = line[len(">>>>>>> "):].strip()
            problems.append(Problem(shown, start, 1, "", f"unresolved merge conflict (lines {start}-{number}) "
                                    f"between the trust's version and {label or 'the other version'}", HINT))
            start = 0
    if start:
        problems.append(Problem(shown, start, 1, "", "unresolved merge conflict (no closing >>>>>>> line)", HINT))
    return problems


def conflicted(problems: list[Problem]) -> set[str]:
    """The files the conflict problems name."""
    return {p.path for p in problems}
