"""`policykit import`: a Word policy made with python-docx (not pandoc) becomes clause files and a
policy definition that validate accepts and the build turns back into a Word document."""

from __future__ import annotations

import base64
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from click.testing import CliRunner
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

import policykit
from policykit.cli import main
from policykit.errors import UsageError
from policykit.outputs.pandoc import pandoc_path

# a 1x1 PNG, for a picture the import must leave out
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9aw"
                       "AAAABJRU5ErkJggg==")


def bullets(document) -> int:
    """A two-level bulleted list definition, as Word makes one (python-docx's own template has only
    one-level lists); its number id."""
    numbering = document.part.numbering_part.element
    levels = "".join(f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="{c}"/>'
                     f'<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="{720 * (i + 1)}" w:hanging="360"/></w:pPr></w:lvl>'
                     for i, c in enumerate("\u2022o"))
    numbering.insert(0, parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
                                  f'<w:multiLevelType w:val="hybridMultilevel"/>{levels}</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    return 90


def nest(paragraph, num_id: int, level: int) -> None:
    """Put a list paragraph at `level` (0 the outermost) of list `num_id`, as Word nests lists."""
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def word_policy(path: Path, *, picture: bool = False, tracked: bool = False, extra: str = "") -> Path:
    d = docx.Document()
    d.core_properties.title = "Mobile Phones Policy"
    d.core_properties.author = "Mrs J Smith"
    d.add_paragraph("Mobile Phones Policy", style="Title")
    d.add_heading("1. Purpose and scope", level=1)
    d.add_paragraph("This policy applies to everyone at Alpha Primary School, on site and on trips.")
    d.add_heading("2. Roles and responsibilities", level=1)
    d.add_heading("The headteacher", level=2)
    d.add_paragraph("Headteacher: Mrs J Smith checks each term that:")
    listed = bullets(d)
    for text, level in (("staff know the rules", 0), ("including supply staff", 1), ("visitors are told", 0)):
        nest(d.add_paragraph(text, style="List Paragraph"), listed, level)
    d.add_heading("The designated safeguarding lead", level=2)
    d.add_paragraph("Dev Lead keeps the record. Write to dsl@alpha.example or call 01632 960 123.")
    d.add_heading("3. Using phones", level=1)
    d.add_heading("Lost phones", level=2)
    d.add_paragraph("If a phone is lost:")
    for text in ("tell the office", "change your passwords", "write down what happened"):
        d.add_paragraph(text, style="List Number")
    table = d.add_table(rows=3, cols=2)
    table.style = "Table Grid"
    for r, (who, what) in enumerate((("Who", "Where phones go"), ("Pupils", "The office"), ("Staff", "A locker"))):
        table.cell(r, 0).text, table.cell(r, 1).text = who, what
    if extra:
        d.add_paragraph(extra)
    if picture:
        image = path.parent / "dot.png"
        image.write_bytes(PNG)
        d.add_picture(str(image))
    if tracked:
        p = d.add_paragraph("Phones are checked ")
        if hasattr(d, "add_comment"):  # python-docx 1.2 and later
            d.add_comment(p.runs, text="Is weekly right?", author="Ed")
        p._p.append(parse_xml(f'<w:ins {nsdecls("w")} w:id="1" w:author="Ed" w:date="2025-01-01T00:00:00Z">'
                              '<w:r><w:t>every week.</w:t></w:r></w:ins>'))
    d.add_heading("Empty heading", level=1)
    d.add_heading("4. Review", level=1)
    d.add_paragraph("The policy is reviewed every year.\uf0b7")
    d.save(path)
    return path


def front(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    _, meta, body = text.split("---\n", 2)
    return yaml.safe_load(meta), body


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def trust(mini) -> Path:
    return mini()


def test_import_writes_clauses_and_policy_that_validate_and_build(trust, tmp_path):
    source = word_policy(tmp_path / "Mobile phones.docx")
    result = policykit.import_docx(trust, source, "mobile-phones", "mobile-phones")
    folder = trust / "clauses" / "mobile-phones"
    ids = [c.id for c in result.clauses]
    assert ids == ["mp-purpose-and-scope", "mp-the-headteacher", "mp-the-designated-safeguarding-lead",
                   "mp-lost-phones", "mp-review"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{i}.md" for i in ids)
    # front matter: what the schema asks, the source named with the document's title
    meta, body = front(folder / "mp-the-headteacher.md")
    assert meta["id"] == "mp-the-headteacher" and meta["version"] == "0.1.0"
    assert meta["title"] == "The headteacher" and meta["section"] == "mobile-phones" and meta["covers"] == []
    assert meta["source"] == ["Imported from Mobile phones.docx (Word): title 'Mobile Phones Policy', last saved "
                              + meta["source"][0].rsplit(" ", 1)[-1]]
    assert meta["changelog"][0]["version"] == "0.1.0"
    assert "Roles and responsibilities > The headteacher" in meta["changelog"][0]["note"]
    # the bulleted list kept, with its nesting
    assert "- staff know the rules\n  - including supply staff\n- visitors are told" in body
    _, lost = front(folder / "mp-lost-phones.md")
    assert "1.  tell the office\n2.  change your passwords\n3.  write down what happened" in lost
    assert "| Pupils | The office" in lost and "| Who" in lost and "|---" in lost
    # the policy follows the document's structure
    definition = yaml.safe_load((trust / "clauses" / "policies" / "mobile-phones.yaml").read_text(encoding="utf-8"))
    assert definition["title"] == "Mobile Phones Policy" and definition["version"] == "0.1.0"
    assert definition["parts"] == [
        {"heading": "Purpose and scope", "clauses": ["mp-purpose-and-scope"]},
        {"heading": "Roles and responsibilities",
         "clauses": ["mp-the-headteacher", "mp-the-designated-safeguarding-lead"]},
        {"heading": "Using phones", "clauses": ["mp-lost-phones"]},
        {"heading": "Review", "clauses": ["mp-review"]},
    ]
    # the new section is declared, so validate knows it
    library = yaml.safe_load((trust / "clauses" / "library.yaml").read_text(encoding="utf-8"))
    assert library["sections"] == {"mobile-phones": {"title": "Mobile phones", "prefix": "mp"}}
    # candidates listed, with their lines in the written files; nothing replaced
    listed = [str(c) for c in result.candidates]
    scope_line = 15
    assert (f"clauses/mobile-phones/mp-purpose-and-scope.md:{scope_line}:36: 'Alpha Primary School' could be "
            "{{ school.name }} (school.name in settings/alpha.yaml)") in listed
    assert any("'Mrs J Smith' could be {{ people.head.name }}" in c for c in listed)
    assert any("'Dev Lead' could be {{ people.dsl.name }}" in c for c in listed)
    assert any("'dsl@alpha.example'" in c and "email" in c for c in listed)
    assert any("'01632 960 123'" in c and "phone" in c for c in listed)
    assert (folder / "mp-purpose-and-scope.md").read_text(encoding="utf-8").splitlines()[scope_line - 1] == \
        "This policy applies to everyone at Alpha Primary School, on site and on trips."
    assert any("'Empty heading' has no text" in line for line in result.review)
    assert any("symbol font" in line for line in result.review)  # the Symbol bullet typed after the last line
    assert result.problems == ()
    policykit.validate(trust)  # clean
    built = policykit.build(trust, ["alpha"], ["mobile-phones"], "docx")
    assert built.documents
    document = docx.Document(str(trust / "build" / "alpha" / "mobile-phones.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    for expected in ("The headteacher", "including supply staff", "change your passwords",
                     "This policy applies to everyone at Alpha Primary School", "The policy is reviewed every year."):
        assert expected in text
    assert "A locker" in cells


def test_an_existing_section_gives_its_prefix_and_ids_never_clash(trust, tmp_path):
    source = word_policy(tmp_path / "phones.docx", extra="Use the phone in the office.")
    before = (trust / "clauses" / "library.yaml").read_bytes()
    d = docx.Document(str(source))
    d.add_heading("Phones", level=1)  # rw-phones is the library's already
    d.add_paragraph("Keep phones locked.")
    d.save(str(source))
    result = policykit.import_docx(trust, source, "remote-working", "phones")
    ids = [c.id for c in result.clauses]
    assert all(i.startswith("rw-") for i in ids)
    assert "rw-phones-2" in ids and not result.new_section
    assert (trust / "clauses" / "library.yaml").read_bytes() == before
    kept = (trust / "clauses" / "remote-working" / "rw-phones.md").read_text(encoding="utf-8")
    assert kept.startswith("---\nid: rw-phones")
    policykit.validate(trust)


def test_refuses_to_write_over_an_import_unless_forced(trust, tmp_path):
    source = word_policy(tmp_path / "phones.docx")
    runner = CliRunner()
    first = runner.invoke(main, ["import", str(source), "--root", str(trust), "--section", "mobile-phones",
                                 "--policy", "phones"])
    assert first.exit_code == 0, first.output
    before = snapshot(trust)
    again = runner.invoke(main, ["import", str(source), "--root", str(trust), "--section", "mobile-phones",
                                 "--policy", "phones"])
    assert again.exit_code == 2
    assert "clauses/policies/phones.yaml: exists already" in again.output
    assert "clauses/mobile-phones/mp-review.md: exists already" in again.output
    assert "Traceback" not in again.output
    assert snapshot(trust) == before
    forced = runner.invoke(main, ["import", str(source), "--root", str(trust), "--section", "mobile-phones",
                                  "--policy", "phones", "--force"])
    assert forced.exit_code == 0, forced.output
    assert sorted(p.name for p in (trust / "clauses" / "mobile-phones").iterdir()) == sorted(
        Path(p).name for p in before if p.startswith("clauses/mobile-phones/"))  # the same ids again, no -2


def test_the_command_prints_the_report_and_writes_it_as_markdown(trust, tmp_path):
    source = word_policy(tmp_path / "phones.docx", picture=True, tracked=True, extra="Some {{ braces }} {% here %}.")
    report = tmp_path / "report.md"
    result = CliRunner().invoke(main, ["import", str(source), "--root", str(trust), "--section", "mobile-phones",
                                       "--policy", "phones", "--report", str(report)])
    assert result.exit_code == 0, result.output
    out = result.output
    for expected in ("## Files written", "clauses/policies/phones.yaml", "## Candidates for settings variables",
                     "'Alpha Primary School' could be {{ school.name }}", "## For a person to review",
                     "1 picture(s)", "tracked changes (1 insertion(s)", "`policykit validate` passes",
                     "policykit build --policy phones"):
        assert expected in out
    assert report.read_text(encoding="utf-8").startswith("# Import of phones.docx")
    assert "a picture was left out" in out
    if hasattr(docx.Document(), "add_comment"):
        assert "has 1 comment(s): they were left out" in out
    # Word text that looks like a template stays text: validate and build show it as typed
    policykit.validate(trust)
    policykit.build(trust, ["alpha"], ["phones"], "docx")
    text = "\n".join(p.text for p in docx.Document(str(trust / "build" / "alpha" / "phones.docx")).paragraphs)
    assert "Some {{ braces }} {% here %}." in text
    assert "Phones are checked every week." in text  # the tracked insertion, accepted


@pytest.mark.parametrize("make, message", [
    (None, "no such file"),
    (lambda p: p.write_text("not a Word document", encoding="utf-8"), "is not a Word document (.docx)"),
    (lambda p: zipfile.ZipFile(p, "w").close(), "is a zip file but not a Word document"),
    (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)), "Word 97-2003 document (.doc)"),
])
def test_a_bad_file_is_a_clear_usage_error_and_nothing_is_written(trust, tmp_path, make, message):
    source = tmp_path / "policy.docx"
    if make is not None:
        make(source)
    before = snapshot(trust)
    result = CliRunner().invoke(main, ["import", str(source), "--root", str(trust), "--section", "mobile-phones",
                                       "--policy", "phones"])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert "nothing was written" in result.output
    assert snapshot(trust) == before


@pytest.mark.parametrize("args, message", [
    (["--section", "Mobile Phones", "--policy", "phones"], "--section: 'Mobile Phones' is not a name"),
    (["--section", "policies", "--policy", "phones"], "holds no section's clauses"),
    (["--section", "mobile-phones", "--policy", "phones_2"], "--policy: 'phones_2' is not a name"),
    (["--section", "mobile-phones", "--policy", "phones", "--report", "clauses/report.md"], "--report"),
])
def test_bad_names_are_usage_errors(trust, tmp_path, args, message):
    source = word_policy(tmp_path / "phones.docx")
    if "--report" in args:
        args = [*args[:-1], str(trust / args[-1])]
    before = snapshot(trust)
    result = CliRunner().invoke(main, ["import", str(source), "--root", str(trust), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert snapshot(trust) == before


def test_validate_knows_only_the_sections_the_library_declares(mini):
    clause = (Path(__file__).parent / "conftest.py").read_text(encoding="utf-8")
    assert "section: remote-working" in clause
    root = mini({"clauses/mobile-phones/mp-one.md": "---\nid: mp-one\nversion: 1.0.0\ntitle: One\n"
                 "section: mobile-phones\ncovers: []\nsource: [x]\nchangelog:\n  - {version: 1.0.0, date: "
                 "\"2025-09-01\", note: First.}\n---\nText.\n"})
    with pytest.raises(policykit.PolicykitError) as caught:
        policykit.validate(root)
    assert any("section: unknown section 'mobile-phones'" in str(p) for p in caught.value.problems)
    library = root / "clauses" / "library.yaml"
    library.write_text(library.read_text(encoding="utf-8") + "sections:\n  mobile-phones: {title: Mobile phones}\n",
                       encoding="utf-8")
    policykit.validate(root)


def test_the_api_raises_usage_errors(trust, tmp_path):
    with pytest.raises(UsageError):
        policykit.import_docx(trust, tmp_path / "missing.docx", "mobile-phones", "phones")


def test_a_document_without_heading_styles_splits_at_its_bold_lines(trust, tmp_path):
    d = docx.Document()
    for heading, text in (("Purpose", "Why we have rules."), ("Rules for staff", "Keep your phone away.")):
        d.add_paragraph().add_run(heading).bold = True
        d.add_paragraph(text)
    d.save(tmp_path / "plain.docx")
    result = policykit.import_docx(trust, tmp_path / "plain.docx", "mobile-phones", "plain")
    assert [(c.part, c.title) for c in result.clauses] == [("Purpose", "Purpose"),
                                                           ("Rules for staff", "Rules for staff")]
    assert any("no Word heading styles" in line for line in result.review)
    assert result.title == "Plain"


def test_candidates_by_pattern_and_from_settings():
    from policykit.core.importing.candidates import find, known_values

    known = known_values([("settings/oak.yaml", {"school": {"name": "Oak Hill Academy", "short_name": "Oak Hill"},
                                                 "people": {"dpo": {"name": "Priya Raman"}}})])
    body = ("Ring 01632 960123, (01632) 960 124 or +44 20 7946 0000; dial 141 first.\n"
            "Mr Brown and Dr A. Jones tell Priya Raman.\n"
            "Pupils at Oak Hill Academy and at Elmwood Church of England Primary School. The School and the Trust.\n")
    found = {(c.line, c.text): c for c in find("clauses/x/y.md", 10, body, known)}
    assert {t for line, t in found if line == 10} == {"01632 960123", "(01632) 960 124", "+44 20 7946 0000"}
    assert {t for line, t in found if line == 11} == {"Mr Brown", "Dr A. Jones", "Priya Raman"}
    assert found[(11, "Priya Raman")].variable == "{{ people.dpo.name }}"
    assert {t for line, t in found if line == 12} == {"Oak Hill Academy", "Elmwood Church of England Primary School"}
    assert found[(12, "Oak Hill Academy")].reason == "school.name in settings/oak.yaml"
    assert str(found[(12, "Oak Hill Academy")]).startswith("clauses/x/y.md:12:11: 'Oak Hill Academy' could be "
                                                           "{{ school.name }}")


def test_a_failed_write_leaves_the_trust_as_it_was(trust, tmp_path, monkeypatch):
    import errno

    from policykit.system import atomic

    source = word_policy(tmp_path / "phones.docx")
    before = snapshot(trust)
    calls = []
    real = atomic.os.fsync

    def full_disk(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 3:  # the third file of the import: two are staged already
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)

    monkeypatch.setattr(atomic.os, "fsync", full_disk)
    result = CliRunner().invoke(main, ["import", str(source), "--root", str(trust), "--section", "mobile-phones",
                                       "--policy", "phones"])
    assert result.exit_code == 3, result.output
    assert "the disk is full; nothing was changed" in result.output
    assert snapshot(trust) == before  # no clause, no policy, no section declared, no temporary file


RICH = """\
# About

Text with a footnote.[^1] A [web link](https://example.org), an [internal link](#rules), a
[file link](file:///etc/passwd) and `code {{ x }}`.

![a logo](dot.png)

# Rules

## Numbered

1. first
   1. nested a
   2. nested b
2. second

> A quote.

+-----+-----------------+
| A   | B               |
+=====+=================+
| x   | - one           |
|     | - two           |
+-----+-----------------+

### Deeper

Deep text.

[^1]: The footnote text.
"""


def test_what_a_clause_cannot_hold_is_settled_and_reported(trust, tmp_path):
    """A Word document with footnotes, links of every kind, a picture, nested numbers and a table
    cell holding a list (made by pandoc, which writes all of these)."""
    (tmp_path / "dot.png").write_bytes(PNG)
    (tmp_path / "rich.md").write_text(RICH, encoding="utf-8")
    subprocess.run([pandoc_path(), "rich.md", "-o", "rich.docx"], cwd=tmp_path, check=True)
    result = policykit.import_docx(trust, tmp_path / "rich.docx", "rich", "rich")
    assert [c.id for c in result.clauses] == ["rich-about", "rich-numbered"]
    _, about = front(trust / "clauses" / "rich" / "rich-about.md")
    assert "footnote. (The footnote text.)" in about
    assert "[web link](https://example.org)" in about and "an internal link, a file link" in about
    assert "code {\\{ x }}" in about and "![" not in about
    _, numbered = front(trust / "clauses" / "rich" / "rich-numbered.md")
    assert "1.  first\n    1.  nested a\n    2.  nested b\n2.  second" in numbered
    assert "> A quote." in numbered and "| x   | one; two" in numbered and "**Deeper**" in numbered
    review = "\n".join(result.review)
    for said in ("footnote was put in brackets", "link to '#rules' became plain text", "link to 'file:///etc/passwd'",
                 "picture was left out (described as 'a logo')", "joined on one line", "'Deeper' became a bold line"):
        assert said in review
    assert result.problems == ()
    policykit.validate(trust)


def test_a_contents_list_of_links_is_not_a_part(trust, example_build):
    """A Word policy with a contents list whose lines link to its headings (as policykit's own
    Word files, and other tools', have): no "Contents" part or clause, and the report says so."""
    result = policykit.import_docx(trust, example_build / "oakfield" / "remote-working.docx", "home-working",
                                   "home-working")
    titles = [c.title for c in result.clauses]
    assert "Contents" not in titles and "Contents" not in [heading for heading, _ in result.parts]
    assert "Phoning families" in titles
    assert any("contents list was left out" in note for note in result.review)
    policykit.validate(trust)
