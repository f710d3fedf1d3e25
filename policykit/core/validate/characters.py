"""Characters a value or clause text holds that no document can carry or the PDF draw."""

from __future__ import annotations

from typing import Any

from policykit.core import characters, glyphs
from policykit.core.load import Sources
from policykit.core.yamlfile import YamlDoc, dotted, leaves
from policykit.errors import Problem
from policykit.system.fonts import FAMILY


def character_problems(sources: Sources) -> list[Problem]:
    """Characters a value (or clause text) holds that no document can carry or the PDF draw."""
    found: list[tuple[YamlDoc, tuple[Any, ...] | tuple[int, int], str, bool]] = []  # doc, key or (line, col), text

    docs = [d for d in (sources.library, sources.trust) if d is not None]
    for doc in (*docs, *sources.clauses, *sources.policies, *sources.settings):
        found.extend((doc, key, value, True) for key, value in leaves(doc.data)
                     if isinstance(value, str) and characters.suspicious(value))
        for i, line in enumerate(doc.body.splitlines()):
            if characters.suspicious(line):
                found.append((doc, (doc.body_line + i, 0), line, False))
    if not found:
        return []
    cannot = glyphs.undrawable({c for *_, text, _ in found for c in text})
    problems = []
    for doc, where, text, is_key in found:
        if is_key:
            line, col = doc.where(where)
            key = dotted(where)
        else:
            line, col, key = where[0], 0, ""
        bad = [c for c in dict.fromkeys(text) if characters.not_text(c)]
        for char in bad:
            problems.append(Problem(doc.shown, line, col or text.index(char) + 1, key,
                                    f"contains {characters.describe(char)}, {characters.not_text(char)}",
                                    "remove it: in YAML, an escape such as \\0 or \\uFFFE in double quotes makes one"))
        missing = [c for c in dict.fromkeys(text) if c in cannot]
        if missing:
            problems.append(Problem(doc.shown, line, col or text.index(missing[0]) + 1, key,
                                    f"the PDF's font ({FAMILY}) cannot draw "
                                    + ", ".join(characters.describe(c) for c in missing),
                                    f"use other characters or leave them out: {FAMILY} has almost no emoji "
                                    "and not every script"))
    return problems
