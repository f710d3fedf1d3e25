"""Approvals and review cycles: the ledger, the scheme of delegation, states, calendar."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import policykit
from policykit.cli import main
from policykit.commands.approve import approve
from policykit.commands.status import status
from policykit.governance.ledger import LEDGER
from policykit.reports.exports import to_ics
from tests.conftest import CLAUSE_PHONES, TRUST, new_clause_version
from tests.readers import docx_text, html_text, pdf_text

TODAY = date(2026, 11, 22)
TWO_STAGE = TRUST + """\
scheme_of_delegation:
  due_soon_days: 30
  policies:
    remote:
      stages: [trust-board, board]
"""


def build_md(root: Path, **kw) -> None:
    policykit.build(root, formats="md", **kw)


def states(root: Path, as_of: date, **kw) -> dict[str, str]:
    return {f"{r.setting}/{r.policy}": r.state for r in status(root, as_of, **kw).rows}


def test_approve_build_status_edit_reapprove(mini):
    root = mini()
    build_md(root)
    record = approve(root, "alpha", "remote", "board", date(2025, 10, 14), "LGB/25/14", "Clerk", today=TODAY).approval
    assert record.seq == 1 and record.stage == "board" and record.body == "Local Governing Body"
    policykit.build(root, settings=["alpha"])
    md = (root / "build" / "alpha" / "remote.md").read_text()
    assert "Draft: not approved" not in md
    for reader, suffix in ((docx_text, "docx"), (pdf_text, "pdf"), (html_text, "html")):
        text = reader(root / "build" / "alpha" / f"remote.{suffix}")
        assert "Approved by the Local Governing Body on 14 October 2025 (minute LGB/25/14)" in text, suffix
        assert "14 October 2026" in text and "Draft: not approved" not in text, suffix
    assert states(root, date(2026, 1, 1)) == {"alpha/remote": "approved", "beta/remote": "draft"}

    # edit one clause: the approval no longer covers the text
    clause = root / "clauses" / "remote-working" / "rw-phones.md"
    clause.write_text(CLAUSE_PHONES.replace("dial 141 first", "always dial 141 first"))
    assert states(root, date(2026, 1, 1))["alpha/remote"] == "changed since approval"
    policykit.build(root, settings=["alpha"])
    for reader, suffix in ((docx_text, "docx"), (pdf_text, "pdf"), (html_text, "html")):
        assert "Draft: not approved" in reader(root / "build" / "alpha" / f"remote.{suffix}"), suffix

    # re-approve the new text: approved again, and the ledger keeps both records
    approve(root, "alpha", "remote", "board", date(2026, 2, 3), "LGB/26/02", "Clerk", today=TODAY)
    assert states(root, date(2026, 3, 1))["alpha/remote"] == "approved"
    lines = (root / LEDGER).read_text().splitlines()
    assert [json.loads(line)["minute"] for line in lines] == ["LGB/25/14", "LGB/26/02"]
    policykit.build(root, settings=["alpha"], formats="md")
    md = (root / "build" / "alpha" / "remote.md").read_text()
    assert "| LGB/25/14" not in md and "minute LGB/25/14" in md  # history row for the earlier approval
    assert "3 February 2027" in md  # next review: 12 months after the latest approval


def test_every_state(mini):
    root = mini({"settings/trust.yaml": TWO_STAGE})
    build_md(root)
    assert states(root, date(2026, 1, 1)) == {"alpha/remote": "draft", "beta/remote": "draft"}
    # never approved, and its first approval (12 months from the library release) is past due
    assert states(root, TODAY) == {"alpha/remote": "overdue", "beta/remote": "overdue"}
    approve(root, "alpha", "remote", "trust-board", date(2025, 9, 20), "TB/7", "Clerk", today=TODAY)
    assert states(root, date(2026, 1, 1))["alpha/remote"] == "awaiting approval"
    assert states(root, TODAY)["alpha/remote"] == "overdue"  # still short of its first full approval
    approve(root, "alpha", "remote", "board", date(2025, 10, 1), "LGB/3", "Clerk", today=TODAY)
    assert states(root, date(2026, 1, 1))["alpha/remote"] == "approved"
    assert states(root, date(2026, 9, 1))["alpha/remote"] == "review due soon"  # within 30 days of 1 Oct
    assert states(root, date(2026, 10, 1))["alpha/remote"] == "review due soon"  # the due day itself
    assert states(root, date(2026, 10, 2))["alpha/remote"] == "overdue"
    (root / "settings" / "trust.yaml").write_text(TWO_STAGE.replace("Board of Trustees", "Trustees"))
    clause = root / "clauses" / "remote-working" / "rw-phones.md"
    clause.write_text(CLAUSE_PHONES.replace("if unsure", "if you are unsure"))
    assert states(root, date(2026, 1, 1))["alpha/remote"] == "changed since approval"
    assert states(root, date(2026, 11, 1))["alpha/remote"] == "overdue"
    filtered = status(root, date(2026, 1, 1), states=["changed since approval"]).rows
    assert [(r.setting, r.changed) for r in filtered] == [("alpha", True)]


def test_scheme_of_delegation_allows_and_refuses(mini):
    root = mini({"settings/trust.yaml": TWO_STAGE})
    build_md(root)
    with pytest.raises(policykit.PolicykitError) as err:
        approve(root, "alpha", "remote", "head", date(2025, 10, 1), "H/1", "Clerk", today=TODAY)
    assert "the scheme of delegation does not let 'head' approve remote at alpha" in str(err.value)
    with pytest.raises(policykit.PolicykitError) as err:
        approve(root, "alpha", "remote", "board", date(2025, 10, 1), "LGB/1", "Clerk", today=TODAY)
    assert "'trust-board' must approve this text before 'board'" in str(err.value)
    approve(root, "alpha", "remote", "trust-board", date(2025, 10, 1), "TB/1", "Clerk", today=TODAY)
    # a ledger record by a body the scheme does not allow is a validation error
    (root / "settings" / "trust.yaml").write_text(TWO_STAGE.replace("[trust-board, board]", "[board]"))
    with pytest.raises(policykit.PolicykitError) as err:
        policykit.validate(root)
    assert [str(p) for p in err.value.problems] == [
        "settings/approvals/ledger.jsonl:1: record 1: the scheme of delegation does not let 'trust-board' approve "
        "remote at alpha (allowed: board)"]


def test_approve_refuses_unbuilt_future_invalid_and_repeated(mini):
    root = mini()
    with pytest.raises(policykit.PolicykitError) as err:
        approve(root, "alpha", "remote", "board", date(2025, 10, 1), "M", "Clerk", today=TODAY)
    assert "not built yet" in str(err.value)
    build_md(root)
    with pytest.raises(policykit.UsageError) as err:
        approve(root, "alpha", "remote", "board", date(2026, 11, 23), "M", "Clerk", today=TODAY)
    assert "2026-11-23 is in the future" in str(err.value)
    clause = root / "clauses" / "remote-working" / "rw-phones.md"
    clause.write_text(CLAUSE_PHONES.replace("dial 141 first", "dial 141 first, always"))
    with pytest.raises(policykit.PolicykitError) as err:
        approve(root, "alpha", "remote", "board", date(2025, 10, 1), "M", "Clerk", today=TODAY)
    assert "the built document is not the current text" in str(err.value)
    build_md(root)
    approve(root, "alpha", "remote", "board", date(2025, 10, 1), "M", "Clerk", today=TODAY)
    with pytest.raises(policykit.UsageError) as err:
        approve(root, "alpha", "remote", "board", date(2025, 10, 1), "M2", "Clerk", today=TODAY)
    assert "this exact text was already approved on 2025-10-01" in str(err.value)
    (root / "settings" / "beta.yaml").write_text("school: {}\n")
    with pytest.raises(policykit.PolicykitError):
        approve(root, "alpha", "remote", "board", date(2025, 10, 1), "M", "Clerk", today=TODAY)
    assert len((root / LEDGER).read_text().splitlines()) == 1


def test_review_reapproves_an_unchanged_text(mini):
    root = mini({"settings/trust.yaml": TWO_STAGE})
    build_md(root)
    approve(root, "alpha", "remote", "trust-board", date(2025, 9, 20), "TB/7", "Clerk", today=TODAY)
    approve(root, "alpha", "remote", "board", date(2025, 10, 1), "LGB/3", "Clerk", today=TODAY)
    assert states(root, date(2026, 9, 20))["alpha/remote"] == "review due soon"
    # the review: both stages approve the same text again; it stays approved throughout
    approve(root, "alpha", "remote", "trust-board", date(2026, 9, 15), "TB/9", "Clerk", today=TODAY)
    assert states(root, date(2026, 9, 20))["alpha/remote"] == "review due soon"
    approve(root, "alpha", "remote", "board", date(2026, 9, 25), "LGB/8", "Clerk", today=TODAY)
    row = next(r for r in status(root, date(2026, 9, 26)).rows if r.setting == "alpha")
    assert (row.state, row.approved_on, row.next_review) == ("approved", date(2026, 9, 25), date(2027, 9, 25))


def test_month_end_review_dates(mini):
    policy = (Path(mini()) / "clauses" / "policies" / "remote.yaml").read_text()
    root = mini({"clauses/policies/remote.yaml": policy.replace("review_months: 12", "review_months: 1")})
    build_md(root)
    approve(root, "alpha", "remote", "board", date(2025, 1, 31), "M", "Clerk", today=TODAY)
    approve(root, "beta", "remote", "board", date(2024, 1, 31), "M", "Clerk", today=TODAY)
    rows = {r.setting: r for r in status(root, date(2025, 2, 1)).rows}
    assert rows["alpha"].next_review == date(2025, 2, 28)
    assert rows["beta"].next_review == date(2024, 2, 29)


def test_review_cap_from_the_scheme(mini):
    root = mini({"settings/trust.yaml": TRUST + "scheme_of_delegation:\n  policies:\n    remote:\n"
                 "      max_review_months: 6\n"})
    build_md(root)
    approve(root, "alpha", "remote", "board", date(2024, 2, 29), "M", "Clerk", today=TODAY)
    row = next(r for r in status(root, date(2024, 3, 1)).rows if r.setting == "alpha")
    assert row.next_review == date(2024, 8, 29)


def test_ledger_whose_hash_matches_no_built_text(mini):
    root = mini()
    build_md(root)
    approve(root, "alpha", "remote", "board", date(2025, 10, 1), "M", "Clerk", today=TODAY)
    ledger = root / LEDGER
    record = json.loads(ledger.read_text())
    record["text_sha256"] = "0" * 64
    from policykit.governance.ledger import canonical, record_hash

    record["hash"] = record_hash(record)  # a consistent record, for some other text
    ledger.write_text(canonical(record) + "\n")
    # the chain is consistent, but the archived text the real record wrote is now named by none
    with pytest.raises(policykit.PolicykitError) as err:
        policykit.validate(root)
    assert all("is an approved text that no ledger record names" in p.message for p in err.value.problems)
    assert len(err.value.problems) == 2  # its .json and its .md


@pytest.mark.parametrize("tamper, message", [
    ("edit", "settings/approvals/ledger.jsonl:2: record 2: was edited after it was recorded"),
    ("remove", "settings/approvals/ledger.jsonl:2: record 3: is out of place: expected record 2 here"),
    ("reorder", "settings/approvals/ledger.jsonl:1: record 2: is out of place: expected record 1 here"),
])
def test_hand_edited_ledger_is_detected(mini, tamper, message):
    root = mini()
    build_md(root)
    approve(root, "alpha", "remote", "board", date(2025, 10, 1), "A", "Clerk", today=TODAY)
    approve(root, "beta", "remote", "board", date(2025, 10, 2), "B", "Clerk", today=TODAY)
    (root / "clauses" / "remote-working" / "rw-phones.md").write_text(CLAUSE_PHONES.replace("first.", "first!"))
    build_md(root)
    approve(root, "alpha", "remote", "board", date(2025, 11, 1), "C", "Clerk", today=TODAY)
    ledger = root / LEDGER
    lines = ledger.read_text().splitlines()
    if tamper == "edit":
        lines[1] = lines[1].replace('"minute":"B"', '"minute":"X"')
    elif tamper == "remove":
        del lines[1]
    else:
        lines[0], lines[1] = lines[1], lines[0]
    ledger.write_text("\n".join(lines) + "\n")
    with pytest.raises(policykit.PolicykitError) as err:
        policykit.validate(root)
    assert any(str(p).startswith(message) for p in err.value.problems), err.value
    result = CliRunner().invoke(main, ["status", "--root", str(root)])
    assert result.exit_code == 1 and message in result.output


def test_status_cli_formats_filters_and_fail_on(mini):
    root = mini()
    build_md(root)
    approve(root, "alpha", "remote", "board", date(2025, 10, 1), "M", "Clerk", today=TODAY)
    runner = CliRunner()
    ok = runner.invoke(main, ["status", "--root", str(root), "--as-of", "2026-01-01", "--format", "json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.output)
    assert [(d["setting"], d["state"], d["days_left"]) for d in data["documents"]] == [
        ("alpha", "approved", 273), ("beta", "draft", 243)]
    csv_out = runner.invoke(main, ["status", "--root", str(root), "--as-of", "2026-01-01", "--format", "csv",
                                   "--setting", "alpha"])
    assert csv_out.output.splitlines()[1].startswith("alpha,Alpha Primary School,remote,Remote Working Policy,approved")
    due = runner.invoke(main, ["status", "--root", str(root), "--as-of", "2026-09-15", "--fail-on", "due"])
    assert due.exit_code == 1 and "alpha/remote" in due.output
    fine = runner.invoke(main, ["status", "--root", str(root), "--as-of", "2026-01-01", "--fail-on", "overdue"])
    assert fine.exit_code == 0
    table = runner.invoke(main, ["status", "--root", str(root), "--as-of", "2026-01-01", "--state", "draft"])
    assert "beta" in table.output and "alpha" not in table.output
    bad = runner.invoke(main, ["status", "--root", str(root), "--state", "aproved"])
    assert bad.exit_code == 2 and "did you mean 'approved'?" in bad.output


def test_approve_cli(mini):
    root = mini()
    build_md(root)
    runner = CliRunner()
    result = runner.invoke(main, ["approve", "--root", str(root), "alpha", "remote", "--body", "board",
                                  "--date", "2025-10-14", "--minute", "LGB/25/14", "--by", "A Clerk"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("recorded approval 1: Local Governing Body approved remote for alpha")
    future = runner.invoke(main, ["approve", "--root", str(root), "beta", "remote", "--body", "board",
                                  "--date", "2999-01-01", "--minute", "X"])
    assert future.exit_code == 2 and "is in the future" in future.output and "Traceback" not in future.output


def test_ics_calendar_parses_with_reminders(mini):
    icalendar = pytest.importorskip("icalendar")
    root = mini()
    build_md(root)
    approve(root, "alpha", "remote", "board", date(2025, 10, 14), "M", "Clerk", today=TODAY)
    cal = icalendar.Calendar.from_ical(to_ics(status(root, date(2026, 1, 1))))
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    alpha = events["alpha.remote@policykit"]
    assert alpha.decoded("DTSTART") == date(2026, 10, 14)
    assert str(alpha["SUMMARY"]) == "Review due: Remote Working Policy (Alpha Primary School)"
    triggers = sorted(-a["TRIGGER"].dt.days for a in alpha.walk("VALARM"))
    assert triggers == [7, 30, 60]
    assert events["beta.remote@policykit"].decoded("DTSTART") == date(2026, 9, 1)  # a draft's approval deadline
    out = root / "reviews.ics"
    result = CliRunner().invoke(main, ["status", "--root", str(root), "--ics", str(out), "--format", "csv"])
    assert result.exit_code == 0 and icalendar.Calendar.from_ical(out.read_bytes())


def test_acknowledgement_export(mini):
    root = mini()
    build_md(root)
    approve(root, "alpha", "remote", "board", date(2025, 10, 14), "M", "Clerk", today=TODAY)
    result = CliRunner().invoke(main, ["acknowledgements", "--root", str(root), "--format", "json"])
    items = json.loads(result.output)
    assert [(i["setting"], i["policy"], i["version"], i["audience"]) for i in items] == [
        ("alpha", "remote", "1.0.0", "All staff")]
    assert len(items[0]["text_sha256"]) == 64 and items[0]["pdf"].endswith("build/alpha/remote.pdf")


# --- the audit's defects ------------------------------------------------------------------

def approve_changed_then_again(root: Path) -> None:
    """alpha: text A approved on 14 October 2025, then the text changes and the new text is
    approved on 3 February 2026; beta: approved only on 15 September 2026."""
    build_md(root)
    approve(root, "alpha", "remote", "board", date(2025, 10, 14), "LGB/25/14", "Clerk", today=TODAY)
    clause = root / "clauses" / "remote-working" / "rw-phones.md"
    clause.write_text(CLAUSE_PHONES.replace("dial 141 first", "always dial 141 first"))
    build_md(root)
    approve(root, "alpha", "remote", "board", date(2026, 2, 3), "LGB/26/02", "Clerk", today=TODAY)
    approve(root, "beta", "remote", "board", date(2026, 9, 15), "LGB/26/09", "Clerk", today=TODAY)


def test_as_of_leaves_out_records_dated_after_it(mini):
    root = mini()
    approve_changed_then_again(root)
    rows = {r.setting: r for r in status(root, date(2025, 9, 15)).rows}
    assert [(r.state, r.approved_on) for r in rows.values()] == [("draft", None), ("draft", None)]
    rows = {r.setting: r for r in status(root, date(2026, 1, 1)).rows}
    assert (rows["alpha"].state, rows["alpha"].approved_on, rows["alpha"].minute) == (
        "changed since approval", date(2025, 10, 14), "LGB/25/14")
    assert rows["alpha"].next_review == date(2026, 10, 14) and rows["beta"].state == "draft"
    assert states(root, date(2026, 10, 1)) == {"alpha/remote": "approved", "beta/remote": "approved"}
    out = CliRunner().invoke(main, ["status", "--root", str(root), "--as-of", "2025-09-15", "--format", "json"])
    assert [(d["state"], d["approved_on"]) for d in json.loads(out.output)["documents"]] == [("draft", None)] * 2


def test_meeting_pack_and_site_as_of_a_date_before_later_records(mini):
    from policykit.commands.pack import pack
    from policykit.commands.site import site

    root = mini()
    approve_changed_then_again(root)
    result = pack(root, "alpha", date(2026, 1, 1))
    assert [(i.policy, i.state) for i in result.items] == [("remote", "changed since approval")]
    assert "14 October 2025" in result.markdown and "3 February 2026" not in result.markdown
    assert "The current text against the one the Local Governing Body approved on 14 October 2025" in result.markdown
    built = site(root, as_of=date(2026, 1, 1))
    page = html_text(built.out / "alpha" / "remote" / "index.html")
    assert "Changed since approval" in page and "3 February 2026" not in page
    assert (built.out / "alpha" / "remote" / "redline.html").exists()
    school = html_text(built.out / "alpha" / "index.html")
    assert "LGB/25/14" in school and "LGB/26/02" not in school
    assert "Draft" in html_text(built.out / "beta" / "remote" / "index.html")


def test_approve_refuses_a_blank_minute(mini):
    root = mini()
    build_md(root)
    for minute in ("", "   ", "\t\n"):
        with pytest.raises(policykit.UsageError) as err:
            approve(root, "alpha", "remote", "board", date(2025, 10, 1), minute, "Clerk", today=TODAY)
        assert str(err.value).startswith("--minute: the minute reference is blank"), err.value
    result = CliRunner().invoke(main, ["approve", "--root", str(root), "alpha", "remote", "--body", "board",
                                       "--date", "2025-10-14", "--minute", "    "])
    assert result.exit_code == 2 and "the minute reference is blank" in result.output
    assert "Traceback" not in result.output and not (root / LEDGER).exists()
    record = approve(root, "alpha", "remote", "board", date(2025, 10, 1), "  LGB/25/3 ", "Clerk", today=TODAY).approval
    assert record.minute == "LGB/25/3"  # the spaces round a reference are not part of it


def test_a_repeated_first_stage_says_it_already_approved(mini):
    root = mini({"settings/trust.yaml": TWO_STAGE})
    build_md(root)
    approve(root, "alpha", "remote", "trust-board", date(2025, 10, 1), "TB/1", "Clerk", today=TODAY)
    with pytest.raises(policykit.PolicykitError) as err:
        approve(root, "alpha", "remote", "trust-board", date(2025, 10, 8), "TB/2", "Clerk", today=TODAY)
    assert [str(p) for p in err.value.problems] == [
        "--body: 'trust-board' already approved this text on 2025-10-01 (ledger record 1); the next stage is "
        "'board' (the stages are, in order: trust-board, board)"]
    assert err.value.exit_code == 1 and len((root / LEDGER).read_text().splitlines()) == 1


def test_approve_refuses_a_date_before_the_latest_record(mini):
    root = mini({"settings/trust.yaml": TWO_STAGE})
    clause = root / "clauses" / "remote-working" / "rw-phones.md"
    build_md(root)
    approve(root, "alpha", "remote", "trust-board", date(2025, 10, 1), "TB/1", "Clerk", today=TODAY)
    approve(root, "alpha", "remote", "board", date(2025, 10, 10), "LGB/1", "Clerk", today=TODAY)
    approve(root, "beta", "remote", "trust-board", date(2025, 12, 1), "TB/B", "Clerk", today=TODAY)  # another school
    text_b = CLAUSE_PHONES.replace("dial 141 first", "always dial 141 first")
    clause.write_text(text_b)
    build_md(root)
    with pytest.raises(policykit.UsageError) as err:
        approve(root, "alpha", "remote", "trust-board", date(2025, 10, 5), "TB/2", "Clerk", today=TODAY)
    assert [str(p) for p in err.value.problems] == [
        "--date: 2025-10-05 is before the latest approval recorded for remote at alpha: the Local Governing Body "
        "on 2025-10-10 (ledger record 2) (record approvals in the order of their meetings)"]
    approve(root, "alpha", "remote", "trust-board", date(2025, 10, 10), "TB/2", "Clerk", today=TODAY)  # the same day
    clause.write_text(CLAUSE_PHONES.replace("dial 141 first", "dial 141 first, always"))
    build_md(root)
    approve(root, "alpha", "remote", "trust-board", date(2025, 11, 1), "TB/3", "Clerk", today=TODAY)
    # back to the text the trust board approved on 10 October: its second stage may follow that
    # first stage, although another text's record is dated later
    clause.write_text(text_b)
    build_md(root)
    with pytest.raises(policykit.UsageError) as err:
        approve(root, "alpha", "remote", "board", date(2025, 10, 9), "LGB/2", "Clerk", today=TODAY)
    assert "a later stage cannot be dated before the earlier one (2025-10-10)" in str(err.value)
    approve(root, "alpha", "remote", "board", date(2025, 10, 20), "LGB/2", "Clerk", today=TODAY)
    assert states(root, date(2025, 12, 1))["alpha/remote"] == "approved"


def test_status_state_takes_several_values(mini):
    root = mini()
    build_md(root)
    approve(root, "alpha", "remote", "board", date(2025, 10, 1), "M", "Clerk", today=TODAY)
    runner = CliRunner()

    def listed(*args: str) -> list[str]:
        out = runner.invoke(main, ["status", "--root", str(root), "--as-of", "2026-01-01", "--format", "json", *args])
        assert out.exit_code == 0, out.output
        return [d["setting"] for d in json.loads(out.output)["documents"]]

    assert listed("--state", "draft,approved") == ["alpha", "beta"]
    assert listed("--state", "draft", "--state", "approved") == ["alpha", "beta"]
    assert listed("--state", "changed since approval, approved") == ["alpha"]
    bad = runner.invoke(main, ["status", "--root", str(root), "--state", "draft,aproved"])
    assert bad.exit_code == 2 and "did you mean 'approved'?" in bad.output


def test_ics_event_keeps_its_uid_when_the_review_date_moves(mini):
    icalendar = pytest.importorskip("icalendar")
    root = mini()
    build_md(root)

    def events(as_of: date) -> dict[str, object]:
        cal = icalendar.Calendar.from_ical(to_ics(status(root, as_of)))
        return {str(e["UID"]): e for e in cal.walk("VEVENT")}

    before = events(date(2025, 9, 2))
    approve(root, "alpha", "remote", "board", date(2025, 10, 14), "M", "Clerk", today=TODAY)
    first = events(date(2026, 1, 1))
    approve(root, "alpha", "remote", "board", date(2026, 9, 30), "M2", "Clerk", today=TODAY)
    renewed = events(date(2026, 10, 1))
    # one event per school x policy, updated in place: a calendar that subscribed keeps one entry
    assert set(before) == set(first) == set(renewed) == {"alpha.remote@policykit", "beta.remote@policykit"}
    dates = [e["alpha.remote@policykit"].decoded("DTSTART") for e in (before, first, renewed)]
    assert dates == [date(2026, 9, 1), date(2026, 10, 14), date(2027, 9, 30)]
    # each revision has a higher SEQUENCE (how many decisions are recorded), so clients take it
    assert [int(e["alpha.remote@policykit"]["SEQUENCE"]) for e in (before, first, renewed)] == [0, 1, 2]
    assert to_ics(status(root, date(2026, 10, 1))) == to_ics(status(root, date(2026, 10, 1)))


def test_a_first_stage_approval_of_an_earlier_text_is_not_lost(mini):
    from policykit.core.render import render
    from policykit.core.resolve import resolve

    root = mini({"settings/trust.yaml": TWO_STAGE})
    build_md(root)
    approve(root, "alpha", "remote", "trust-board", date(2026, 2, 10), "TB/26/1", "Clerk", today=TODAY)
    assert states(root, date(2026, 3, 1))["alpha/remote"] == "awaiting approval"
    clause = root / "clauses" / "remote-working" / "rw-phones.md"
    clause.write_text(CLAUSE_PHONES.replace("dial 141 first", "always dial 141 first"))
    row = next(r for r in status(root, date(2026, 3, 1)).rows if r.setting == "alpha")
    # never approved at every stage: no approval date, and the review counts from the library release
    assert (row.state, row.approved_on, row.next_review) == ("changed since approval", None, date(2026, 9, 1))
    assert row.changed and row.first_approval  # changed since its first stage, and never approved at every stage
    # its first approval at every stage was due by then: overdue, and still changed
    row = next(r for r in status(root, date(2027, 1, 1)).rows if r.setting == "alpha")
    assert (row.state, row.changed) == ("overdue", True)
    (doc,) = render(resolve(policykit.validate(root), ["alpha"], ["remote"]))
    place = doc.standing
    assert place.changed and not place.earlier_full
    assert [(r.stage, r.minute) for r in place.earlier] == [("trust-board", "TB/26/1")]
    note = ("This text has changed since the Board of Trustees approved an earlier version on 10 February 2026 "
            "(first of two stages); it needs approval by the Board of Trustees, then the Local Governing Body.")
    policykit.build(root, settings=["alpha"])
    for reader, suffix in ((docx_text, "docx"), (pdf_text, "pdf"), (html_text, "html")):
        text = reader(root / "build" / "alpha" / f"remote.{suffix}")
        assert "Draft: not approved" in text and note in text, suffix
    result = CliRunner().invoke(main, ["status", "--root", str(root), "--as-of", "2026-03-01", "--fail-on", "changed"])
    assert result.exit_code == 1 and "1 document(s) changed: alpha/remote\n" in result.output


def archived(root: Path, setting: str = "alpha", policy: str = "remote") -> tuple[Path, Path]:
    from policykit.governance.ledger import ARCHIVE

    record = json.loads((root / LEDGER).read_text().splitlines()[-1])
    stem = root / ARCHIVE / setting / policy / record["text_sha256"][:16]
    return stem.with_suffix(".md"), stem.with_suffix(".json")


def test_archived_text_is_the_document_as_approved(mini):
    import hashlib

    from policykit.governance.archive import content_hash

    root = mini({"settings/trust.yaml": TWO_STAGE})
    build_md(root)
    approve(root, "alpha", "remote", "trust-board", date(2025, 9, 20), "TB/7", "Clerk", today=TODAY)
    md, js = archived(root)
    # after the first stage the archived text says exactly that: approved by one body, awaiting the other
    assert "Approved by the Board of Trustees on 20 September 2025; awaiting approval by the Local Governing Body." \
        in md.read_text()
    record = approve(root, "alpha", "remote", "board", date(2025, 10, 1), "LGB/3", "Clerk", today=TODAY).approval
    text = md.read_text()
    assert "Draft: not approved" not in text and 'approval-status: "Approved"' in text
    assert ("Approved by the Board of Trustees on 20 September 2025 (minute TB/7) and the Local Governing Body on "
            "1 October 2025 (minute LGB/3).\nThe next review is due by 1 October 2026: it is overdue.") in text
    # (recorded on 22 November 2026, after the review it set fell due: the archived document says so)
    # the same text: its fingerprint is the record's, and the next build shows exactly this document
    assert f'text-sha256: "{record.text_sha256}"' in text
    assert content_hash(json.loads(js.read_text())) == record.text_sha256
    assert record.markdown_sha256 == hashlib.sha256(md.read_bytes()).hexdigest()
    build_md(root)
    assert (root / "build" / "alpha" / "remote.md").read_text() == text
    policykit.validate(root)


@pytest.mark.parametrize("suffix", ["md", "json"])
def test_validate_reports_a_hand_edited_archived_text(mini, suffix):
    root = mini()
    build_md(root)
    approve(root, "alpha", "remote", "board", date(2025, 10, 1), "LGB/3", "Clerk", today=TODAY)
    md, js = archived(root)
    path = md if suffix == "md" else js
    path.write_text(path.read_text().replace("dial 141 first", "dial 141 first, or not"))
    shown = path.relative_to(root).as_posix()
    with pytest.raises(policykit.PolicykitError) as err:
        policykit.validate(root)
    assert [str(p) for p in err.value.problems] == [
        f"{shown}: record 1: was edited after it was archived: it no longer matches what ledger record 1 "
        "recorded (restore it from git; `policykit approve` writes the archived texts, never edit them)"]
    result = CliRunner().invoke(main, ["validate", "--root", str(root)])
    assert result.exit_code == 1 and shown in result.output and "Traceback" not in result.output


CLAUSE_AI = """\
---
id: rw-ai
version: {version}
title: {title}
section: remote-working
covers: [RW-03]
source: [Remote working guidance]
changelog:
{notes}  - version: 1.0.0
    date: 2025-09-01
    note: First version.
---
Do not put anyone's personal data into generative AI tools.
"""
PHONES_1_2 = CLAUSE_PHONES.replace("version: 1.1.0\ntitle", "version: 1.2.0\ntitle").replace(
    "changelog:\n", "changelog:\n  - version: 1.2.0\n    date: 2026-01-05\n    note: Always withhold the number.\n",
    1).replace("dial 141 first", "always dial 141 first")


def control_rows(markdown: str) -> list[list[str]]:
    """The document control table: one list of cells per row, header and rule left out."""
    table = markdown.split("# Document control", 1)[1].splitlines()
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in table
            if line.startswith("| ") and not line.startswith("| Version |")]


def test_document_control_is_history(mini):
    import docx

    from tests.conftest import POLICY

    policy = POLICY.replace("clauses: [rw-phones, rw-platform]", "clauses: [rw-phones, rw-platform, rw-ai]")
    root = mini({"clauses/policies/remote.yaml": policy,
                 "clauses/remote-working/rw-ai.md": CLAUSE_AI.format(version="1.0.0", title="Generative AI tools",
                                                                     notes="")})
    md = root / "build" / "alpha" / "remote.md"
    build_md(root)
    approve(root, "alpha", "remote", "board", date(2025, 10, 14), "LGB/25/14", "Clerk", today=TODAY)
    # the policy drops a clause and the library updates another
    (root / "clauses" / "policies" / "remote.yaml").write_text(policy.replace(", rw-ai]", "]"))
    new_clause_version(root, "clauses/remote-working/rw-phones.md", PHONES_1_2)
    build_md(root)
    # the library's release is 2025.1 (1 September 2025): the edits since are not released yet
    unreleased = "1.0.0 (unreleased changes since library release 2025.1)"
    assert control_rows(md.read_text()) == [
        ["1.0.0 (library 2025.1)", "14 October 2025", "First approved version.", "Local Governing Body, minute LGB/25/14"],
        [unreleased, "5 January 2026", "Changed since approval on 14 October 2025: updated Phoning "
         "families (1.2.0); removed Generative AI tools.", "Not yet approved"]]
    approve(root, "alpha", "remote", "board", date(2026, 2, 3), "LGB/26/02", "Clerk", today=TODAY)
    # later, the clause comes back under a new title: the rows already approved keep what was approved
    (root / "clauses" / "policies" / "remote.yaml").write_text(policy)
    new_clause_version(root, "clauses/remote-working/rw-ai.md", CLAUSE_AI.format(
        version="1.1.0", title="Generative AI",
        notes="  - version: 1.1.0\n    date: 2026-03-01\n    note: Covers every AI tool.\n"))
    policykit.build(root, settings=["alpha"], formats="md,docx")
    expected = [
        ["1.0.0 (library 2025.1)", "14 October 2025", "First approved version.", "Local Governing Body, minute LGB/25/14"],
        [unreleased, "3 February 2026", "Updated Phoning families (1.2.0); removed Generative AI tools.",
         "Local Governing Body, minute LGB/26/02"],
        [unreleased, "1 March 2026", "Changed since approval on 3 February 2026: added Generative AI "
         "(1.1.0).", "Not yet approved"]]
    assert control_rows(md.read_text()) == expected
    table = docx.Document(str(root / "build" / "alpha" / "remote.docx")).tables[-1]
    assert [[cell.text for cell in row.cells] for row in table.rows][1:] == expected


def test_document_control_rows_are_in_date_order(mini):
    from policykit.governance.ledger import record_hash

    root = mini()
    approve_changed_then_again(root)
    # a ledger written before approvals had to be recorded in date order: the first record dated last
    ledger = root / LEDGER
    records = [json.loads(line) for line in ledger.read_text().splitlines()]
    records[0]["date"] = "2026-03-01"
    prev = "0" * 64
    for record in records:
        record["prev"] = prev
        record["hash"] = prev = record_hash(record)
    ledger.write_text("".join(json.dumps(r) + "\n" for r in records))
    (root / "clauses" / "remote-working" / "rw-phones.md").write_text(CLAUSE_PHONES)  # back to the first text
    build_md(root)
    rows = control_rows((root / "build" / "alpha" / "remote.md").read_text())
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("3 February 2026", "First approved version.", "Local Governing Body, minute LGB/26/02"),
        ("1 March 2026", "No clause changed version; other wording changed (key people, headings or the school's "
         "settings).", "Local Governing Body, minute LGB/25/14")]
