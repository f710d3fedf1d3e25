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
from policykit.governance.ledger import LEDGER, chain_problems, read_ledger
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


def _staged(folder: Path) -> bool:
    """A staged output (`.remote.docx.XXXX.tmp`) is in the folder: the build is writing."""
    return any(not p.name.startswith(".policykit-stat") for p in folder.rglob(".*.tmp"))


def _pandoc_running(pid: int) -> bool:
    return any((_proc_stat(kid) or [""])[0] == "pandoc" for kid in _children(pid))


@pytest.mark.parametrize("moment", [
    "converting",  # a pandoc child is running: nothing staged yet
    "staging",  # the first batch's outputs are staged beside their targets, the rest converting
    "midway",  # half the time a build of the same inputs took: wherever that is
])
def test_killed_build_leaves_whole_outputs_and_the_next_build_recovers(mini, tmp_path, moment):
    if moment == "converting" and not Path("/proc/self/stat").exists():
        pytest.skip("reads child processes from /proc")
    root = many_schools(mini)  # 14 documents: two batches, a build of a second or two
    policykit.build(root)
    (root / "clauses" / "remote-working" / "rw-phones.md").write_text(
        CLAUSE_PHONES.replace("dial 141 first", "always dial 141 first"))
    build = ["build", "--root", str(root), "-q", "--jobs", "1" if moment == "staging" else "2"]
    # the same build of the same inputs into a fresh folder: how long it takes, and what it makes
    fresh = tmp_path / "fresh"
    started = time.monotonic()
    assert run(build + ["--out", str(fresh)]).wait(timeout=120) == 0
    took = time.monotonic() - started
    build_dir = root / "build"

    proc = run(build)
    if moment == "midway":
        time.sleep(took / 2)
    else:
        happened = {"converting": lambda: _pandoc_running(proc.pid), "staging": lambda: _staged(build_dir)}[moment]
        deadline = time.monotonic() + 60
        while proc.poll() is None and not happened() and time.monotonic() < deadline:
            time.sleep(0.002)
    orphans = _children(proc.pid) if Path("/proc").is_dir() else []
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, f"the build had finished ({moment}, {took:.2f} s): nothing was tested"
    assert_whole(build_dir)
    deadline = time.monotonic() + 60  # pandoc outlives a SIGKILLed parent until its batch is done
    while any(_alive(pid) for pid in orphans) and time.monotonic() < deadline:
        time.sleep(0.05)

    # the next build recovers: the same files as a clean build of the same inputs, no leftovers
    recovery = run(["build", "--root", str(root), "-q"])
    _, err = recovery.communicate(timeout=120)
    assert recovery.returncode == 0, err.decode()
    got, want = outputs(build_dir), outputs(fresh)
    assert set(got) == set(want)
    for rel in want:
        if rel != "manifest.json":
            assert got[rel] == want[rel], rel
    assert not [p for p in build_dir.rglob("*.tmp")]
    assert "always dial 141 first" in (build_dir / "alpha" / "remote.md").read_text()
    import tempfile

    assert not list(Path(tempfile.gettempdir()).glob(f"policykit-{proc.pid}-*"))  # swept by the next build


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


def many_schools(mini, count: int = 12) -> Path:
    """The mini trust with `count` schools: a build of it runs a few seconds, in several batches."""
    from tests.conftest import SCHOOL

    return mini({f"settings/school{i:02}.yaml": SCHOOL.format(name=f"School {i}", urn=f"2000{i:02}",
                                                              phase="secondary" if i % 2 else "primary")
                 for i in range(count)})


def _proc_stat(pid: int) -> list[str] | None:
    """(comm, state, ppid, ...) of a process from /proc, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm, rest = text.split(" (", 1)[1].rsplit(") ", 1)
    return [comm, *rest.split()]


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _proc_stat(int(entry.name))) and int(stat[2]) == pid:
            out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    stat = _proc_stat(pid)
    return stat is not None and stat[1] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads child processes from /proc")
@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stopped_build_ends_its_pandoc_children_and_leaves_no_temporary_folders(mini, signum, code):
    import tempfile

    root = many_schools(mini)
    policykit.build(root, formats="md")  # the fast part done: the stopped build is converting
    proc = run(["build", "--root", str(root), "-q", "--jobs", "2", "--format", "docx,html"])
    deadline, pandocs = time.monotonic() + 60, []
    while not pandocs and proc.poll() is None and time.monotonic() < deadline:
        pandocs = [pid for pid in _children(proc.pid) if (_proc_stat(pid) or [""])[0] == "pandoc"]
        time.sleep(0.005)
    assert pandocs, "the build ended before any pandoc child was seen"
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err.decode()
    assert "earlier outputs are unchanged" in err.decode()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pandocs) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in pandocs if _alive(pid)]
    assert not list(Path(tempfile.gettempdir()).glob(f"policykit-{proc.pid}-*"))
    assert not list((root / "build").rglob("*.tmp"))
    assert_whole(root / "build")


def test_temporary_folders_of_a_killed_build_are_swept_by_the_next(mini):
    import tempfile

    # a pid above the kernel's largest is no process's, now or later (a finished child's pid
    # can be reused by any process on a busy machine before the build looks)
    limit = Path("/proc/sys/kernel/pid_max")
    gone = int(limit.read_text()) + 1 if limit.is_file() else 2**22 + 1
    base = Path(tempfile.gettempdir())
    stale = base / f"policykit-{gone}-batch-test"
    live = base / f"policykit-{os.getpid()}-batch-test"  # this test's own process: alive
    other = base / "policykit-notapid-test"
    for folder in (stale, live, other):
        (folder / "inner").mkdir(parents=True, exist_ok=True)
    try:
        proc = run(["build", "--root", str(mini()), "-q", "--format", "docx"])
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        assert not stale.exists() and live.is_dir() and other.is_dir()
    finally:
        for folder in (stale, live, other):
            subprocess.run(["rm", "-rf", str(folder)])
