"""The meeting pack: one tagged PDF with the policies for decision, in order, bookmarked."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

import policykit
from policykit.cli import main
from policykit.commands.approve import approve
from policykit.commands.pack import pack
from policykit.reports.pack import select
from policykit.reports.status import StatusRow
from tests.conftest import POLICY, TRUST, new_clause_version
from tests.pdfua_check import pdfua_problems
from tests.readers import pdf_text, squash

MEETING = date(2026, 3, 1)
TODAY = date(2026, 3, 1)
EXTRA = """\
---
id: rw-extra
version: {version}
title: Separate accounts
section: remote-working
covers: [RW-03]
source: [Remote working guidance]
changelog:
{notes}
---
Keep work and home {what} separate, and log out of shared devices.
"""
FIRST = "  - version: 1.0.0\n    date: 2025-09-01\n    note: First version.\n"
SECOND = "  - version: 1.1.0\n    date: 2026-01-10\n    note: Names accounts, not just work.\n" + FIRST


def policy(pid: str, title: str, clauses: str) -> str:
    return (POLICY.replace("id: remote", f"id: {pid}").replace("Remote Working Policy", title)
            .replace("clauses: [rw-phones, rw-platform]", f"clauses: [{clauses}]"))


@pytest.fixture(scope="module")
def trust(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Beta has one policy overdue, one due soon (which its headteacher decides), one changed since
    approval, one awaiting its second stage (the trust board approved it) and one approved."""
    from tests.conftest import mini_files, write_tree

    root = tmp_path_factory.mktemp("pack")
    files = mini_files()
    files.update({
        "clauses/policies/remote.yaml": policy("remote", "Remote Working Policy", "rw-phones"),
        "clauses/policies/lessons.yaml": policy("lessons", "Live Lessons Policy", "rw-platform"),
        "clauses/policies/extra.yaml": policy("extra", "Accounts Policy", "rw-extra"),
        "clauses/policies/calls.yaml": policy("calls", "Calls Policy", "rw-phones"),
        "clauses/policies/handbook.yaml": policy("handbook", "Staff Handbook", "rw-phones"),
        "settings/trust.yaml": TRUST + ("scheme_of_delegation:\n  policies:\n    lessons:\n      stages: [head]\n"
                                        "    handbook:\n      stages: [trust-board, board]\n"),
        "clauses/remote-working/rw-extra.md": EXTRA.format(version="1.0.0", notes=FIRST, what="work"),
    })
    write_tree(root, files)
    policykit.build(root, settings=["beta"], formats="md")
    for pid, body, on, minute in (("remote", "board", date(2025, 1, 15), "LGB/25/1"),
                                  ("lessons", "head", date(2025, 4, 10), "HT/25/4"),
                                  ("extra", "board", date(2025, 11, 1), "LGB/25/11"),
                                  ("calls", "board", date(2025, 12, 1), "LGB/25/12"),
                                  ("handbook", "trust-board", date(2026, 2, 1), "TB/26/2")):
        approve(root, "beta", pid, body, on, minute, "Clerk", today=TODAY)
    new_clause_version(root, "clauses/remote-working/rw-extra.md",
                       EXTRA.format(version="1.1.0", notes=SECOND, what="accounts"))
    return root


def outline(path: Path) -> list[tuple[str, list[str]]]:
    """Top-level bookmarks with the titles of their children."""
    items = PdfReader(str(path)).outline
    out: list[tuple[str, list[str]]] = []
    for item in items:
        if isinstance(item, list):
            out[-1][1].extend(child.title for child in item if not isinstance(child, list))
        else:
            out.append((item.title, []))
    return out


def test_pack_holds_exactly_the_policies_for_decision_in_order(trust):
    result = pack(trust, "beta", MEETING)
    assert result.path == trust / "build" / "packs" / "beta-2026-03-01.pdf"
    assert [(i.policy, i.state) for i in result.items] == [
        ("remote", "overdue"), ("lessons", "review due soon"), ("extra", "changed since approval"),
        ("handbook", "awaiting approval")]
    marks = outline(result.path)
    assert [title for title, _ in marks] == ["Policies for decision", "Remote Working Policy", "Live Lessons Policy",
                                             "Accounts Policy", "Staff Handbook"]
    for title, children in marks[1:]:
        assert children == ["What changed and why", "Redline", "Clean copy"], title
    reader = PdfReader(str(result.path))
    # tagged, like every other policykit PDF, with a title
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
    assert reader.metadata.title == "Policies for decision: Beta Academy, 1 March 2026"

    text = pdf_text(result.path)
    cover = squash(reader.pages[0].extract_text())
    assert "Beta Academy" in cover and "Local Governing Body: meeting of 1 March 2026" in cover
    assert (cover.index("Remote Working Policy") < cover.index("Live Lessons Policy") < cover.index("Accounts Policy")
            < cover.index("Staff Handbook"))
    assert "Calls Policy" not in text.replace("Related policies", "")  # approved and not due: not in the pack
    assert "Overdue: the review was due on 15 January 2026." in cover
    assert "Review due soon: by 10 April 2026." in cover
    assert "Changed since it was approved on 1 November 2025." in cover
    # the second stage's body decides it, and the cover says the first has approved it
    assert ("Awaiting the Local Governing Body: the Board of Trustees approved this text on 1 February 2026 "
            "(minute TB/26/2).") in cover
    assert "The Local Governing Body, after the Board of Trustees" in cover
    # who decides: the cover never asks the Local Governing Body to decide what the head decides
    assert "The Headteacher; here for the Local Governing Body to note" in cover
    assert "to review" not in cover
    assert ("4 policies for the meeting of the Local Governing Body of Beta Academy on 1 March 2026" in cover
            and "The Local Governing Body decides 3 of them; 1 policy another body decides" in cover)
    # the awaiting policy's summary: the first stage's approval, and no "never approved"
    assert "This text so far The Board of Trustees approved this text on 1 February 2026 (minute TB/26/2); " \
           "awaiting the Local Governing Body" in text
    assert "never been approved" not in text
    assert ("The clean copy is the text the Board of Trustees approved on 1 February 2026, which now awaits the Local "
            "Governing Body.") in text    # the changed policy: its clause change with the changelog's why, the redline, the clean copy
    assert "Separate accounts Changed (1.0.0 to 1.1.0) Names accounts, not just work." in text
    assert "Keep work and home [-work-] {+accounts+} separate" in text  # the redline: struck, underlined, cued
    assert "Keep work and home accounts separate" in text  # the clean copy
    assert text.count("No changes: this is the text the Local Governing Body approved on") == 1
    assert text.count("No changes: this is the text the Headteacher approved on") == 1


def test_summary_fits_one_page_and_each_part_starts_a_page(trust):
    result = pack(trust, "beta", MEETING)
    reader = PdfReader(str(result.path))
    items = reader.outline
    pages = {}
    for n, item in enumerate(items):
        if isinstance(item, list):
            parent = items[n - 1].title
            for child in item:
                if not isinstance(child, list):
                    pages[(parent, child.title)] = reader.get_destination_page_number(child)
    # the changed policy: summary page, then the redline and the clean copy each on a new page
    summary, redline, clean = (pages[("Accounts Policy", part)] for part in ("What changed and why", "Redline",
                                                                              "Clean copy"))
    assert redline == summary + 1 and clean == redline + 1
    # an unchanged policy has nothing to redline: that note stays on the summary's page
    assert pages[("Remote Working Policy", "Redline")] == pages[("Remote Working Policy", "What changed and why")]


def test_pack_passes_pdfua_checks(trust):
    # every rule run, none silently skipped; UA-14-001 by hand (pdfua's crashes: tests/pdfua_check.py)
    assert pdfua_problems(pack(trust, "beta", MEETING).path) == []


def test_same_inputs_same_pack(trust, tmp_path):
    first = pack(trust, "beta", MEETING, out=tmp_path / "a.pdf")
    second = pack(trust, "beta", MEETING, out=tmp_path / "b.pdf")
    assert first.path.read_bytes() == second.path.read_bytes()


def test_first_approvals_come_to_the_board_that_gives_them(trust, tmp_path):
    result = pack(trust, "alpha", MEETING, out=tmp_path / "alpha.pdf")  # alpha's policies were never approved
    # the Local Governing Body gives the first approval of three; the head approves the lessons policy,
    # and the trust board approves the handbook first: neither is this meeting's to give
    assert [(i.policy, i.reason) for i in result.items] == [
        (pid, "For first approval: never approved; due by 1 September 2026.") for pid in ("extra", "calls", "remote")]
    assert all(i.for_meeting and i.decides == "The Local Governing Body" for i in result.items)
    text = squash(pdf_text(result.path))
    assert "For first approval: never approved; due by 1 September 2026." in text
    assert "This policy has never been approved: there is no approved text to compare with." in text
    assert [title for title, _ in outline(result.path)] == [
        "Policies for decision", "Accounts Policy", "Calls Policy", "Remote Working Policy"]


def test_a_first_approval_past_its_due_date_comes_first(trust, tmp_path):
    result = pack(trust, "alpha", date(2026, 9, 10), out=tmp_path / "late.pdf")
    reasons = {i.policy: (i.state, i.reason) for i in result.items}
    assert reasons["remote"] == ("overdue", "For first approval, overdue: it was due by 1 September 2026.")
    assert "handbook" in reasons and "lessons" in reasons  # overdue: here for the board to note


def test_nothing_to_decide(mini, tmp_path):
    root = mini()
    policykit.build(root, formats="md")
    approve(root, "alpha", "remote", "board", date(2026, 1, 5), "LGB/26/1", "Clerk", today=date(2026, 1, 10))
    result = pack(root, "alpha", date(2026, 2, 1), out=tmp_path / "alpha.pdf")
    assert result.items == ()
    assert outline(result.path) == [("Policies for decision", [])]
    assert "there is nothing for the Local Governing Body to decide" in pdf_text(result.path)


def test_order_within_and_across_groups():
    def row(policy: str, state: str, due: date, changed: bool = False, **kw: object) -> StatusRow:
        return StatusRow("s", "School", policy, policy.title(), state, changed, date(2025, 1, 1), "Board", "M1",
                         due, 0, "1.0.0", "2025.1", "0" * 64, "All staff", **kw)  # type: ignore[arg-type]

    pending = {"text_approved_on": date(2025, 12, 1), "text_approved_by": "Trustees", "awaiting": "Board",
               "next_body": "Board"}
    rows = [row("c", "changed since approval", date(2026, 5, 1), True), row("a", "approved", date(2027, 1, 1)),
            row("d", "review due soon", date(2026, 4, 1)), row("e", "overdue", date(2026, 2, 1)),
            row("f", "overdue", date(2026, 1, 1), True),
            row("g", "draft", date(2026, 1, 1), first_approval=True, awaiting="Board", next_body="Board"),
            row("j", "draft", date(2026, 1, 1), first_approval=True, awaiting="Head", next_body="Head"),
            row("b", "awaiting approval", date(2026, 6, 1), True, **pending),
            row("h", "awaiting approval", date(2026, 1, 15), **pending),
            row("i", "changed since approval", date(2026, 3, 1), True)]
    # overdue, due soon, for first approval (by this board: not j, which the head approves), changed,
    # then awaiting a later stage (changed or not); each by due date
    assert [r.policy for r in select(rows, "Board")] == ["f", "e", "d", "g", "i", "c", "h", "b"]


def test_cli(trust, tmp_path):
    runner = CliRunner()
    out = tmp_path / "pack.pdf"
    result = runner.invoke(main, ["pack", "beta", "--meeting", "2026-03-01", "--root", str(trust), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "4 for decision: Remote Working Policy (overdue); Live Lessons Policy (review due soon)" in result.output
    assert out.is_file()
    unknown = runner.invoke(main, ["pack", "bta", "--meeting", "2026-03-01", "--root", str(trust)])
    assert unknown.exit_code == 2 and "did you mean 'beta'" in unknown.output
    assert runner.invoke(main, ["pack", "beta", "--root", str(trust)]).exit_code == 2  # --meeting is required
