"""End to end: build real DOCX, PDF and HTML with pandoc and Typst, and read them back."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

import policykit
from policykit.cli import main
from tests.conftest import SCHOOL
from tests.readers import docx_text, html_text, pdf_text, squash

HOSTILE_NAME = "St Mary's C of E (VA) Primary *Academy* & Nursery <EYFS>"
HOSTILE_CONTACT = "{{ 7*7 }}"


def test_example_trust_every_school_gets_docx_and_pdf(example_trust, example_build):
    project = policykit.validate(example_trust)
    for sid, setting in project.settings.items():
        for pid in project.library.policies:
            for reader, suffix in ((docx_text, "docx"), (pdf_text, "pdf")):
                text = reader(example_build / sid / f"{pid}.{suffix}")
                assert squash(setting.name) in text, (sid, pid, suffix)
                verdict = next(r for r in policykit.status(example_trust).rows if (r.setting, r.policy) == (sid, pid))
                if verdict.first_approval:  # the first approval was due 12 months after the library release
                    assert "First approval due by" in text, (sid, pid, suffix)
                else:
                    assert "Next review" in text and verdict.next_review.strftime("%Y") in text, (sid, pid, suffix)
                if verdict.state == "approved":
                    assert "Draft: not approved" not in text and "Approved by the" in text, (sid, pid, suffix)


def test_clause_text_reaches_every_format(mini, tmp_path):
    root = mini()
    policykit.build(root)
    sentence = "If you must use your own phone, dial 141 first. Ask Dev Lead if unsure."
    for suffix, reader in (("docx", docx_text), ("pdf", pdf_text), ("html", html_text)):
        text = reader(root / "build" / "alpha" / f"remote.{suffix}")
        assert sentence in text, suffix
        assert "Alpha Primary School" in text and "Test Learning Trust" in text
        assert "Chair of Governors" in text and "Cy Chair" in text and "Ann Head" in text
    assert sentence in (root / "build" / "alpha" / "remote.md").read_text()


def test_values_appear_literally_in_every_format(mini):
    school = SCHOOL.format(name='"' + HOSTILE_NAME + '"', urn="100001", phase="primary").replace(
        "  dsl: {name: Dev Lead}", f"  dsl: {{name: Dev Lead, phone: '{HOSTILE_CONTACT}'}}")
    root = mini({"settings/alpha.yaml": school})
    policykit.build(root, settings=["alpha"])
    out = root / "build" / "alpha"
    for suffix, reader in (("docx", docx_text), ("pdf", pdf_text), ("html", html_text)):
        text = reader(out / f"remote.{suffix}")
        assert HOSTILE_NAME in text, suffix
        assert HOSTILE_CONTACT in text, suffix
        assert "49" not in text.replace("100001", ""), suffix
    # the PDF's own metadata and the DOCX core properties hold the same literal text
    assert docx.Document(str(out / "remote.docx")).core_properties.title == "Remote Working Policy"
    header = PdfReader(str(out / "remote.pdf")).pages[1].extract_text()
    assert HOSTILE_NAME in header


def test_pdf_and_docx_properties(mini):
    root = mini()
    policykit.build(root, formats="docx,pdf")
    reader = PdfReader(str(root / "build" / "beta" / "remote.pdf"))
    assert reader.metadata.title == "Remote Working Policy"
    assert reader.metadata.author == "Test Learning Trust"
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    props = docx.Document(str(root / "build" / "beta" / "remote.docx")).core_properties
    assert props.author == "Test Learning Trust"
    assert not (root / "build" / "beta" / "remote.html").exists()


def test_same_inputs_build_identical_bytes(mini, tmp_path):
    root = mini()
    first, second = tmp_path / "one", tmp_path / "two"
    policykit.build(root, out=first)
    policykit.build(root, out=second)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file() and not p.name.startswith("."))
    assert len(files) == 2 * 4 + 1
    for rel in files:
        assert hashlib.sha256((first / rel).read_bytes()).digest() == \
            hashlib.sha256((second / rel).read_bytes()).digest(), rel


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every output file's bytes (not the hidden stat cache: it records inodes and times)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and not p.name.startswith(".")}


def test_failed_build_leaves_earlier_outputs_whole(mini):
    root = mini()
    policykit.build(root)
    before = snapshot(root / "build")
    # an invalid settings file: nothing is built, nothing changes
    (root / "settings" / "beta.yaml").write_text("school: {name: Beta}\n")
    with pytest.raises(policykit.PolicykitError):
        policykit.build(root)
    assert snapshot(root / "build") == before

    # a converter that dies part-way: still nothing changes
    (root / "settings" / "alpha.yaml").write_text(
        SCHOOL.format(name="Alpha Renamed", urn="100001", phase="primary"))
    (root / "settings" / "beta.yaml").write_text(SCHOOL.format(name="Beta", urn="100002", phase="secondary"))

    class Dying:
        def convert(self, jobs):
            raise policykit.PolicykitError("pandoc crashed")

    with pytest.raises(policykit.PolicykitError):
        policykit.build(root, converter=Dying())
    assert snapshot(root / "build") == before


def test_read_only_output_folder_is_a_clear_error(mini, tmp_path):
    import os

    if os.geteuid() == 0:
        # root ignores permissions: use a path under a regular file instead
        blocker = tmp_path / "file"
        blocker.write_text("x")
        out = blocker / "out"
    else:
        out = tmp_path / "ro"
        out.mkdir()
        out.chmod(0o500)
    result = CliRunner().invoke(main, ["build", "--root", str(mini()), "--format", "md", "--out", str(out)])
    assert result.exit_code == 3
    assert "nothing was changed" in result.output
    assert "Traceback" not in result.output


def test_cli_build_and_usage_errors(mini):
    root = mini()
    runner = CliRunner()
    result = runner.invoke(main, ["build", "--root", str(root), "--setting", "beta", "--format", "md,docx"])
    assert result.exit_code == 0, result.output
    assert "built 1 documents" in result.output
    assert sorted(p.name for p in (root / "build" / "beta").iterdir()) == ["remote.docx", "remote.md"]
    assert not (root / "build" / "alpha").exists()

    bad = runner.invoke(main, ["build", "--root", str(root), "--setting", "bta"])
    assert bad.exit_code == 2
    assert "--setting: unknown school 'bta' (did you mean 'beta'?)" in bad.output
    fmt = runner.invoke(main, ["build", "--root", str(root), "--format", "docx,pfd"])
    assert fmt.exit_code == 2 and "did you mean 'pdf'?" in fmt.output


def test_manifest_records_inputs_and_hashes(mini):
    import json

    root = mini()
    policykit.build(root, formats="md")
    manifest = json.loads((root / "build" / "manifest.json").read_text())
    entry = manifest["documents"]["beta/remote"]
    assert entry["clauses"] == {"rw-phones": "1.1.0", "rw-platform": "1.0.0"}
    md = (root / "build" / "beta" / "remote.md").read_bytes()
    assert entry["outputs"]["md"] == {"path": "beta/remote.md", "sha256": hashlib.sha256(md).hexdigest(),
                                      "input_sha256": entry["outputs"]["md"]["input_sha256"]}
    assert manifest["library_release"] == "2025.1"


@pytest.mark.parametrize("out, message", [
    ("", ". is the trust's own folder"),  # click reads '' as the current folder
    (".", ". is the trust's own folder"),
    ("clauses", "clauses is inside the trust's clauses/ folder"),
    ("settings/out", "settings/out is inside the trust's settings/ folder"),
    ("..", ".. holds the trust's clauses/ folder"),
])
def test_an_output_folder_over_the_trusts_own_files_is_refused(mini, monkeypatch, out, message):
    root = mini()
    monkeypatch.chdir(root)
    before = sorted(p.relative_to(root.parent) for p in root.parent.rglob("*"))
    result = CliRunner().invoke(main, ["build", "--format", "md", "--out", out])
    assert result.exit_code == 2, result.output
    assert f"--out: {message} (use build/, the default, or a folder outside clauses/ and settings/)" in result.stderr
    assert sorted(p.relative_to(root.parent) for p in root.parent.rglob("*")) == before


def test_a_build_that_fails_validation_creates_nothing(mini):
    root = mini({"settings/alpha.yaml": "school: [broken\n"})
    with pytest.raises(policykit.PolicykitError):
        policykit.build(root)
    assert not (root / "build").exists()


def test_the_same_trust_in_two_folders_builds_the_same_bytes(example_trust, example_build, tmp_path):
    """No path of the machine in any output, nor in the manifest's keys: a trust checked out in two
    folders builds byte-identical files (the stat cache, which records inodes, is not an output)."""
    other = tmp_path / "elsewhere" / "deeper"
    shutil.copytree(example_trust / "clauses", other / "clauses")
    shutil.copytree(example_trust / "settings", other / "settings")
    policykit.build(other)
    theirs = {p.relative_to(other / "build"): p for p in (other / "build").rglob("*") if p.is_file()
              and p.name != ".policykit-stat.json"}
    assert len(theirs) >= 80 + 1  # 20 documents in 4 formats (and the versions in force), the manifest
    different = [str(rel) for rel, path in theirs.items() if (example_build / rel).read_bytes() != path.read_bytes()]
    assert not different
    assert str(example_trust) not in (example_build / "manifest.json").read_text()
