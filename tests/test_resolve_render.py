"""resolve and render, without pandoc: conditions, inheritance, escaping, golden Markdown."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import policykit
from policykit.core.context import merge
from policykit.core.render import render
from policykit.core.resolve import resolve
from policykit.dates import add_months, long_date
from policykit.templating.engine import TemplateProblem
from policykit.templating.engine import render as render_template
from policykit.templating.markdown import escape
from tests.conftest import SCHOOL

GOLDEN = Path(__file__).parent / "golden"


def test_merge_school_wins_mappings_merge_lists_replace():
    base = {"a": {"x": 1, "y": 2}, "l": [1, 2], "k": "trust"}
    over = {"a": {"y": 3}, "l": [9], "n": True}
    assert merge(base, over) == {"a": {"x": 1, "y": 3}, "l": [9], "k": "trust", "n": True}
    assert base == {"a": {"x": 1, "y": 2}, "l": [1, 2], "k": "trust"}  # inputs untouched


def test_conditions_choose_clauses_per_school(mini):
    plan = resolve(policykit.validate(mini()))
    got = {d.key: [c.id for p in d.parts for c in p.clauses] for d in plan.documents}
    assert got == {"alpha/remote": ["rw-phones"], "beta/remote": ["rw-phones", "rw-platform"]}


def test_selection_and_unknown_ids(mini):
    project = policykit.validate(mini())
    assert [d.key for d in resolve(project, ["beta"]).documents] == ["beta/remote"]
    with pytest.raises(policykit.UsageError) as err:
        resolve(project, ["betta"])
    assert str(err.value.problems[0]) == "--setting: unknown school 'betta' (did you mean 'beta'?)"


def test_school_option_overrides_trust_default(mini):
    root = mini({"settings/alpha.yaml": SCHOOL.format(name="Alpha", urn="100001", phase="primary")
                 + "options:\n  work_phones: true\n"})
    docs = {d.key: d for d in render(resolve(policykit.validate(root)))}
    assert "Use your work phone to call families." in docs["alpha/remote"].markdown
    assert "Call families from the school office." in docs["beta/remote"].markdown


@pytest.mark.parametrize("key", ["alpha/remote", "beta/remote"])
def test_golden_markdown(mini, key):
    docs = {d.key: d for d in render(resolve(policykit.validate(mini())))}
    golden = GOLDEN / f"mini-{key.replace('/', '-')}.md"
    if os.environ.get("POLICYKIT_UPDATE_GOLDEN"):
        golden.write_text(docs[key].markdown, encoding="utf-8")
    assert docs[key].markdown == golden.read_text(encoding="utf-8")


def test_escape_keeps_values_literal():
    assert escape("St Mary's *Academy* & <EYFS>") == "St Mary's \\*Academy\\* \\& \\<EYFS\\>"
    assert escape("{{ 7*7 }}") == "\\{\\{ 7\\*7 \\}\\}"
    assert escape("1. First") == "1\\. First"
    assert escape("# not a heading") == "\\# not a heading"
    assert escape("two\nlines") == "two lines"
    assert escape(True) == "yes" and escape(None) == ""


def test_values_are_never_template_code():
    assert render_template("{{ name }}", {"name": "{{ 7*7 }}"}) == "\\{\\{ 7\\*7 \\}\\}"


@pytest.mark.parametrize("source", [
    "{{ x.__class__.__mro__ }}",
    "{{ x.__class__.__subclasses__() }}",
    "{{ ''.__class__.__base__ }}",
    "{{ cycler.__init__.__globals__ }}",
])
def test_sandbox_refuses_python_internals(source):
    with pytest.raises(TemplateProblem) as err:
        render_template(source, {"x": 1})
    assert "unsafe" in err.value.message or "undefined" in err.value.message


@pytest.mark.parametrize("start, months, expected", [
    ("2025-01-31", 1, "2025-02-28"),
    ("2024-01-31", 1, "2024-02-29"),
    ("2024-02-29", 12, "2025-02-28"),
    ("2025-09-01", 12, "2026-09-01"),
    ("2025-11-30", 3, "2026-02-28"),
])
def test_add_months_month_end_rule(start, months, expected):
    from datetime import date

    assert add_months(date.fromisoformat(start), months).isoformat() == expected


def test_long_date():
    assert long_date("2026-09-01") == "1 September 2026"
