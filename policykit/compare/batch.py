"""Compare many pairs of texts at once: one pandoc run parses every text the pairs hold."""

from __future__ import annotations

from typing import Sequence

from policykit.compare.clauses import Comparison, compare, snippets
from policykit.compare.library import notes_between
from policykit.compare.pandoc_ast import parse
from policykit.compare.versions import Trust, Version
from policykit.core.releases import semver


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
