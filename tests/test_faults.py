"""Faults: a killed build, concurrent builds and approvals, a full disk. Nothing is lost."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

import policykit
from policykit.ledger import LEDGER, chain_problems, read_ledger
from tests.conftest import CLAUSE_PHONES, REPO

PYTHON = [sys.executable, "-m", "policykit"]


def run(args: list[str], **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(PYTHON + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, **kw)


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def assert_whole(folder: Path) -> None:
    """Every file a user could open opens: nothing half-written is left in place."""
    for path in folder.rglob("*"):
        if not path.is_file() or path.name.startswith("."):
            continue
        if path.suffix == ".docx":
            with zipfile.ZipFile(path) as z:
                assert z.testzip() is None, path
        elif path.suffix == ".pdf":
            assert len(PdfReader(str(path)).pages) > 0, path
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix in (".md", ".html"):
            path.read_text(encoding="utf-8")


@pytest.mark.parametrize("delay", [0.4, 0.9, 1.4, 2.0])
def test_killed_build_leaves_whole_outputs_and_the_next_build_recovers(mini, tmp_path, delay):
    root = mini()
    policykit.build(root)
    (root / "clauses" / "remote-working" / "rw-phones.md").write_text(
        CLAUSE_PHONES.replace("dial 141 first", "always dial 141 first"))
    proc = run(["build", "--root", str(root), "-q", "--jobs", "2"])
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert_whole(root / "build")
    # the next build recovers: the same files as a clean build of the same inputs, no leftovers
    policykit.build(root)
    fresh = tmp_path / "fresh"
    policykit.build(root, out=fresh)
    got = outputs(root / "build")
    want = outputs(fresh)
    assert set(got) == set(want)
    for rel in want:
        if rel != "manifest.json":
            assert got[rel] == want[rel], rel
    assert not [p for p in (root / "build").rglob("*.tmp")]
    assert "always dial 141 first" in (root / "build" / "alpha" / "remote.md").read_text()


def test_two_builds_at_once(mini, tmp_path):
    root = mini()
    procs = [run(["build", "--root", str(root), "-q"]) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    assert_whole(root / "build")
    fresh = tmp_path / "fresh"
    policykit.build(root, out=fresh)
    got, want = outputs(root / "build"), outputs(fresh)
    assert {k: v for k, v in got.items() if k != "manifest.json"} == \
        {k: v for k, v in want.items() if k != "manifest.json"}
    manifest = json.loads((root / "build" / "manifest.json").read_text())
    assert sorted(manifest["documents"]) == ["alpha/remote", "beta/remote"]


def test_build_and_approvals_at_once_keep_the_ledger_whole(mini):
    root = mini()
    policykit.build(root, formats="md")
    procs = [run(["build", "--root", str(root), "-q", "--format", "md,docx"])]
    for school in ("alpha", "beta", "alpha", "beta"):
        procs.append(run(["approve", "--root", str(root), school, "remote", "--body", "board",
                          "--date", "2025-10-01", "--minute", f"M-{school}", "--by", "Clerk"]))
    codes, errors = [], []
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        codes.append(proc.returncode)
        errors.append(err.decode())
    assert codes[0] == 0, errors[0]
    lines = read_ledger(root / LEDGER)
    assert not chain_problems(lines, "ledger")
    # each school's text approved exactly once, however the four approvals interleaved
    assert sorted(line.data["setting"] for line in lines) == ["alpha", "beta"]
    # however they raced, the two late approvals get the answer a second run one after the other gets
    assert sorted(codes[1:]) == [0, 0, 2, 2], errors
    refusals = [err for code, err in zip(codes[1:], errors[1:]) if code]
    assert all("this exact text was already approved on 2025-10-01" in err for err in refusals), refusals
    policykit.validate(root)


def test_full_disk_is_a_clear_error_and_changes_nothing(mini, monkeypatch):
    root = mini()
    policykit.build(root, formats="md")
    before = outputs(root / "build")
    (root / "clauses" / "remote-working" / "rw-phones.md").write_text(CLAUSE_PHONES.replace("first.", "first!"))

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(policykit.OutputError) as err:
        policykit.build(root, formats="md")
    assert str(err.value).startswith(f"{root / 'build'}: the disk is full; nothing was changed")  # the folder
    monkeypatch.undo()
    assert outputs(root / "build") == before
    assert not [p for p in (root / "build").rglob("*.tmp")]


def test_concurrent_approvals_of_one_text_record_it_once(mini):
    root = mini()
    policykit.build(root, formats="md")
    procs = [run(["approve", "--root", str(root), "alpha", "remote", "--body", "board", "--date", "2025-10-01",
                  "--minute", f"M{i}", "--by", "Clerk"]) for i in range(4)]
    codes = [p.wait(timeout=300) for p in procs]
    assert codes.count(0) == 1, codes
    assert len(read_ledger(root / LEDGER)) == 1


def test_a_refused_write_names_the_real_file_or_folder_and_the_option_to_change(mini, monkeypatch):
    import tempfile

    from click.testing import CliRunner

    from policykit.cli import main

    root = mini()

    def read_only(*args, dir=None, prefix="", **kwargs):  # as mkstemp fails in a read-only folder
        raise PermissionError(errno.EACCES, "Permission denied", f"{dir}/{prefix}x1y2z3.tmp")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    ics = root / "reviews.ics"
    result = CliRunner().invoke(main, ["status", "--root", str(root), "--ics", str(ics), "--format", "csv"])
    assert result.exit_code == 3
    assert (f"{ics}: cannot write here (read-only or no permission); nothing was changed (choose another file "
            "with --ics, or fix its folder's permissions)") in result.stderr
    assert ".tmp" not in result.stderr
    result = CliRunner().invoke(main, ["build", "--root", str(root), "--format", "md", "--out", str(root / "out")])
    assert result.exit_code == 3
    assert (f"{root / 'out'}: cannot write here (read-only or no permission); nothing was changed (choose another "
            "folder with --out, or fix its permissions)") in result.stderr
