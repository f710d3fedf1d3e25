"""Pandoc's document tree in its JSON form: parse Markdown into it, write it back, build nodes.

Diffs work on the parsed tree, so a change never splits a backslash-escape or inline
markup, and lists and tables keep their structure. Both steps run in one `pandoc lua`
process each (pandoc/redline.lua), whatever the number of texts.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable, Sequence

from policykit.errors import PolicykitError, Problem
from policykit.outputs.pandoc import READER, pandoc_path
from policykit.system.assets import asset

Node = dict[str, Any]
Inlines = list[Node]
Blocks = list[Node]

# Writing the redline back as Markdown must give the reader exactly this tree. Pandoc trims
# spaces at the edges of `[...]{}` spans, so edge spaces go out as `&#32;` (read back as a
# literal space), and only pipe tables are written (the reader knows no other kind).
WRITER = READER
_SENTINEL = "\ue000"  # a private-use character standing in for an edge space while pandoc writes
_EDGE_SPACE = "&#32;"
_TAB_MARK = "\ue001"  # docx_track.SECTION_TAB

INLINE_CONTAINERS = {"Emph", "Underline", "Strong", "Strikeout", "Superscript", "Subscript", "SmallCaps"}


def parse(texts: Sequence[str]) -> list[Blocks]:
    """Parse each Markdown text with the build's reader: its blocks."""
    if not texts:
        return []
    if any(_TAB_MARK in text for text in texts):  # the Word redline writes it as a heading number's tab
        raise PolicykitError(Problem("redline", message="the text holds the private-use character U+E001",
                                     hint="remove it from the clause or setting"))
    return [json.loads(d)["blocks"] for d in _run("parse", READER, list(texts))]


def to_markdown(documents: Sequence[Blocks]) -> list[str]:
    """Markdown that the build's reader parses back into exactly these trees."""
    if any(_SENTINEL in json.dumps(blocks, ensure_ascii=False) for blocks in documents):
        raise PolicykitError(Problem("redline", message="the text holds the private-use character U+E000",
                                     hint="remove it from the clause or setting"))
    if not documents:
        return []
    items = [json.dumps(_protect_edges(blocks), ensure_ascii=False) for blocks in documents]
    return [text.replace(_SENTINEL, _EDGE_SPACE) for text in _run("write", WRITER, items)]


def _run(mode: str, fmt: str, items: list[str]) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="policykit-redline-") as tmp:
        request, out = Path(tmp) / "request.json", Path(tmp) / "out.json"
        request.write_text(json.dumps({"mode": mode, "format": fmt, "items": items, "out": str(out)}),
                           encoding="utf-8")
        proc = subprocess.run([pandoc_path(), "lua", asset("pandoc/redline.lua"), str(request)],
                              capture_output=True, cwd=tmp, env={**os.environ, "LANG": "C.UTF-8"})
        if proc.returncode != 0 or not out.exists():
            detail = proc.stderr.decode("utf-8", "replace").strip()
            raise PolicykitError(Problem("pandoc", message=f"redline {mode} failed: {detail[:2000]}"))
        return list(json.loads(out.read_text(encoding="utf-8")))


# --- building nodes ---------------------------------------------------------------------

def attr(ident: str = "", classes: Sequence[str] = (), attrs: Sequence[tuple[str, str]] = ()) -> list[Any]:
    return [ident, list(classes), [list(kv) for kv in attrs]]


def Str(text: str) -> Node:
    return {"t": "Str", "c": text}


def Space() -> Node:
    return {"t": "Space"}


def words(text: str) -> Inlines:
    """Plain text as inlines: never markup, so any value from settings stays literal."""
    out: Inlines = []
    for i, word in enumerate(text.split()):
        if i:
            out.append(Space())
        out.append(Str(word))
    return out


def Span(inlines: Inlines, classes: Sequence[str] = (), attrs: Sequence[tuple[str, str]] = (),
         ident: str = "") -> Node:
    return {"t": "Span", "c": [attr(ident, classes, attrs), list(inlines)]}


def wrap(kind: str, inlines: Inlines) -> Node:
    """An inline container (Emph, Strong, Underline, Strikeout...)."""
    return {"t": kind, "c": list(inlines)}


def Para(inlines: Inlines) -> Node:
    return {"t": "Para", "c": list(inlines)}


def Plain(inlines: Inlines) -> Node:
    return {"t": "Plain", "c": list(inlines)}


def Header(level: int, inlines: Inlines, classes: Sequence[str] = ()) -> Node:
    return {"t": "Header", "c": [level, attr("", classes), list(inlines)]}


def Div(blocks: Blocks, classes: Sequence[str] = (), attrs: Sequence[tuple[str, str]] = ()) -> Node:
    return {"t": "Div", "c": [attr("", classes, attrs), list(blocks)]}


def BulletList(items: Sequence[Blocks]) -> Node:
    return {"t": "BulletList", "c": [list(i) for i in items]}


# --- walking --------------------------------------------------------------------------------

def map_inline_lists(blocks: Blocks, fn: Callable[[Inlines], Inlines], deep: bool = False) -> Blocks:
    """A copy of `blocks` with `fn` applied to each paragraph-level inline list.

    With `deep`, also to the contents of inline containers (spans, emphasis, links), innermost first.
    """
    def inl(xs: Inlines) -> Inlines:
        if deep:
            xs = [_map_inline(x) for x in xs]
        return fn(xs)

    def _map_inline(x: Node) -> Node:
        t, c = x["t"], x.get("c")
        if t in INLINE_CONTAINERS:
            return {"t": t, "c": inl(c)}
        if t in ("Span", "Quoted", "Cite"):
            return {"t": t, "c": [c[0], inl(c[1])]}
        if t in ("Link", "Image"):
            return {"t": t, "c": [c[0], inl(c[1]), c[2]]}
        return x

    def blk(b: Node) -> Node:
        t, c = b["t"], b.get("c")
        if t in ("Para", "Plain"):
            return {"t": t, "c": inl(c)}
        if t == "Header":
            return {"t": t, "c": [c[0], c[1], inl(c[2])]}
        if t == "LineBlock":
            return {"t": t, "c": [inl(line) for line in c]}
        if t == "BlockQuote":
            return {"t": t, "c": blks(c)}
        if t == "Div":
            return {"t": t, "c": [c[0], blks(c[1])]}
        if t == "BulletList":
            return {"t": t, "c": [blks(item) for item in c]}
        if t == "OrderedList":
            return {"t": t, "c": [c[0], [blks(item) for item in c[1]]]}
        if t == "DefinitionList":
            return {"t": t, "c": [[inl(term), [blks(d) for d in defs]] for term, defs in c]}
        if t == "Table":
            return {"t": t, "c": map_table(c, blks)}
        if t == "Figure":
            return {"t": t, "c": [c[0], c[1], blks(c[2])]}
        return b

    def blks(bs: Blocks) -> Blocks:
        return [blk(b) for b in bs]

    return blks(blocks)


def map_table(c: list[Any], fn: Callable[[Blocks], Blocks]) -> list[Any]:
    """A table's content with `fn` applied to every cell's blocks."""
    tattr, caption, colspecs, head, bodies, foot = c

    def rows(rs: list[Any]) -> list[Any]:
        return [[r[0], [[cell[0], cell[1], cell[2], cell[3], fn(cell[4])] for cell in r[1]]] for r in rs]

    return [tattr, caption, colspecs, [head[0], rows(head[1])],
            [[b[0], b[1], rows(b[2]), rows(b[3])] for b in bodies], [foot[0], rows(foot[1])]]


def _protect_edges(blocks: Blocks) -> Blocks:
    def protect(xs: Inlines) -> Inlines:
        xs = list(xs)
        for i in (0, -1):
            if xs and xs[i]["t"] in ("Space", "SoftBreak"):
                xs[i] = Str(_SENTINEL)
        return xs

    def containers(xs: Inlines) -> Inlines:
        out = []
        for x in xs:
            t, c = x["t"], x.get("c")
            if t in INLINE_CONTAINERS:
                x = {"t": t, "c": protect(c)}
            elif t in ("Span", "Quoted", "Cite"):
                x = {"t": t, "c": [c[0], protect(c[1])]}
            elif t in ("Link", "Image"):
                x = {"t": t, "c": [c[0], protect(c[1]), c[2]]}
            out.append(x)
        return out

    return map_inline_lists(blocks, containers, deep=True)


def plain_text(node: Node | list[Any]) -> str:
    """The words of a tree (for similarity and summaries), spaces normalised."""
    out: list[str] = []

    def visit(x: Any) -> None:
        if isinstance(x, dict):
            t = x.get("t")
            if t == "Str":
                out.append(x["c"])
            elif t in ("Space", "SoftBreak", "LineBreak"):
                out.append(" ")
            elif t in ("Code", "Math"):
                out.append(x["c"][-1])
            elif "c" in x:
                out.append(" ")  # blocks, cells and containers never run words together
                visit(x["c"])
                out.append(" ")
        elif isinstance(x, list):
            for y in x:
                visit(y)

    visit(node)
    return " ".join("".join(out).split())
