"""`policykit diff`: what changed in a school's policy between two texts, with redlines.

    (--out and --format checked) -> load -> validate -> the two texts -> compare
      -> redline files (Word with tracked changes, HTML, PDF) -> write

With `--library FROM TO` instead: load -> validate -> both library releases -> which clauses
changed, and whose policies each change reaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from policykit.compare.batch import compare_versions
from policykit.compare.clauses import Comparison
from policykit.compare.library import LibraryDiff
from policykit.compare.library import library_diff as compare_libraries
from policykit.compare.redline import FORMATS, cover_for, redlines
from policykit.compare.versions import Trust, Version, version
from policykit.core.load import load
from policykit.core.validate import validate
from policykit.outputs import chosen_formats
from policykit.outputs.pandoc import Converter
from policykit.system.atomic import write_files
from policykit.system.places import output_folder

__all__ = ["diff", "library_diff", "describe_library", "DiffResult", "LibraryDiff", "FORMATS"]


@dataclass(frozen=True)
class DiffResult:
    setting: str
    policy: str
    old: Version
    new: Version
    comparison: Comparison
    files: tuple[Path, ...]


def diff(root: Path | str, setting: str, policy: str, old: str = "approved", new: str = "current",
         out: Path | str | None = None, formats: Sequence[str] = FORMATS,
         converter: Converter | None = None) -> DiffResult:
    """Compare two texts of `setting`'s `policy`; write the redlines to OUT/<school>/redline/<policy>.*"""
    formats = _formats(formats)
    out_dir = output_folder(root, out)
    sources = load(root)
    trust = Trust(Path(root), sources, validate(sources))
    a = version(trust, setting, policy, old, "--from")
    b = version(trust, setting, policy, new, "--to")
    (comparison,) = compare_versions(trust, [(a, b)])
    cover = cover_for(trust, setting, policy, a, b)
    (files,) = redlines([(comparison, cover)], formats, converter)
    paths = {out_dir / setting / "redline" / f"{policy}.{fmt}": data for fmt, data in files.items()}
    write_files(paths)
    return DiffResult(setting, policy, a, b, comparison, tuple(paths))


def library_diff(root: Path | str, old: str, new: str) -> LibraryDiff:
    """Which clauses library release `new` changed since `old`, and the schools' policies each reaches."""
    sources = load(root)
    return compare_libraries(Trust(Path(root), sources, validate(sources)), old, new)


def describe_library(report: LibraryDiff) -> list[str]:
    """A library diff in lines for people: each clause change and whom it reaches, then who
    approves again (`diff --library` and `update` print it)."""
    lines = [f"library {report.old} -> {report.new}: {len(report.changes)} clause(s) changed"]
    for change in report.changes:
        lines.append(change.line())
        lines.extend(f"         reaches {r.setting} ({r.school}): {', '.join(r.policies)}" for r in change.reaches)
    lines.append("to approve again:" if report.schools else "no school's policies are affected")
    lines.extend(f"  {r.setting} ({r.school}): {', '.join(r.policies)}" for r in report.schools)
    return lines


def _formats(formats: Sequence[str]) -> tuple[str, ...]:
    return chosen_formats(formats, FORMATS, "redline format")
