"""pandoc's document tree (its JSON form) cleaned to what a clause may hold, saying what was changed.

Kept: paragraphs, emphasis, bold, lists (numbered and bulleted, nested), block quotes, definition
lists, tables (each cell one line, as a pipe table holds it) and links to web pages and email
addresses. Left out, each noted for the report: pictures, raw Word or HTML code, links anywhere
else (their text stays), horizontal rules; turned into text: footnotes (in brackets where they
were), code, equations. Lists Word broke into runs of one item are joined again.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

Node = dict[str, Any]
NO_ATTR: list[Any] = ["", [], []]
_SCHEMES = ("http:", "https:", "mailto:")
_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*:)")


class Notes:
    """What cleaning changed, as lines for a person to check (filled in while cleaning one clause)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, text: str) -> None:
        if text not in self.lines:
            self.lines.append(text)


def text_of(nodes: Any) -> str:
    """The plain text of inlines or blocks (as pandoc's stringify), spaces squeezed."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        kind, content = node.get("t"), node.get("c")
        if kind == "Str":
            out.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif kind in ("Code", "Math", "CodeBlock"):
            out.append(content[1])
        elif kind in ("RawInline", "RawBlock", "Image", "Note"):
            return
        elif kind in ("Link", "Span", "Quoted", "Cite", "Header"):
            walk(content[1] if kind != "Header" else content[2])
        elif kind in ("Para", "Plain"):
            walk(content)
            out.append(" ")
        elif isinstance(content, list):
            walk(content)

    walk(nodes)
    return " ".join("".join(out).split())


def clean_inlines(inlines: list[Node], notes: Notes) -> list[Node]:
    out: list[Node] = []
    for node in inlines:
        kind, content = node["t"], node.get("c")
        if kind == "Str":
            text = _characters(content, notes)
            if text:
                out.append({"t": "Str", "c": text})
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            out.append(node)
        elif kind in ("Emph", "Strong", "Strikeout", "Superscript", "Subscript"):
            inner = clean_inlines(content, notes)
            if inner:
                out.append({"t": kind, "c": inner})
        elif kind in ("Underline", "SmallCaps"):
            out.extend(clean_inlines(content, notes))
        elif kind == "Span":
            out.extend(clean_inlines(content[1], notes))
        elif kind == "Cite":
            out.extend(clean_inlines(content[1], notes))
        elif kind == "Quoted":
            left, right = ("\u2018", "\u2019") if content[0]["t"] == "SingleQuote" else ("\u201c", "\u201d")
            out.extend([{"t": "Str", "c": left}, *clean_inlines(content[1], notes), {"t": "Str", "c": right}])
        elif kind == "Code":
            out.append({"t": "Str", "c": content[1]})
        elif kind == "Math":
            out.append({"t": "Str", "c": content[1]})
            notes.add(f"an equation became plain text: '{content[1][:60]}'")
        elif kind == "RawInline":
            notes.add(f"Word code pandoc could not convert was left out ({content[0]}: '{content[1][:60]}')")
        elif kind == "Image":
            described = text_of(content[1])
            notes.add("a picture was left out" + (f" (described as '{described[:80]}')" if described else "")
                      + ": describe what it showed in words, or put it in a document of its own")
        elif kind == "Note":
            text = text_of(content)
            if text:
                out.extend([{"t": "Space"}, {"t": "Str", "c": f"({text})"}])
                notes.add(f"a footnote was put in brackets where it was marked: '{text[:60]}'")
        elif kind == "Link":
            target = content[2][0]
            inner = clean_inlines(content[1], notes)
            scheme = _SCHEME.match(target)
            if scheme and scheme.group(1).lower() in _SCHEMES and inner:
                out.append({"t": "Link", "c": [NO_ATTR, inner, [target, ""]]})
            else:
                out.extend(inner)
                if not target.startswith("#_Toc"):
                    notes.add(f"a link to '{target[:80]}' became plain text '{text_of(inner)[:60]}' (a clause "
                              "links only to web pages and email addresses)")
        else:
            notes.add(f"Word content pandoc calls '{kind}' was left out")
    return out


def _characters(text: str, notes: Notes) -> str:
    """Text without what no document can hold: control characters, and the private characters of
    Word's symbol fonts (a bullet typed in Symbol or Wingdings), which no other font can show."""
    if text.isascii() and text.isprintable():
        return text
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Co":
            notes.add("characters from a symbol font (Symbol, Wingdings), which no other font shows, were left out")
        elif category not in ("Cc", "Cs") and not (0xFDD0 <= ord(char) <= 0xFDEF or (ord(char) & 0xFFFE) == 0xFFFE):
            kept.append(char)
    return "".join(kept)


def clean_blocks(blocks: list[Node], notes: Notes) -> list[Node]:
    out: list[Node] = []
    for node in blocks:
        out.extend(_block(node, notes))
    return _join_lists(out)


def _block(node: Node, notes: Notes) -> list[Node]:
    kind, content = node["t"], node.get("c")
    if kind in ("Para", "Plain"):
        if contents_entry(content):
            notes.add("the document's contents list was left out (the build makes its own)")
            return []
        inner = _trim(clean_inlines(content, notes))
        return [{"t": kind, "c": inner}] if inner else []
    if kind == "LineBlock":
        lines = [_trim(clean_inlines(line, notes)) for line in content]
        return [{"t": "LineBlock", "c": lines}] if any(lines) else []
    if kind == "Header":  # a heading below a clause's own: bold text (a clause body has no headings)
        inner = _trim(clean_inlines(content[2], notes))
        if inner:
            notes.add(f"the heading '{text_of(inner)[:60]}' became a bold line in the clause")
            return [{"t": "Para", "c": [{"t": "Strong", "c": inner}]}]
        return []
    if kind == "CodeBlock":
        lines: list[Node] = []
        for i, line in enumerate(content[1].splitlines()):
            lines += ([{"t": "LineBreak"}] if i else []) + [{"t": "Str", "c": line}]
        return [{"t": "Para", "c": lines}] if lines else []
    if kind == "RawBlock":
        notes.add(f"a block of Word code pandoc could not convert was left out ({content[0]})")
        return []
    if kind == "BlockQuote":
        inner = clean_blocks(content, notes)
        return [{"t": "BlockQuote", "c": inner}] if inner else []
    if kind == "BulletList":
        items = _tight([clean_blocks(item, notes) for item in content])
        return [{"t": "BulletList", "c": items}] if items else []
    if kind == "OrderedList":
        items = _tight([clean_blocks(item, notes) for item in content[1]])
        return [{"t": "OrderedList", "c": [content[0], items]}] if items else []
    if kind == "DefinitionList":
        entries = [[_trim(clean_inlines(term, notes)), [clean_blocks(d, notes) for d in defs]]
                   for term, defs in content]
        return [{"t": "DefinitionList", "c": entries}] if entries else []
    if kind == "HorizontalRule":
        return []
    if kind == "Table":
        return _table(content, notes)
    if kind == "Figure":
        notes.add("a figure's picture was left out (its caption is kept as text)")
        return clean_blocks(content[1][1], notes) + clean_blocks(content[2], notes)
    if kind == "Div":
        return clean_blocks(content[1], notes)
    notes.add(f"Word content pandoc calls '{kind}' was left out")
    return []


def _table(content: list[Any], notes: Notes) -> list[Node]:
    _attr, caption, colspecs, head, bodies, foot = content
    merged = flattened = False

    def rows(rows_: list[Any]) -> list[Any]:
        nonlocal merged, flattened
        out = []
        below: dict[int, int] = {}  # column -> rows still covered by a merged cell above
        for _row_attr, cells in rows_:
            new: list[Any] = []
            column = 0

            def covered() -> None:
                nonlocal column
                while below.get(column, 0) > 0:
                    below[column] -= 1
                    new.append([NO_ATTR, {"t": "AlignDefault"}, 1, 1, []])
                    column += 1

            for _cell_attr, align, rowspan, colspan, blocks in cells:
                covered()
                merged = merged or rowspan > 1 or colspan > 1
                kept = clean_blocks(blocks, notes)
                flattened = flattened or len(kept) > 1 or any(b["t"] not in ("Para", "Plain") for b in kept)
                new.append([NO_ATTR, align, 1, 1, [{"t": "Plain", "c": _cell_line(kept)}] if kept else []])
                new.extend([NO_ATTR, {"t": "AlignDefault"}, 1, 1, []] for _ in range(colspan - 1))
                for k in range(colspan):
                    if rowspan > 1:
                        below[column + k] = rowspan - 1
                column += colspan
            while column < len(colspecs):
                if below.get(column, 0) > 0:
                    covered()
                else:
                    column += 1
            out.append([NO_ATTR, new])
        return out

    table = [NO_ATTR, [None, clean_blocks(caption[1], notes)], colspecs, [NO_ATTR, rows(head[1])],
             [[NO_ATTR, body[1], rows(body[2]), rows(body[3])] for body in bodies], [NO_ATTR, rows(foot[1])]]
    if merged:
        notes.add("a table had merged cells: each merged cell is now in its first row and column, the others "
                  "empty; check the table reads as it did")
    if flattened:
        notes.add("a table cell held several paragraphs or a list: they are joined on one line (a table cell "
                  "in a clause holds one line)")
    return [{"t": "Table", "c": table}]


def _cell_line(blocks: list[Node]) -> list[Node]:
    """A cell's blocks as one line of inlines: paragraphs joined by spaces, list items by semicolons."""
    out: list[Node] = []

    def add(inlines: list[Node], joiner: str = " ") -> None:
        if out:
            out.extend([{"t": "Str", "c": joiner.strip()}, {"t": "Space"}] if joiner.strip() else [{"t": "Space"}])
        out.extend(i for i in inlines if i["t"] != "LineBreak")

    for block in blocks:
        kind, content = block["t"], block.get("c")
        if kind in ("Para", "Plain"):
            add(content)
        elif kind in ("BulletList", "OrderedList"):
            items = content if kind == "BulletList" else content[1]
            for i, item in enumerate(items):
                add(_cell_line(item), ";" if i else " ")
        else:
            add([{"t": "Str", "c": text_of([block])}])
    return out


def contents_entry(inlines: list[Node]) -> bool:
    """Whether a paragraph is a line of a table of contents: nothing but links to places in the
    document itself (Word's _Toc bookmarks, or headings' own ids) and page numbers."""
    links = [i for i in inlines if i["t"] == "Link"]
    rest = [i for i in inlines if i["t"] != "Link" and not (i["t"] == "Str" and i["c"].isdigit())
            and i["t"] not in ("Space", "SoftBreak", "LineBreak")]
    return bool(links) and not rest and all(link["c"][2][0].startswith("#") for link in links)


def contents_heading(node: Node) -> bool:
    """Whether a heading is a contents list's own (Word's "TOC Heading" style)."""
    return node["t"] == "Header" and "TOC-Heading" in node["c"][1][1]


def _tight(items: list[list[Node]]) -> list[list[Node]]:
    """A list's items without empty ones; each item's first paragraph as plain text, so that a list
    of one-line items is written tight (no blank line between items), as Word shows it."""
    out = []
    for item in items:
        if item:
            first = item[0]
            out.append([{"t": "Plain", "c": first["c"]}, *item[1:]] if first["t"] == "Para" else item)
    return out


def _trim(inlines: list[Node]) -> list[Node]:
    while inlines and inlines[0]["t"] in ("Space", "SoftBreak", "LineBreak"):
        inlines = inlines[1:]
    while inlines and inlines[-1]["t"] in ("Space", "SoftBreak", "LineBreak"):
        inlines = inlines[:-1]
    return inlines


def _join_lists(blocks: list[Node]) -> list[Node]:
    """Adjacent bulleted lists as one list; adjacent numbered lists where the numbers run on (Word
    makes a list of each run of items with its own numbering, and pandoc reads them so)."""
    out: list[Node] = []
    for block in blocks:
        last = out[-1] if out else None
        if last is not None and block["t"] == last["t"] == "BulletList":
            out[-1] = {"t": "BulletList", "c": last["c"] + block["c"]}
        elif (last is not None and block["t"] == last["t"] == "OrderedList"
              and block["c"][0][0] == last["c"][0][0] + len(last["c"][1])
              and block["c"][0][1:] == last["c"][0][1:]):
            out[-1] = {"t": "OrderedList", "c": [last["c"][0], last["c"][1] + block["c"][1]]}
        else:
            out.append(block)
    return out
