"""Track whole paragraphs and table rows in a redline DOCX, and give every change its own id.

(It also drops the contents list the layout adds: see `_drop_contents`.)

pandoc writes tracked insertions and deletions of text (`w:ins` / `w:del` runs) but not of
paragraph marks, so rejecting an inserted paragraph would leave an empty one behind. The
redline tree flags each paragraph or table row that appears or goes whole with an empty
span whose id pandoc writes as a bookmark (`pk-para-insertion-7`, `pk-row-deletion-3`);
here each flag becomes a tracked paragraph mark (`w:pPr/w:rPr/w:ins`) or row (`w:trPr/w:ins`)
and the bookmark goes. It runs before docx_finish.finish_docx, which packs the result reproducibly.

pandoc also puts an empty paragraph between two tables side by side (Word would join them); that
paragraph belongs to a text only when both tables are in it, so it is tracked to match (see
`_separators`).
"""

from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_FLAG = re.compile(r"^pk-(para|row)-(insertion|deletion)-\d+$")
MOVE_FLAG = "pk-move:"  # author prefix of the changes of a clause that moved unchanged
MOVE_RANGE = "pk-move-"  # bookmarks pk-move-from-3-start ... pk-move-to-3-end bound its ranges
_RANGE = re.compile(r"^pk-move-(from|to)-(\d+)-(start|end)$")
SECTION_TAB = "\ue001"  # in a heading's text after its number: becomes a tab (w:tab), as pandoc writes numbers
# CT_PPr and CT_TrPr: which children must come after the one we add
_AFTER_RPR = {"sectPr", "pPrChange"}
_AFTER_TRPR_MARK = {"trPrChange"}


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def track(data: bytes, stamp: str, author: str) -> bytes:
    """pandoc's DOCX with flagged paragraph marks and rows tracked and whole moves made moves
    (stored, not compressed: docx_finish.finish_docx packs it for good)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    document = etree.fromstring(parts["word/document.xml"])
    for start in list(document.iter(w("bookmarkStart"))):
        match = _FLAG.match(start.get(w("name"), ""))
        if not match:
            continue
        scope, kind = match.groups()
        _remove_bookmark(document, start)
        holder = _ancestor(start, "p" if scope == "para" else "tr")
        who = _author_near(start) or author  # a row of empty cells has no tracked text to ask
        start.getparent().remove(start)
        if holder is None:
            continue
        mark = etree.Element(w("ins" if kind == "insertion" else "del"))
        mark.set(w("id"), "0")
        mark.set(w("author"), who)
        mark.set(w("date"), stamp)
        if scope == "para":  # CT_ParaRPr: the revision comes before any formatting
            rpr = _child(_child(holder, "pPr", first=True), "rPr", before=_AFTER_RPR)
            if rpr.find(mark.tag) is None:
                rpr.insert(0, mark)
        else:
            trpr = _child(holder, "trPr", first=True, after={"tblPrEx"})
            following = [c for c in trpr if etree.QName(c).localname in _AFTER_TRPR_MARK]
            if trpr.find(mark.tag) is not None:
                continue
            if following:
                following[0].addprevious(mark)
            else:
                trpr.append(mark)
    _moves(document, stamp, author)
    _separators(document, stamp, author)
    _tabs(document)
    _drop_contents(document)
    _links_outside_changes(document)
    _renumber(document)
    parts["word/document.xml"] = etree.tostring(document, xml_declaration=True, encoding="UTF-8", standalone=True)
    return _package(parts)


def _moves(document: etree._Element, stamp: str, author: str) -> None:
    """Changes flagged as a whole move become `w:moveFrom`/`w:moveTo`, bounded by named ranges."""
    for change in list(document.iter(w("ins"), w("del"))):
        who = change.get(w("author"), "")
        if not who.startswith(MOVE_FLAG):
            continue
        change.tag = w("moveTo" if change.tag == w("ins") else "moveFrom")
        change.set(w("author"), who[len(MOVE_FLAG):])
        for text in change.iter(w("delText")):
            text.tag = w("t")  # moved-from text is ordinary text in Word's markup
    for start in list(document.iter(w("bookmarkStart"))):
        match = _RANGE.match(start.get(w("name"), ""))
        if not match:
            continue
        side, number, edge = match.groups()
        _remove_bookmark(document, start)
        kind = "moveFrom" if side == "from" else "moveTo"
        marker = etree.Element(w(f"{kind}Range{'Start' if edge == 'start' else 'End'}"))
        marker.set(w("id"), f"move-{side}-{number}")  # renumbered below
        if edge == "start":
            marker.set(w("author"), author)
            marker.set(w("date"), stamp)
            marker.set(w("name"), f"move{number}")
        start.addprevious(marker)
        start.getparent().remove(start)


def _separators(document: etree._Element, stamp: str, author: str) -> None:
    """pandoc's empty paragraph between two tables, there in a text only when both tables are.

    Between an inserted and a deleted table (a table replaced whole) it is in neither text, which
    no single tracked mark says (LibreOffice reads a mark both inserted and deleted as one of the
    two): it goes, and the tables meet, as Word shows one table whose old rows are deleted and new
    rows inserted. Next to a table only one text has, it is tracked as that table is.
    """
    for p in list(document.iter(w("p"))):
        before, after = p.getprevious(), p.getnext()
        if before is None or after is None or before.tag != w("tbl") or after.tag != w("tbl") \
                or p.find(w("r")) is not None or p.find(f"{w('pPr')}/{w('rPr')}") is not None:
            continue
        sides = {_table_change(before), _table_change(after)}
        if sides == {"ins", "del"}:
            _own_widths(before, after)
            p.getparent().remove(p)
        elif sides & {"ins", "del"}:
            (kind,) = sides & {"ins", "del"}
            mark = etree.Element(w(kind))
            mark.set(w("id"), "0")
            mark.set(w("author"), author)
            mark.set(w("date"), stamp)
            _child(_child(p, "pPr", first=True), "rPr", before=_AFTER_RPR).insert(0, mark)


def _table_change(table: etree._Element) -> str | None:
    """'ins' if every row of the table is tracked as inserted (or moved here), 'del' if every
    row as deleted (or moved away), else None: the table is in both texts."""
    kinds = set()
    for row in table.iterchildren(w("tr")):
        marks = {etree.QName(c).localname for c in row.findall(w("trPr") + "/*")}
        kinds.add("ins" if marks & {"ins", "moveTo"} else "del" if marks & {"del", "moveFrom"} else None)
    return kinds.pop() if len(kinds) == 1 else None


def _own_widths(*tables: etree._Element) -> None:
    """Tables that meet are laid out as one on the first's grid: when their grids differ, each
    cell gets its own column's width."""
    grids = [[c.get(w("w")) for c in t.iter(w("gridCol"))] for t in tables]
    if all(g == grids[0] for g in grids):
        return
    for table, grid in zip(tables, grids):
        for row in table.iterchildren(w("tr")):
            column = 0
            for cell in row.iterchildren(w("tc")):
                tcpr = _child(cell, "tcPr", first=True)
                span = tcpr.find(w("gridSpan"))
                count = int(span.get(w("val"), "1")) if span is not None else 1
                width = sum(int(x) for x in grid[column:column + count] if x and x.isdigit())
                column += count
                if tcpr.find(w("tcW")) is None and width:
                    tcw = etree.Element(w("tcW"))
                    tcw.set(w("w"), str(width))
                    tcw.set(w("type"), "dxa")
                    # CT_TcPr: cnfStyle first, then tcW
                    tcpr.insert(1 if len(tcpr) and tcpr[0].tag == w("cnfStyle") else 0, tcw)


def _tabs(document: etree._Element) -> None:
    """Each SECTION_TAB in the text a real tab, in the same run (inserted, deleted or neither)."""
    for text in list(document.iter(w("t"), w("delText"))):
        if SECTION_TAB not in (text.text or ""):
            continue
        for i, piece in enumerate((text.text or "").split(SECTION_TAB)):
            if i:
                text.addprevious(etree.Element(w("tab")))
            if piece:
                node = etree.Element(text.tag)
                node.text = piece
                node.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                text.addprevious(node)
        text.getparent().remove(text)


def _drop_contents(document: etree._Element) -> None:
    """No contents list: its entries would show inserted headings blank and deleted ones as current."""
    for sdt in list(document.iter(w("sdt"))):
        if sdt.find(f".//{{{W}}}docPartGallery[@{{{W}}}val='Table of Contents']") is None:
            continue
        after = sdt.getnext()
        if after is not None and after.tag == w("p") and after.find(f".//{{{W}}}br[@{{{W}}}type='page']") is not None \
                and not "".join(after.itertext()).strip():
            after.getparent().remove(after)  # and the page break that followed it
        sdt.getparent().remove(sdt)


def _remove_bookmark(document: etree._Element, start: etree._Element) -> None:
    ident = start.get(w("id"))
    for end in document.iter(w("bookmarkEnd")):
        if end.get(w("id")) == ident:
            end.getparent().remove(end)
            return


def _ancestor(node: etree._Element, tag: str) -> etree._Element | None:
    for parent in node.iterancestors():
        if parent.tag == w(tag):
            return parent
    return None


def _author_near(start: etree._Element) -> str | None:
    """The author of the change the flag belongs to: the next tracked run after it."""
    for node in start.itersiblings():
        found = node if node.tag in (w("ins"), w("del")) else next(node.iter(w("ins"), w("del")), None)
        if found is not None:
            return found.get(w("author"))
    row = _ancestor(start, "tr")
    if row is not None:  # an empty first cell: any change in the row
        found = next(row.iter(w("ins"), w("del")), None)
        return found.get(w("author")) if found is not None else None
    return None


def _child(parent: etree._Element, tag: str, first: bool = False, before: set[str] = frozenset(),
           after: set[str] = frozenset()) -> etree._Element:
    """`parent`'s child `tag`, created in schema order if missing."""
    found = parent.find(w(tag))
    if found is not None:
        return found
    node = etree.Element(w(tag))
    if first:
        index = 0
        while index < len(parent) and etree.QName(parent[index]).localname in after:
            index += 1
        parent.insert(index, node)
        return node
    later = [c for c in parent if etree.QName(c).localname in before]
    if later:
        later[0].addprevious(node)
    else:
        parent.append(node)
    return node


_CHANGES = {w("ins"), w("del"), w("moveFrom"), w("moveTo")}


def _links_outside_changes(document: etree._Element) -> None:
    """A link inside a tracked change, as pandoc writes it (w:ins > w:hyperlink), turned inside out.

    In Open XML a tracked change of text holds runs, never a hyperlink; the hyperlink holds the
    change (w:hyperlink > w:ins), as Word writes it. The change splits round the link: the runs
    before it, the link with its own runs tracked alike, the runs after it (_renumber then gives
    each piece its own id).
    """
    for link in list(document.iter(w("hyperlink"))):
        change = link.getparent()
        if change is None or change.tag not in _CHANGES or change.getparent() is None:
            continue
        kids = list(change)
        at = kids.index(link)
        inner = etree.Element(change.tag, dict(change.attrib))
        inner.extend(list(link))
        link.append(inner)
        pieces = []
        for runs in (kids[:at], None, kids[at + 1:]):
            if runs is None:
                pieces.append(link)
            elif runs:
                shell = etree.Element(change.tag, dict(change.attrib))
                shell.extend(runs)
                pieces.append(shell)
        change.getparent().replace(change, pieces[0])
        for before, piece in zip(pieces, pieces[1:]):
            before.addnext(piece)


def _renumber(document: etree._Element) -> None:
    """Every revision its own id (pandoc numbers insertions and deletions separately); each
    move range's start and end share one."""
    used = [int(n.get(w("id"))) for n in document.iter(w("bookmarkStart"), w("commentRangeStart"))
            if (n.get(w("id")) or "").isdigit()]
    ids = max(used, default=0) + 1
    ranges: dict[str, str] = {}
    for change in document.iter(w("ins"), w("del"), w("moveFrom"), w("moveTo"), w("moveFromRangeStart"),
                                w("moveFromRangeEnd"), w("moveToRangeStart"), w("moveToRangeEnd")):
        old = change.get(w("id"), "")
        if old.startswith("move-"):
            if old not in ranges:
                ranges[old] = str(ids)
                ids += 1
            change.set(w("id"), ranges[old])
            continue
        change.set(w("id"), str(ids))
        ids += 1


def _package(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as package:
        for name, data in parts.items():
            package.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return out.getvalue()
