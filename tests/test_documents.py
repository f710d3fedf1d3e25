"""The built documents as their readers meet them: Word's structure, a tagged PDF/UA-1, a standalone
web page, byte-for-byte reproducible, and a DOCX that LibreOffice opens."""

from __future__ import annotations

import dataclasses
import re
import shutil
import struct
import subprocess
import time
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from pypdf import PdfReader

import policykit
from policykit.core.render import render
from policykit.core.resolve import resolve
from policykit.outputs.docx_fonts import FONT_FILES, obfuscate
from policykit.outputs.formats import produce
from policykit.outputs.pandoc import Pandoc
from tests.conftest import TRUST, mini_files, write_tree
from tests.pdfua_check import empty_headings, pdfua_problems
from tests.readers import (
    W,
    docx_blocks,
    docx_headings,
    docx_text,
    html_tags,
    html_text,
    markdown_headings,
    pdf_fonts,
    pdf_outline,
    pdf_structure,
    pdf_text,
    squash,
)

DRAFT = "Draft: not approved"
SIGNATURES = ["Signed for", "Name", "Signature", "Date"]
CONTROL = ["Version", "Date", "Summary of changes", "Approved by"]
INFO = ["Policy owner", "Approving body", "Approval date", "Version", "Library release"]
REVIEW = {"Next review date", "First approval due by"}  # the latter for a text never approved


def png(width: int = 120, height: int = 48, rgb: tuple[int, int, int] = (122, 31, 92)) -> bytes:
    """A small solid PNG logo, made here so the tests need no image library."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


LOGO_TRUST = TRUST.replace("  board: Board of Trustees\n", "  board: Board of Trustees\n  logo: images/logo.png\n"
                           "  colours: {primary: \"#7A1F5C\", accent: \"#C77700\"}\n")


def logo_trust(root: Path) -> Path:
    write_tree(root, {**mini_files(), "settings/trust.yaml": LOGO_TRUST})
    (root / "settings" / "images").mkdir()
    (root / "settings" / "images" / "logo.png").write_bytes(png())
    return root


@pytest.fixture(scope="module")
def mini_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini trust, with a logo and its own colours, built once in every format."""
    root = logo_trust(tmp_path_factory.mktemp("documents") / "trust")
    policykit.build(root)
    return root / "build"


def built(folder: Path, suffix: str) -> list[Path]:
    return sorted(p for p in folder.glob(f"*/*.{suffix}"))


def both(mini_build: Path, example_build: Path, suffix: str) -> list[Path]:
    return built(mini_build, suffix) + built(example_build, suffix)


# --- Word ------------------------------------------------------------------------------------

def check_docx(path: Path) -> None:
    markdown = path.with_suffix(".md").read_text(encoding="utf-8")
    title = re.search(r'^title: "(.*)"$', markdown, re.M).group(1)
    school = re.search(r'^school: "(.*)"$', markdown, re.M).group(1).replace("\\", "")
    document = docx.Document(str(path))

    # real heading styles, in the Markdown's order, starting at 1 and never skipping a level
    headings = docx_headings(document)
    assert headings == markdown_headings(markdown), path
    levels = [level for level, _ in headings]
    assert levels[0] == 1 and {1, 2} <= set(levels)
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels

    # every table's first row is a header row that repeats on each page
    assert document.tables
    for table in document.tables:
        first = table.rows[0]._tr
        assert first.find(f"{W}trPr/{W}tblHeader") is not None, path

    # language, page and core properties
    styles = document.styles.element
    assert styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang").get(qn("w:val")) == "en-GB"
    props = document.core_properties
    assert props.title == title and props.language == "en-GB"
    assert props.author == "Test Learning Trust" or props.author == "Meadowbank Learning Trust"
    assert props.subject == f"{title} for {school}"
    assert "policy" in props.keywords
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert section.different_first_page_header_footer  # the cover has no running header

    # an updatable contents field with an entry (a link to a bookmark) per level 1-2 heading
    body = document.element.body
    toc = body.find(f"{W}sdt")
    assert toc.find(f".//{W}docPartGallery").get(qn("w:val")) == "Table of Contents"
    code = "".join(t.text for t in toc.iter(f"{W}instrText"))
    assert code.strip().startswith("TOC \\o")
    assert toc.find(f".//{W}fldChar").get(qn("w:dirty")) == "true"  # Word refreshes it on opening
    anchors = [a.get(qn("w:anchor")) for a in toc.iter(f"{W}hyperlink")]
    marks = {b.get(qn("w:name")) for b in body.iter(f"{W}bookmarkStart")}
    assert len(anchors) == len(headings) and set(anchors) <= marks

    # running header (school, title, draft marking) and footer (version, review, page X of Y)
    header = squash("".join(t.text or "" for t in section.header._element.iter(f"{W}t")))
    assert school in header and title in header
    assert (DRAFT in header) == (f"approval-status: \"{DRAFT}\"" in markdown)
    fields = [squash(t.text) for t in section.footer._element.iter(f"{W}instrText")]
    assert fields == ["PAGE", "NUMPAGES"]
    footer = squash("".join(t.text or "" for t in section.footer._element.iter(f"{W}t")))
    assert footer.startswith("Version ") and ("Next review" in footer or "First approval due by" in footer)
    assert "Page" in footer and "of" in footer

    # cover, document information, approval block with signature lines, document control
    blocks = docx_blocks(document)
    cover = [b.text for kind, b in blocks[:8] if kind == "p"]
    assert squash(school) in [squash(t) for t in cover] and title in cover
    info = next(b for kind, b in blocks if kind == "tbl")
    labels = {row.cells[0].text for row in info.rows}
    assert set(INFO) <= labels and REVIEW & labels
    after: dict[str, list[list[str]]] = {}
    current = ""
    for kind, block in blocks:
        if kind == "p" and block.style.name.startswith("Heading"):
            current = block.text
        elif kind == "tbl":
            after.setdefault(current, []).append([[c.text for c in r.cells] for r in block.rows])
    signatures = after["Approval"][0]
    assert signatures[0] == SIGNATURES and len(signatures) >= 2  # a line per approving body (the head alone: one)
    assert all(not row[2].strip() and not row[3].strip() for row in signatures[1:])  # room to sign
    control = after["Document control"][0]
    assert control[0] == CONTROL and len(control) >= 2


def test_docx_structure(mini_build, example_build):
    files = both(mini_build, example_build, "docx")
    assert len(files) >= 2 + 20
    for path in files:
        check_docx(path)


def test_docx_embeds_the_bundled_font(mini_build):
    """The bundled DejaVu Sans travels inside the DOCX, obfuscated as Word does it."""
    package = zipfile.ZipFile(built(mini_build, "docx")[0])
    table = docx.oxml.parse_xml(package.read("word/fontTable.xml"))
    font = next(f for f in table.iter(f"{W}font") if f.get(qn("w:name")) == "DejaVu Sans")
    embeds = {e.tag.replace(W, ""): e for e in font if e.tag.startswith(f"{W}embed")}
    assert set(embeds) == {f"embed{kind}" for kind in FONT_FILES}
    rels = docx.oxml.parse_xml(package.read("word/_rels/fontTable.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    regular = embeds["embedRegular"]
    data = package.read("word/" + targets[regular.get(qn("r:id"))])
    vendored = (Path(policykit.__file__).parent / "fonts" / FONT_FILES["Regular"]).read_bytes()
    assert obfuscate(data, regular.get(qn("w:fontKey"))) == vendored  # XOR undoes itself


# --- PDF -------------------------------------------------------------------------------------

def check_pdf(path: Path) -> None:
    markdown = path.with_suffix(".md").read_text(encoding="utf-8")
    reader = PdfReader(str(path))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (pypdf's boolean)
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title == re.search(r'^title: "(.*)"$', markdown, re.M).group(1)
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()  # claims PDF/UA-1
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    fonts = pdf_fonts(path)
    assert fonts and all(fonts.values()), fonts
    outline = pdf_outline(path)
    for level, heading in markdown_headings(markdown):
        assert any(title.endswith(heading) for title in outline), heading
    roles = pdf_structure(path)
    levels = [int(r[1]) for r in roles if re.fullmatch(r"H\d", r)]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels
    assert roles.count("Table") == roles.count("THead") and "TH" in roles


def test_pdf_tagged_a4_embedded_fonts_and_outline(mini_build, example_build):
    for path in both(mini_build, example_build, "pdf"):
        check_pdf(path)


def test_pdf_passes_pdfua_checks(mini_build, example_build):
    # one school's every policy and the mini trust (with a logo): the checks take ~0.2 s a file.
    # pdfua_problems fails on a rule pdfua could not run, and checks UA-14-001 itself (pdfua's
    # own rule crashes on every Typst PDF: see tests/pdfua_check.py)
    for path in built(mini_build, "pdf") + sorted((example_build / "oakfield").glob("*.pdf")):
        problems = pdfua_problems(path)
        assert not problems, (path, problems)


def test_pdfua_empty_heading_check_finds_an_empty_heading(mini_build, tmp_path):
    """The hand-written UA-14-001 really looks: a heading emptied by hand is reported."""
    pikepdf = pytest.importorskip("pikepdf")
    path = built(mini_build, "pdf")[0]
    assert empty_headings(path) == []
    with pikepdf.open(str(path)) as pdf:
        emptied = []

        def walk(node):
            if isinstance(node, pikepdf.Array):
                for kid in node:
                    walk(kid)
            elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
                if node["/S"] == pikepdf.Name("/H2") and not emptied:
                    node.K = pikepdf.Array([])
                    emptied.append(node)
                elif "/K" in node:
                    walk(node.K)

        walk(pdf.Root.StructTreeRoot.K)
        assert emptied
        pdf.save(str(tmp_path / "empty.pdf"))
    assert empty_headings(tmp_path / "empty.pdf") == ["/H2"]
    assert "UA-14-001 (checked by hand) empty heading element /H2" in pdfua_problems(tmp_path / "empty.pdf")


def test_logo_has_alt_text_in_pdf_and_docx(mini_build):
    document = docx.Document(str(built(mini_build, "docx")[0]))
    pictures = document.element.body.findall(".//{http://schemas.openxmlformats.org/drawingml/2006/"
                                              "wordprocessingDrawing}docPr")
    assert [p.get("descr") for p in pictures] == ["Test Learning Trust logo"]
    reader = PdfReader(str(built(mini_build, "pdf")[0]))
    figures = []

    def walk(node: object) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for kid in node:
                walk(kid)
        elif isinstance(node, dict):
            if node.get("/S") == "/Figure":
                figures.append(node)
            if "/K" in node:
                walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"]["/K"])
    assert [f.get("/Alt") for f in figures] == ["Test Learning Trust logo"]


def test_missing_logo_is_an_input_problem(tmp_path):
    root = logo_trust(tmp_path / "trust")
    (root / "settings" / "images" / "logo.png").unlink()
    with pytest.raises(policykit.PolicykitError, match="images/logo.png"):
        policykit.validate(root)


# --- HTML ------------------------------------------------------------------------------------

def test_html_is_one_accessible_standalone_page(mini_build, example_build):
    for path in both(mini_build, example_build, "html"):
        page = path.read_text(encoding="utf-8")
        tags = html_tags(path)
        names = [t for t, _ in tags]
        assert tags[0] == ("html", {"lang": "en-GB"})
        # a skip link first, to the main content
        first_link = next(a for t, a in tags if t == "a")
        assert first_link["href"] == "#content" and ("main", {"id": "content", "tabindex": "-1"}) in tags
        # one h1 (the title), then headings that never skip a level
        levels = [int(t[1]) for t in names if re.fullmatch(r"h[1-6]", t)]
        assert levels.count(1) == 1 and levels[0] == 1
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels
        # nothing loaded from elsewhere: no scripts, stylesheets or remote images
        assert "script" not in names and "link" not in names and "iframe" not in names
        assert all(a["src"].startswith("data:") for t, a in tags if "src" in a)
        assert "@import" not in page and not re.search(r"url\((?!data:)", page)
        # the same information as the PDF
        text = html_text(path)
        for words in ("Contents", "About this policy", "Key people", "Approval", "Document control",
                      *INFO, *SIGNATURES, *CONTROL):
            assert words in text, (path, words)
        assert any(label in text for label in REVIEW), path
        assert ("approved: false" in path.with_suffix(".md").read_text()) == ('class="draft-banner"' in page)


def test_html_logo_is_inline(mini_build):
    tags = html_tags(built(mini_build, "html")[0])
    logos = [a for t, a in tags if t == "img"]
    assert len(logos) == 1 and logos[0]["src"].startswith("data:image/png;base64,")
    assert logos[0]["alt"] == "Test Learning Trust logo"


# --- draft and approved -------------------------------------------------------------------

def test_draft_is_marked_in_every_format(mini_build):
    out = mini_build / "alpha"
    cover = pdf_text_page(out / "remote.pdf", 0)
    assert DRAFT in cover and DRAFT in pdf_text_page(out / "remote.pdf", 2)  # cover and running header
    document = docx.Document(str(out / "remote.docx"))
    banner = [p.text for p in document.paragraphs if p.style.name == "Draft Banner"]
    assert len(banner) == 1 and banner[0].startswith(DRAFT)
    assert DRAFT in html_text(out / "remote.html")


def pdf_text_page(path: Path, index: int) -> str:
    return squash(PdfReader(str(path)).pages[index].extract_text())


def test_approved_document_carries_no_draft_marking(tmp_path):
    root = logo_trust(tmp_path / "trust")
    doc = next(d for d in render(resolve(policykit.validate(root))) if d.key == "alpha/remote")
    markdown = re.sub(r"::: \{\.draft-banner\}\n.*?\n:::\n\n", "", doc.markdown, flags=re.S)
    markdown = markdown.replace("approved: false", "approved: true").replace(
        f'approval-status: "{DRAFT}"', 'approval-status: "Approved"')
    assert markdown != doc.markdown and "draft-banner" not in markdown
    files = produce([dataclasses.replace(doc, markdown=markdown)], ["docx", "pdf", "html"], Pandoc())
    for fmt, data in ((fmt, data) for (_, fmt), data in files.items()):
        (tmp_path / f"remote.{fmt}").write_bytes(data)
    document = docx.Document(str(tmp_path / "remote.docx"))
    header = "".join(t.text or "" for t in document.sections[0].header._element.iter(f"{W}t"))
    assert "Draft" not in header and "Draft" not in docx_text(tmp_path / "remote.docx")
    assert "Draft" not in pdf_text(tmp_path / "remote.pdf") and "Draft" not in html_text(tmp_path / "remote.html")
    assert "Approved" in pdf_text_page(tmp_path / "remote.pdf", 0)


# --- reproducible ----------------------------------------------------------------------------

def test_rebuilding_on_another_day_gives_identical_bytes(tmp_path, monkeypatch):
    root = logo_trust(tmp_path / "trust")
    policykit.build(root, out=tmp_path / "one")
    # the second build runs "three years later": any clock time in an output would show
    later = time.time() + 3 * 365 * 86400
    monkeypatch.setattr(time, "time", lambda: later)
    policykit.build(root, out=tmp_path / "two")
    outputs = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.*")
                     if p.suffix in (".docx", ".pdf", ".html", ".md"))
    assert {p.suffix for p in outputs} == {".docx", ".pdf", ".html", ".md"} and len(outputs) == 8
    for rel in outputs:
        assert (tmp_path / "one" / rel).read_bytes() == (tmp_path / "two" / rel).read_bytes(), rel
    # the DOCX's zip entries carry the document's own date, not the build's
    for info in zipfile.ZipFile(tmp_path / "one" / "alpha" / "remote.docx").infolist():
        assert info.date_time == (2025, 9, 1, 12, 0, 0), info.filename


# --- LibreOffice -----------------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice) is not installed; .ci/run installs libreoffice-writer-nogui")
def test_libreoffice_opens_docx_with_every_clause_heading(example_build, tmp_path):
    source = example_build / "oakfield" / "online-safety-handbook.docx"  # every section of the library
    profile = (tmp_path / "lo-profile").as_uri()
    result = subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                             "--outdir", str(tmp_path), str(source)], capture_output=True, timeout=180)
    converted = tmp_path / "online-safety-handbook.pdf"
    assert result.returncode == 0 and converted.is_file(), result.stderr.decode(errors="replace")
    if shutil.which("pdftotext"):
        text = squash(subprocess.run(["pdftotext", "-layout", str(converted), "-"], capture_output=True,
                                     check=True).stdout.decode("utf-8"))
    else:
        text = pdf_text(converted)
    markdown = source.with_suffix(".md").read_text(encoding="utf-8")
    headings = [h for level, h in markdown_headings(markdown) if level == 2]
    assert len(headings) > 40
    missing = [h for h in headings if squash(h) not in text]
    assert not missing
    reader = PdfReader(str(converted))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert "Page 2 of" in squash(reader.pages[1].extract_text())
