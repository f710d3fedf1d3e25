"""Library 2026.1's engine: age ranges, who(), guidance editions, related documents, coverage."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import policykit
from policykit.cli import main
from policykit.core.render import render
from policykit.core.resolve import resolve
from policykit.templating.engine import TemplateProblem
from policykit.templating.engine import render as render_template
from tests.conftest import LIBRARY, POLICY, REPO, SCHOOL

TRUST_CLAUSE = """\
---
id: rw-trust
version: 1.0.0
title: Positions of trust
section: remote-working
covers: [SG-07]
source:
  - {guidance: kcsie, part: Part 1}
conditions:
  ages: "16-17"
changelog:
  - version: 1.0.0
    date: 2025-09-01
    note: First version.
---
Sexual activity with a 16 or 17 year old in your care is a crime. Read {{ guidance.kcsie.title }}.
"""

WHO_CLAUSE = """\
---
id: rw-who
version: 1.0.0
title: Who to ask
section: remote-working
covers: [SG-05]
source: [Remote working guidance]
changelog:
  - version: 1.0.0
    date: 2025-09-01
    note: First version.
---
{{ who('dsl', 'head', mid=True)|capfirst }} will help; or ask {{ who('online_safety_lead', mid=True) }} today. At {{ school.short_name }}, ages {{ school.age_range }}.
"""

GUIDANCE = """\
guidance:
  kcsie:
    title: Keeping children safe in education 2025
    short: KCSIE 2025
documents:
  child-protection:
    title: Child Protection Policy
  whistleblowing:
    title: Whistleblowing Policy
"""

REQUIREMENTS = """\
requirements:
  - id: RW-03
    section: remote-working
    text: Calls to families use a work phone.
  - id: RW-06
    section: remote-working
    text: Live lessons on the school's platform.
  - id: SG-05
    section: remote-working
    text: Concerns go to the DSL at once.
  - id: SG-07
    section: safer-working-practice
    text: Position of trust at 16 and 17.
    applies: {ages: "16-17"}
"""


def school(name: str, urn: str, phase: str, extra: str = "", people: str = "") -> str:
    text = SCHOOL.format(name=name, urn=urn, phase=phase)
    text = text.replace("  type: mainstream\n", "  type: mainstream\n" + extra)
    return text.replace("  dsl: {name: Dev Lead}\n", people or "  dsl: {name: Dev Lead}\n")


@pytest.fixture
def trust(mini) -> Path:
    return mini({
        "clauses/library.yaml": LIBRARY + GUIDANCE,
        "clauses/requirements.yaml": REQUIREMENTS,
        "clauses/remote-working/rw-trust.md": TRUST_CLAUSE,
        "clauses/remote-working/rw-who.md": WHO_CLAUSE,
        "clauses/policies/remote.yaml": POLICY.replace("clauses: [rw-phones, rw-platform]",
                                                       "clauses: [rw-phones, rw-platform, rw-trust, rw-who]")
        + "related: [child-protection, whistleblowing]\n",
        # an 11-16 school: its Year 11 pupils turn 16, so the position-of-trust clause is for it
        "settings/alpha.yaml": school("Alpha High School", "100001", "secondary", '  age_range: "11-16"\n'
                                      "  short_name: Alpha\n", "  dsl: {name: Ann Head}\n")
        + "documents:\n  child-protection: {title: Alpha Child Protection Policy, "
          "url: 'https://alpha.example/cp(2026)_[a].pdf'}\n",
        "settings/beta.yaml": school("Beta Primary", "100002", "primary", '  age_range: "4-11"\n'),
    })


def documents(root: Path) -> dict[str, str]:
    return {d.key: d.markdown for d in render(resolve(policykit.validate(root)))}


def test_the_age_range_condition_selects_the_position_of_trust_clause_for_an_11_16_school(trust):
    docs = documents(trust)
    assert "Positions of trust" in docs["alpha/remote"]
    assert "Positions of trust" not in docs["beta/remote"]


def test_without_an_age_range_the_phase_gives_the_usual_one(mini):
    root = mini({"clauses/library.yaml": LIBRARY + GUIDANCE,
                 "clauses/remote-working/rw-trust.md": TRUST_CLAUSE,
                 "clauses/policies/remote.yaml": POLICY.replace("rw-platform]", "rw-platform, rw-trust]")})
    docs = documents(root)  # beta is secondary: 11-16, which holds 16-year-olds; alpha (primary) does not
    assert "Positions of trust" in docs["beta/remote"] and "Positions of trust" not in docs["alpha/remote"]


def test_an_age_range_written_backwards_is_a_located_problem(trust):
    path = trust / "settings" / "beta.yaml"
    path.write_text(path.read_text().replace('"4-11"', '"11-4"'))
    result = CliRunner().invoke(main, ["validate", "--root", str(trust)])
    assert result.exit_code == 1
    assert ("settings/beta.yaml:6:3: school.age_range: '11-4' gives the older age first "
            "(write the youngest age first, e.g. 11-18)") in result.output


def test_who_names_a_person_holding_two_roles_once(trust):
    docs = documents(trust)
    assert ("Ann Head, our Headteacher and designated safeguarding lead (DSL), will help; or ask the online "
            "safety lead today.") in docs["alpha/remote"]
    assert ("The designated safeguarding lead (DSL), Dev Lead, or the Headteacher, Ann Head, will help;"
            in docs["beta/remote"])
    # and the key-people table lists her once, with both roles
    table = docs["alpha/remote"].split("## Key people")[1].split("\n#")[0]
    rows = [line for line in table.splitlines() if "Ann Head" in line]
    assert rows == ["| Headteacher and Designated Safeguarding Lead | Ann Head |  |"]


def test_short_name_defaults_to_the_name_and_age_range_to_the_given_one(trust):
    docs = documents(trust)
    assert "At Alpha, ages 11-16." in docs["alpha/remote"]
    assert "At Beta Primary, ages 4-11." in docs["beta/remote"]


def test_who_with_an_unknown_role_is_a_template_error():
    with pytest.raises(TemplateProblem, match="who\\(\\) knows no role 'dls'"):
        render_template("{{ who('dls') }}", {"people": {}, "terms": {}})


def test_who_joins_deputies_and_services_plainly():
    context = {"people": {"dsl": {"name": "Di Lead"}, "deputy_dsls": [{"name": "Ed One"}, {"name": "Flo Two"}]},
               "terms": {}, "reporting": {"it_support": {"name": "Trust IT Desk"}}}
    assert render_template("Tell {{ who('dsl', 'deputy_dsl', mid=True) }} at once; or {{ who('it_support') }}.",
                           context) == ("Tell the designated safeguarding lead (DSL), Di Lead, or a deputy DSL "
                                        "(Ed One or Flo Two) at once; or Trust IT Desk.")


def test_who_escapes_names_as_data():
    text = render_template("{{ who('dsl') }}", {"people": {"dsl": {"name": "*Ann* [x](javascript:y)"}}, "terms": {}})
    assert text == "the designated safeguarding lead (DSL), \\*Ann\\* \\[x\\](javascript:y)"


def test_sources_name_the_guidance_edition_of_the_release(trust):
    clause = policykit.validate(trust).library.clauses["rw-trust"]
    assert clause.source == ("KCSIE 2025, Part 1",)
    assert "Read Keeping children safe in education 2025." in documents(trust)["alpha/remote"]


def test_an_unknown_guidance_edition_is_reported(trust):
    path = trust / "clauses" / "remote-working" / "rw-trust.md"
    path.write_text(path.read_text().replace("{guidance: kcsie,", "{guidance: kcsei,"))
    result = CliRunner().invoke(main, ["validate", "--root", str(trust)])
    assert result.exit_code == 1
    assert "rw-trust.md:8:6: source[0].guidance: unknown guidance 'kcsei' (did you mean 'kcsie'?)" in result.output


def test_related_documents_are_listed_with_the_schools_titles_and_links(trust):
    docs = documents(trust)
    alpha = docs["alpha/remote"].split("# Related policies and documents")[1].split("\n# ")[0]
    assert "- [Alpha Child Protection Policy](https://alpha.example/cp%282026%29_%5Ba%5D.pdf)" in alpha
    assert "- Whistleblowing Policy" in alpha
    beta = docs["beta/remote"].split("# Related policies and documents")[1].split("\n# ")[0]
    assert "- Child Protection Policy\n" in beta and "](" not in beta


def test_related_names_an_unknown_document_with_a_hint(trust):
    path = trust / "clauses" / "policies" / "remote.yaml"
    path.write_text(path.read_text().replace("whistleblowing]", "whistleblowng]"))
    result = CliRunner().invoke(main, ["validate", "--root", str(trust)])
    assert result.exit_code == 1
    assert "related[1]: unknown policy or document 'whistleblowng' (did you mean 'whistleblowing'?)" in result.output


def test_coverage_reports_each_requirement_per_school_and_fails_on_a_gap(trust):
    report = policykit.coverage(trust)
    by = {r.id: r for r in report.requirements}
    assert [(s.setting, s.applies, s.clauses) for s in by["SG-07"].schools] == [
        ("alpha", True, ("rw-trust",)), ("beta", False, ())]
    assert by["RW-06"].uncovered == ("beta",)  # the live lessons clause is for secondary schools only
    result = CliRunner().invoke(main, ["coverage", "--root", str(trust), "--format", "json", "--fail-on", "uncovered"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["uncovered"] == [{"requirement": "RW-06", "school": "beta"}]
    assert "1 requirement(s) reach no document of a school they apply to: RW-06 at beta" in result.stderr


def test_a_clause_covering_an_unknown_requirement_is_reported(trust):
    path = trust / "clauses" / "remote-working" / "rw-who.md"
    path.write_text(path.read_text().replace("covers: [SG-05]", "covers: [SG-5O, SG-55]"))
    result = CliRunner().invoke(main, ["validate", "--root", str(trust)])
    assert "rw-who.md:6:10: covers[0]: 'SG-5O' is not in the expected form" in result.output


def test_the_example_trusts_coverage_reaches_every_school_a_requirement_is_for(example_trust):
    report = policykit.coverage(example_trust)
    assert report.uncovered() == ()
    by = {r.id: r for r in report.requirements}
    every = set(report.schools)
    # the nude-image response, Prevent and SEND reach every phase, the nursery included
    for rid in ("SG-06", "SG-01", "SG-08"):
        assert {s.setting for s in by[rid].schools if s.covered} == every, rid
    # the requirements are the repository's own list: nothing outside it
    listed = yaml.safe_load((REPO / "clauses" / "requirements.yaml").read_text())["requirements"]
    assert [r["id"] for r in listed] == [r.id for r in report.requirements]


def test_removing_a_requirement_from_every_clause_fails_coverage(example_trust, tmp_path):
    root = tmp_path / "trust"
    shutil.copytree(example_trust / "clauses", root / "clauses")
    shutil.copytree(example_trust / "settings", root / "settings")
    for path in (root / "clauses").glob("*/*.md"):
        text = path.read_text()
        new = re.sub(r"^(covers: \[.*?)\bSG-06\b,? ?(.*)$", r"\1\2", text, count=1, flags=re.M)
        path.write_text(new.replace(", ]", "]"))
    result = CliRunner().invoke(main, ["coverage", "--root", str(root), "--format", "csv", "--fail-on", "uncovered"])
    assert result.exit_code == 1, result.output
    assert {sid for rid, sid in policykit.coverage(root).uncovered() if rid == "SG-06"} == {
        "little-acorns", "oakfield", "riverside", "st-marys"}
    rows = [line.split(",") for line in result.stdout.splitlines() if line.startswith("SG-06,")]
    assert rows and all(row[-3] == "false" for row in rows)  # covered: false in every school
