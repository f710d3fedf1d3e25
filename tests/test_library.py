"""The example clause library: coverage, variation by setting, terminology, adaptations."""

from __future__ import annotations

import re

import pytest
import yaml

import policykit
from policykit.core.load import load
from policykit.core.render import render
from policykit.core.resolve import resolve
from tests.conftest import REPO, SCHOOL



@pytest.fixture(scope="module")
def project(example_trust):
    return policykit.validate(example_trust)


@pytest.fixture(scope="module")
def documents(project):
    return {d.key: d for d in render(resolve(project))}


def test_every_requirement_is_covered_by_a_clause_that_reaches_a_school(example_trust):
    """The repository's own requirements list (clauses/requirements.yaml): each requirement
    reaches every school it applies to, and no clause covers an id the list lacks."""
    report = policykit.coverage(example_trust)
    assert report.uncovered() == (), f"requirements that reach no document of a school they apply to: {report.uncovered()}"
    listed = {r["id"] for r in yaml.safe_load((REPO / "clauses" / "requirements.yaml").read_text())["requirements"]}
    covered = {rid for c in policykit.validate(example_trust).library.clauses.values() for rid in c.covers}
    assert covered <= listed and {r.id for r in report.requirements} == listed


EXPECTED = {
    # clause title -> schools whose documents hold it (and no others); by age range:
    # little-acorns 0-4, st-marys 3-11, oakfield 11-18, riverside 4-19
    "Mobile phones and cameras in early years areas": {"little-acorns", "st-marys", "riverside"},
    "Online learning journals": {"little-acorns", "st-marys", "riverside"},  # under-fives, reception too
    "Young people aged 16 and 17": {"oakfield", "riverside"},
    "Children with SEND and communication needs": {"little-acorns", "st-marys", "oakfield", "riverside"},
    "Looking after a work mobile phone": {"little-acorns", "oakfield", "riverside"},
    "Using technology with younger children": {"little-acorns", "st-marys", "riverside"},  # under-eights
    "Nude and semi-nude images": {"little-acorns", "st-marys", "oakfield", "riverside"},
    "Sextortion": {"st-marys", "oakfield", "riverside"},  # children of 7 and over
    "Live lessons and video meetings": {"st-marys", "oakfield", "riverside"},  # not through a learning journal
}


@pytest.mark.parametrize("title", sorted(EXPECTED))
def test_condition_bound_clauses_appear_exactly_where_they_apply(documents, title):
    heading = re.compile(rf"^## {re.escape(title)}$", re.M)
    holding = {d.setting_id for d in documents.values() if heading.search(d.markdown)}
    assert holding == EXPECTED[title]
    # and it is in the combined handbook of exactly those schools too
    in_handbook = {d.setting_id for d in documents.values()
                   if d.policy_id == "online-safety-handbook" and heading.search(d.markdown)}
    assert in_handbook == EXPECTED[title]


def test_every_school_gets_every_policy_with_its_own_people(project, documents):
    for sid, setting in project.settings.items():
        for pid in project.library.policies:
            md = documents[f"{sid}/{pid}"].markdown
            assert setting.values["people"]["dsl"]["name"] in md
            assert setting.values["terminology"]["head"] in md


def test_terminology_rules_hold(project, documents):
    for doc in documents.values():
        terms = project.settings[doc.setting_id].values["terminology"]
        for term in terms.get("avoid", ()):
            assert not re.search(rf"(?<!\w){re.escape(term)}(?!\w)", doc.markdown, re.I), (doc.key, term)
    assert "Principal" in documents["oakfield/code-of-conduct"].markdown
    assert "Nursery Manager" in documents["little-acorns/acceptable-use"].markdown


def test_acceptable_use_policy_ends_with_the_acknowledgement_form(documents):
    md = documents["oakfield/acceptable-use"].markdown
    body = md.split("# Approval")[0]
    last_part = body.split("\n# ")[-1]
    for label in ("Name", "Role", "Signature", "Date"):
        assert re.search(rf"^\| *{label}", last_part, re.M), label


def test_the_handbook_is_four_policies_each_under_its_own_title(project, documents, example_build):
    from pypdf import PdfReader

    titles = [project.library.policies[p].title
              for p in ("code-of-conduct", "safer-working-practice", "remote-working", "acceptable-use")]
    for sid in project.settings:
        md = documents[f"{sid}/online-safety-handbook"].markdown
        assert re.findall(r"^# (.+) \{\.unnumbered \.division\}$", md, re.M) == titles
    # in the PDF each division starts a page (its title first under the running header)
    pages = [page.extract_text() for page in PdfReader(example_build / "oakfield" / "online-safety-handbook.pdf").pages]
    body_starts = [" ".join(" ".join(text.split("\n")[1:3]).split()) for text in pages]  # after the header
    assert [t for t in titles if any(start.startswith(t) for start in body_starts)] == titles
    # the policies' own documents have no divisions
    assert ".division}" not in documents["oakfield/acceptable-use"].markdown


def test_a_term_the_school_avoids_is_a_validation_error(mini):
    school = SCHOOL.format(name="Alpha", urn="100001", phase="primary") + "terminology:\n  avoid: [office]\n"
    root = mini({"settings/alpha.yaml": school})
    with pytest.raises(policykit.PolicykitError) as err:
        policykit.validate(root)
    assert [str(p) for p in err.value.problems] == [
        "clauses/remote-working/rw-phones.md:19: 'office' appears in alpha/remote "
        "(settings/alpha.yaml lists 'office' under terminology.avoid; use a terms.* variable, or change the value "
        "that holds it)"]


def test_locked_clause_cannot_be_adapted(mini):
    school = SCHOOL.format(name="Alpha", urn="100001", phase="primary") + (
        "adaptations:\n  rw-phones:\n    replace: Our own text.\n  rw-phnes:\n    append: More.\n")
    root = mini({"settings/alpha.yaml": school})
    with pytest.raises(policykit.PolicykitError) as err:
        policykit.validate(root)
    assert [str(p) for p in err.value.problems] == [
        "settings/alpha.yaml:12:3: adaptations.rw-phones: clause 'rw-phones' is locked by the trust in "
        "clauses/remote-working/rw-phones.md (only clauses with 'locked: false' may be adapted; ask the trust)",
        "settings/alpha.yaml:14:3: adaptations.rw-phnes: unknown clause 'rw-phnes' (did you mean 'rw-phones'?)",
    ]


def test_adaptable_clause_takes_local_text_literally(mini):
    from tests.conftest import CLAUSE_PLATFORM

    clause = CLAUSE_PLATFORM.replace("changelog:", "locked: false\nchangelog:")
    school = SCHOOL.format(name="Beta", urn="100002", phase="secondary") + (
        "adaptations:\n  rw-platform:\n    append: |\n      Use *only* <our> rooms.\n\n      - first & best\n"
        "      - second\n")
    root = mini({"clauses/remote-working/rw-platform.md": clause, "settings/beta.yaml": school})
    docs = {d.key: d for d in render(resolve(policykit.validate(root)))}
    md = docs["beta/remote"].markdown
    assert "Teach live lessons only on Teams" in md
    assert "Use \\*only\\* \\<our\\> rooms.\n\n- first \\& best\n- second" in md
    both = school.replace("    append: |", "    replace: x\n    append: |")
    root2 = mini({"clauses/remote-working/rw-platform.md": clause, "settings/beta.yaml": both})
    with pytest.raises(policykit.PolicykitError) as err:
        policykit.validate(root2)
    assert "adaptations.rw-platform: give either 'replace' or 'append', not both" in str(err.value)


def test_clause_versions_and_earlier_release(example_trust):
    sources = load(example_trust)
    library = yaml.safe_load((example_trust / "clauses" / "library.yaml").read_text())
    assert [c["release"] for c in library["changelog"]][:4] == ["2026.1", "2025.2", "2025.1", "2024.1"]
    history = sorted((example_trust / "clauses" / "history").glob("*.md"))
    assert len(history) >= 4
    current = {d.data["id"]: d.data for d in sources.clauses}
    for path in history:
        cid, old = path.stem.split("@")
        assert cid in current
        new = tuple(int(x) for x in current[cid]["version"].split("."))
        assert tuple(int(x) for x in old.split(".")) < new
        assert any(c["version"] == old for c in current[cid]["changelog"]), path.name
    assert any(p.stem.startswith("aup-filtering-and-monitoring@") for p in history)
