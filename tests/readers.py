"""Read built documents the way a user's tools would: python-docx, pypdf, an HTML parser."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import docx
from pypdf import PdfReader


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return squash("\n".join(parts))


def pdf_text(path: Path) -> str:
    return squash("\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("style", "script"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return squash(" ".join(parser.parts))


# --- structure, not just text: what a screen reader, Word's navigation pane or a PDF checker sees

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def markdown_headings(markdown: str) -> list[tuple[int, str]]:
    """(level, text) of every `#`/`##` heading in canonical Markdown, attributes removed."""
    out = []
    for line in markdown.splitlines():
        match = re.match(r"(#{1,6}) (.*?)(?: \{[^}]*\})?$", line)
        if match:
            out.append((len(match.group(1)), match.group(2).replace("\\", "")))
    return out


def docx_blocks(document: "docx.document.Document") -> list[tuple[str, object]]:
    """The body in reading order: ("p", Paragraph) and ("tbl", Table)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    out: list[tuple[str, object]] = []
    for child in document.element.body.iterchildren():
        if child.tag == W + "p":
            out.append(("p", Paragraph(child, document)))
        elif child.tag == W + "tbl":
            out.append(("tbl", Table(child, document)))
    return out


def docx_headings(document: "docx.document.Document") -> list[tuple[int, str]]:
    """(level, text without its section number) of every paragraph in a Heading style."""
    return [(int(p.style.name.split()[-1]), p.text.split("\t")[-1])
            for p in document.paragraphs if p.style.name.startswith("Heading")]


def pdf_structure(path: Path) -> list[str]:
    """The structure tree's element types (H1, P, Table, TH, ...) in document order."""
    reader = PdfReader(str(path))
    roles: list[str] = []

    def walk(node: object) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for kid in node:
                walk(kid)
        elif isinstance(node, dict):
            if "/S" in node:
                roles.append(str(node["/S"]).lstrip("/"))
            if "/K" in node:
                walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"].get("/K"))
    return roles


def pdf_fonts(path: Path) -> dict[str, bool]:
    """Every font the pages use -> whether its program is embedded (FontFile, FontFile2/3)."""
    fonts: dict[str, bool] = {}
    for page in PdfReader(str(path)).pages:
        resources = page.get("/Resources", {})
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendants = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
            for each in descendants:
                descriptor = each.get("/FontDescriptor", {})
                fonts[str(font.get("/BaseFont"))] = any(k in descriptor for k in ("/FontFile", "/FontFile2",
                                                                                   "/FontFile3"))
    return fonts


def pdf_outline(path: Path) -> list[str]:
    """Titles of the PDF's bookmarks (outline), depth first."""
    out: list[str] = []

    def walk(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.append(item.title)

    walk(PdfReader(str(path)).outline)
    return out


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def html_tags(path: Path) -> list[tuple[str, dict[str, str]]]:
    """Every start tag of an HTML page with its attributes, in order."""
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tags
