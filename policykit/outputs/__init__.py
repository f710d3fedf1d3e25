"""Stage 5, write: the output formats, the external tools behind them, and the files they finish.

Kept light to import: `DEFAULT_FORMATS` is read by a build that may find nothing to do, which
never loads pandoc's or python-docx's side of the package.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from policykit.errors import Problem, UsageError, did_you_mean

DEFAULT_FORMATS = ("md", "docx", "pdf", "html")


def chosen_formats(formats: Sequence[str], known: Iterable[str], what: str = "format") -> tuple[str, ...]:
    """`formats` checked against the `known` ones (a usage error names each unknown one, with a
    did-you-mean), each once, in the order given."""
    known = tuple(known)
    unknown = [f for f in formats if f not in known]
    if unknown or not formats:
        raise UsageError([Problem("--format", message=f"unknown {what} '{f}'",
                                  hint=did_you_mean(f, known) or f"choose from {','.join(known)}")
                          for f in unknown] or [Problem("--format", message="no format given")])
    return tuple(dict.fromkeys(formats))
