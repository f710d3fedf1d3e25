"""policykit update: a trust made from library release 2025.1 takes 2026.1, keeping its own changes."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import policykit
from policykit.cli import main
from policykit.commands.update import describe
from policykit.core.library_files import library_files
from policykit.core.merge import merge_file
from policykit.core.upstream import read_upstream
from policykit.errors import PolicykitError
from policykit.system.assets import bundled_library

REPO = Path(__file__).resolve().parent.parent
ADAPTED = "acceptable-use/aup-illegal-and-inappropriate-material.md"  # 2026.1 changes its last line only
UNTOUCHED = "acceptable-use/aup-governance.md"
OWN = "code-of-conduct/coc-our-staffroom.md"

OWN_CLAUSE = """\
---
id: coc-our-staffroom
version: 1.0.0
title: Our staffroom
section: code-of-conduct
covers: []
source: [The trust's own rule]
changelog:
  - {version: 1.0.0, date: "2025-10-01", note: "First version."}
---
Keep the staffroom tidy.
"""


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.email=t@example.org", "-c", "user.name=Test", *args], cwd=root,
                          capture_output=True, text=True, check=True)
    return done.stdout


def _commit(root: Path, message: str = "change") -> None:
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", message)


def _hashes(folder: Path) -> dict[str, str]:
    """Every file's hash, less the (empty) lock file any command that reads the ledger takes."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix != ".lock" and ".git" not in p.parts}


@pytest.fixture
def trust(tmp_path: Path) -> Path:
    """A trust made from library 2025.1 (its clauses/ as that release had them), three schools'
    settings and an approval ledger, recorded in .policykit.yaml and committed to git."""
    root = tmp_path / "trust"
    for name, data in library_files(bundled_library(), "2025.1").items():
        path = root / "clauses" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    shutil.copytree(REPO / "settings", root / "settings")  # the ledger and approved texts too
    nursery = root / "settings" / "little-acorns.yaml"  # 2025.1 asked every school for the platform
    nursery.write_text(nursery.read_text(encoding="utf-8").replace(
        "\noptions:\n", "\noptions:\n  remote_learning_platform: Microsoft Teams\n", 1), encoding="utf-8")
    (root / ".policykit.yaml").write_text('library_release: "2025.1"\n', encoding="utf-8")
    (root / ".gitignore").write_text("build/\n", encoding="utf-8")
    _git(root, "init", "-q")
    _commit(root, "trust made from library 2025.1")
    return root


def _adapt(root: Path, old_line: int, text: str, version: str = "1.1.0") -> str:
    """The trust rewrites body line `old_line` (0-based) of the ADAPTED clause, with a new version."""
    path = root / "clauses" / ADAPTED
    front, body = path.read_text(encoding="utf-8").split("\n---\n", 1)
    front = front.replace("version: 1.0.0\n", f"version: {version}\n", 1).replace(
        "changelog:\n", f'changelog:\n  - version: {version}\n    date: "2025-10-01"\n    note: "Our own words."\n', 1)
    lines = body.splitlines(keepends=True)
    lines[old_line] = text + "\n"
    path.write_text(front + "\n---\n" + "".join(lines), encoding="utf-8")
    return text


def _new(name: str) -> bytes:
    return library_files(bundled_library(), "2026.1")[name]


def test_untouched_clause_takes_the_new_text_and_the_record_moves_on(trust: Path) -> None:
    settings = _hashes(trust / "settings")
    result = policykit.update(trust)
    assert (result.old, result.new) == ("2025.1", "2026.1")
    assert (trust / "clauses" / UNTOUCHED).read_bytes() == _new(UNTOUCHED)
    assert f"{UNTOUCHED}" in result.updated and not result.conflicts
    assert "code-of-conduct/coc-low-level-concerns.md" in result.added  # new in a later release
    assert read_upstream(trust).release == "2026.1"
    assert _hashes(trust / "settings") == settings  # settings and the approval ledger: never touched
    assert (trust / "settings" / "approvals" / "ledger.jsonl").is_file()
    project = policykit.validate(trust)
    assert project.library.release == "2026.1"
    assert result.diff is not None and result.diff.old == "2025.1" and result.diff.new == "2026.1"
    assert any(c.id == "aup-governance" for c in result.diff.changes) and result.diff.schools


def test_adapted_clause_keeps_the_trust_s_words_beside_the_release_s(trust: Path) -> None:
    ours = _adapt(trust, 1, "- Our trust's own sentence about illegal material.")
    own = trust / "clauses" / OWN
    own.write_text(OWN_CLAUSE, encoding="utf-8")
    _commit(trust)
    result = policykit.update(trust)
    text = (trust / "clauses" / ADAPTED).read_text(encoding="utf-8")
    new_last = _new(ADAPTED).decode("utf-8").rstrip("\n").splitlines()[-1]
    assert ours in text and new_last in text  # both changes, combined
    assert ADAPTED in result.merged and not result.conflicts
    assert "version: 1.1.0\n" in text  # the higher of the trust's 1.1.0 and the release's 1.0.1
    assert "Our own words." in text and "version: 1.0.1" in text  # both changelog entries
    assert any(ADAPTED in n and "version 1.1.0 taken" in n for n in result.notes)
    # the release's 1.0.1 is kept in history, where library 2026.1 (as the trust now has it) needs it
    assert (trust / "clauses" / "history" / "aup-illegal-and-inappropriate-material@1.0.1.md").is_file()
    assert own.read_text(encoding="utf-8") == OWN_CLAUSE  # the trust's own clause: untouched
    assert result.own >= 1
    policykit.validate(trust)  # a clean merge validates
    assert result.diff is not None


def test_overlapping_change_is_a_conflict_validate_reports_and_build_refuses(trust: Path) -> None:
    last = len((trust / "clauses" / ADAPTED).read_text(encoding="utf-8").split("\n---\n", 1)[1].splitlines()) - 1
    _adapt(trust, last, "- Our trust's own last sentence.")
    _commit(trust)
    settings = _hashes(trust / "settings")
    result = policykit.update(trust)
    assert [name for name, _ in result.conflicts] == [ADAPTED]
    (name, line), = result.conflicts
    lines = (trust / "clauses" / ADAPTED).read_text(encoding="utf-8").splitlines()
    assert lines[line - 1] == "<<<<<<< trust's version"
    assert ">>>>>>> library 2026.1" in lines and "=======" in lines
    assert result.diff is None
    with pytest.raises(PolicykitError) as caught:
        policykit.validate(trust)
    (problem,) = [p for p in caught.value.problems if p.path == f"clauses/{ADAPTED}"]
    assert problem.line == line and "conflict" in problem.message
    assert problem.hint == "resolve the conflict: keep one side and delete the markers"
    runner = CliRunner()
    built = runner.invoke(main, ["build", "--root", str(trust)])
    assert built.exit_code == 1
    assert f"clauses/{ADAPTED}:{line}:1: unresolved merge conflict" in built.stderr
    assert not (trust / "build").exists()
    assert _hashes(trust / "settings") == settings


def test_front_matter_merged_by_key_and_library_yaml_keeps_the_trust_s_releases(trust: Path) -> None:
    path = trust / "clauses" / "library.yaml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^release: .*$", 'release: "2025.5"', text, count=1, flags=re.M)
    text = re.sub(r"^date: .*$", "date: '2025-10-02'", text, count=1, flags=re.M)
    text = text.replace("changelog:\n", "changelog:\n- release: \"2025.5\"\n  date: '2025-10-02'\n"
                        "  notes: [The trust's own release.]\n", 1)
    path.write_text(text, encoding="utf-8")
    _adapt(trust, 1, "- Our trust's own sentence about illegal material.")
    _commit(trust)
    result = policykit.update(trust)
    assert "library.yaml" in result.merged
    merged = path.read_text(encoding="utf-8")
    assert "The trust's own release." in merged  # the trust's release survives
    assert 'release: "2026.1"' in merged.splitlines()[:5] or 'release: "2026.1"' in merged
    project = policykit.validate(trust)
    assert project.library.release == "2026.1"
    assert [e["release"] for e in __import__("yaml").safe_load(merged)["changelog"]][:2] == ["2026.1", "2025.2"]


def test_clause_removed_upstream_is_reported_and_kept(trust: Path, tmp_path: Path) -> None:
    newer = tmp_path / "newer-library"
    shutil.copytree(bundled_library(), newer)
    gone = "code-of-conduct/coc-whistleblowing.md"
    (newer / gone).unlink()
    for old in (newer / "history").glob("coc-whistleblowing@*.md"):
        old.unlink()
    before = (trust / "clauses" / gone).read_bytes()
    result = policykit.update(trust, library=newer)
    assert result.removed == (gone,)
    assert (trust / "clauses" / gone).read_bytes() == before  # never silently deleted
    lines = describe(result)
    assert any(line.startswith("removed upstream (1)") for line in lines)
    assert f"  clauses/{gone}" in lines


def test_dirty_tree_refused_with_nothing_written(trust: Path) -> None:
    (trust / "clauses" / UNTOUCHED).write_text((trust / "clauses" / UNTOUCHED).read_text() + "\nMore.\n")
    before = _hashes(trust)
    with pytest.raises(PolicykitError) as caught:
        policykit.update(trust)
    assert "uncommitted changes" in str(caught.value) and UNTOUCHED in str(caught.value)
    assert _hashes(trust) == before
    result = policykit.update(trust, allow_dirty=True)  # --allow-dirty goes ahead
    assert result.new == "2026.1" and UNTOUCHED in result.merged + tuple(n for n, _ in result.conflicts)


def test_not_a_git_repository_needs_allow_dirty(trust: Path) -> None:
    shutil.rmtree(trust / ".git")
    with pytest.raises(PolicykitError, match="not a git repository"):
        policykit.update(trust)
    assert read_upstream(trust).release == "2025.1"
    assert policykit.update(trust, allow_dirty=True).new == "2026.1"


def test_an_older_release_is_refused(trust: Path) -> None:
    with pytest.raises(policykit.UsageError, match="older than 2025.1"):
        policykit.update(trust, to="2024.1")
    assert read_upstream(trust).release == "2025.1"


def test_no_record_asks_for_from(trust: Path) -> None:
    (trust / ".policykit.yaml").unlink()
    _commit(trust)
    with pytest.raises(policykit.UsageError, match="--from"):
        policykit.update(trust)
    result = policykit.update(trust, start="2025.1", to="2025.2")
    assert result.new == "2025.2" and read_upstream(trust).release == "2025.2"


def test_cli_prints_the_report_and_exit_codes(trust: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(main, ["update", "--root", str(trust)])
    assert done.exit_code == 0, done.output
    assert done.output.startswith("updated the library from 2025.1 to 2026.1\n")
    assert "library 2025.1 -> 2026.1:" in done.output and "to approve again:" in done.output
    _commit(trust, "library 2026.1")
    again = runner.invoke(main, ["update", "--root", str(trust)])
    assert (again.exit_code, again.output) == (0, "already at library 2026.1: nothing to update\n")


def test_cli_exits_1_while_conflicts_remain(trust: Path) -> None:
    last = len((trust / "clauses" / ADAPTED).read_text(encoding="utf-8").split("\n---\n", 1)[1].splitlines()) - 1
    _adapt(trust, last, "- Our trust's own last sentence.")
    _commit(trust)
    done = CliRunner().invoke(main, ["update", "--root", str(trust)])
    assert done.exit_code == 1
    assert re.search(rf"^  clauses/{re.escape(ADAPTED)}:\d+$", done.output, re.M)
    validated = CliRunner().invoke(main, ["validate", "--root", str(trust)])
    assert validated.exit_code == 1 and f"clauses/{ADAPTED}:" in validated.stderr
    _commit(trust, "conflicts committed, not resolved")
    again = CliRunner().invoke(main, ["update", "--root", str(trust), "--from", "2025.1"])
    assert again.exit_code == 1 and "a conflict from an earlier update is still here" in again.stderr


def test_dirty_refusal_on_the_command_line(trust: Path) -> None:
    (trust / "clauses" / UNTOUCHED).write_text("changed\n")
    done = CliRunner().invoke(main, ["update", "--root", str(trust)])
    assert done.exit_code == 1 and "uncommitted changes" in done.stderr and "--allow-dirty" in done.stderr


# --- the merge on its own -------------------------------------------------------------------

BASE = """---
id: x
version: 1.0.0
title: Old title
covers: [A-1]
changelog:
  - {version: 1.0.0, date: "2024-09-01", note: First.}
---
one
two
three
four
five
"""


def test_merge_changelogs_united_version_higher_other_keys_by_rule() -> None:
    ours = BASE.replace("version: 1.0.0\n", "version: 1.1.0\n").replace(
        "changelog:\n", 'changelog:\n  - {version: 1.1.0, date: "2025-10-01", note: Ours.}\n').replace("two", "TWO")
    theirs = BASE.replace("version: 1.0.0\n", "version: 1.0.1\n").replace("Old title", "New title").replace(
        "changelog:\n", 'changelog:\n  - {version: 1.0.1, date: "2026-09-01", note: Theirs.}\n').replace("five", "FIVE")
    merged = merge_file("s/x.md", BASE, ours, theirs, "library 2026.1")
    assert not merged.conflicts
    assert merged.text == """---
id: x
version: 1.1.0
title: New title
covers: [A-1]
changelog:
  - {version: 1.1.0, date: "2025-10-01", note: Ours.}
  - {version: 1.0.1, date: "2026-09-01", note: Theirs.}
  - {version: 1.0.0, date: "2024-09-01", note: First.}
---
one
TWO
three
four
FIVE
"""
    assert merged.notes and "1.1.0" in merged.notes[0]


def test_merge_same_key_changed_differently_is_a_conflict() -> None:
    ours = BASE.replace("Old title", "Our title")
    theirs = BASE.replace("Old title", "Their title")
    merged = merge_file("s/x.md", BASE, ours, theirs, "library 2026.1")
    assert merged.conflicts == (4,)
    assert merged.text.splitlines()[3:8] == ["<<<<<<< trust's version", "title: Our title", "=======",
                                             "title: Their title", ">>>>>>> library 2026.1"]


def test_merge_whole_file_rules() -> None:
    assert merge_file("a.md", "x\n", "x\n", "y\n", "L").text == "y\n"  # untouched: the new text
    assert merge_file("a.md", "x\n", "z\n", "x\n", "L").text == "z\n"  # only the trust's: kept
    assert merge_file("a.yaml", "a: 1\nb: 2\n", "a: 3\nb: 2\n", "a: 1\nb: 4\n", "L").text == "a: 3\nb: 4\n"


def test_the_trust_s_clause_in_a_policy_survives_the_release_s_new_parts(trust: Path) -> None:
    (trust / "clauses" / OWN).write_text(OWN_CLAUSE, encoding="utf-8")
    policy = trust / "clauses" / "policies" / "code-of-conduct.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "  - coc-whistleblowing\n" in text
    policy.write_text(text.replace("  - coc-whistleblowing\n", "  - coc-whistleblowing\n  - coc-our-staffroom\n", 1),
                      encoding="utf-8")
    _commit(trust)
    result = policykit.update(trust)
    assert "policies/code-of-conduct.yaml" in result.merged and not result.conflicts
    project = policykit.validate(trust)
    parts = project.library.policies["code-of-conduct"].parts
    listed = [c for part in parts for c in part.clauses]
    assert "coc-our-staffroom" in listed and "coc-low-level-concerns" in listed  # the trust's, and the release's


def test_schemas_init_copied_and_ci_pins_move_to_this_engine(trust: Path) -> None:
    """The files init wrote for its engine follow the engine running the update, nothing else in them."""
    from policykit.core.schema import schema_dir
    from policykit.version import VERSION

    (trust / "schemas").mkdir()
    stale = trust / "schemas" / "clause.schema.json"
    stale.write_text('{"old": true}\n', encoding="utf-8")
    (trust / "schemas" / "notes.txt").write_text("the trust's own\n", encoding="utf-8")
    workflow = trust / ".github" / "workflows" / "policykit.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text('env:\n  POLICYKIT_VERSION: "0.0.9"  # pinned\njobs: {}\n', encoding="utf-8")
    _commit(trust, "as init wrote them for an older engine")
    result = policykit.update(trust)
    assert stale.read_bytes() == (schema_dir() / "clause.schema.json").read_bytes()
    assert (trust / "schemas" / "notes.txt").read_text(encoding="utf-8") == "the trust's own\n"
    assert workflow.read_text(encoding="utf-8") == f'env:\n  POLICYKIT_VERSION: "{VERSION}"  # pinned\njobs: {{}}\n'
    assert "schemas/clause.schema.json" in result.engine_files and ".github/workflows/policykit.yml" in result.engine_files
    assert any("moved to policykit" in line for line in describe(result))


def test_a_new_engine_with_the_same_library_moves_only_its_own_files(trust: Path) -> None:
    """Already at the release, a newer policykit still takes its CI pin and the record forward."""
    from policykit.version import VERSION

    policykit.update(trust)
    workflow = trust / ".gitlab-ci.yml"
    workflow.write_text('variables:\n  POLICYKIT_VERSION: "0.0.9"\n', encoding="utf-8")
    _commit(trust, "an older engine's pin")
    clauses = _hashes(trust / "clauses")
    result = policykit.update(trust)
    assert result.engine_files == (".gitlab-ci.yml",) and not result.current
    assert workflow.read_text(encoding="utf-8") == f'variables:\n  POLICYKIT_VERSION: "{VERSION}"\n'
    assert _hashes(trust / "clauses") == clauses
    assert describe(result) == [f"already at library 2026.1; moved to policykit {VERSION}: .gitlab-ci.yml"]
    _commit(trust, "moved")
    assert policykit.update(trust).current  # and then nothing to do
