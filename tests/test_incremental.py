"""Parallel, incremental and sharded builds: the same bytes, and only what changed rebuilt."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

import policykit
from policykit.cli import main
from policykit.incremental import statcache
from policykit.incremental.shards import shard_of
from policykit.outputs.parallel import batches
from tests.conftest import CLAUSE_PHONES, CLAUSE_PLATFORM, SCHOOL

# A second policy holding only rw-phones, and more schools: a clause edit then reaches some
# documents and not others, and shards have something to split.
PHONES_POLICY = """\
id: phones
title: Phones Policy
version: 1.0.0
owner: dsl
approver: board
review_months: 12
audience: All staff
parts:
  - heading: Phones
    clauses: [rw-phones]
"""
MORE = {
    "clauses/policies/phones.yaml": PHONES_POLICY,
    "settings/gamma.yaml": SCHOOL.format(name="Gamma School", urn="100003", phase="secondary"),
    "settings/delta.yaml": SCHOOL.format(name="Delta Primary", urn="100004", phase="primary"),
    "settings/epsilon.yaml": SCHOOL.format(name="Epsilon Academy", urn="100005", phase="secondary"),
}
ALL = sorted(f"{s}/{p}" for s in ("alpha", "beta", "gamma", "delta", "epsilon") for p in ("phones", "remote"))
FAKE = "md,html"  # formats the fake converter can make (DOCX and PDF need the real tools)


class Counting:
    """A stand-in for pandoc that counts what it converts (from any thread)."""

    def __init__(self) -> None:
        self.outputs: list[str] = []
        self._lock = threading.Lock()

    def convert(self, jobs):
        results = []
        for job in jobs:
            with self._lock:
                self.outputs.extend(out.format for out in job.outputs)
            digest = hashlib.sha256(job.markdown.encode("utf-8")).hexdigest()
            results.append([f"<p>{out.format} {digest}</p>\n".encode() for out in job.outputs])
        return results


def stamps(folder: Path) -> dict[str, tuple[int, int]]:
    """Each file's (inode, modification time): a file rewritten or replaced shows a new one."""
    return {str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every output file's bytes (not the hidden stat cache: it records inodes and times)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and not p.name.startswith(".")}


def touched(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> set[str]:
    return {name for name in after if before.get(name) != after[name]}


@pytest.fixture
def trust(mini):
    return mini(MORE)


def build(root: Path, converter: Counting | None = None, **kw) -> policykit.BuildResult:
    return policykit.build(root, formats=kw.pop("formats", FAKE), converter=converter or Counting(), **kw)


def test_serial_and_parallel_builds_are_byte_identical(mini, tmp_path):
    root = mini({"settings/gamma.yaml": MORE["settings/gamma.yaml"], "settings/delta.yaml": MORE["settings/delta.yaml"]})
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    one = policykit.build(root, out=serial, jobs=1)
    two = policykit.build(root, out=parallel, jobs=3)  # three batches of uneven make-up
    assert one.documents == two.documents and len(one.documents) == 4
    first, second = snapshot(serial), snapshot(parallel)
    assert sorted(first) == sorted(second) and len(first) == 4 * 4 + 1
    for name in first:
        assert first[name] == second[name], name


def test_unchanged_documents_are_not_rebuilt(trust):
    first = build(trust)
    assert first.rebuilt == tuple(ALL)
    before = stamps(trust / "build")
    fake = Counting()
    again = build(trust, fake)
    assert again.rebuilt == () and fake.outputs == []
    assert again.documents == tuple(ALL) and len(again.files) == len(ALL) * 2 + 1
    assert touched(before, stamps(trust / "build")) == set()  # not even the manifest


def test_a_repeated_request_stops_before_loading_anything(trust, monkeypatch):
    stage = importlib.import_module("policykit.commands.build")  # the module (policykit.build is the function)
    build(trust)
    build(trust, settings=["beta"])  # another request: loads, finds nothing to do
    loaded = []
    monkeypatch.setattr(stage, "validate", lambda root: loaded.append(root) or pytest.fail("loaded"))
    again = build(trust, settings=["beta"])
    assert again.documents == ("beta/phones", "beta/remote") and again.rebuilt == () and loaded == []
    monkeypatch.undo()
    (trust / "build" / "beta" / "remote.html").unlink()  # an output gone: the full check runs
    assert build(trust, settings=["beta"]).rebuilt == ("beta/remote",)


def test_one_clause_edit_rebuilds_exactly_the_documents_holding_it(trust):
    build(trust)
    before = stamps(trust / "build")
    # rw-platform applies to secondary schools only, and only the remote policy holds it
    (trust / "clauses" / "remote-working" / "rw-platform.md").write_text(
        CLAUSE_PLATFORM.replace("Teach live lessons", "Always teach live lessons"))
    fake = Counting()
    result = build(trust, fake)
    assert result.rebuilt == ("beta/remote", "epsilon/remote", "gamma/remote")
    assert fake.outputs == ["html5"] * 3
    assert {n.split(".")[0] for n in touched(before, stamps(trust / "build"))} == \
        {"beta/remote", "epsilon/remote", "gamma/remote", "manifest"}

    # rw-phones is in every document
    (trust / "clauses" / "remote-working" / "rw-phones.md").write_text(
        CLAUSE_PHONES.replace("dial 141 first", "always dial 141 first"))
    assert build(trust).rebuilt == tuple(ALL)


def test_settings_edit_rebuilds_only_that_school(trust):
    build(trust)
    (trust / "settings" / "delta.yaml").write_text(
        SCHOOL.format(name="Delta Primary", urn="100004", phase="primary").replace("Ann Head", "Ann Newhead"))
    result = build(trust)
    assert result.rebuilt == ("delta/phones", "delta/remote")


def test_a_setting_no_text_uses_renders_again_but_converts_nothing(trust):
    build(trust)
    before = stamps(trust / "build")
    school = SCHOOL.format(name="Delta Primary", urn="100004", phase="primary")
    (trust / "settings" / "delta.yaml").write_text(school + "  online_safety_lead: {name: Ola Lead}\n")
    fake = Counting()
    result = build(trust, fake)
    if result.rebuilt:  # the cover's key people list shows the new person: a real change
        assert result.rebuilt == ("delta/phones", "delta/remote")
    else:
        assert fake.outputs == [] and touched(before, stamps(trust / "build")) <= {"manifest.json"}


def test_deleted_or_altered_output_is_rebuilt(trust):
    build(trust)
    out = trust / "build"
    (out / "alpha" / "remote.html").unlink()
    (out / "beta" / "phones.md").write_text("edited by hand\n")
    before = stamps(out)
    fake = Counting()
    result = build(trust, fake)
    assert result.rebuilt == ("alpha/remote", "beta/phones")
    assert fake.outputs == ["html5"]  # only the missing HTML needed pandoc; the Markdown is rewritten
    assert {n.split(".")[0] for n in touched(before, stamps(out))} == {"alpha/remote", "beta/phones"}
    assert (out / "beta" / "phones.md").read_text() != "edited by hand\n"


def test_version_change_and_force_rebuild_everything(trust, monkeypatch):
    build(trust)
    monkeypatch.setattr(policykit.version, "VERSION", "99.0.0")
    assert build(trust).rebuilt == tuple(ALL)
    manifest = json.loads((trust / "build" / "manifest.json").read_text())
    assert manifest["policykit"] == "99.0.0" and manifest["tools"]["policykit"] == "99.0.0"
    assert build(trust).rebuilt == ()
    fake = Counting()
    assert build(trust, fake, force=True).rebuilt == tuple(ALL)
    assert len(fake.outputs) == len(ALL)


def test_a_new_format_builds_only_that_format_and_keeps_the_others(trust):
    build(trust, formats="md")
    fake = Counting()
    assert build(trust, fake, formats="md,html").rebuilt == tuple(ALL)
    assert fake.outputs == ["html5"] * len(ALL)
    entry = json.loads((trust / "build" / "manifest.json").read_text())["documents"]["alpha/remote"]
    assert sorted(entry["outputs"]) == ["html", "md"]
    assert build(trust, formats="md").rebuilt == ()


def test_documents_not_selected_stay_in_the_manifest(trust):
    build(trust)
    (trust / "clauses" / "remote-working" / "rw-phones.md").write_text(
        CLAUSE_PHONES.replace("dial 141 first", "always dial 141 first"))
    result = build(trust, settings=["alpha"])
    assert result.rebuilt == ("alpha/phones", "alpha/remote")
    manifest = json.loads((trust / "build" / "manifest.json").read_text())
    assert sorted(manifest["documents"]) == ALL
    assert build(trust).rebuilt == tuple(k for k in ALL if not k.startswith("alpha/"))


def test_shards_partition_the_build_and_merge_to_the_serial_manifest(trust, tmp_path):
    whole = build(trust, out=tmp_path / "whole", jobs=1)
    serial = json.loads((tmp_path / "whole" / "manifest.json").read_text())
    for count in (1, 2, 3, 4):
        out = tmp_path / f"shards-{count}"
        parts = [build(trust, out=out, shard=f"{k}/{count}") for k in range(1, count + 1)]
        keys = [set(p.documents) for p in parts]
        assert set().union(*keys) == set(whole.documents)
        assert sum(len(k) for k in keys) == len(whole.documents)  # pairwise disjoint
        for k, part in enumerate(parts, 1):
            assert all(shard_of(key, count) == k for key in part.documents)
            own = json.loads((out / f"manifest.shard-{k}-of-{count}.json").read_text())
            assert sorted(own["documents"]) == sorted(part.documents) and own["shard"] == f"{k}/{count}"
        merged = json.loads(policykit.merge_manifests(out).read_text())
        assert merged == {k: v for k, v in serial.items() if k != "build"}  # "build": the last request
        assert snapshot(out).keys() - {f"manifest.shard-{k}-of-{count}.json" for k in range(1, count + 1)} == \
            snapshot(tmp_path / "whole").keys()
    # a shard built again is incremental, like any build
    assert build(trust, out=tmp_path / "shards-2", shard="2/2").rebuilt == ()


def test_merge_needs_every_shard(trust, tmp_path):
    build(trust, out=tmp_path / "out", shard="1/3")
    with pytest.raises(policykit.PolicykitError, match="missing shard manifests: 2/3, 3/3"):
        policykit.merge_manifests(tmp_path / "out")


def test_batches_are_even_and_cover_everything():
    assert batches([], 2) == []
    for n in range(1, 60):
        for jobs in (1, 2, 3, 4):
            parts = batches(list(range(n)), jobs)
            assert [x for p in parts for x in p] == list(range(n))
            assert max(len(p) for p in parts) <= 12
            sizes = [len(p) for p in parts]
            assert min(sizes) >= 1
            if len(parts) > jobs:  # the last batches are the small ones
                assert max(sizes[-jobs:]) <= min(sizes[:jobs])
    assert [len(p) for p in batches(list(range(50)), 2)] == [9, 9, 8, 8, 4, 4, 4, 4]
    assert [len(p) for p in batches(list(range(20)), 2)] == [10, 10]  # small builds: one batch a worker


def test_cli_jobs_force_shard_and_merge(trust):
    runner = CliRunner()
    args = ["build", "--root", str(trust), "--format", "md"]
    first = runner.invoke(main, [*args, "--jobs", "2"])
    assert first.exit_code == 0, first.output
    assert f"built {len(ALL)} documents ({len(ALL)} files, {len(ALL)} changed; {len(ALL)} rebuilt, 0 up to date)" \
        in first.output
    again = runner.invoke(main, args)
    assert f"0 rebuilt, {len(ALL)} up to date" in again.output
    forced = runner.invoke(main, [*args, "--force"])
    assert f"{len(ALL)} rebuilt" in forced.output and "0 changed" in forced.output
    for k in (1, 2):
        assert runner.invoke(main, [*args, "--shard", f"{k}/2"]).exit_code == 0
    merged = runner.invoke(main, ["merge-manifests", "--out", str(trust / "build")])
    assert merged.exit_code == 0, merged.output
    for bad in (["--shard", "3/2"], ["--shard", "half"], ["--jobs", "0"]):
        result = runner.invoke(main, [*args, *bad])
        assert result.exit_code == 2, (bad, result.output)


def test_a_new_logo_rebuilds_every_document(trust):
    from tests.test_documents import LOGO_TRUST, png

    (trust / "settings" / "trust.yaml").write_text(LOGO_TRUST)
    (trust / "settings" / "images").mkdir()
    logo = trust / "settings" / "images" / "logo.png"
    logo.write_bytes(png())
    build(trust)
    assert build(trust).rebuilt == ()
    logo.write_bytes(png(rgb=(0, 80, 40)))  # same file name, a new picture: every cover shows it
    assert build(trust).rebuilt == tuple(ALL)
    assert build(trust).rebuilt == ()


# --- the stat cache: a no-op build need not read every output again ------------------------

def reads_under(folder: Path, monkeypatch) -> list[str]:
    """Record every output file the build reads from `folder` from now on."""
    read: list[str] = []
    real = Path.read_bytes

    def spy(self: Path) -> bytes:
        if folder in self.parents and self.suffix in (".md", ".html", ".docx", ".pdf"):
            read.append(str(self.relative_to(folder)))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    return read


def test_a_no_op_build_trusts_files_that_look_as_they_were_left(trust, monkeypatch):
    monkeypatch.setattr(statcache, "RACY_NS", 0)  # no file is too new to trust
    build(trust)
    read = reads_under(trust / "build", monkeypatch)
    assert build(trust, settings=["alpha"]).rebuilt == ()  # another request: the full check runs
    assert build(trust, settings=["beta"]).rebuilt == ()
    assert read == []  # every output known by its size, times and inode: none read


def test_a_file_edited_by_hand_is_caught_even_with_its_old_size_and_mtime(trust, monkeypatch):
    monkeypatch.setattr(statcache, "RACY_NS", 0)
    build(trust)
    path = trust / "build" / "alpha" / "remote.html"
    before = path.stat()
    data = path.read_bytes()
    path.write_bytes(data.replace(b"<p>", b"<P>", 1))  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the old modification time
    assert path.stat().st_size == before.st_size
    assert build(trust).rebuilt == ("alpha/remote",)
    assert path.read_bytes() == data


def test_files_too_new_to_trust_are_read_again(trust, monkeypatch):
    monkeypatch.setattr(statcache, "RACY_NS", 10**18)  # every file written "just now"
    build(trust)
    read = reads_under(trust / "build", monkeypatch)
    assert build(trust, settings=["alpha"]).rebuilt == ()
    assert sorted(read) == ["alpha/phones.html", "alpha/phones.md", "alpha/remote.html", "alpha/remote.md"]


def test_a_damaged_stat_cache_costs_a_full_check_and_nothing_else(trust, monkeypatch):
    monkeypatch.setattr(statcache, "RACY_NS", 0)
    build(trust)
    (trust / "build" / statcache.STAT_CACHE).write_text("{not json")
    read = reads_under(trust / "build", monkeypatch)
    assert build(trust, settings=["alpha"]).rebuilt == ()
    assert len(read) == 4
    read.clear()
    assert build(trust, settings=["alpha"], formats="md").rebuilt == ()  # the cache was rebuilt
    assert read == []
