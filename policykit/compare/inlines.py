"""Word-level diffs inside one paragraph of pandoc's tree.

Tokens are words, spaces and punctuation (a link, emphasis or code span is one token, diffed
inside when both sides have the same kind); each change becomes a span of class `insertion`
or `deletion`. Accepting every insertion and dropping every deletion gives the new inlines;
the reverse gives the old ones.
"""

from __future__ import annotations

import json
import re
from difflib import SequenceMatcher
from typing import Any

from policykit.compare.pandoc_ast import Inlines, Node, Space, Span, Str

INS, DEL = "insertion", "deletion"
MOVED_SPAN = "pk-moved"  # a class on a change span: part of a clause that moved

_PIECE = re.compile(r"\w+(?:['\u2019]\w+)*|\s+|[^\w\s]")
_RECURSE = {"Emph", "Underline", "Strong", "Strikeout", "Superscript", "Subscript", "SmallCaps"}


def tokens(inlines: Inlines) -> Inlines:
    """Words, spaces and punctuation as separate inlines; anything else (a link, emphasis) whole."""
    out: Inlines = []
    for x in inlines:
        if x["t"] == "Str":
            out += [Str(p) for p in _PIECE.findall(x["c"])]
        elif x["t"] == "SoftBreak":
            out.append(Space())  # a line break in the source is a space in every output
        else:
            out.append(x)
    return out


def diff_inlines(old: Inlines, new: Inlines) -> Inlines:
    """The new inlines with insertions and deletions marked, word by word."""
    a, b = tokens(old), tokens(new)
    out: Inlines = []
    for tag, i1, i2, j1, j2 in _opcodes(a, b):
        if tag == "equal":
            out += b[j1:j2]
            continue
        olds, news = a[i1:i2], b[j1:j2]
        if len(olds) == 1 and len(news) == 1 and _same_container(olds[0], news[0]):
            out.append(_diff_container(olds[0], news[0]))
            continue
        out += change(DEL, olds) + change(INS, news)
    return out


def _opcodes(a: Inlines, b: Inlines) -> list[tuple[str, int, int, int, int]]:
    keys_a, keys_b = [_token_key(x) for x in a], [_token_key(x) for x in b]
    ops = [list(op) for op in SequenceMatcher(None, keys_a, keys_b, autojunk=False).get_opcodes()]
    # a lone space left equal between two changes reads as noise: fold it into one change
    merged: list[list[Any]] = []
    for op in ops:
        if merged and merged[-1][0] != "equal" and op[0] != "equal":
            merged[-1] = ["replace", merged[-1][1], op[2], merged[-1][3], op[4]]
            continue
        merged.append(op)
    i = 1
    while i < len(merged) - 1:
        op = merged[i]
        if op[0] == "equal" and merged[i - 1][0] != "equal" and merged[i + 1][0] != "equal" and \
                all(k == " " for k in keys_a[op[1]:op[2]]):
            before, after = merged[i - 1], merged[i + 1]
            merged[i - 1:i + 2] = [["replace", before[1], after[2], before[3], after[4]]]
            continue
        i += 1
    return [tuple(op) for op in merged]  # type: ignore[misc]


def _token_key(x: Node) -> str:
    if x["t"] == "Str":
        return "S" + x["c"]
    if x["t"] == "Space":
        return " "
    return json.dumps(x, sort_keys=True)


def _same_container(a: Node, b: Node) -> bool:
    if a["t"] != b["t"]:
        return False
    if a["t"] in _RECURSE:
        return True
    if a["t"] in ("Span", "Quoted"):
        return a["c"][0] == b["c"][0]
    if a["t"] == "Link":
        return a["c"][0] == b["c"][0] and a["c"][2] == b["c"][2]
    return False


def _diff_container(a: Node, b: Node) -> Node:
    if a["t"] in _RECURSE:
        return {"t": a["t"], "c": diff_inlines(a["c"], b["c"])}
    if a["t"] == "Link":
        return {"t": "Link", "c": [b["c"][0], diff_inlines(a["c"][1], b["c"][1]), b["c"][2]]}
    return {"t": a["t"], "c": [b["c"][0], diff_inlines(a["c"][1], b["c"][1])]}


def change(kind: str, inlines: Inlines, moved: bool = False) -> Inlines:
    """`inlines` as one change; a link keeps the change inside it (Word allows no link in a change)."""
    classes = [kind, MOVED_SPAN] if moved else [kind]
    out: Inlines = []
    run: Inlines = []
    for x in inlines:
        if x["t"] == "Link":
            if run:
                out.append(Span(run, classes))
                run = []
            out.append({"t": "Link", "c": [x["c"][0], [Span(x["c"][1], classes)], x["c"][2]]})
        else:
            run.append(x)
    if run:
        out.append(Span(run, classes))
    return out
