"""Version diffs for review cycles: what changed in a school's policy, as a summary and redlines.

    versions.py    the two texts (current, approved, approval:N, release:R, git:REV)
    pandoc_ast.py  pandoc's parsed tree: parse Markdown, write it back, build nodes
    compare.py     clause by clause (added, removed, changed, moved), with the change summary
    blocks.py      block by block: paragraphs, list items, table rows
    inlines.py     word by word inside a paragraph
    redline.py     the redline files: Word (docx_track.py: paragraph marks, rows, moves), and
    visual.py      HTML and PDF, summary first
    library.py     what a library release changed, and which schools' policies it reaches
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..convert import Converter
from ..errors import Problem, UsageError, did_you_mean
from ..outdir import check_output_folder
from ..releases import semver
from ..write import write_files
from .compare import ClauseChange, Comparison, OtherChange, compare, snippets
from .library import LibraryChange, LibraryDiff, Reach, library_diff, notes_between
from .pandoc_ast import parse
from .redline import FORMATS, Cover, redlines
from .versions import Trust, Version, open_trust, version


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
    out_dir = Path(out) if out is not None else Path(root) / "build"
    check_output_folder(root, out_dir)
    trust = open_trust(root)
    a = version(trust, setting, policy, old, "--from")
    b = version(trust, setting, policy, new, "--to")
    (comparison,) = compare_versions(trust, [(a, b)])
    cover = cover_for(trust, setting, policy, a, b)
    (files,) = redlines([(comparison, cover)], formats, converter)
    paths = {out_dir / setting / "redline" / f"{policy}.{fmt}": data for fmt, data in files.items()}
    write_files(paths)
    return DiffResult(setting, policy, a, b, comparison, tuple(paths))


def _formats(formats: Sequence[str]) -> tuple[str, ...]:
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UsageError([Problem("--format", message=f"unknown redline format '{f}'",
                                  hint=did_you_mean(f, FORMATS) or f"choose from {','.join(FORMATS)}")
                          for f in unknown] or [Problem("--format", message="no format given")])
    return tuple(dict.fromkeys(formats))


def compare_versions(trust: Trust | None, pairs: Sequence[tuple[Version, Version]]) -> list[Comparison]:
    """Compare each (old, new) pair, parsing every text they hold in one pandoc run."""
    texts = sorted({t for a, b in pairs for t in snippets(a.content) + snippets(b.content)})
    parsed = dict(zip(texts, parse(texts)))
    out = []
    for a, b in pairs:
        libraries = [v.library for v in (b, a) if v.library is not None]
        if trust is not None:
            libraries.append(trust.project.library)

        def notes(cid: str, old: str | None, new: str | None) -> tuple[str, ...]:
            clause = max((lib.clauses[cid] for lib in libraries if cid in lib.clauses),
                         key=lambda c: semver(c.version), default=None)
            return notes_between(clause, old, new) if clause is not None else ()

        out.append(compare(a.content, b.content, parsed, notes))
    return out


def cover_for(trust: Trust, setting: str, policy: str, a: Version, b: Version) -> Cover:
    """The redline's cover: the newer text's names; changes attributed to its library release."""
    def span(x: str, y: str) -> str:
        return x if x == y else f"{x} \u2192 {y}"

    colours = trust.project.trust.get("trust", {}).get("colours", {})
    logo = trust.project.trust.get("trust", {}).get("logo")
    return Cover(
        title=str(b.content["title"]), school=str(b.content["school"]),
        trust=str(trust.project.trust["trust"]["name"]), from_label=a.label, to_label=b.label,
        author=f"Library release {b.library_release}", day=max(a.day, b.day),
        versions=span(str(a.content["version"]), str(b.content["version"])),
        releases=span(a.library_release, b.library_release), key=f"{setting}/redline/{policy}",
        colours={f"colour-{k}": v for k, v in colours.items()},
        logo=str((trust.root / "settings" / logo).resolve()) if logo else None,
    )


__all__ = ["diff", "DiffResult", "compare_versions", "cover_for", "library_diff", "LibraryDiff", "LibraryChange",
           "Reach", "Comparison", "ClauseChange", "OtherChange", "Cover", "Version", "FORMATS"]
