"""Documents agree with the scheme of delegation: every sentence that says who approves a policy,
the About table's approving body and the signature block name exactly the bodies the trust's
scheme gives that school and policy (one or two stages, by type of setting)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import docx
import pytest
import yaml
from click.testing import CliRunner
from pypdf import PdfReader

import policykit
from policykit.cli import main
from policykit.core.render import render
from policykit.core.resolve import resolve
from policykit.errors import PolicykitError
from tests.conftest import SCHOOL, TRUST
from tests.readers import docx_blocks, squash

APPROVING = re.compile(r"\bapprov", re.I)
# Approving something other than the document: "a platform that the Headteacher has approved"
# (rw-live-lessons-and-meetings) is about video platforms, not about who approves the policy.
# A decision the ledger recorded, as the approval note and document control report it ("the Board
# of Trustees approved it on 19 November 2026", "Board of Trustees, minute MLT/TB/26/09"): a fact
# about one meeting, which says who did approve, not who approves. Those come from the ledger,
# whose records the scheme itself checks (validate refuses a body it does not allow).
RECORDED = re.compile(r"\bminute\b|\bon \d{1,2} (?:January|February|March|April|May|June|July|August|September|"
                      r"October|November|December) \d{4}\b")
NOT_THE_POLICY = re.compile(r"\b(?:platform|tool|app|software|system|service)s? that the [^,.;]+ has "
                            r"(?:not )?approved\b")


# --- the scheme, read straight from the trust's files (not through policykit) -----------------

def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def scheme_stages(trust: dict[str, Any], policy: dict[str, Any], setting_type: str) -> list[str]:
    """settings/trust.yaml scheme_of_delegation: by type of setting, else the policy's stages,
    else the policy definition's approver."""
    entry = (trust.get("scheme_of_delegation") or {}).get("policies", {}).get(policy["id"], {})
    return list(entry.get("by_type", {}).get(setting_type) or entry.get("stages") or [policy["approver"]])


def body_names(stages: list[str], trust: dict[str, Any], terms: dict[str, str]) -> list[str]:
    names = {"trust-board": trust["trust"]["board"], "board": terms["board"],
             "committee": terms.get("committee", terms["board"]), "head": terms["head"]}
    return [names[stage] for stage in stages]


def school_values(root: Path, sid: str, trust: dict[str, Any]) -> dict[str, Any]:
    own = _yaml(root / "settings" / f"{sid}.yaml")
    defaults = trust.get("defaults", {})
    return {"school": own["school"],
            "terms": {**defaults.get("terminology", {}), **own.get("terminology", {})},
            "people": {**defaults.get("people", {}), **own.get("people", {})}}


# --- the sentences that name an approver -----------------------------------------------------

def units(markdown: str) -> list[str]:
    """The document's sentences, list items and table rows, Markdown escapes removed."""
    body = re.sub(r"\A---\n.*?\n---\n", "", markdown, flags=re.S).replace("\\", "")  # not the metadata
    out: list[str] = []
    for block in re.split(r"\n\s*\n", body):
        lines = block.splitlines()
        if all(line.startswith("|") for line in lines) or all(re.match(r"\s*([-*]|\d+\.) ", ln) for ln in lines):
            out.extend(lines)
        else:
            out.extend(re.split(r"(?<=[.!?])\s+", " ".join(lines)))
    return [u.strip() for u in out if u.strip()]


def named_bodies(unit: str, names: set[str], masks: set[str]) -> list[str]:
    """The approving bodies a sentence names, in order, each once. Longer phrases that merely
    contain a body's name ('Chair of the Local Governing Body', 'Deputy Headteacher') are masked."""
    for mask in sorted(masks - names, key=len, reverse=True):  # a role that is a body's name stays
        unit = unit.replace(mask, "#")
    pattern = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    found: list[str] = []
    for match in re.finditer(rf"\b(?:{pattern})\b", unit):
        if match.group(0) not in found:
            found.append(match.group(0))
    return found


def approver_sentences(markdown: str, names: set[str], masks: set[str]) -> list[tuple[str, list[str]]]:
    """Every sentence (or table row) naming an approving body near a word like 'approve'."""
    out = []
    for unit in units(markdown):
        if APPROVING.search(unit) and not NOT_THE_POLICY.search(unit) and not RECORDED.search(unit):
            bodies = named_bodies(unit, names, masks)
            if bodies:
                out.append((unit, bodies))
    return out


def masks_for(values: dict[str, Any], trust: dict[str, Any]) -> set[str]:
    people = values["people"]
    roles = {str(p["role"]) for p in [*people.values(), *people.get("deputy_dsls", [])]
             if isinstance(p, dict) and p.get("role")}
    chair = trust["trust"].get("chair", {})
    return {values["terms"]["chair"], *roles, *([chair["role"]] if chair.get("role") else [])}


# --- the acceptance test -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def documents(example_trust: Path) -> dict[str, Any]:
    """Every school x policy of the example trust, rendered to canonical Markdown."""
    return {d.key: d for d in render(resolve(policykit.validate(example_trust)))}


def test_every_sentence_naming_an_approver_matches_the_scheme(example_trust, documents):
    trust = _yaml(example_trust / "settings" / "trust.yaml")
    policies = {p.stem: _yaml(p) for p in (example_trust / "clauses" / "policies").glob("*.yaml")}
    schools = sorted(p.stem for p in (example_trust / "settings").glob("*.yaml") if p.stem != "trust")
    assert len(schools) == 4 and len(policies) == 5
    assert len(documents) == 20
    expected_of: dict[str, list[str]] = {}
    for sid in schools:
        values = school_values(example_trust, sid, trust)
        terms = values["terms"]
        names = {trust["trust"]["board"], terms["board"], terms.get("committee", terms["board"]), terms["head"]}
        for pid, policy in policies.items():
            key = f"{sid}/{pid}"
            expected = body_names(scheme_stages(trust, policy, values["school"]["type"]), trust, terms)
            expected_of[key] = expected
            markdown = documents[key].markdown
            found = approver_sentences(markdown, names, masks_for(values, trust))
            wrong = [(sentence, bodies) for sentence, bodies in found if bodies != expected]
            assert not wrong, (key, expected, wrong)
            # the frame names them (draft banner, About table, Approval section) and so do the
            # clauses saying who approves (every policy but remote working holds one); once a body
            # has approved the text, the banner and the approval section report that decision instead
            decided = "minute " in markdown.split("# Approval {", 1)[1]
            least = (1 if decided else 3) + (0 if pid == "remote-working" else 1)
            assert len(found) >= least, (key, found)
            assert f"| Approving body | {', then '.join(expected)} |" in markdown, key
    # the cases users reported, spelled out
    assert expected_of["little-acorns/acceptable-use"] == ["Nursery Manager"]
    assert expected_of["oakfield/online-safety-handbook"] == ["Board of Trustees", "Local Academy Committee"]
    assert expected_of["riverside/remote-working"] == ["Headteacher"]
    aup = documents["little-acorns/acceptable-use"].markdown
    assert "This policy is approved by the Nursery Manager. The Local Academy Committee monitors" in aup
    assert "Local Academy Committee approves" not in aup
    handbook = documents["riverside/online-safety-handbook"].markdown
    assert ("practice needs to change. Each new version is approved by the Board of Trustees, then the Local "
            "Governing Body.") in handbook
    assert "Local Governing Body approves" not in handbook


def test_the_check_catches_a_hard_coded_approver():
    """The sentences the issue reported, as the clauses had them, fail the check."""
    names, masks = {"Board of Trustees", "Local Academy Committee", "Nursery Manager"}, set()
    old = ("The Local Academy Committee approves the policy and monitors how well it is working through "
           "Janet Moore, using the incident log.")
    found = approver_sentences(f"{old}\n\nThe Local Academy Committee approves it.\n", names, masks)
    assert [bodies for _, bodies in found] == [["Local Academy Committee"]] * 2  # not ["Nursery Manager"]
    video = "Hold video meetings only on a platform that the Nursery Manager has approved, and sign in."
    assert approver_sentences(video, names, masks) == []
    row = "| Approving body | Board of Trustees, then Local Academy Committee |"
    chair = "| Chair of the Local Academy Committee | approved it |"
    assert approver_sentences(f"{row}\n{chair}\n", names, {"Chair of the Local Academy Committee"}) == [
        (row, ["Board of Trustees", "Local Academy Committee"])]


# --- the signature block -----------------------------------------------------------------------

def signature_rows(markdown: str) -> list[list[str]]:
    """The approval block's lines (not the acknowledgement form's, which is a signatures block too)."""
    approval = markdown.split("\n# Approval {.unnumbered}\n", 1)[1]
    block = approval.split("::: signatures\n", 1)[1].split("\n:::", 1)[0]
    rows = [[c.strip() for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])] for line in block.splitlines()]
    return rows[2:]  # under the header and the separator


def test_the_signature_block_has_a_line_per_approving_body(documents):
    rows = {key: [r[:2] for r in signature_rows(d.markdown)] for key, d in documents.items()}
    assert rows["oakfield/online-safety-handbook"] == [
        ["Board of Trustees", "Professor Colin Mabbutt (Chair of Trustees)"],
        ["Local Academy Committee", "Graham Pearce (Chair of the Local Academy Committee)"]]
    assert rows["st-marys/online-safety-handbook"] == [
        ["Board of Trustees", "Professor Colin Mabbutt (Chair of Trustees)"],
        ["Local Governing Body", "Margaret O'Neill (Chair of Governors)"]]
    assert rows["oakfield/remote-working"] == [["Principal", "James Adeyemi"]]  # the head alone
    assert rows["little-acorns/acceptable-use"] == [["Nursery Manager", "Sarah Whitfield"]]
    assert rows["riverside/code-of-conduct"] == [
        ["Local Governing Body", "Councillor Ruth Ambrose (Chair of Governors)"]]
    for key, doc in documents.items():
        bodies = re.search(r"^\| Approving body \| (.*) \|$", doc.markdown, re.M).group(1).split(", then ")
        lines = signature_rows(doc.markdown)
        assert [r[0] for r in lines] == bodies, key  # the same bodies, in the same order
        assert all(r[2:] == ["", ""] for r in lines), key  # room to sign and date
        assert "| Signed for | Name | Signature | Date |" in doc.markdown


def _approval_table(path: Path) -> list[list[str]]:
    heading, tables = "", {}
    for kind, block in docx_blocks(docx.Document(str(path))):
        if kind == "p" and block.style.name.startswith("Heading"):
            heading = block.text
        elif kind == "tbl" and heading == "Approval":
            tables.setdefault(heading, [[c.text.strip() for c in r.cells] for r in block.rows])
    return tables["Approval"]


def _approval_page(path: Path) -> str:
    pages = [squash(p.extract_text() or "") for p in PdfReader(str(path)).pages]
    return next(p for p in reversed(pages) if "Signed for" in p)


def test_word_and_pdf_show_the_signature_lines(example_build):
    assert _approval_table(example_build / "oakfield" / "online-safety-handbook.docx") == [
        ["Signed for", "Name", "Signature", "Date"],
        ["Board of Trustees", "Professor Colin Mabbutt (Chair of Trustees)", "", ""],
        ["Local Academy Committee", "Graham Pearce (Chair of the Local Academy Committee)", "", ""]]
    assert _approval_table(example_build / "riverside" / "remote-working.docx") == [
        ["Signed for", "Name", "Signature", "Date"], ["Headteacher", "Nadia Kowalski", "", ""]]
    assert _approval_table(example_build / "little-acorns" / "acceptable-use.docx")[1:] == [
        ["Nursery Manager", "Sarah Whitfield", "", ""]]

    page = _approval_page(example_build / "oakfield" / "online-safety-handbook.pdf")
    assert "It needs approval by the Board of Trustees, then the Local Academy Committee." in page
    for words in ("Board of Trustees", "Professor Colin Mabbutt (Chair of Trustees)", "Local Academy Committee",
                  "Graham Pearce (Chair of the Local Academy Committee)"):
        assert words in page, words
    assert "James Adeyemi" not in page  # the head does not sign a policy the boards approve
    page = _approval_page(example_build / "riverside" / "remote-working.pdf")
    assert "It needs approval by the Headteacher." in page and "Nadia Kowalski" in page
    assert "Ruth Ambrose" not in page and "Chair of" not in page  # the head alone


# --- trust.chair, the committee's chair, approval.* in clauses -----------------------------------

NO_CHAIR = TRUST.replace("  chair: {name: Tess Trustee, role: Chair of Trustees}\n", "")
TWO_STAGE = "scheme_of_delegation:\n  policies:\n    remote:\n      stages: [trust-board, board]\n"


def test_a_missing_trust_chair_is_reported_at_trust_yaml_when_the_trust_board_approves(mini):
    assert NO_CHAIR != TRUST
    policykit.validate(mini({"settings/trust.yaml": NO_CHAIR}))  # one stage: no trust chair needed
    root = mini({"settings/trust.yaml": NO_CHAIR + TWO_STAGE})
    with pytest.raises(PolicykitError) as err:
        policykit.validate(root)
    (problem,) = err.value.problems  # once, not once per school
    assert (problem.path, problem.line, problem.key) == ("settings/trust.yaml", 1, "trust.chair")
    assert problem.message == ("is required: the Board of Trustees approves remote (scheme of delegation), and the "
                               "approval block has a line for its chair's signature")
    assert "set trust.chair in settings/trust.yaml" in problem.hint
    result = CliRunner().invoke(main, ["validate", "--root", str(root)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith("settings/trust.yaml:1:1: trust.chair: is required: the Board of Trustees")


def test_a_missing_signatory_of_a_school_is_reported_in_its_file(mini):
    school = "school:\n  name: Gamma School\n  urn: \"100003\"\n  phase: primary\n  type: mainstream\n" \
             "  local_authority: shire\npeople:\n  head: {name: Gus Head}\n  dsl: {name: Di Lead}\n"
    with pytest.raises(PolicykitError) as err:
        policykit.validate(mini({"settings/gamma.yaml": school}))
    problems = [p for p in err.value.problems if p.path == "settings/gamma.yaml"]
    assert [(p.line, p.key) for p in problems] == [(7, "people.chair")]
    assert problems[0].message.startswith("is required: the Local Governing Body approves remote")
    head_only = "scheme_of_delegation:\n  policies:\n    remote:\n      stages: [head]\n"
    policykit.validate(mini({"settings/gamma.yaml": school, "settings/trust.yaml": TRUST + head_only}))


def test_signatories_follow_the_stages(mini):
    def lines(trust: str, extra: str = "") -> list[list[str]]:
        alpha = SCHOOL.format(name="Alpha Primary School", urn="100001", phase="primary")  # ends in people:
        root = mini({"settings/trust.yaml": trust, "settings/alpha.yaml": alpha + extra})
        (doc,) = render(resolve(policykit.validate(root), ["alpha"], ["remote"]))
        return [r[:2] for r in signature_rows(doc.markdown)]

    assert lines(TRUST + TWO_STAGE) == [["Board of Trustees", "Tess Trustee (Chair of Trustees)"],
                                        ["Local Governing Body", "Cy Chair (Chair of Governors)"]]
    committee = "scheme_of_delegation:\n  policies:\n    remote:\n      stages: [committee]\n"
    terms = "terminology:\n  committee: Curriculum Committee\n"
    # no chair of its own: the school's chair signs for the committee
    assert lines(TRUST + committee, terms) == [["Curriculum Committee", "Cy Chair (Chair of Governors)"]]
    own = "  committee_chair: {name: Cam Mittee}\n" + terms
    assert lines(TRUST + committee, own) == [["Curriculum Committee", "Cam Mittee (Chair of the Curriculum Committee)"]]
    nameless = TRUST.replace("{name: Tess Trustee, role: Chair of Trustees}", "{name: Tess Trustee}")
    assert lines(nameless + TWO_STAGE)[0] == ["Board of Trustees", "Tess Trustee (Chair of the Board of Trustees)"]
    hostile = TRUST.replace("{name: Tess Trustee, role: Chair of Trustees}", "{name: 'Ann | *Bold* [x](y)'}")
    assert lines(hostile + TWO_STAGE)[0] == ["Board of Trustees", r"Ann \| \*Bold\* \[x\](y) (Chair of the Board "
                                                                   "of Trustees)"]


CLAUSE = """\
---
id: rw-phones
version: 1.1.0
title: Phoning families
section: remote-working
covers: [RW-03]
source: [Remote working guidance]
changelog:
  - version: 1.1.0
    date: 2025-09-01
    note: Mentions 141.
---
This policy is approved by {{ approval.bodies }}{% if not approval.one_stage %}: first the {{ approval.first }}, \
last the {{ approval.last }}{% endif %}.
{{ BODY }}
"""


def test_clause_templates_get_the_documents_approvers(mini):
    root = mini({"settings/trust.yaml": TRUST + TWO_STAGE, "clauses/remote-working/rw-phones.md":
                 CLAUSE.replace("{{ BODY }}", "")})
    docs = {d.key: d.markdown for d in render(resolve(policykit.validate(root)))}
    assert ("This policy is approved by the Board of Trustees, then the Local Governing Body: first the Board of "
            "Trustees, last the Local Governing Body.") in docs["alpha/remote"]
    root = mini({"clauses/remote-working/rw-phones.md": CLAUSE.replace("{{ BODY }}", "")})
    (doc, _) = render(resolve(policykit.validate(root)))
    assert "This policy is approved by the Local Governing Body.\n" in doc.markdown

    # an unknown approval.* is located in the clause, once (not once per school), with what there is
    root = mini({"clauses/remote-working/rw-phones.md": CLAUSE.replace("{{ BODY }}", "Ask {{ approval.chair }}.")})
    with pytest.raises(PolicykitError) as err:
        policykit.validate(root)
    (problem,) = err.value.problems
    assert (problem.path, problem.line, problem.key) == ("clauses/remote-working/rw-phones.md", 14, "approval.chair")
    assert problem.message.startswith("approval has no 'chair' (clause rw-phones)")
    assert "approval.bodies" in problem.hint and "approval.one_stage" in problem.hint

    # a test of approval.* is settled only per document: what it guards stays required for every school
    guarded = CLAUSE.replace("{{ BODY }}", "{% if approval.one_stage %}Ask {{ people.online_safety_lead.name }}."
                             "{% endif %}")
    with pytest.raises(PolicykitError) as err:
        policykit.validate(mini({"clauses/remote-working/rw-phones.md": guarded,
                                 "settings/trust.yaml": TRUST + TWO_STAGE}))
    assert {p.key for p in err.value.problems} == {"people.online_safety_lead.name"}
