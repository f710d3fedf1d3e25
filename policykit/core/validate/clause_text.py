"""What a clause body may hold: a template that compiles, no headings, images, other templates or
links except to web pages and email, and only variables a clause may read."""

from __future__ import annotations

import re

from policykit.core.context import ROOTS
from policykit.core.yamlfile import YamlDoc
from policykit.errors import Problem, did_you_mean
from policykit.templating.engine import TemplateProblem, column_of, compile_template
from policykit.templating.variables import Variable, variables

_HEADING = re.compile(r"^ {0,3}#{1,6}(\s|$)")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
# a setext heading: a line of text underlined with = or - (after a blank line, a --- line is a rule)
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_NOT_TEXT = re.compile(r"^\s*$")  # (after a list item too, --- makes the item a heading)


# Clause text is Markdown for people to read: no pictures (pandoc would fetch them) and no
# links except to web pages and email addresses.
_IMAGE = re.compile(r"!\[[^\]]*\]\(")
_LINK = re.compile(r"\]\(\s*<?(?!\s*\{\{)([A-Za-z][A-Za-z0-9+.-]*:)?")  # `]({{ x }})`: render judges what x makes
_TAGS = re.compile(r"\{%-?\s*(include|import|from|extends)\b")


def body_problems(doc: YamlDoc) -> list[Problem]:
    problems: list[Problem] = []
    try:
        compile_template(doc.body)
    except TemplateProblem as exc:
        line = doc.body_line + exc.line - 1
        if not (0 < exc.line <= len(doc.body.splitlines()) and _TAGS.search(doc.body.splitlines()[exc.line - 1])):
            problems.append(Problem(doc.shown, line, 0, "", exc.message))
            return problems
        # an include or import: the line check below says so, with its hint
    fenced = False
    for i, line in enumerate(doc.body.splitlines()):
        at = doc.body_line + i
        if _IMAGE.search(line):
            problems.append(Problem(doc.shown, at, 1, "", "images are not allowed in a clause",
                                    "the trust's logo goes in settings/trust.yaml; describe anything else in words"))
        for match in _LINK.finditer(line):
            scheme = (match.group(1) or "").lower()
            if scheme not in ("https:", "mailto:", "http:"):
                problems.append(Problem(doc.shown, at, match.start() + 1, "",
                                        f"link to '{scheme or 'a relative path'}' is not allowed",
                                        "link only to web pages (https://) and email addresses (mailto:)"))
        if _TAGS.search(line):
            problems.append(Problem(doc.shown, at, 1, "", "a clause cannot include or import other templates",
                                    "write the text in the clause itself"))
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (_HEADING.match(line) or (
                _SETEXT.match(line) and i > 0 and not _NOT_TEXT.match(doc.body.splitlines()[i - 1]))):
            problems.append(Problem(doc.shown, doc.body_line + i, 1, "", "headings are not allowed in a clause body",
                                    "the clause title is its heading; split it into two clauses"))
    lines = doc.body.splitlines()
    for var in variables(doc.body):
        if var.path[0] not in ROOTS:
            problems.append(Problem(doc.shown, doc.body_line + var.line - 1, column(lines, var), var.dotted,
                                    f"unknown name '{var.path[0]}'",
                                    did_you_mean(var.path[0], ROOTS) or f"use one of: {', '.join(ROOTS)}"))
    return problems


def column(lines: list[str], var: Variable) -> int:
    """Where on its line a template variable is written (0 when not written plainly)."""
    return column_of(lines[var.line - 1], var.dotted) if 0 < var.line <= len(lines) else 0
