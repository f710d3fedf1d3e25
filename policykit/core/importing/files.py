"""The text of the files an import writes: each clause (front matter and body) and the policy definition.

Clause bodies are Jinja templates, so Word text that happens to hold `{{`, `{%` or `{#` is
written with a backslash after the brace (Markdown shows the brace; Jinja sees no tag).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Sequence

from policykit.core.importing.package import DocxFacts

VERSION = "0.1.0"  # a draft: the trust's review makes it 1.0.0
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 ,.()/'-]*[A-Za-z0-9.)]$")
_YAML_WORDS = {"yes", "no", "true", "false", "on", "off", "null", "y", "n"}
_TAG = re.compile(r"\{(?=[{%#])")


def quoted(text: str) -> str:
    """A YAML scalar for `text`: plain where that reads back the same, else double-quoted."""
    if _PLAIN.match(text) and text.lower() not in _YAML_WORDS and "  " not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def template_safe(markdown: str) -> str:
    """Markdown with no Jinja tag in it: `{{` becomes `{\\{` (shown as `{{`)."""
    return _TAG.sub("{\\\\", markdown)


def source_line(facts: DocxFacts) -> str:
    """The clause's `source`: the Word file, with its title and the day it was last saved."""
    about = [f"title '{facts.title}'"] if facts.title else []
    if facts.subject:
        about.append(f"subject '{facts.subject}'")
    if facts.modified:
        about.append(f"last saved {facts.modified}")
    return f"Imported from {facts.name} (Word)" + (f": {', '.join(about)}" if about else "")


@dataclass(frozen=True)
class ClauseText:
    id: str
    title: str
    section: str
    where: str  # the heading it came from, "Roles > Staff"
    body: str


def clause_file(clause: ClauseText, facts: DocxFacts, on: date) -> str:
    note = f"Imported from {facts.name} (the text under '{clause.where}') by policykit import; not yet reviewed."
    return "\n".join([
        "---",
        "# yaml-language-server: $schema=../../schemas/clause.schema.json",
        f"id: {clause.id}",
        f"version: {VERSION}",
        f"title: {quoted(clause.title)}",
        f"section: {clause.section}",
        "covers: []",
        "source:",
        f"  - {json.dumps(source_line(facts), ensure_ascii=False)}",
        "changelog:",
        f"  - version: {VERSION}",
        f"    date: \"{on.isoformat()}\"",
        f"    note: {json.dumps(note, ensure_ascii=False)}",
        "---",
        clause.body.rstrip("\n"),
        "",
    ])


def front_matter_lines() -> int:
    """How many lines come before a clause body in `clause_file` (its first body line is one more)."""
    return 14


def policy_file(policy: str, title: str, parts: Sequence[tuple[str, Sequence[str]]], facts: DocxFacts,
                on: date) -> str:
    lines = [
        "# yaml-language-server: $schema=../../schemas/policy.schema.json",
        f"# Imported from {facts.name} by policykit import on {on.isoformat()}: a draft for the trust to review.",
        "# The Word document does not say who owns the policy, who approves it, how often it is",
        "# reviewed or who it is for: owner, approver, review_months and audience below are guesses.",
        f"id: {policy}",
        f"title: {quoted(title)}",
        f"version: {VERSION}",
        "owner: head",
        "approver: board",
        "review_months: 12",
        "audience: All staff",
        "parts:",
    ]
    for heading, clauses in parts:
        lines += [f"  - heading: {quoted(heading)}", f"    clauses: [{', '.join(clauses)}]"]
    return "\n".join(lines) + "\n"
