"""Run the pdfua checker so that no rule is silently skipped.

pdfua (0.1.3) reports a rule that raises as *skipped* in `report.outcomes`, not as a
finding, so a test that looks only at `report.findings` passes when a rule never ran.
`pdfua_problems` fails on every skipped rule, with one known exception that it evaluates
itself:

UA-14-001 (PDF/UA-1 7.4: heading elements shall not be empty) raises
``ValueError: ... cannot get key '/is_integer' on object of type array`` on every one of
our PDFs. That is a bug in pdfua, not in the PDF: its `as_integer` helper calls
``getattr(value, "is_integer", False)`` on the heading's /K entry. Typst writes a heading's
/K as an array of marked-content ids (``/K [49 50]``), which ISO 32000-1 14.7.2 allows;
pikepdf turns attribute access on an object into a dictionary-key lookup and raises
ValueError (not AttributeError) for an array, so getattr's default never applies and the
rule dies on the first heading. `empty_headings` is the same rule written with pikepdf:
every H or H1-H6 element (through the role map) must reach at least one content item (an
MCID, a marked-content reference or an object reference), directly or through its kids.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PDFUA_BUG = ("UA-14-001", "'/is_integer' on object of type array")
HEADINGS = {"/H", "/H1", "/H2", "/H3", "/H4", "/H5", "/H6"}


def _marks_content(kid: object, depth: int = 0) -> bool:
    import pikepdf

    if depth > 100:
        return False
    if isinstance(kid, bool):
        return False
    if isinstance(kid, int):  # an MCID
        return True
    if isinstance(kid, pikepdf.Array):
        return any(_marks_content(k, depth + 1) for k in kid)
    if isinstance(kid, pikepdf.Dictionary):
        if kid.get("/Type") in (pikepdf.Name("/MCR"), pikepdf.Name("/OBJR")):
            return True
        return "/K" in kid and _marks_content(kid.get("/K"), depth + 1)
    return False


def empty_headings(path: Path | str) -> list[str]:
    """UA-14-001 by hand: the role of every heading element that marks no content."""
    pikepdf = pytest.importorskip("pikepdf", reason="the test extra installs pdfua, which brings pikepdf")
    with pikepdf.open(str(path)) as pdf:
        tree = pdf.Root.get("/StructTreeRoot")
        if tree is None:
            return ["no structure tree"]
        role_map = tree.get("/RoleMap") or pikepdf.Dictionary()
        found: list[str] = []

        def role(node: pikepdf.Dictionary) -> str:
            name, seen = str(node.get("/S", "")), set()
            while name not in HEADINGS and name in role_map and name not in seen:
                seen.add(name)
                name = str(role_map[name])
            return name

        def walk(node: object, depth: int) -> None:
            if depth > 100:
                return
            if isinstance(node, pikepdf.Array):
                for kid in node:
                    walk(kid, depth + 1)
            elif isinstance(node, pikepdf.Dictionary) and node.get("/Type") not in (
                    pikepdf.Name("/MCR"), pikepdf.Name("/OBJR")):
                if "/S" in node and role(node) in HEADINGS and not _marks_content(node.get("/K")):
                    found.append(str(node["/S"]))
                if "/K" in node:
                    walk(node.get("/K"), depth + 1)

        walk(tree.get("/K"), 0)
        return found


def pdfua_problems(path: Path | str) -> list[str]:
    """Certain warnings and errors from pdfua, plus every rule it could not run (except the
    one it cannot run on any of our PDFs, which is checked here instead)."""
    pdfua = pytest.importorskip("pdfua", reason="the test extra installs pdfua")
    report = pdfua.validate(str(path))
    problems = [f"{f.rule_id} {f.message}" for f in report.findings
                if f.severity >= pdfua.Severity.WARNING and f.confidence is pdfua.Confidence.CERTAIN]
    for outcome in report.outcomes:
        if not outcome.skipped:
            continue
        if outcome.rule_id == PDFUA_BUG[0] and PDFUA_BUG[1] in (outcome.skipped_reason or ""):
            continue
        problems.append(f"{outcome.rule_id} did not run: {outcome.skipped_reason}")
    # always, whether pdfua ran the rule or not: a later pdfua that fixes it loses nothing
    problems += [f"UA-14-001 (checked by hand) empty heading element {r}" for r in empty_headings(path)]
    return problems
