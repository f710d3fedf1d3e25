"""The review cycle as a trust lives it: first approvals, one rule for every state and flag,
and every stage of a two-stage approval visible."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner

import policykit
from policykit.cli import main
from tests.conftest import CLAUSE_PHONES
from tests.readers import docx_text, pdf_text, squash
from tests.test_approvals import TWO_STAGE, control_rows

TODAY = date(2026, 12, 2)
LATE = date(2027, 9, 1)  # first approval (library 2025-09-01 + 12 months) long past


def cli(root: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--root", str(root)], catch_exceptions=False)


def test_a_first_approval_past_its_due_date_is_overdue_everywhere(mini, tmp_path):
    root = mini()
    policykit.build(root, formats="md,docx,pdf")
    report = policykit.status(root, LATE)
    assert {(r.setting, r.state, r.first_approval) for r in report.rows} == {
        ("alpha", "overdue", True), ("beta", "overdue", True)}
    assert [r.policy for r in report.failing(["overdue"])] == ["remote", "remote"]
    result = cli(root, "status", "--as-of", "2027-09-01", "--fail-on", "overdue")
    assert result.exit_code == 1 and "2 document(s) overdue: alpha/remote, beta/remote" in result.stderr
    rows = json.loads(cli(root, "status", "--as-of", "2027-09-01", "--state", "overdue", "--format", "json").output)
    assert [(d["setting"], d["state"], d["next_review"]) for d in rows["documents"]] == [
        ("alpha", "overdue", "2026-09-01"), ("beta", "overdue", "2026-09-01")]
    # the documents say so (built today, after the due date), on the cover and in the approval section
    for reader, suffix in ((docx_text, "docx"), (pdf_text, "pdf")):
        text = squash(reader(root / "build" / "alpha" / f"remote.{suffix}"))
        assert "First approval due by 1 September 2026 (overdue)" in text, suffix
        assert "Next review 1 September 2026" not in text, suffix
    md = (root / "build" / "alpha" / "remote.md").read_text()
    assert "Its first approval is due by 1 September 2026: it is overdue." in md
    # and the site counts them
    site = policykit.site(root, out=tmp_path / "site", as_of=LATE)
    dashboard = (site.out / "index.html").read_text()
    assert 'st-overdue">Overdue</span></th><td>2' in dashboard


def test_before_its_due_date_a_first_approval_is_a_draft_that_says_when_it_is_due(mini):
    root = mini()
    policykit.build(root, formats="md", as_of=date(2026, 1, 1))
    md = (root / "build" / "alpha" / "remote.md").read_text()
    assert "| First approval due by | 1 September 2026 |" in md and "(overdue)" not in md
    assert {r.state for r in policykit.status(root, date(2026, 1, 1)).rows} == {"draft"}
    # the day after the due date, the next build makes the documents again to say they are overdue
    later = policykit.build(root, formats="md", as_of=date(2026, 9, 2))
    assert sorted(later.rebuilt) == ["alpha/remote", "beta/remote"]
    assert "1 September 2026 (overdue)" in (root / "build" / "alpha" / "remote.md").read_text()
    assert policykit.build(root, formats="md", as_of=date(2026, 9, 3)).rebuilt == ()  # and then stays


def test_the_pack_takes_first_approvals(mini, tmp_path):
    root = mini()
    policykit.build(root, formats="md")
    result = policykit.pack(root, "alpha", date(2026, 12, 10), out=tmp_path / "pack.pdf")
    assert [(i.policy, i.state, i.reason) for i in result.items] == [
        ("remote", "overdue", "For first approval, overdue: it was due by 1 September 2026.")]
    assert "For first approval, overdue" in squash(pdf_text(result.path))


def test_changed_after_a_first_stage_is_changed_in_every_report(mini, tmp_path):
    root = mini({"settings/trust.yaml": TWO_STAGE})
    policykit.build(root, formats="md")
    policykit.approve(root, "alpha", "remote", "trust-board", date(2026, 2, 10), "TB/26/1", "Clerk", today=TODAY)
    (root / "clauses" / "remote-working" / "rw-phones.md").write_text(
        CLAUSE_PHONES.replace("dial 141 first", "always dial 141 first"))
    on = date(2026, 3, 1)
    row = next(r for r in policykit.status(root, on).rows if r.setting == "alpha")
    assert (row.state, row.changed) == ("changed since approval", True)
    data = json.loads(cli(root, "status", "--as-of", "2026-03-01", "--format", "json").output)
    alpha = next(d for d in data["documents"] if d["setting"] == "alpha")
    assert (alpha["state"], alpha["changed"]) == ("changed since approval", True)
    assert cli(root, "status", "--as-of", "2026-03-01", "--fail-on", "changed").exit_code == 1
    # the board gets it in its pack: changed since the trust board approved an earlier text
    policykit.build(root, formats="md")
    result = policykit.pack(root, "alpha", on, out=tmp_path / "pack.pdf")
    assert [(i.policy, i.changed) for i in result.items] == [("remote", True)]


def test_every_stage_is_visible(mini):
    root = mini({"settings/trust.yaml": TWO_STAGE})
    policykit.build(root, formats="md")
    policykit.approve(root, "alpha", "remote", "trust-board", date(2026, 2, 10), "TB/26/1", "Clerk", today=TODAY)
    policykit.build(root, formats="md")
    md = (root / "build" / "alpha" / "remote.md").read_text()
    assert control_rows(md) == [["1.0.0 (library 2025.1)", "10 February 2026",
                                 "First approved version (the first of two stages); awaiting the Local Governing "
                                 "Body.", "Board of Trustees, minute TB/26/1"]]
    assert "Not yet at every stage: the Board of Trustees approved it on 10 February 2026" in md
    row = next(r for r in policykit.status(root, date(2026, 3, 1)).rows if r.setting == "alpha")
    assert (row.state, row.text_approved_on, row.text_approved_by, row.awaiting) == (
        "awaiting approval", date(2026, 2, 10), "Board of Trustees", "Local Governing Body")
    table = cli(root, "status", "--as-of", "2026-03-01").output
    assert "2026-02-10" in table and "Local Governing Body" in table
    csv_out = cli(root, "status", "--as-of", "2026-03-01", "--format", "csv").output
    assert "text_approved_on" in csv_out.splitlines()[0] and "2026-02-10" in csv_out
    policykit.approve(root, "alpha", "remote", "board", date(2026, 3, 5), "LGB/26/3", "Clerk", today=TODAY)
    policykit.build(root, formats="md")
    rows = control_rows((root / "build" / "alpha" / "remote.md").read_text())
    assert [r[1:] for r in rows] == [
        ["10 February 2026", "First approved version (the first of two stages).", "Board of Trustees, minute TB/26/1"],
        ["5 March 2026", "Approved at every stage (the second of two): in force from this date.",
         "Local Governing Body, minute LGB/26/3"]]


def test_approve_leaves_the_documents_current(mini):
    root = mini()
    policykit.build(root, settings=["alpha"], formats="md,docx,pdf")
    result = CliRunner().invoke(main, ["approve", "alpha", "remote", "--body", "board", "--date", "2026-11-20",
                                       "--minute", "LGB/26/11", "--by", "Clerk", "--root", str(root)])
    assert result.exit_code == 0, result.output
    assert "wrote " in result.output and "remote.pdf" in result.output and "remote.docx" in result.output
    for reader, suffix in ((docx_text, "docx"), (pdf_text, "pdf")):
        text = squash(reader(root / "build" / "alpha" / f"remote.{suffix}"))
        assert "Approved by the Local Governing Body on 20 November 2026 (minute LGB/26/11)" in text, suffix
        assert "Draft: not approved" not in text, suffix
    md = (root / "build" / "alpha" / "remote.md").read_text()
    archived = next((root / "settings" / "approvals" / "texts" / "alpha" / "remote").glob("*.md")).read_text()
    assert md == archived  # the built document is the document as approved
    assert policykit.build(root, settings=["alpha"], formats="md,docx,pdf").rebuilt == ()  # nothing left to do


def test_the_version_in_force_stays_published(mini, tmp_path):
    root = mini()
    policykit.build(root, formats="md,docx,pdf,html")
    policykit.approve(root, "alpha", "remote", "board", date(2026, 10, 14), "LGB/26/14", "Clerk", today=TODAY)
    (root / "clauses" / "remote-working" / "rw-phones.md").write_text(
        CLAUSE_PHONES.replace("dial 141 first", "always dial 141 first"))
    result = policykit.build(root, formats="md,docx,pdf,html")
    assert "alpha/in-force/remote" in result.documents and "beta/in-force/remote" not in result.documents
    folder = root / "build" / "alpha"
    for reader, suffix in ((docx_text, "docx"), (pdf_text, "pdf")):
        force, draft = squash(reader(folder / "in-force" / f"remote.{suffix}")), squash(reader(folder / f"remote.{suffix}"))
        assert "Approved by the Local Governing Body on 14 October 2026 (minute LGB/26/14)" in force, suffix
        assert "always dial 141 first" not in force and "always dial 141 first" in draft, suffix
        assert "Draft: not approved" in draft and "Draft: not approved" not in force, suffix
    assert "Approved by the Local Governing Body" in (folder / "in-force" / "remote.html").read_text()
    # made from the archive alone: delete it and build again, and it comes back the same
    before = (folder / "in-force" / "remote.pdf").read_bytes()
    (folder / "in-force" / "remote.pdf").unlink()
    policykit.build(root, formats="md,docx,pdf,html")
    assert (folder / "in-force" / "remote.pdf").read_bytes() == before
    # the site offers both; acknowledgements list the version in force
    site = policykit.site(root, out=tmp_path / "site")
    page = (site.out / "alpha" / "remote" / "index.html").read_text()
    assert "the version in force (approved 14 October 2026)" in page and "the text for approval" in page
    assert (site.out / "alpha" / "remote" / "alpha-remote-in-force.pdf").read_bytes() == before
    rows = json.loads(cli(root, "acknowledgements", "--format", "json").output)
    assert [(r["setting"], r["pdf"].endswith("alpha/in-force/remote.pdf")) for r in rows] == [("alpha", True)]
    # once the new text is approved, it is the one in force, and the copy goes
    policykit.approve(root, "alpha", "remote", "board", date(2026, 11, 25), "LGB/26/25", "Clerk", today=TODAY)
    assert not (folder / "in-force").exists()
    rows = json.loads(cli(root, "acknowledgements", "--format", "json").output)
    assert [r["pdf"].endswith("alpha/remote.pdf") for r in rows] == [True]


def test_one_policy_through_a_whole_cycle(mini, tmp_path):
    """Never approved and overdue -> in the pack -> first stage -> second stage -> a clause edited
    (draft and version in force both built, the site links both, acknowledgements keep the version
    in force) -> the release cut -> re-approved."""
    root = mini({"settings/trust.yaml": TWO_STAGE})
    folder = root / "build" / "alpha"

    def texts(name: str = "remote") -> dict[str, str]:
        return {suffix: squash(reader(folder / f"{name}.{suffix}"))
                for reader, suffix in ((docx_text, "docx"), (pdf_text, "pdf"), (lambda p: p.read_text(), "html"))}

    def alpha(on: date):
        return next(r for r in policykit.status(root, on).rows if r.setting == "alpha")

    # 1. never approved, past its first approval's due date: overdue, and in the board's pack
    policykit.build(root, settings=["alpha"])
    assert (alpha(TODAY).state, alpha(TODAY).first_approval) == ("overdue", True)
    assert all("First approval due by 1 September 2026 (overdue)" in t for t in texts().values())
    pack = policykit.pack(root, "alpha", date(2026, 12, 10), out=tmp_path / "p1.pdf")
    assert [(i.policy, i.reason) for i in pack.items] == [
        ("remote", "For first approval, overdue: it was due by 1 September 2026.")]
    assert pack.items[0].decides == "The Local Governing Body, once the Board of Trustees has approved it"

    # 2. the trust board approves: awaiting the school's board, every document says so
    policykit.approve(root, "alpha", "remote", "trust-board", date(2026, 11, 26), "TB/26/12", "Clerk", today=TODAY)
    row = alpha(TODAY)
    assert (row.state, row.text_approved_by, row.awaiting) == ("overdue", "Board of Trustees", "Local Governing Body")
    for suffix, text in texts().items():
        assert "Approved by the Board of Trustees on 26 November 2026; awaiting approval by the Local Governing " \
               "Body." in text, suffix
    assert control_rows((folder / "remote.md").read_text())[0][3] == "Board of Trustees, minute TB/26/12"
    pack = policykit.pack(root, "alpha", date(2026, 12, 10), out=tmp_path / "p2.pdf")
    assert [i.decides for i in pack.items] == ["The Local Governing Body, after the Board of Trustees"]

    # 3. the board approves: approved, next review a year on, out of the pack
    policykit.approve(root, "alpha", "remote", "board", date(2026, 12, 1), "LGB/26/12", "Clerk", today=TODAY)
    row = alpha(TODAY)
    assert (row.state, row.approved_on, row.next_review, row.changed) == (
        "approved", date(2026, 12, 1), date(2027, 12, 1), False)
    for suffix, text in texts().items():
        assert "Draft: not approved" not in text and "1 December 2027" in text, suffix
    assert [r[3] for r in control_rows((folder / "remote.md").read_text())] == [
        "Board of Trustees, minute TB/26/12", "Local Governing Body, minute LGB/26/12"]
    assert policykit.pack(root, "alpha", date(2026, 12, 10), out=tmp_path / "p3.pdf").items == ()

    # 4. the library changes a clause (a new version, its old text kept for the release that has
    # it): the draft and the version in force are both built
    from tests.conftest import new_clause_version

    new_clause_version(root, "clauses/remote-working/rw-phones.md", CLAUSE_PHONES.replace(
        "dial 141 first", "always dial 141 first").replace("version: 1.1.0\ntitle", "version: 1.2.0\ntitle").replace(
        "changelog:\n", "changelog:\n  - version: 1.2.0\n    date: 2026-12-01\n    note: Always dial 141.\n", 1))
    policykit.build(root, settings=["alpha"])
    control = control_rows((folder / "remote.md").read_text())[-1]
    assert control[0] == "1.0.0 (unreleased changes since library release 2025.1)" and control[3] == "Not yet approved"
    assert (alpha(TODAY).state, alpha(TODAY).changed) == ("changed since approval", True)
    draft, force = texts(), texts("in-force/remote")
    for suffix in draft:
        assert "Draft: not approved" in draft[suffix] and "always dial 141 first" in draft[suffix], suffix
        assert "Approved by the Board of Trustees on 26 November 2026" in force[suffix], suffix
        assert "always dial 141 first" not in force[suffix], suffix
    site = policykit.site(root, out=tmp_path / "site")
    page = (site.out / "alpha" / "remote" / "index.html").read_text()
    assert "alpha-remote-in-force.pdf" in page and "alpha-remote.pdf" in page
    acks = json.loads(cli(root, "acknowledgements", "--format", "json").output)
    assert [(a["setting"], a["approved_on"], a["pdf"].endswith("alpha/in-force/remote.pdf")) for a in acks] == [
        ("alpha", "2026-12-01", True)]
    pack = policykit.pack(root, "alpha", date(2026, 12, 10), out=tmp_path / "p4.pdf")
    assert [(i.policy, i.changed) for i in pack.items] == [("remote", True)]
    assert "always dial 141 first" in squash(pdf_text(pack.path))

    # 5. the trust cuts the release, and the document names it
    release = policykit.release(root, "2026.1", date(2026, 12, 1))
    assert [c.id for c in release.clauses] == ["rw-phones"]
    policykit.build(root, settings=["alpha"])
    assert control_rows((folder / "remote.md").read_text())[-1][0] == "1.0.0 (library 2026.1)"

    # 6. re-approved at both stages: the new text is in force, the copy goes
    policykit.approve(root, "alpha", "remote", "trust-board", date(2026, 12, 1), "TB/26/13", "Clerk", today=TODAY)
    policykit.approve(root, "alpha", "remote", "board", date(2026, 12, 2), "LGB/26/13", "Clerk", today=TODAY)
    assert (alpha(TODAY).state, alpha(TODAY).changed) == ("approved", False)
    assert not (folder / "in-force").exists()
    assert all("always dial 141 first" in t and "Draft: not approved" not in t for t in texts().values())
    rows = control_rows((folder / "remote.md").read_text())
    assert [r[1] for r in rows] == ["26 November 2026", "1 December 2026", "1 December 2026", "2 December 2026"]


def test_the_example_trust_shows_every_state(example_trust):
    """Its ledger (made with `policykit approve`) puts documents in every state on the day the
    README names (3 December 2026, when library release 2026.1 was cut), and the review falling
    due later in the year, so a newcomer sees a real cycle straight after the Quick start."""
    from policykit.governance.standing import STATES

    rows = policykit.status(example_trust, date(2026, 12, 3)).rows
    assert {r.state for r in rows} == set(STATES) - {"review due soon"}
    by = {(r.setting, r.policy): r for r in rows}
    assert by[("oakfield", "safer-working-practice")].state == "overdue"
    assert by[("oakfield", "remote-working")].state == "changed since approval"  # 2026.1 changed it
    assert by[("riverside", "online-safety-handbook")].state == "awaiting approval"
    assert by[("riverside", "code-of-conduct")].changed
    assert by[("little-acorns", "acceptable-use")].state == "approved"  # the 2026.1 text, by the Nursery Manager
    later = {(r.setting, r.policy): r.state for r in policykit.status(example_trust, date(2027, 10, 15)).rows}
    assert later[("little-acorns", "acceptable-use")] == "review due soon"
    assert policykit.validate(example_trust).approvals  # and the ledger validates
