"""validate: every problem in one run, each located, with hints."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import policykit
from policykit.cli import main
from tests.conftest import CLAUSE_PHONES, SCHOOL


def problems_of(root) -> list[str]:
    with pytest.raises(policykit.PolicykitError) as err:
        policykit.validate(root)
    return [str(p) for p in err.value.problems]


def test_mini_trust_is_valid(mini):
    project = policykit.validate(mini())
    assert sorted(project.settings) == ["alpha", "beta"]
    assert project.library.policies["remote"].parts[0].clauses == ("rw-phones", "rw-platform")


def test_every_kind_of_problem_is_reported_at_once(mini):
    root = mini({
        # unknown key (misspelt) and wrong type in a school file
        "settings/alpha.yaml": SCHOOL.format(name="Alpha", urn="100001", phase="primary")
        + "terminolgy:\n  head: Head\noptions:\n  work_phones: sometimes\n",
        # duplicate key
        "settings/beta.yaml": SCHOOL.format(name="Beta", urn="100002", phase="secondary") + "school:\n  name: B\n",
        # unknown clause id in a policy
        "clauses/policies/remote.yaml": "id: remote\ntitle: R\nversion: 1.0.0\nowner: dsl\napprover: board\n"
        "review_months: 12\naudience: All staff\nparts:\n  - heading: H\n    clauses: [rw-phones, rw-platfrom]\n",
        # malformed YAML in another policy
        "clauses/policies/broken.yaml": "id: broken\ntitle: [unclosed\n",
        # malformed front matter
        "clauses/remote-working/rw-bad.md": "---\nid: rw-bad\ntitle: no closing line\n",
    })
    found = problems_of(root)
    assert "settings/alpha.yaml:11:1: terminolgy: unknown key (did you mean 'terminology'?)" in found
    assert ("settings/alpha.yaml:14:3: options.work_phones: must be true or false, not 'sometimes'" in found)
    assert ("settings/beta.yaml:11:1: school: duplicate key (first given on line 1) (keep one of them)" in found)
    assert ("clauses/policies/remote.yaml:10:26: parts[0].clauses[1]: unknown clause 'rw-platfrom' "
            "(did you mean 'rw-platform'?)" in found)
    assert ("clauses/policies/broken.yaml:2:8: malformed YAML: a list ('[') starts here and is never closed "
            "(the file ends at line 2)") in found
    assert ("clauses/remote-working/rw-bad.md:1:1: front matter is not closed: add a line '---' after the "
            "clause's keys" in found)


def test_missing_variable_in_one_school_only(mini):
    # beta (secondary) gets rw-platform, which reads options.platform; beta drops it.
    trust = (mini_trust := mini()) / "settings" / "trust.yaml"
    trust.write_text(trust.read_text().replace("    platform: Teams\n", ""))
    found = problems_of(mini_trust)
    assert found == [
        "clauses/remote-working/rw-platform.md:15:31: options.platform: not set for settings/beta.yaml "
        "(clause rw-platform) (set options.platform in settings/beta.yaml or under defaults in settings/trust.yaml)"
    ]


def test_schema_type_enum_pattern_and_minimum(mini):
    root = mini({
        "settings/alpha.yaml": "school:\n  name: A\n  urn: 12345\n  phase: primry\n  type: mainstream\n"
        "  local_authority: shyre\n",
        "clauses/policies/remote.yaml": "id: remote\ntitle: R\nversion: 1.0.0\nowner: dsl\napprover: board\n"
        "review_months: 0\naudience: All staff\nparts:\n  - heading: H\n    clauses: [rw-phones]\n",
    })
    found = problems_of(root)
    assert "settings/alpha.yaml:3:3: school.urn: must be text, not a number (put quotes round it)" in found
    assert ("settings/alpha.yaml:4:3: school.phase: 'primry' is not one of: early-years, primary, secondary, "
            "all-through (did you mean 'primary'?)" in found)
    assert "clauses/policies/remote.yaml:6:1: review_months: must be at least 1" in found


def test_unknown_local_authority_and_option_condition(mini):
    clause = CLAUSE_PHONES.replace("covers: [RW-03]\n", "covers: [RW-03]\nconditions:\n  options:\n    work_phone: true\n")
    root = mini({
        "settings/alpha.yaml": SCHOOL.format(name="A", urn="100001", phase="primary").replace("shire", "shyre"),
        "clauses/remote-working/rw-phones.md": clause,
    })
    found = problems_of(root)
    assert ("settings/alpha.yaml:6:3: school.local_authority: unknown local authority 'shyre' "
            "(did you mean 'shire'?)" in found)
    assert ("clauses/remote-working/rw-phones.md:9:5: conditions.options.work_phone: unknown option 'work_phone' "
            "(did you mean 'work_phones'?)" in found)


def test_clause_checks(mini):
    body_heading = CLAUSE_PHONES.replace("If you must", "## A heading\nIf you must")
    root = mini({
        "clauses/remote-working/rw-phones.md": body_heading.replace("version: 1.1.0\ntitle", "version: 1.2.0\ntitle"),
        "clauses/remote-working/rw-platform.md": None,
        "clauses/acceptable-use/rw-platform.md": CLAUSE_PHONES.replace("id: rw-phones", "id: rw-platform"),
    })
    found = problems_of(root)
    assert any("rw-phones.md:9:5: changelog[0].version: newest changelog entry is 1.1.0 but the clause is "
               "version 1.2.0" in p for p in found)
    assert any("rw-phones.md:21:1: headings are not allowed in a clause body" in p for p in found)
    assert any("clauses/acceptable-use/rw-platform.md:5:1: section: clause is in clauses/acceptable-use/ but names "
               "section 'remote-working'" in p for p in found)


def test_template_syntax_error_and_unknown_root_name(mini):
    root = mini({"clauses/remote-working/rw-phones.md": CLAUSE_PHONES.replace(
        "Ask {{ people.dsl.name }}", "Ask {{ peple.dsl.name }} {% if %}")})
    found = problems_of(root)
    assert found == ["clauses/remote-working/rw-phones.md:21: template syntax error: Expected an expression, "
                     "got 'end of statement block'"]
    root2 = mini({"clauses/remote-working/rw-phones.md": CLAUSE_PHONES.replace(
        "Ask {{ people.dsl.name }}", "Ask {{ peple.dsl.name }}")})
    assert problems_of(root2) == [
        "clauses/remote-working/rw-phones.md:21:56: peple.dsl.name: unknown name 'peple' (did you mean 'people'?)"]


def test_cli_validate_reports_problems_without_traceback(mini):
    root = mini({"settings/alpha.yaml": "school: [unclosed\n", "settings/beta.yaml": "school:\n  nme: x\n"})
    result = CliRunner().invoke(main, ["validate", "--root", str(root)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "settings/alpha.yaml:1:9: malformed YAML" in result.output
    # each problem's line starts with its path (as editors and CI problem matchers read it), then a count
    lines = result.stderr.splitlines()
    assert all(line.startswith("settings/") for line in lines[:-1]) and len(lines) > 2, lines
    assert "settings/beta.yaml:2:3: school.nme: unknown key (did you mean 'name'?)" in result.output
    assert "problems found; nothing was written." in result.output


def test_cli_validate_ok(mini):
    result = CliRunner().invoke(main, ["validate", "--root", str(mini())])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: 2 clauses, 1 policy, 2 schools")


def test_not_a_trust_repository(tmp_path):
    result = CliRunner().invoke(main, ["validate", "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert "no clauses/ and settings/ folder here" in result.output


def test_example_trust_is_valid(example_trust):
    project = policykit.validate(example_trust)
    assert len(project.settings) >= 4


def test_python_dash_m_runs_the_same_cli(mini):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "policykit", "validate", "--root", str(mini())],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 2 clauses")


@pytest.mark.parametrize("trust_error, expected", [
    ("  nmae: Test Learning Trust\n", "settings/trust.yaml:2:3: trust.nmae: unknown key (did you mean 'name'?)"),
    ("  name: 5\n", "settings/trust.yaml:2:3: trust.name: must be text, not a number (put quotes round it)"),
])
def test_one_broken_file_hides_no_other_files_problems(mini, trust_error, expected):
    from tests.conftest import LIBRARY, TRUST

    conditional = CLAUSE_PHONES.replace("covers: [RW-03]\n", "covers: [RW-03]\nconditions:\n  options:\n"
                                        "    work_phones: true\n")
    root = mini({
        "settings/trust.yaml": TRUST.replace("  name: Test Learning Trust\n", trust_error),
        "clauses/library.yaml": LIBRARY.replace("options:\n", "options: [\n"),
        "settings/alpha.yaml": SCHOOL.format(name="Alpha", urn="100001", phase="primry"),
        "clauses/remote-working/rw-phones.md": conditional.replace("date: 2025-09-01", "date: 2025-02-30"),
        "clauses/remote-working/rw-platform.md": None,
    })
    found = problems_of(root)
    assert expected in found
    assert any(p.startswith("clauses/library.yaml:6:9: malformed YAML") for p in found), found
    assert ("settings/alpha.yaml:4:3: school.phase: 'primry' is not one of: early-years, primary, secondary, "
            "all-through (did you mean 'primary'?)") in found
    assert ("clauses/remote-working/rw-phones.md:13:5: changelog[0].date: '2025-02-30' is not a valid date "
            "(write dates as YYYY-MM-DD)") in found
    assert ("clauses/policies/remote.yaml:10:26: parts[0].clauses[1]: unknown clause 'rw-platform'") in found
    # nothing that needed the broken files' contents is guessed at: no option or variable checks
    assert not [p for p in found if "option" in p or "not set for" in p], found


HANDBOOK = """\
id: handbook
title: Handbook
version: 1.0.0
owner: dsl
approver: board
review_months: 12
audience: All staff
related: [remote]
parts:
  - heading: About
    clauses: [rw-about]
  - include: remote
"""


def with_handbook(files: dict) -> dict:
    """The mini trust's files plus a handbook policy that includes `remote`, and its own clause."""
    from tests.conftest import CLAUSE_PLATFORM

    return {"clauses/policies/handbook.yaml": HANDBOOK,
            "clauses/remote-working/rw-about.md": CLAUSE_PLATFORM.replace("id: rw-platform", "id: rw-about"), **files}


def test_a_broken_policy_is_still_known_to_the_others(mini):
    from tests.conftest import POLICY, TRUST

    root = mini(with_handbook({
        "clauses/policies/remote.yaml": POLICY.replace("review_months: 12", 'review_months: "12"'),
        "settings/trust.yaml": TRUST + "scheme_of_delegation:\n  policies:\n    remote:\n      stages: [board]\n",
    }))
    assert problems_of(root) == ["clauses/policies/remote.yaml:6:1: review_months: must be a whole number, not text"]


def test_a_policy_whose_id_is_not_its_file_name_is_reported_once(mini):
    from tests.conftest import POLICY

    root = mini(with_handbook({
        "clauses/policies/remote.yaml": POLICY.replace("id: remote", "id: remote-working"),
        "clauses/policies/handbook.yaml": HANDBOOK.replace("related: [remote]", "related: [remote-workin]")}))
    assert problems_of(root) == [
        "clauses/policies/handbook.yaml:8:11: related[0]: unknown policy or document 'remote-workin' (did you mean 'remote'?)",
        "clauses/policies/remote.yaml:1:1: id: 'remote-working' does not match the file name "
        "(rename the file to remote-working.yaml or set id: remote)",
    ]


def test_an_indirect_include_loop_is_reported_with_its_chain(mini):
    from tests.conftest import POLICY

    root = mini(with_handbook({"clauses/policies/remote.yaml": POLICY + "  - include: handbook\n"}))
    assert problems_of(root) == [
        "clauses/policies/handbook.yaml:12:5: parts[1].include: including 'remote' makes a loop: "
        "handbook -> remote -> handbook (see clauses/policies/remote.yaml:11:5) (an included policy must not "
        "include, directly or through others, the policy that includes it)"]
    root = mini({"clauses/policies/remote.yaml": POLICY + "  - include: remote\n"})
    assert problems_of(root) == [
        "clauses/policies/remote.yaml:11:5: parts[1].include: including 'remote' makes a loop: remote -> remote "
        "(an included policy must not include, directly or through others, the policy that includes it)"]


def test_the_fonts_cmap_is_read_from_the_font_files():
    from policykit.core import glyphs

    covered = glyphs.drawable()
    assert {ord(c) for c in "Aaé£–’ŵŷ→✓ж"} <= covered and 0x1F3EB not in covered and ord("中") not in covered
    # the bundled DejaVu Sans draws these scripts itself: names in them build
    assert glyphs.undrawable("Ysgol Gymraeg Ŵ ж Ω مدرسة Zoë") == set()
    assert glyphs.undrawable("🏫 中文 a") == {"🏫", "中", "文"}


def test_a_clause_version_an_earlier_release_had_needs_its_history_file(mini):
    from tests.conftest import LIBRARY

    # rw-phones is 1.1.0 now, but was 1.0.0 (dated 2024-09-01) in release 2024.1
    library = LIBRARY + '  - release: "2024.1"\n    date: 2024-09-01\n    notes: [First release.]\n'
    root = mini({"clauses/library.yaml": library})
    assert problems_of(root) == [
        "clauses/remote-working/rw-phones.md:12:5: changelog[1]: version 1.0.0 was in library release 2024.1, but "
        "clauses/history/rw-phones@1.0.0.md is missing (put that version's text there, e.g. git show "
        "REV:clauses/remote-working/rw-phones.md > clauses/history/rw-phones@1.0.0.md; diff --from release:2024.1 "
        "rebuilds the release from it)"]
    (root / "clauses" / "history").mkdir()
    (root / "clauses" / "history" / "rw-phones@1.0.0.md").write_text("old text")
    policykit.validate(root)


def test_a_variable_under_an_if_the_schools_settings_rule_out_is_not_asked_for(mini):
    from tests.conftest import POLICY, TRUST

    # work_phones is false for alpha (the trust's default) and true for beta: only beta renders
    # the branch, so only beta needs options.platform (which the trust no longer gives)
    clause = CLAUSE_PHONES.replace("Use your work phone to call families.",
                                   "Use your work phone, or {{ options.platform }}, to call families.")
    beta = SCHOOL.format(name="Beta", urn="100002", phase="secondary") + "options:\n  work_phones: true\n"
    root = mini({"clauses/remote-working/rw-phones.md": clause, "settings/beta.yaml": beta,
                 "settings/trust.yaml": TRUST.replace("    platform: Teams\n", ""),
                 "clauses/policies/remote.yaml": POLICY.replace("[rw-phones, rw-platform]", "[rw-phones]")})
    assert problems_of(root) == [
        "clauses/remote-working/rw-phones.md:17:28: options.platform: not set for settings/beta.yaml (clause rw-phones) "
        "(set options.platform in settings/beta.yaml or under defaults in settings/trust.yaml)"]


@pytest.mark.parametrize("sid", ["public", "site", "packs"])
def test_a_school_cannot_take_the_name_of_a_build_folder(mini, sid):
    """build/public, build/site and build/packs are policykit's own: a school there would share them."""
    root = mini({f"settings/{sid}.yaml": SCHOOL.format(name="Gamma School", urn="100003", phase="primary")})
    found = problems_of(root)
    assert any(f"settings/{sid}.yaml" in p and "folder policykit writes" in p for p in found), found
