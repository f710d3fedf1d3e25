"""Finish pandoc's DOCX: running header and footer, a filled-in contents list, tidy tables.

pandoc writes the text; layout.lua adds the cover, a contents field and the header and footer
paragraphs. Here those paragraphs move into the header and footer parts, the contents field
gets one linked entry per heading (so there is a contents list before any word processor
updates the field), and tables and their introductions keep together. No text is written
here, only moved or copied: pandoc escaped it.
The package is then rezipped, with DejaVu Sans embedded, in a fixed order with every entry
dated from the document's own epoch, so the same inputs give the same bytes on any day.
"""

from __future__ import annotations

import copy
import io
import zipfile
from typing import Iterator

from lxml import etree

from policykit.outputs.docx_fonts import embed_fonts
from policykit.outputs.docx_style import TOC_STYLES
from policykit.outputs.zippack import deflated, pack

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_R = "http://schemas.openxmlformats.org/package/2006/relationships"
TITLE_BLOCK = {"Title", "Subtitle", "Author", "Date"}  # pandoc's; layout.lua draws the cover instead
KEEP_TOGETHER = 15  # tables up to this many rows are not split across pages


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def finish_docx(data: bytes, epoch: int) -> bytes:
    """The finished DOCX package for pandoc's output `data`, dated `epoch` (seconds since 1970)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    document = etree.fromstring(parts["word/document.xml"])
    body = document.find(w("body"))
    for p in list(body):
        if _style(p) not in TITLE_BLOCK:
            break
        body.remove(p)
    targets = _targets(parts["word/_rels/document.xml.rels"])
    sect = body.find(w("sectPr"))
    for kind, style in (("header", "RunningHeader"), ("footer", "RunningFooter")):
        paragraph = next((p for p in body.iterchildren(w("p")) if _style(p) == style), None)
        ref = sect.find(f"{{{W}}}{kind}Reference[@{{{W}}}type='default']") if sect is not None else None
        if paragraph is None or ref is None:
            continue
        body.remove(paragraph)
        name = "word/" + targets[ref.get(f"{{{R}}}id")]
        part = etree.fromstring(parts[name])
        for child in list(part):
            part.remove(child)
        part.append(paragraph)
        parts[name] = _xml(part)
    _contents(body)
    for table in body.iter(w("tbl")):
        _keep_rows(table)
        _space_after(table)
    _keep_intros(body)
    parts["word/document.xml"] = _xml(document)
    return _package(parts, epoch)


def _style(p: etree._Element) -> str | None:
    style = p.find(f"{{{W}}}pPr/{{{W}}}pStyle")
    return None if style is None else style.get(w("val"))


def _targets(rels: bytes) -> dict[str, str]:
    return {r.get("Id"): r.get("Target") for r in etree.fromstring(rels).iter(f"{{{PKG_R}}}Relationship")}


def _el(tag: str, parent: etree._Element | None = None, **attrs: str) -> etree._Element:
    node = etree.Element(w(tag)) if parent is None else etree.SubElement(parent, w(tag))
    for key, value in attrs.items():
        node.set(w(key), value)
    return node


def _headings(body: etree._Element) -> Iterator[tuple[int, etree._Element]]:
    for p in body.iterchildren(w("p")):
        style = _style(p) or ""
        if style in ("Heading1", "Heading2"):
            yield int(style[-1]), p


def _contents(body: etree._Element) -> None:
    """One entry per level 1-2 heading in the contents field layout.lua left empty.

    Each heading gets a bookmark and its entry links to it. Page numbers need a layout,
    which only the word processor has: the TOC field is marked dirty, so Word rebuilds it
    with page numbers when it opens the file (LibreOffice: Tools > Update). Until then the
    entries show without numbers rather than with guessed ones. (A PAGEREF inside the
    field's result would not help: LibreOffice shows such results as they were saved.)
    """
    sdt = next((s for s in body.iter(w("sdt"))
                if s.find(f".//{{{W}}}docPartGallery[@{{{W}}}val='Table of Contents']") is not None), None)
    if sdt is None:
        return
    content = sdt.find(w("sdtContent"))
    placeholder = content.findall(w("p"))[-1]
    ids = [int(b.get(w("id"))) for b in body.iter(w("bookmarkStart"))]
    next_id = max(ids, default=0) + 1
    entries = []
    for n, (level, heading) in enumerate(_headings(body), start=1):
        name = f"_Toc{n:05d}"
        start = _el("bookmarkStart", id=str(next_id), name=name)
        end = _el("bookmarkEnd", id=str(next_id))
        next_id += 1
        ppr = heading.find(w("pPr"))
        heading.insert(0 if ppr is None else 1, start)
        heading.append(end)
        entry = _el("p")
        _el("pStyle", _el("pPr", entry), val=TOC_STYLES[level - 1])
        link = _el("hyperlink", entry, anchor=name, history="1")
        for run in heading.iterchildren(w("r")):
            copied = copy.deepcopy(run)
            rpr = copied.find(w("rPr"))
            if rpr is not None:
                copied.remove(rpr)  # the entry takes the TOC style's look, not the heading's
            link.append(copied)
        entries.append(entry)
    if not entries:
        return
    # the TOC field opens (begin, code, separate) in the first entry and ends after the last
    runs = placeholder.findall(w("r"))
    for offset, run in enumerate(runs[:-1]):
        entries[0].insert(1 + offset, run)
    entries[-1].append(runs[-1])
    index = list(content).index(placeholder)
    content.remove(placeholder)
    for offset, entry in enumerate(entries):
        content.insert(index + offset, entry)


def _keep_rows(table: etree._Element) -> None:
    """Rows never split across pages; short tables stay whole and with the line before them."""
    rows = table.findall(w("tr"))
    for row in rows:
        trpr = row.find(w("trPr"))
        if trpr is None:
            trpr = etree.Element(w("trPr"))
            tcs = row.find(w("tblPrEx"))
            row.insert(0 if tcs is None else 1, trpr)
        if trpr.find(w("cantSplit")) is None:
            trpr.insert(0, _el("cantSplit"))
    if len(rows) > KEEP_TOGETHER:
        return
    for row in rows[:-1]:
        for p in row.iter(w("p")):
            _keep_next(p)
    before = table.getprevious()
    while before is not None and before.tag == w("bookmarkEnd"):
        before = before.getprevious()
    if before is not None and before.tag == w("p"):
        _keep_next(before)


def _keep_intros(body: etree._Element) -> None:
    """A line that introduces a list ("Do:") never ends a page without the list's first item."""
    previous = None
    for block in body.iterchildren(w("p"), w("tbl")):
        listed = block.find(f"{{{W}}}pPr/{{{W}}}numPr") is not None
        if listed and previous is not None and previous.tag == w("p") \
                and previous.find(f"{{{W}}}pPr/{{{W}}}numPr") is None:
            _keep_next(previous)
        previous = block


def _space_after(table: etree._Element) -> None:
    """Word puts the next paragraph flush against a table; give it the gap the PDF has."""
    after = table.getnext()
    while after is not None and after.tag in (w("bookmarkEnd"), w("bookmarkStart")):
        after = after.getnext()
    if after is None or after.tag != w("p") or (_style(after) or "").startswith("Heading"):
        return
    ppr = after.find(w("pPr"))
    if ppr is None:
        ppr = _el("pPr")
        after.insert(0, ppr)
    if ppr.find(w("spacing")) is None:
        spacing = _el("spacing", before="160")
        following = [c for c in ppr if c.tag in {w(t) for t in ("ind", "contextualSpacing", "mirrorIndents",
                     "suppressOverlap", "jc", "textDirection", "textAlignment", "textboxTightWrap",
                     "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange")}]
        if following:
            following[0].addprevious(spacing)
        else:
            ppr.append(spacing)


def _keep_next(p: etree._Element) -> None:
    ppr = p.find(w("pPr"))
    if ppr is None:
        ppr = _el("pPr")
        p.insert(0, ppr)
    if ppr.find(w("keepNext")) is None:
        style = ppr.find(w("pStyle"))
        ppr.insert(0 if style is None else 1, _el("keepNext"))


def _xml(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _package(parts: dict[str, bytes], epoch: int) -> bytes:
    """Rezip in pandoc's order, the fonts last, with fixed dates: no clock time, no host details."""
    fonts = embed_fonts(parts)
    return pack([deflated(name, data) for name, data in parts.items()] + list(fonts), epoch)
