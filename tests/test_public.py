"""Public copies (build --public, site --public): no private value reaches any file, in any format."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

import policykit
from policykit.cli import main
from policykit.core.load import load
from policykit.core.public import DEFAULT_PRIVATE, PublicCopy, public_copy
from policykit.core.resolve import resolve
from policykit.core.validate import validate

AS_OF = "2026-12-03"


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def trust(example_trust: Path, tmp_path: Path) -> Path:
    """A copy of the example trust of this test's own, to edit."""
    root = tmp_path / "trust"
    shutil.copytree(example_trust / "clauses", root / "clauses")
    shutil.copytree(example_trust / "settings", root / "settings")
    return root


def add_public(root: Path, text: str) -> None:
    with (root / "settings" / "trust.yaml").open("a", encoding="utf-8") as f:
        f.write("\npublic:\n" + text)


def private_values(root: Path) -> set[str]:
    """Every private value the settings and the ledger hold: each school's contact details that
    the trust's rules name, and every minute reference and recorder in the ledger."""
    project = validate(load(root))
    rules = public_copy(project.trust)
    found: set[str] = set()
    for doc in resolve(project).documents:
        found |= rules.values(doc.context)
    found |= {a.minute for a in project.approvals} | {a.recorded_by for a in project.approvals}
    return found


def texts(path: Path) -> str:
    """What a reader (or a search engine) could find in a file: raw Markdown or HTML, the PDF's
    text and metadata, every XML part of a Word file (text, core properties, comments, alt text)."""
    if path.suffix == ".pdf":
        reader = PdfReader(path)
        meta = " ".join(str(v) for v in (reader.metadata or {}).values())
        xmp = reader.xmp_metadata
        raw = xmp.stream.get_data().decode("utf-8", "replace") if xmp is not None else ""
        return meta + " " + raw + " " + " ".join(page.extract_text() or "" for page in reader.pages)
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as z:
            return " ".join(re.sub(r"<[^>]+>", " ", z.read(n).decode("utf-8", "replace")) + " " +
                            z.read(n).decode("utf-8", "replace") for n in z.namelist()
                            if n.endswith((".xml", ".rels")))
    return path.read_text(encoding="utf-8")


def leaks(text: str, values: set[str]) -> set[str]:
    """The values found in `text`, also across line breaks (a wrapped address or number)."""
    spaced = " ".join(text.split())
    packed = "".join(text.split())
    return {v for v in values if v in spaced or "".join(v.split()) in packed}


def test_default_rules_keep_names_and_public_services() -> None:
    rules = PublicCopy()
    context = {
        "people": {"dsl": {"name": "Ann Lee", "email": "a.lee@x.example", "phone": "0121 496 0001"},
                   "deputy_dsls": ({"name": "Bo Day", "email": "b.day@x.example"},)},
        "la": {"lado": {"name": "LADO", "phone": "01632 960 411"}},
        "school": {"name": "X School", "phone": "0121 496 0000"},
        "reporting": {"data_breach": "tell the DPO at a.lee@x.example", "it_support": {"name": "Desk", "phone": "1"}},
        "policy": {"id": "p"},
    }
    out = rules.context(context)
    assert out["people"]["dsl"] == {"name": "Ann Lee"}
    assert out["people"]["deputy_dsls"] == [{"name": "Bo Day"}]
    assert out["la"]["lado"]["phone"] == "01632 960 411" and out["school"]["phone"] == "0121 496 0000"
    assert out["reporting"]["data_breach"] == "tell the DPO at the school office"
    assert out["reporting"]["it_support"] == {"name": "Desk"}
    assert rules.minutes and rules.is_private(("approval", "recorded_by"))
    assert public_copy({}) == PublicCopy(DEFAULT_PRIVATE)


def test_unknown_names_are_located_with_a_hint(trust: Path) -> None:
    add_public(trust, "  private: [people.*.emial, approval.minutes, people.dsl.phone]\n")
    result = run("validate", "--root", str(trust))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(re.match(r"settings/trust\.yaml:\d+:\d+: public\.private\[0\]: 'people\.\*\.emial' names no value"
                        r".*did you mean 'people\.\*\.email'", line) for line in lines), result.output
    assert any("public.private[1]" in line and "did you mean 'approval.minute'" in line for line in lines)
    assert "private[2]" not in result.output
    assert "Traceback" not in result.output


def test_a_badly_formed_name_or_key_is_a_schema_error(trust: Path) -> None:
    add_public(trust, "  private: [email]\n  contacts: the office\n")
    result = run("validate", "--root", str(trust))
    assert result.exit_code == 1
    assert "public.private[0]" in result.output and "people.*.email" in result.output
    assert "public.contacts" in result.output or "contacts" in result.output


def test_public_md_leaves_out_private_values_and_keeps_the_approval(trust: Path) -> None:
    values = private_values(trust)
    assert "r.simmons@oakfield-academy.example" in values and "OAK/LAC/26/06" in values
    staff = policykit.build(trust, ["oakfield", "little-acorns"], formats="md")
    public = policykit.build(trust, ["oakfield", "little-acorns"], formats="md", public=True)
    assert public.out == trust / "build" / "public"
    staff_text = " ".join(p.read_text(encoding="utf-8") for p in staff.files if p.suffix == ".md")
    assert leaks(staff_text, values) >= {"r.simmons@oakfield-academy.example", "0121 496 0815", "OAK/LAC/26/06"}
    for path in (p for p in public.files if p.suffix == ".md"):
        text = path.read_text(encoding="utf-8")
        assert not leaks(text, values), (path, leaks(text, values))
        assert "Public copy for the school's website" in text
        own = (staff.out / path.relative_to(public.out)).read_text(encoding="utf-8")
        assert "Email: " not in text and "Phone: " not in text
        assert text.count("| |") == own.count("| |")  # no cell emptied (the forms' blanks are the staff copy's)
    md = (trust / "build" / "public" / "oakfield" / "acceptable-use.md").read_text(encoding="utf-8")
    assert "| Rachel Simmons, Assistant Principal (Safeguarding) | Through the school office |" in md
    assert "Brookfield Allegations Management (LADO) | lado@brookfield.example; 0121 496 0720 |" in md
    assert "0121 496 0810" in md  # the school office
    # the same text as the staff copy for approval: an approved staff text is approved in public too
    acorns = (trust / "build" / "public" / "little-acorns" / "acceptable-use.md").read_text(encoding="utf-8")
    assert "approval-status: \"Approved\"" in acorns and "minute" not in acorns.lower()
    # the version in force is made from the archive with the same values taken out
    force = (trust / "build" / "public" / "oakfield" / "in-force" / "code-of-conduct.md").read_text(encoding="utf-8")
    assert "Approved by the Local Academy Committee on 8 October 2026." in force and not leaks(force, values)


def test_the_trust_chooses_what_is_private(trust: Path) -> None:
    add_public(trust, "  private: [people.*.email, approval.recorded_by]\n  contact: the main office\n")
    policykit.build(trust, ["oakfield"], ["acceptable-use"], formats="md", public=True)
    md = (trust / "build" / "public" / "oakfield" / "acceptable-use.md").read_text(encoding="utf-8")
    assert "r.simmons@oakfield-academy.example" not in md
    assert "0121 496 0815" in md  # phones are no longer private
    assert "Contact the main office" in md


def test_public_and_staff_copies_never_share_a_folder_or_a_key(trust: Path, tmp_path: Path) -> None:
    staff = tmp_path / "staff"
    policykit.build(trust, ["little-acorns"], formats="md", out=staff)
    result = run("build", "--root", str(trust), "--setting", "little-acorns", "--format", "md", "--public",
                 "--out", str(staff))
    assert result.exit_code == 2 and "holds the staff copies" in result.output
    public = policykit.build(trust, ["little-acorns"], formats="md", public=True)
    result = run("build", "--root", str(trust), "--setting", "little-acorns", "--format", "md",
                 "--out", str(public.out))
    assert result.exit_code == 2 and "holds the public copies" in result.output
    a = json.loads((staff / "manifest.json").read_text(encoding="utf-8"))
    b = json.loads((public.out / "manifest.json").read_text(encoding="utf-8"))
    assert b["tools"]["copy"] == "public" and "copy" not in a["tools"]
    key = "little-acorns/acceptable-use"
    assert a["documents"][key]["inputs_sha256"] != b["documents"][key]["inputs_sha256"]
    again = policykit.build(trust, ["little-acorns"], formats="md", public=True)
    assert again.rebuilt == () and again.changed == ()


def test_shards_of_the_two_copies_do_not_merge(trust: Path, tmp_path: Path) -> None:
    staff, public, both = tmp_path / "s", tmp_path / "p", tmp_path / "both"
    policykit.build(trust, ["little-acorns"], formats="md", out=staff, shard="1/2")
    policykit.build(trust, ["little-acorns"], formats="md", out=public, shard="2/2", public=True)
    both.mkdir()
    shutil.copy(staff / "manifest.shard-1-of-2.json", both)
    shutil.copy(public / "manifest.shard-2-of-2.json", both)
    result = run("merge-manifests", "--out", str(both))
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_only_published_policies_have_public_copies(trust: Path) -> None:
    path = trust / "clauses" / "policies" / "remote-working.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("published: true", "published: false"), encoding="utf-8")
    result = policykit.build(trust, ["little-acorns"], formats="md", public=True)
    assert "little-acorns/remote-working" not in result.documents and "little-acorns/acceptable-use" in result.documents
    cli = run("build", "--root", str(trust), "--public", "--policy", "remote-working", "--format", "md")
    assert cli.exit_code == 2 and "not published" in cli.output


def test_the_whole_public_trust_and_site_hold_no_private_value(trust: Path) -> None:
    """The example trust's public build in every format, and its public site: no email, phone
    number, minute reference or recorder the rules make private, in any file."""
    values = private_values(trust)
    result = run("site", "--root", str(trust), "--public", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    built = policykit.build(trust, formats="md,docx,pdf,html", public=True, as_of=None)
    out = trust / "build" / "public"
    files = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".md", ".html", ".pdf", ".docx")]
    assert {p.suffix for p in files} == {".md", ".html", ".pdf", ".docx"}
    assert len([p for p in files if "in-force" in p.parts]) >= 4
    for path in files:
        found = leaks(texts(path), values)
        assert not found, (path, found)
    for path in (p for p in files if p.suffix == ".html"):
        html = path.read_text(encoding="utf-8")
        assert not any(v in m for m in re.findall(r'(?:mailto|tel):[^"\']+', html) for v in values)
    site = out / "site"
    pages = sorted(site.rglob("index.html"))
    assert pages and not (site / "library.html").exists() and not list(site.rglob("redline.html"))
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "minute" not in html.lower() and "Draft" not in html and "fingerprint" not in html.lower()
    oak = (site / "oakfield" / "index.html").read_text(encoding="utf-8")
    assert "Staff Code of Conduct" in oak and "Staff Acceptable Use Policy" not in oak  # a draft is not published
    assert (site / "oakfield" / "code-of-conduct" / "oakfield-code-of-conduct.pdf").read_bytes() == \
        (out / "oakfield" / "in-force" / "code-of-conduct.pdf").read_bytes()
    assert built.documents
    staff = policykit.build(trust, ["oakfield"], ["acceptable-use"], formats="pdf,docx")  # the check finds them there
    assert all(leaks(texts(path), values) for path in staff.files if path.suffix in (".pdf", ".docx"))


def test_a_clause_naming_a_private_value_without_asking_reads_the_contact_words(trust: Path) -> None:
    """`{{ people.dpo.email }}` with no `is defined` guard: the staff copy gives the address, the
    public copy "the school office"; a guarded use (`is defined`, `if`) still leaves its words out."""
    path = trust / "clauses" / "acceptable-use" / "aup-data-security.md"
    text = path.read_text(encoding="utf-8")
    marker = "If you think personal data has been lost"
    assert marker in text
    path.write_text(text.replace(marker, "Write to {{ people.dpo.email }} first."
                                 "{% if people.dpo.email %} Or copy in {{ people.dpo.email }}.{% endif %} " + marker,
                                 1), encoding="utf-8")
    staff = policykit.build(trust, ["oakfield"], ["acceptable-use"], formats="md")
    staff_md = next(p for p in staff.files if p.suffix == ".md").read_text(encoding="utf-8")
    email = re.search(r"Write to (\S+@\S+) first\.", staff_md)
    assert email and f"Or copy in {email.group(1)}." in staff_md
    public = policykit.build(trust, ["oakfield"], ["acceptable-use"], formats="md", public=True)
    public_md = next(p for p in public.files if p.suffix == ".md").read_text(encoding="utf-8")
    assert "Write to the school office first." in public_md
    assert "Or copy in" not in public_md and email.group(1) not in public_md
