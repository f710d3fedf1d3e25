"""A school's own words in its documents: its local wording as plain text, and the terms it avoids."""

from __future__ import annotations

import re

from policykit.core.resolve import DocumentPlan
from policykit.errors import Problem
from policykit.model import Clause
from policykit.templating.markdown import escape


def local_text(text: str) -> str:
    """A school's own wording as Markdown that shows exactly what it typed.

    Paragraphs are separated by a blank line; lines that start with '- ' become bullets.
    Everything else is escaped: settings are data, never markup.
    """
    blocks = []
    for para in text.strip().split("\n\n"):
        lines = [line.strip() for line in para.strip().splitlines() if line.strip()]
        if lines and all(line.startswith("- ") for line in lines):
            blocks.append("\n".join("- " + escape(line[2:]) for line in lines))
        else:
            blocks.append(escape(" ".join(lines)))
    return "\n\n".join(b for b in blocks if b)


def avoided_terms(doc: DocumentPlan, texts: list[tuple[Clause, str]], markdown: str) -> list[Problem]:
    """Terms the school said it does not use (terminology.avoid) must not reach its documents."""
    terms = doc.setting.values.get("terminology", {}).get("avoid", ())
    problems = []
    lowered = markdown.lower() if terms and markdown.isascii() else None
    for term in terms:
        # cheap and exact first test: in ASCII text, ignoring case is comparing lower() (the
        # regex below costs ~1 ms per document and term, a fifth of `validate` on a big trust)
        if lowered is not None and term.isascii() and term.lower() not in lowered:
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)
        if not pattern.search(markdown):
            continue
        hint = f"{doc.setting.path} lists '{term}' under terminology.avoid"
        found_in_clause = False
        for clause, text in texts:
            if pattern.search(clause.title) or pattern.search(text):
                found_in_clause = True
                lines = clause.body.splitlines()
                at = next((i for i, line in enumerate(lines) if pattern.search(line)), None)
                line = clause.body_line + at if at is not None else 0
                problems.append(Problem(clause.path, line, 0, "", f"'{term}' appears in {doc.key}", hint +
                                        "; use a terms.* variable, or change the value that holds it"))
        if not found_in_clause:
            problems.append(Problem(doc.setting.path, 0, 0, "terminology.avoid",
                                    f"'{term}' appears in {doc.key} (from a settings value, not a clause)",
                                    "check the names and titles in the settings"))
    return problems
