"""Library 2026.1 read as its staff would: each person named once, the scheme's approvers, no edition in the text."""

from __future__ import annotations

import re

import pytest

import policykit
from policykit.core.render import render
from policykit.core.resolve import resolve
from tests.conftest import REPO


@pytest.fixture(scope="module")
def built(example_trust):
    project = policykit.validate(example_trust)
    return project, render(resolve(project))


def _clause_text(markdown: str) -> str:
    """The parts of a document its clauses wrote: after the key people, before the approval block."""
    body = markdown.split("## Key people", 1)[1].split("\n# Approval {.unnumbered}", 1)[0]
    return body.split("\n#", 1)[1] if "\n#" in body else body


def _sentences(text: str) -> list[str]:
    out = []
    for block in re.split(r"\n\s*\n|\n(?=[-|] )|\n(?=\d+\. )", text):
        out += [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", " ".join(block.split())) if s]
    return out


def _people(values) -> set[str]:
    people = values["people"]
    names = {p["name"] for key, p in people.items() if isinstance(p, dict) and p.get("name")}
    return names | {d["name"] for d in people.get("deputy_dsls", ())}


def test_no_document_names_one_person_twice_in_a_sentence(built):
    project, documents = built
    found = []
    for doc in documents:
        names = _people(project.settings[doc.setting_id].values)
        for sentence in _sentences(_clause_text(doc.markdown)):
            for name in names:
                if sentence.count(name) > 1:
                    found.append(f"{doc.key}: {name} twice in: {sentence[:160]}")
    assert not found, "\n".join(found)


APPROVAL = re.compile(r"\b(?:this|the) (?:policy|code|handbook)\b[^.]*\bapprov|\bapprov\w* (?:this|the) (?:policy|code)", re.I)


def test_no_sentence_names_an_approver_the_scheme_does_not(built):
    project, documents = built
    wrong = []
    for doc in documents:
        terms = project.settings[doc.setting_id].values["terminology"]
        bodies = {str(terms.get(k)) for k in ("board", "committee", "head") if terms.get(k)}
        bodies.add(str(project.trust["trust"]["board"]))
        plan = next(d for d in resolve(project, [doc.setting_id], [doc.policy_id]).documents)
        allowed = set(plan.bodies)
        for sentence in _sentences(_clause_text(doc.markdown)):
            if APPROVAL.search(sentence):
                named = {b for b in bodies if b in sentence}
                if named - allowed:
                    wrong.append(f"{doc.key}: {sorted(named - allowed)} in: {sentence[:160]}")
    assert not wrong, "\n".join(wrong)


def test_no_clause_body_names_a_kcsie_edition():
    bodies = {}
    for path in (REPO / "clauses").glob("*/*.md"):
        if path.parent.name != "history":
            bodies[path.name] = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    assert bodies and not [name for name, body in bodies.items() if "KCSIE 20" in body]


def test_the_release_names_the_editions_it_follows(built):
    project, _ = built
    kcsie = project.library.guidance["kcsie"]
    assert kcsie["short"].startswith("KCSIE ") and kcsie.get("note")  # what could not be checked is said
    assert {"kcsie", "gswp", "eyfs"} <= set(project.library.guidance)


def test_a_nursery_is_told_the_eyfs_framework_binds_it_and_kcsie_is_good_practice(built):
    _, documents = built
    text = next(d.markdown for d in documents if d.key == "little-acorns/acceptable-use")
    assert "whose safeguarding and welfare requirements are statutory for us" in text
    assert "which we follow as good practice" in text
    school = next(d.markdown for d in documents if d.key == "oakfield/acceptable-use")
    assert "good practice" not in school.split("# Legislation and guidance")[1].split("\n# ")[0]


def test_st_marys_is_not_called_a_voluntary_aided_academy(example_trust):
    text = (example_trust / "settings" / "st-marys.yaml").read_text()
    assert "voluntary aided academy" not in text.lower() and "(VA)" not in text


def test_the_2026_1_library_diff_lists_every_change_with_its_note(example_trust):
    from click.testing import CliRunner

    from policykit.cli import main

    project = policykit.validate(example_trust)
    result = CliRunner().invoke(main, ["diff", "--library", "2025.1", "2026.1", "--root", str(example_trust)])
    assert result.exit_code == 0, result.output
    released = project.library.release_date("2026.1")
    assert released is not None
    for clause in project.library.clauses.values():
        newest = clause.changelog[0]
        if newest.date > project.library.release_date("2025.2"):
            # each clause changed for 2026.1 is listed, with the note its changelog gives
            assert clause.id in result.output, clause.id
            assert " ".join(newest.note.split())[:60] in " ".join(result.output.split()), clause.id
