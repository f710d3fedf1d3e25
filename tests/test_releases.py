"""Library releases: unreleased clause changes named as such, and what a release holds."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from lxml import etree

import policykit
from policykit.cli import main
from policykit.commands.approve import approve
from tests.conftest import CLAUSE_PHONES, new_clause_version
from tests.test_approvals import control_rows

TODAY = date(2026, 12, 2)
PHONES = "clauses/remote-working/rw-phones.md"
# rw-phones 1.1.0 is in library release 2025.1 (1 September 2025); 1.2.0 was made after it
PHONES_1_2 = CLAUSE_PHONES.replace("version: 1.1.0\ntitle", "version: 1.2.0\ntitle").replace(
    "changelog:\n", "changelog:\n  - version: 1.2.0\n    date: 2026-11-20\n    note: Always withhold the number.\n",
    1).replace("dial 141 first", "always dial 141 first")
UNRELEASED = "1.0.0 (unreleased changes since library release 2025.1)"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def edited(mini) -> Path:
    """The mini trust with rw-phones given version 1.2.0 after the library's release (its 1.1.0
    text kept in clauses/history/, as the current release still holds it)."""
    root = mini()
    new_clause_version(root, PHONES, PHONES_1_2)
    return root


def tracked(path: Path) -> set[tuple[str, str]]:
    """(author, date) of every tracked change in a Word file."""
    body = etree.fromstring(zipfile.ZipFile(io.BytesIO(path.read_bytes())).read("word/document.xml"))
    return {(c.get(f"{W}author"), c.get(f"{W}date")) for c in body.iter(f"{W}ins", f"{W}del")
            if c.get(f"{W}author") is not None}


def test_an_unreleased_edit_is_named_in_the_document_control(mini):
    root = edited(mini)
    policykit.build(root, settings=["alpha"], formats="md,docx", as_of=TODAY)
    md = (root / "build" / "alpha" / "remote.md").read_text()
    assert control_rows(md) == [[UNRELEASED, "20 November 2026", "Unreleased changes since library release 2025.1: "
                                 "updated Phoning families (1.2.0). Library release 2025.1: updated Phoning families.",
                                 "Not yet approved"]]
    assert "| Library release | 2025.1 with unreleased changes of 20 November 2026 |" in md
    assert 'date: "20 November 2026"' in md  # a draft is never dated before its own text
    table = docx.Document(str(root / "build" / "alpha" / "remote.docx")).tables[-1]
    assert [cell.text for cell in table.rows[1].cells][:2] == [UNRELEASED, "20 November 2026"]


def test_a_released_text_names_its_release(mini):
    root = mini()
    policykit.build(root, settings=["alpha"], formats="md", as_of=TODAY)
    md = (root / "build" / "alpha" / "remote.md").read_text()
    assert control_rows(md)[0][:2] == ["1.0.0 (library 2025.1)", "1 September 2025"]
    assert "| Library release | 2025.1 |" in md and "unreleased" not in md
    result = CliRunner().invoke(main, ["diff", "alpha", "remote", "--from", "release:2025.1", "--format", "docx",
                                       "--root", str(root)])
    assert result.exit_code == 0, result.output
    assert "to the current text (library release 2025.1)" in result.output and "no changes" in result.output


def test_diff_from_the_current_release_shows_an_unreleased_edit(mini):
    root = edited(mini)
    result = CliRunner().invoke(main, ["diff", "alpha", "remote", "--from", "release:2025.1", "--root", str(root)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "alpha/remote: from library release 2025.1 to the current text (unreleased changes since library "
        "release 2025.1)",
        "changed  rw-phones 1.1.0 -> 1.2.0: Always withhold the number."]
    assert "no changes" not in result.output
    redline = root / "build" / "alpha" / "redline" / "remote.docx"
    # attributed to the unreleased change, on its own date: never to release 2025.1 of 1 September 2025
    assert tracked(redline) == {("Unreleased changes since library release 2025.1", "2026-11-20T00:00:00Z")}
    html = (root / "build" / "alpha" / "redline" / "remote.html").read_text()
    assert "2025.1 \u2192 2025.1 with unreleased changes" in html
    # and the release itself is what it was: rw-phones at 1.1.0, from clauses/history/
    old = policykit.diff(root, "alpha", "remote", "release:2025.1", "release:2025.1", formats=("html",))
    assert not old.comparison.changed and old.old.content["parts"][0]["clauses"][0][1] == "1.1.0"


def test_a_clause_new_since_the_release_is_not_in_it(mini):
    root = mini({PHONES: None})  # rw-phones comes later
    new = PHONES_1_2.replace("  - version: 1.1.0\n    date: 2025-09-01\n    note: Mentions 141.\n"
                             "  - version: 1.0.0\n    date: 2024-09-01\n    note: First version.\n", "")
    (root / PHONES).write_text(new)
    result = policykit.diff(root, "beta", "remote", "release:2025.1", formats=("docx",))
    assert [line.split(":")[0] for line in result.comparison.lines()] == ["added    rw-phones 1.2.0"]
    assert result.new.label == "the current text (unreleased changes since library release 2025.1)"
    policykit.build(root, settings=["beta"], formats="md", as_of=TODAY)
    row = control_rows((root / "build" / "beta" / "remote.md").read_text())[0]
    assert row[2].startswith("Unreleased changes since library release 2025.1: added Phoning families (1.2.0).")


def test_the_current_release_needs_the_text_an_edited_clause_had(mini):
    root = mini()
    (root / PHONES).write_text(PHONES_1_2)  # no history kept
    with pytest.raises(policykit.PolicykitError) as err:
        policykit.validate(root)
    (problem,) = err.value.problems
    assert str(problem).startswith(
        "clauses/remote-working/rw-phones.md:12:5: changelog[1]: version 1.1.0 was in library release 2025.1, but "
        "clauses/history/rw-phones@1.1.0.md is missing (put that version's text there, e.g. git show "
        "REV:clauses/remote-working/rw-phones.md > clauses/history/rw-phones@1.1.0.md")
    assert problem.hint.endswith("the clause changed after library release 2025.1, which still holds that version "
                                 "until the next release")
    history = root / "clauses" / "history" / "rw-phones@1.1.0.md"
    history.parent.mkdir()
    history.write_text(CLAUSE_PHONES)
    assert policykit.validate(root).library.unreleased_clauses()[0].id == "rw-phones"
    result = CliRunner().invoke(main, ["validate", "--root", str(root)])
    assert result.exit_code == 0 and result.stdout == (
        "ok: 2 clauses, 1 policy, 2 schools (library release 2025.1, and 1 unreleased clause change since)\n")


def test_an_approval_of_unreleased_text_says_so(mini):
    root = edited(mini)
    policykit.build(root, settings=["alpha"], formats="md", as_of=TODAY)
    approve(root, "alpha", "remote", "board", date(2026, 11, 25), "LGB/26/11", "Clerk", today=TODAY)
    md = root / "build" / "alpha" / "remote.md"
    assert control_rows(md.read_text()) == [[UNRELEASED, "25 November 2026", "First approved version.",
                                             "Local Governing Body, minute LGB/26/11"]]
    written = md.read_bytes()  # as approve wrote it: the archived document
    policykit.build(root, settings=["alpha"], formats="md", as_of=TODAY, force=True)
    assert md.read_bytes() == written
    # the redline from the release to that approval is attributed to the unreleased change
    result = policykit.diff(root, "alpha", "remote", "release:2025.1", "approved", formats=("docx",))
    assert result.new.unreleased == date(2026, 11, 20)
    assert tracked(root / "build" / "alpha" / "redline" / "remote.docx") == {
        ("Unreleased changes since library release 2025.1", "2026-11-25T00:00:00Z")}


def test_the_example_trust_names_its_unreleased_changes(example_trust, example_build):
    from policykit.core.resolve import resolve

    project = policykit.validate(example_trust)
    unreleased = {c.id for c in project.library.unreleased_clauses()}
    for plan in resolve(project).documents:
        holds = bool(set(plan.clause_versions) & unreleased)
        row = control_rows((example_build / f"{plan.key}.md").read_text())[-1]
        if row[3] != "Not yet approved":
            continue  # the text as approved, labelled with the release the approval recorded
        release = project.library.release
        assert row[0].endswith(f"(unreleased changes since library release {release})" if holds
                               else f"(library {release})"), plan.key


# --- changed without a new version ----------------------------------------------------------------

EDITED_BODY = CLAUSE_PHONES.replace("Ask {{ people.dsl.name }} if unsure.", "Ask {{ people.dsl.name }} when unsure.")
WARNING = ("clauses/remote-working/rw-phones.md:3:1: version: warning: changed without a new version: its text "
           "differs from the text of version 1.1.0 that {source} recorded (give it a new version and a changelog "
           "entry dated after library release 2025.1 saying what changed, or put the recorded text back)")


def warnings(root: Path) -> list[str]:
    """What `policykit validate` warns of, checking that it still succeeds."""
    result = CliRunner().invoke(main, ["validate", "--root", str(root)])
    assert result.exit_code == 0, result.output
    return result.stderr.splitlines()


def test_an_edit_without_a_new_version_against_a_release(mini):
    root = mini()
    history = root / "clauses" / "history" / "rw-phones@1.1.0.md"  # the text release 2025.1 kept
    history.parent.mkdir()
    history.write_text(CLAUSE_PHONES)
    assert warnings(root) == []
    (root / PHONES).write_text(EDITED_BODY)
    assert warnings(root) == [WARNING.format(source="clauses/history/rw-phones@1.1.0.md")]
    (root / PHONES).write_text(CLAUSE_PHONES.replace("\n", "\r\n") + "\n\n")  # line endings and blank lines only
    assert warnings(root) == []


def test_an_edit_without_a_new_version_against_an_approval(mini):
    import json
    import shutil

    root = mini()
    policykit.build(root, settings=["alpha"], formats="md", as_of=TODAY)
    approve(root, "alpha", "remote", "board", date(2026, 11, 25), "LGB/26/11", "Clerk", today=TODAY)
    (record,) = [json.loads(line) for line in (root / "settings/approvals/ledger.jsonl").read_text().splitlines()]
    assert set(record["clause_sha256"]) == set(record["clauses"]) == {"rw-phones"}
    shutil.rmtree(root / "build")  # only the approval remembers the text
    (root / PHONES).write_text(EDITED_BODY)
    assert warnings(root) == [WARNING.format(source="approval 1")]
    # a record from before approvals held the hashes says nothing either way
    del record["clause_sha256"]
    from policykit.governance.ledger import record_hash

    record["hash"] = record_hash(record)
    (root / "settings/approvals/ledger.jsonl").write_text(json.dumps(record) + "\n")
    assert warnings(root) == []


def test_an_edit_without_a_new_version_against_a_build(mini):
    import json

    root = mini()
    policykit.build(root, formats="md", as_of=TODAY)
    entry = json.loads((root / "build" / "manifest.json").read_text())["documents"]["beta/remote"]
    assert set(entry["clause_sha256"]) == {"rw-phones", "rw-platform"}
    (root / PHONES).write_text(EDITED_BODY)
    warning = WARNING.format(source="the build in build/manifest.json")
    assert warnings(root) == [warning]
    result = CliRunner().invoke(main, ["build", "--format", "md", "--root", str(root)])
    assert result.exit_code == 0 and result.stderr.splitlines() == [warning]
    assert "built 2 documents" in result.stdout
    assert warnings(root) == []  # that build recorded the text as it is now: nothing else remembers the old one


def test_the_example_trust_has_nothing_to_warn_of(example_trust, example_build):
    assert (example_build / "manifest.json").is_file()
    assert policykit.validate(example_trust).warnings == ()
    assert warnings(example_trust) == []


# --- policykit release ----------------------------------------------------------------------------

LIBRARY = "clauses/library.yaml"
COMMENTED = """\
# The test trust's library: its releases, and the options clauses may test.
name: Test library
release: "2025.1"    # the current release
date: 2025-09-01
options:
  work_phones:
    type: boolean
    description: Staff have work phones.   # issued by the trust
  platform:
    type: string
    description: Remote learning platform.
changelog:
  # newest first
  - release: "2025.1"
    date: 2025-09-01
    notes: [First release.]
"""
NEW_CLAUSE = """\
---
id: rw-new
version: 1.0.0
title: Working in public places
section: remote-working
covers: [RW-07]
source: [Remote working guidance]
changelog:
  - version: 1.0.0
    date: 2026-11-21
    note: First version.
---
Do not take calls about children where others can hear.
"""


def release_cli(root: Path, *args: str) -> "CliRunner":
    return CliRunner().invoke(main, ["release", *args, "--root", str(root)])


def refused(root: Path, *args: str, code: int = 1) -> str:
    """Run `policykit release`, check it refused with `code` and wrote nothing; its messages."""
    before = {p: p.read_bytes() for p in (root / "clauses").rglob("*") if p.is_file()}
    result = release_cli(root, *args)
    assert result.exit_code == code, result.output
    assert {p: p.read_bytes() for p in (root / "clauses").rglob("*") if p.is_file()} == before
    assert "nothing was written" in result.stderr and "Traceback" not in result.output
    return result.stderr


def test_a_release_takes_in_the_changes_and_keeps_the_file_as_it_was(mini):
    policy = "clauses/policies/remote.yaml"
    root = mini({LIBRARY: COMMENTED, "clauses/remote-working/rw-new.md": NEW_CLAUSE})
    (root / policy).write_text((root / policy).read_text().replace("rw-platform]", "rw-platform, rw-new]"))
    new_clause_version(root, PHONES, PHONES_1_2)
    result = release_cli(root, "2026.1", "--date", "2026-12-01", "--note", "Updated for KCSIE 2026.")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:3] == [
        "released library 2026.1 dated 1 December 2026, after 2025.1: 2 clauses",
        "  added    rw-new 1.0.0: Working in public places",
        "  changed  rw-phones 1.1.0 -> 1.2.0: Phoning families"]
    text = (root / LIBRARY).read_text()
    assert text == COMMENTED.replace('release: "2025.1"    #', 'release: "2026.1"    #').replace(
        "date: 2025-09-01\noptions", "date: 2026-12-01\noptions").replace("  # newest first\n", """\
  # newest first
  - release: "2026.1"
    date: 2026-12-01
    notes:
      - "Updated for KCSIE 2026."
      - "Phoning families (rw-phones 1.2.0): Always withhold the number."
      - "New clause: rw-new."
""")
    library = policykit.validate(root).library
    assert (library.release, library.date, library.unreleased_clauses()) == ("2026.1", date(2026, 12, 1), ())
    policykit.build(root, settings=["alpha"], formats="md,docx", as_of=TODAY)
    md = (root / "build" / "alpha" / "remote.md").read_text()
    assert control_rows(md)[0][:2] == ["1.0.0 (library 2026.1)", "1 December 2026"] and "unreleased" not in md
    table = docx.Document(str(root / "build" / "alpha" / "remote.docx")).tables[-1]
    assert table.rows[1].cells[0].text == "1.0.0 (library 2026.1)"
    # the release before is still there to compare with, rw-phones at 1.1.0 and without rw-new
    result = policykit.diff(root, "alpha", "remote", "release:2025.1", formats=("html",))
    assert [line.split(":")[0] for line in result.comparison.lines()] == [
        "changed  rw-phones 1.1.0 -> 1.2.0", "added    rw-new 1.0.0"]
    assert release_cli(root, "2026.2", "--date", "2026-12-02").exit_code == 2  # nothing more to release


def test_a_release_leaves_out_changes_dated_after_it(mini):
    root = mini()
    new_clause_version(root, PHONES, PHONES_1_2)
    platform = "clauses/remote-working/rw-platform.md"
    new_clause_version(root, platform, (root / platform).read_text().replace("version: 1.0.0\ntitle", "version: "
                       "1.1.0\ntitle").replace("changelog:\n", "changelog:\n  - version: 1.1.0\n    date: 2026-12-10\n"
                                               "    note: Names the platform.\n", 1))
    result = release_cli(root, "2026.1", "--date", "2026-12-01")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "still unreleased (dated after 2026-12-01): rw-platform 1.1.0"
    library = policykit.validate(root).library
    assert [c.id for c in library.unreleased_clauses()] == ["rw-platform"]


def test_a_release_refuses_a_clause_changed_without_a_new_version(mini):
    root = mini()
    # a changelog entry after the release, but the same version
    (root / PHONES).write_text(CLAUSE_PHONES.replace(
        "changelog:\n", "changelog:\n  - version: 1.1.0\n    date: 2026-11-20\n    note: Says when.\n", 1))
    assert refused(root, "2026.1", "--date", "2026-12-01").startswith(
        "clauses/remote-working/rw-phones.md:3:1: version: changed since library release 2025.1 (changelog entry of "
        "2026-11-20), but version 1.1.0 is not after 1.1.0, the version that release holds (give it a new version "
        "and make that its newest changelog entry)")
    # a text edited since a build recorded it, its changelog untouched
    (root / PHONES).write_text(CLAUSE_PHONES)
    policykit.build(root, formats="md", as_of=TODAY)
    (root / PHONES).write_text(EDITED_BODY)
    assert refused(root, "2026.1", "--date", "2026-12-01").startswith(WARNING.format(
        source="the build in build/manifest.json").replace(" warning:", ""))


def test_a_draft_of_an_unreleased_version_may_be_reworded_before_its_release(mini):
    root = edited(mini)
    policykit.build(root, formats="md", as_of=TODAY)
    (root / PHONES).write_text(PHONES_1_2.replace("if unsure", "if you are unsure"))
    assert len(warnings(root)) == 1  # said, but no reason to refuse: no release or approval had that text
    result = release_cli(root, "2026.1", "--date", "2026-12-01")
    assert result.exit_code == 0, result.output


def test_a_release_refuses_a_new_version_without_a_changelog_entry_after_the_last_release(mini):
    root = mini()
    # 1.2.0 dated before the release that holds 1.1.0
    new_clause_version(root, PHONES, PHONES_1_2.replace("date: 2026-11-20", "date: 2025-08-01"))
    assert refused(root, "2026.1", "--date", "2026-12-01").startswith(
        "clauses/remote-working/rw-phones.md:10:5: changelog[0].date: version 1.2.0 has no changelog entry dated "
        "after library release 2025.1 (2025-09-01), which holds version 1.1.0 (date its changelog entry on the day "
        "it changed)")


def test_a_release_refuses_a_version_dated_back_to_a_release_an_approval_saw_without_it(mini):
    root = mini()
    policykit.build(root, settings=["alpha"], formats="md", as_of=TODAY)
    approve(root, "alpha", "remote", "board", date(2025, 10, 14), "LGB/25/14", "Clerk", today=TODAY)
    new_clause_version(root, PHONES, PHONES_1_2.replace("date: 2026-11-20", "date: 2025-09-01"))
    assert "changelog[0].date: version 1.2.0 has no changelog entry dated after library release 2025.1 " \
           "(2025-09-01): approval 1 recorded version 1.1.0 under that release" in refused(
               root, "2026.1", "--date", "2026-12-01")


def test_a_release_refuses_a_change_whose_earlier_text_is_not_kept(mini):
    root = mini()
    (root / PHONES).write_text(PHONES_1_2)
    message = refused(root, "2026.1", "--date", "2026-12-01")
    assert message.startswith("clauses/remote-working/rw-phones.md:12:5: changelog[1]: version 1.1.0 was in library "
                              "release 2025.1, but clauses/history/rw-phones@1.1.0.md is missing (put that version's "
                              "text there, e.g. git show REV:clauses/remote-working/rw-phones.md > "
                              "clauses/history/rw-phones@1.1.0.md")
    history = root / "clauses" / "history" / "rw-phones@1.1.0.md"
    history.parent.mkdir()
    history.write_text(PHONES_1_2)  # the wrong text: the new one
    assert refused(root, "2026.1", "--date", "2026-12-01").startswith(
        "clauses/history/rw-phones@1.1.0.md:3:1: version: holds rw-phones version 1.2.0, not rw-phones version "
        "1.1.0, which library release 2025.1 holds (put the text of version 1.1.0 there, e.g. git show "
        "REV:clauses/remote-working/rw-phones.md > clauses/history/rw-phones@1.1.0.md)")


@pytest.mark.parametrize("args, message", [
    (["2026", "--date", "2026-12-01"], "VERSION: '2026' is not a release name"),
    (["2025.1", "--date", "2026-12-01"], "VERSION: library release 2025.1 already exists (dated 2025-09-01) (the "
                                         "current release is 2025.1; name the next one, e.g. 2026.1)"),
    (["2024.9", "--date", "2026-12-01"], "VERSION: 2024.9 would come before library release 2025.1"),
    (["2026.1", "--date", "2025-09-01"], "--date: 2025-09-01 is not after library release 2025.1 (2025-09-01)"),
    (["2026.1", "--date", "2026-11-19"], "--date: nothing to release on 2026-11-19: every clause change since "
                                         "library release 2025.1 is dated after it (rw-phones 1.2.0)"),
    (["2026.1", "--date", "2026-12-01", "--note", " "], "--note: a note is blank"),
])
def test_a_release_asked_for_wrongly_is_a_usage_error(mini, args, message):
    root = edited(mini)
    assert refused(root, *args, code=2).startswith(message)


def test_release_from_python(mini):
    root = edited(mini)
    result = policykit.release(root, "2026.1", date(2026, 12, 1))
    assert isinstance(result, policykit.ReleaseResult)
    assert (result.release, result.previous, result.notes) == (
        "2026.1", "2025.1", ("Phoning families (rw-phones 1.2.0): Always withhold the number.",))
    assert [(c.id, c.old_version, c.new_version) for c in result.clauses] == [("rw-phones", "1.1.0", "1.2.0")]


def test_a_release_keeps_line_endings_and_a_byte_order_mark(mini):
    root = edited(mini)
    library = root / LIBRARY
    library.write_bytes(b"\xef\xbb\xbf" + COMMENTED.replace("\n", "\r\n").encode())
    assert policykit.release(root, "2026.1", date(2026, 12, 1)).release == "2026.1"
    data = library.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\n") == data.count(b"\r\n") == COMMENTED.count("\n") + 4
    assert policykit.validate(root).library.release == "2026.1"


def test_a_release_of_the_example_trust(example_trust, tmp_path):
    import difflib
    import shutil

    root = tmp_path / "trust"
    for folder in ("clauses", "settings"):
        shutil.copytree(example_trust / folder, root / folder)
    # the example library is released: give one clause a change of its own, as next year's work begins
    clause = root / "clauses" / "remote-working" / "rw-work-mobile-phones.md"
    text = clause.read_text()
    version = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("version: "))
    (root / "clauses" / "history" / f"rw-work-mobile-phones@{version}.md").write_text(text)
    major, minor, patch = (int(x) for x in version.split("."))
    new = f"{major}.{minor}.{patch + 1}"
    entry = f"changelog:\n  - version: {new}\n    date: 2027-01-15\n    note: Says to lock the phone when it is not in use.\n"
    clause.write_text(text.replace(f"version: {version}", f"version: {new}", 1).replace("changelog:\n", entry, 1)
                      .rstrip("\n") + "\nLock the phone whenever you are not using it.\n")
    before = (root / LIBRARY).read_text().splitlines()
    current = policykit.validate(root).library
    unreleased = current.unreleased_clauses()
    assert [c.id for c in unreleased] == ["rw-work-mobile-phones"]
    result = policykit.release(root, "2027.1", max(c.newest for c in unreleased))
    assert {c.id for c in result.clauses} == {c.id for c in unreleased}
    after = (root / LIBRARY).read_text().splitlines()
    changed = [line for line in difflib.ndiff(before, after) if line[:1] in "+-"]
    assert [line for line in changed if line.startswith("-")] == [f'- release: "{current.release}"',
                                                                   f'- date: "{current.date.isoformat()}"']
    assert len(changed) == 2 + 2 + 3 + len(result.notes)  # release and date, then the new entry's lines
    project = policykit.validate(root)
    assert project.library.release == "2027.1" and not project.library.unreleased_clauses()
    assert not project.warnings
