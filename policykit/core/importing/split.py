"""A Word document's headings as a policy's structure: its parts, and the clauses in each.

The top heading level used (Heading 1, usually) gives the parts. Under a part whose text has
headings of its own (Heading 2), each of those, with its text, is a clause, and any text before
the first of them is a clause titled as the part; a part with no headings under it is one clause.
Headings deeper still stay inside their clause as bold lines. A lone top heading that opens the
document is its title when Word's Title style gave none. Text before the first heading is an
"Introduction" part. Numbers typed into headings ("2.1 Scope") go: the build numbers them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from collections.abc import Iterator
from typing import Any

from policykit.core.importing.tree import Node, contents_entry, contents_heading, text_of

_NUMBER = re.compile(r"^\s*(?:(?:section|part)\s+)?(?:\d+(?:\.\d+)*\.?|[A-Za-z][.)]|[ivxIVX]+[.)])\s+(?=\S)",
                     re.IGNORECASE)


@dataclass(frozen=True)
class Chunk:
    """One clause's worth of the document: its title, where it was, and its blocks (not yet cleaned)."""

    title: str
    where: str  # "Roles > The headteacher", for the report and the changelog
    blocks: tuple[Node, ...]


@dataclass(frozen=True)
class Part:
    heading: str
    chunks: tuple[Chunk, ...]


@dataclass(frozen=True)
class Outline:
    title: str  # "" when the document has none of its own
    parts: tuple[Part, ...]
    notes: tuple[str, ...] = field(default=())  # empty headings, numbers removed, ...


def heading_text(inlines: list[Any]) -> tuple[str, bool]:
    """A heading's text without a number typed into it, and whether there was one."""
    text = text_of(inlines)
    bare = _NUMBER.sub("", text, count=1).strip()
    return (bare, bare != text) if bare else (text, False)


def outline(tree: dict[str, Any]) -> Outline:
    blocks: list[Node] = list(tree.get("blocks", []))
    notes: list[str] = []
    # a contents list (its "TOC Heading" and its lines of links) is not a part: the build makes its own
    kept = [b for b in blocks if not (contents_heading(b) or b["t"] in ("Para", "Plain") and contents_entry(b["c"]))]
    if len(kept) < len(blocks):
        blocks = kept
        notes.append("the document's contents list was left out (the build makes its own)")
    if not any(b["t"] == "Header" for b in blocks):
        bold = {i: words for i, b in enumerate(blocks) if (words := _bold_line(b))}
        if bold:
            for i, words in bold.items():
                blocks[i] = {"t": "Header", "c": [1, ["", [], []], words]}
            notes.append("the document uses no Word heading styles: its short bold lines were taken as the "
                         "headings; check the parts, and use Heading 1 and 2 in Word to import it exactly")
    title = text_of(tree.get("meta", {}).get("title", {}).get("c", []))
    levels = sorted({b["c"][0] for b in blocks if b["t"] == "Header"})
    if levels:
        tops = [i for i, b in enumerate(blocks) if b["t"] == "Header" and b["c"][0] == levels[0]]
        lone_first = len(tops) == 1 and len(levels) > 1 and not any(b["t"] == "Header" for b in blocks[:tops[0]])
        if lone_first and (not title or heading_text(blocks[tops[0]]["c"][2])[0] == title):
            title = title or heading_text(blocks[tops[0]]["c"][2])[0]
            del blocks[tops[0]]
            levels = levels[1:]
    numbered = False
    parts: list[Part] = []
    top = levels[0] if levels else 0
    start = next((i for i, b in enumerate(blocks) if _is_heading(b, top)), len(blocks))
    if any(_has_text(b) for b in blocks[:start]):
        parts.append(Part("Introduction", (Chunk("Introduction", "the text before the first heading",
                                                 tuple(blocks[:start])),)))
        notes.append("the text before the first heading became the part 'Introduction': check it is not a "
                     "cover page, contents list or version table (policykit makes its own)")
    for head, body in _sections(blocks, top, start):
        heading, cut = heading_text(head["c"][2])
        numbered = numbered or cut
        if not heading:
            if any(_has_text(b) for b in body):
                heading = f"Part {len(parts) + 1}"
                notes.append(f"a heading with no text was called '{heading}': give it a title")
            else:
                continue
        subs = sorted({b["c"][0] for b in body if b["t"] == "Header"})
        chunks: list[Chunk] = []
        if subs:
            sub = subs[0]
            first = next(j for j, b in enumerate(body) if _is_heading(b, sub))
            if any(_has_text(b) for b in body[:first]):
                chunks.append(Chunk(heading, heading, tuple(body[:first])))
            for sub_head, text in _sections(body, sub, first):
                name, cut = heading_text(sub_head["c"][2])
                numbered = numbered or cut
                if not any(_has_text(b) for b in text):
                    notes.append(f"the heading '{heading} > {name or '(no text)'}' has no text under it: it was "
                                 "left out")
                    continue
                if not name:
                    name = f"{heading} ({len(chunks) + 1})"
                    notes.append(f"a heading with no text under '{heading}' was called '{name}': give it a title")
                chunks.append(Chunk(name, f"{heading} > {name}", tuple(text)))
        elif any(_has_text(b) for b in body):
            chunks.append(Chunk(heading, heading, tuple(body)))
        if chunks:
            parts.append(Part(heading, tuple(chunks)))
        else:
            notes.append(f"the heading '{heading}' has no text under it: it was left out")
    if numbered:
        notes.append("numbers typed into the headings were taken out: the build numbers parts and clauses itself")
    return Outline(title, tuple(parts), tuple(notes))


def _sections(blocks: list[Node], level: int, start: int) -> Iterator[tuple[Node, list[Node]]]:
    """(heading, the blocks under it) for each heading of `level` or above, from `blocks[start]` (one)."""
    i = start
    while i < len(blocks):
        end = next((j for j in range(i + 1, len(blocks)) if _is_heading(blocks[j], level)), len(blocks))
        yield blocks[i], blocks[i + 1:end]
        i = end


def _is_heading(block: Node, level: int) -> bool:
    return block["t"] == "Header" and block["c"][0] <= level


def _has_text(block: Node) -> bool:
    """Whether a block holds anything to keep: text, a table, or a picture to report."""
    if block["t"] in ("HorizontalRule",):
        return False
    if block["t"] in ("Table", "Figure"):
        return True
    return bool(text_of([block])) or '"Image"' in str(block).replace("'", '"')


def _bold_line(block: Node) -> list[Node]:
    """The words of a paragraph that is all bold, short and not a sentence (a heading typed by hand),
    else []."""
    inner = [i for i in block.get("c", []) if i.get("t") not in ("Space", "SoftBreak")] if block["t"] == "Para" else []
    if len(inner) != 1 or inner[0]["t"] != "Strong":
        return []
    text = text_of(inner)
    return inner[0]["c"] if 0 < len(text.split()) <= 12 and not text.endswith((".", ":", ";", ",")) else []
