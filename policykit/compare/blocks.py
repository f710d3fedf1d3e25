"""Block-level diffs of pandoc's tree: paragraphs, lists (item by item) and tables (row by row).

Alike blocks are diffed word by word (inlines.py); the others appear or go whole. Every
paragraph and table row that appears or goes whole also carries a marker (an empty span of
class `pk-mark`) so the Word writer can track its paragraph mark or row too.
"""

from __future__ import annotations

import json
from difflib import SequenceMatcher
from typing import Any, Callable, Sequence, TypeVar

from policykit.compare.inlines import DEL, INS, MOVED_SPAN, change, diff_inlines
from policykit.compare.pandoc_ast import Blocks, Inlines, Node, Span, map_inline_lists, map_table, plain_text

MARK = "pk-mark"  # an empty span: this whole paragraph (or table row) was inserted or deleted
WAS_NUMBERED = "pk-was-numbered"  # on a deleted heading made unnumbered: the old text numbered it
SIMILAR = 0.5  # blocks at least this alike are diffed word by word; others are replaced whole

T = TypeVar("T")


# --- alignment -------------------------------------------------------------------------------

def align(old: Sequence[T], new: Sequence[T], key: Callable[[T], Any],
          similar: Callable[[T, T], bool]) -> list[tuple[T | None, T | None]]:
    """Pairs (old, new), (old, None) for a deletion or (None, new) for an insertion, in order.

    Equal keys pair first (longest common subsequence); within each run of differences an
    old and a new item pair when `similar` says so, in order.
    """
    out: list[tuple[T | None, T | None]] = []
    keys_a, keys_b = [_key(key(x)) for x in old], [_key(key(x)) for x in new]
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, keys_a, keys_b, autojunk=False).get_opcodes():
        if tag == "equal":
            out += list(zip(old[i1:i2], new[j1:j2]))
            continue
        olds, i = list(old[i1:i2]), 0
        for item in new[j1:j2]:
            match = next((k for k in range(i, len(olds)) if similar(olds[k], item)), None)
            if match is None:
                out.append((None, item))
                continue
            out += [(o, None) for o in olds[i:match]]
            out.append((olds[match], item))
            i = match + 1
        out += [(o, None) for o in olds[i:]]
    return out


def _key(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def similarity(a: Any, b: Any) -> float:
    wa, wb = plain_text(a).split(), plain_text(b).split()
    if not wa and not wb:
        return 1.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


# --- blocks ----------------------------------------------------------------------------------

def diff_blocks(old: Blocks, new: Blocks) -> Blocks:
    """Blocks of the new text with the old one's differences marked, word by word where alike."""
    out: Blocks = []
    for a, b in align(old, new, key=lambda x: x, similar=_comparable):
        if a is None:
            out.append(mark_block(INS, b))
        elif b is None:
            out.append(mark_block(DEL, a, unnumbered=True))
        elif a == b:
            out.append(b)
        else:
            out += diff_block(a, b)
    return out


def _comparable(a: Node, b: Node) -> bool:
    if a["t"] != b["t"]:
        return False
    t = a["t"]
    if t == "Header" and a["c"][0] != b["c"][0]:
        return False
    if t == "Table" and not _same_grid(a, b):
        return False
    if t == "Div" and a["c"][0] != b["c"][0]:
        return False
    if t not in ("Para", "Plain", "Header", "BulletList", "OrderedList", "BlockQuote", "Div", "Table", "LineBlock"):
        return False
    # Plain text sits alone in a table cell or a tight list item: an old and a new one side by
    # side would no longer be one cell (pipe tables) or would run together as one paragraph.
    # Two lists of a kind side by side would be read back as one: their items are diffed instead.
    return t in ("Plain", "BulletList", "OrderedList") or similarity(a, b) >= SIMILAR


def _same_grid(a: Node, b: Node) -> bool:
    return len(a["c"][2]) == len(b["c"][2]) and len(a["c"][4]) == len(b["c"][4]) <= 1


def diff_block(a: Node, b: Node) -> Blocks:
    """Two alike blocks of the same kind, diffed inside."""
    t, ca, cb = a["t"], a["c"], b["c"]
    if t in ("Para", "Plain"):
        return [{"t": t, "c": diff_inlines(ca, cb)}]
    if t == "Header":
        return [{"t": t, "c": [cb[0], cb[1], diff_inlines(ca[2], cb[2])]}]
    if t == "BlockQuote":
        return [{"t": t, "c": diff_blocks(ca, cb)}]
    if t == "Div":
        return [{"t": t, "c": [cb[0], diff_blocks(ca[1], cb[1])]}]
    if t == "BulletList":
        return [{"t": t, "c": _diff_items(ca, cb)}]
    if t == "OrderedList":
        return [{"t": t, "c": [cb[0], _diff_items(ca[1], cb[1])]}]
    if t == "Table":
        return [{"t": t, "c": _diff_table(ca, cb)}]
    if t == "LineBlock" and len(ca) == len(cb):
        return [{"t": t, "c": [diff_inlines(x, y) for x, y in zip(ca, cb)]}]
    return [mark_block(DEL, a, unnumbered=True), mark_block(INS, b)]


def _diff_items(old: list[Blocks], new: list[Blocks]) -> list[Blocks]:
    out = []
    for a, b in align(old, new, key=lambda x: x, similar=lambda x, y: similarity(x, y) >= SIMILAR):
        if a is None:
            out.append(mark_blocks(INS, b))
        elif b is None:
            out.append(mark_blocks(DEL, a))
        else:
            out.append(diff_blocks(a, b))
    return out


def _diff_table(a: list[Any], b: list[Any]) -> list[Any]:
    """Row by row (cell by cell in rows that are alike); rows that appear or go are marked whole."""
    def rows(old: list[Any], new: list[Any]) -> list[Any]:
        out = []
        for x, y in align(old, new, key=lambda r: r, similar=_similar_rows):
            if x is None:
                out.append(_mark_row(INS, y))
            elif y is None:
                out.append(_mark_row(DEL, x))
            elif len(x[1]) != len(y[1]):
                out += [_mark_row(DEL, x), _mark_row(INS, y)]
            else:
                out.append([y[0], [[cy[0], cy[1], cy[2], cy[3], _cell(diff_blocks(cx[4], cy[4]))]
                                   for cx, cy in zip(x[1], y[1])]])
        return out

    head = [b[3][0], rows(a[3][1], b[3][1])]
    bodies = [[bb[0], bb[1], rows(ab[2], bb[2]), rows(ab[3], bb[3])] for ab, bb in zip(a[4], b[4])]
    foot = [b[5][0], rows(a[5][1], b[5][1])]
    return [b[0], b[1], b[2], head, bodies, foot]


def _similar_rows(a: list[Any], b: list[Any]) -> bool:
    """Rows pair when their text is alike or at least half their cells are the same."""
    same = sum(x[4] == y[4] for x, y in zip(a[1], b[1]))
    return len(a[1]) == len(b[1]) and (same * 2 >= len(a[1]) or similarity(a, b) >= SIMILAR)


def _cell(blocks: Blocks) -> Blocks:
    """A cell's paragraph keeps its mark: Word cannot delete a cell's last paragraph."""
    def unflag(xs: Inlines) -> Inlines:
        return [x for x in xs if not (x["t"] == "Span" and {MARK, "para"} <= set(x["c"][0][1]))]

    return map_inline_lists(blocks, unflag)


# --- whole blocks ----------------------------------------------------------------------------

def marker(kind: str, scope: str, moved: bool = False) -> Node:
    """An empty span saying: this whole paragraph (scope 'para') or table row ('row') is a change."""
    return Span([], [MARK, scope, kind] + ([MOVED_SPAN] if moved else []))


def mark_blocks(kind: str, blocks: Blocks, moved: bool = False, unnumbered: bool = False) -> Blocks:
    return [mark_block(kind, b, moved, unnumbered) for b in blocks]


def mark_block(kind: str, block: Node, moved: bool = False, unnumbered: bool = False) -> Node:
    """A block that appears (or goes) whole: every paragraph and table row in it marked."""
    def para(xs: Inlines) -> Inlines:
        return [marker(kind, "para", moved), *change(kind, xs, moved)] if xs else xs

    def walk(b: Node) -> Node:
        t, c = b["t"], b.get("c")
        if t == "Table":
            def row(r: list[Any]) -> list[Any]:
                return _mark_row(kind, r, moved)
            head = [c[3][0], [row(r) for r in c[3][1]]]
            bodies = [[x[0], x[1], [row(r) for r in x[2]], [row(r) for r in x[3]]] for x in c[4]]
            return {"t": t, "c": [c[0], c[1], c[2], head, bodies, [c[5][0], [row(r) for r in c[5][1]]]]}
        if t in ("Para", "Plain"):
            return {"t": t, "c": para(c)}
        if t == "Header":
            classes = c[1][1] + (["unnumbered", WAS_NUMBERED] if unnumbered and "unnumbered" not in c[1][1] else [])
            return {"t": t, "c": [c[0], [c[1][0], classes, c[1][2]], para(c[2])]}
        if t == "BlockQuote":
            return {"t": t, "c": [walk(x) for x in c]}
        if t == "Div":
            return {"t": t, "c": [c[0], [walk(x) for x in c[1]]]}
        if t == "BulletList":
            return {"t": t, "c": [[walk(x) for x in item] for item in c]}
        if t == "OrderedList":
            return {"t": t, "c": [c[0], [[walk(x) for x in item] for item in c[1]]]}
        if t == "LineBlock":  # one paragraph with line breaks, which must come and go with its text
            joined: Inlines = []
            for i, line in enumerate(c):
                joined += ([{"t": "LineBreak"}] if i else []) + list(line)
            return {"t": "Para", "c": para(joined)}
        return map_inline_lists([b], para)[0]

    return walk(block)


def _mark_row(kind: str, row: list[Any], moved: bool = False) -> list[Any]:
    """A table row that appears or goes whole: its cells' text marked, the row itself flagged."""
    def cell_blocks(blocks: Blocks) -> Blocks:
        return map_inline_lists(blocks, lambda xs: change(kind, xs, moved) if xs else xs)

    cells = [[c[0], c[1], c[2], c[3], cell_blocks(c[4])] for c in row[1]]
    if cells:
        first = cells[0][4]
        flag = marker(kind, "row", moved)
        if first and first[0]["t"] in ("Para", "Plain"):
            first[0] = {"t": first[0]["t"], "c": [flag, *first[0]["c"]]}
        else:
            cells[0][4] = [{"t": "Plain", "c": [flag]}, *first]
    return [row[0], cells]


# --- reading a redline tree back --------------------------------------------------------------

def resolve_changes(blocks: Blocks, keep: str) -> Blocks:
    """The text with every change accepted (keep=INS) or rejected (keep=DEL), markers dropped."""
    drop = DEL if keep == INS else INS

    def flagged(xs: Inlines, scope: str = "para") -> bool:
        return any(x["t"] == "Span" and {MARK, scope, drop} <= set(x["c"][0][1]) for x in xs)

    def fix(xs: Inlines) -> Inlines:
        out: Inlines = []
        for x in xs:
            classes = x["c"][0][1] if x["t"] == "Span" else []
            if MARK in classes or drop in classes:
                continue
            out += x["c"][1] if keep in classes else [x]
        return out

    def row_gone(row: list[Any]) -> bool:
        return any(flagged(b["c"], "row") for cell in row[1][:1] for b in cell[4][:1] if b["t"] in ("Para", "Plain"))

    def walk(bs: Blocks) -> Blocks:
        out: Blocks = []
        for b in bs:
            t, c = b["t"], b.get("c")
            if t in ("Para", "Plain") and flagged(c) or t == "Header" and flagged(c[2]):
                continue
            if t == "BulletList":
                b = {"t": t, "c": [i for i in (walk(item) for item in c) if i]}
            elif t == "OrderedList":
                b = {"t": t, "c": [c[0], [i for i in (walk(item) for item in c[1]) if i]]}
            elif t in ("BlockQuote",):
                b = {"t": t, "c": walk(c)}
            elif t == "Div":
                b = {"t": t, "c": [c[0], walk(c[1])]}
            elif t == "Table":
                def rows(rs: list[Any]) -> list[Any]:
                    return [r for r in rs if not row_gone(r)]
                b = {"t": t, "c": map_table([c[0], c[1], c[2], [c[3][0], rows(c[3][1])],
                                             [[x[0], x[1], rows(x[2]), rows(x[3])] for x in c[4]],
                                             [c[5][0], rows(c[5][1])]], walk)}
                if not any(x[3] for x in b["c"][4]) and not b["c"][3][1]:
                    continue
            if t in ("BulletList", "OrderedList") and not (b["c"] if t == "BulletList" else b["c"][1]):
                continue
            out.append(b)
        return map_inline_lists(out, fix, deep=True)

    return walk(blocks)
