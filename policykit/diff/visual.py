"""The HTML and PDF redline: the change summary first, then the text with changes styled.

Insertions are underlined and deletions struck through, in colour, with `{+ +}` and `[- -]`
cues, so the changes read in greyscale, through a screen reader and in copied text too.
Moved clauses carry a note at their new place ("Moved here from 2.3") and their old one.
"""

from __future__ import annotations

from typing import AbstractSet, Callable

from .blocks import MARK
from .compare import MOVED_AWAY, MOVED_HERE, Comparison
from .inlines import DEL, INS
from .pandoc_ast import Blocks, BulletList, Header, Inlines, Node, Para, Plain, Space, Span, Str, map_inline_lists, \
    words, wrap

INSERTED, DELETED, CUE = "#1B5E20", "#B71C1C", "#555555"
# --- --------------------------------------------------------------------------------

Styles = Callable[[str, Inlines], Node]


def html_styles(kind: str, inlines: Inlines) -> Node:
    if kind == INS:
        return Span([_cue("{+", "color:" + CUE), wrap("Underline", inlines), _cue("+}", "color:" + CUE)], ["inserted"],
                    [("title", "inserted"), ("style", f"color:{INSERTED};background:#E8F5E9")])
    return Span([_cue("[-", "color:" + CUE), wrap("Strikeout", inlines), _cue("-]", "color:" + CUE)], ["deleted"],
                [("title", "deleted"), ("style", f"color:{DELETED};background:#FDECEA")])


def _cue(text: str, style: str) -> Node:
    return Span([Str(text)], ["cue"], [("style", style + ";font-size:.8em")])


def typst_styles(kind: str, inlines: Inlines) -> Node:
    colour = INSERTED if kind == INS else DELETED
    cue = {"typst:text:fill": f'rgb("{CUE}")', "typst:text:size": "0.8em"}
    left, right = ("{+", "+}") if kind == INS else ("[-", "-]")
    return Span([Span([Str(left)], attrs=list(cue.items())),
                 wrap("Underline" if kind == INS else "Strikeout", inlines),
                 Span([Str(right)], attrs=list(cue.items()))], attrs=[("typst:text:fill", f'rgb("{colour}")')])


def visual_tree(comparison: Comparison, banner: Node, old: str, new: str, style: Styles) -> Blocks:
    """The cover note, the summary, then the text with changes styled and moves noted."""
    notes = {c.id: c for c in comparison.clauses if c.kind in ("changed", "moved") and c.text_changed}
    blocks: Blocks = []
    for b in comparison.blocks:
        classes = b["c"][0][1] if b["t"] == "Div" else []
        if MOVED_AWAY in classes:
            kv = dict(b["c"][0][2])
            blocks.append(_note(f"\u201c{kv['title']}\u201d moved to {kv['to']}."))
        elif MOVED_HERE in classes:
            kv = dict(b["c"][0][2])
            head, *rest = b["c"][1]
            blocks += [head, _note(f"Moved here from {kv['from']} (\u201c{kv['part']}\u201d)."), *rest]
        else:
            blocks.append(b)
    out: Blocks = []
    anchors: set[str] = set()
    for b in blocks:  # each clause's heading an anchor for the summary; a changed one's changelog note under it
        cid = dict(b["c"][1][2]).get("data-clause") if b["t"] == "Header" else None
        if cid and cid not in anchors and not b["c"][1][0]:
            anchors.add(cid)
            b = {"t": "Header", "c": [b["c"][0], [_anchor(cid), *b["c"][1][1:]], b["c"][2]]}
        out.append(b)
        change = notes.get(cid or "")
        if change and change.notes:
            versions = f"{change.old_version} \u2192 {change.new_version}"
            out.append(_note(f"Library change {versions}: {' '.join(change.notes)}"))

    def spans(xs: Inlines) -> Inlines:
        result: Inlines = []
        for x in xs:
            classes = x["c"][0][1] if x["t"] == "Span" else []
            if MARK in classes:
                continue
            if INS in classes or DEL in classes:
                result.append(style(INS if INS in classes else DEL, x["c"][1]))
            else:
                result.append(x)
        return result

    return [banner, *summary(comparison, old, new, style, anchors), *map_inline_lists(out, spans, deep=True)]


def _anchor(cid: str) -> str:
    return f"pk-clause-{cid}"


def _note(text: str) -> Node:
    return Para([wrap("Emph", words(text))])


def summary(comparison: Comparison, old: str, new: str, style: Styles, anchors: AbstractSet[str] = frozenset()) -> Blocks:
    """The change summary that opens the HTML and PDF redlines: each clause by its number
    (in the new text; a removed one's in the old), linked to its heading in the text."""
    blocks: Blocks = [Header(1, words("Summary of changes"), ["unnumbered"]),
                      Para(words(f"Changes from {old} to {new}.") + [Space()] +
                           words("Inserted text looks") + [Space()] + [style(INS, words("like this"))] +
                           [Str(","), Space()] + words("deleted text") + [Space()] +
                           [style(DEL, words("like this")), Str(".")])]
    if not comparison.changed:
        return blocks + [Para(words("No changes: the two texts are the same."))]
    items = []
    for c in comparison.clauses:
        place = "" if c.kind == "moved" else c.new_place or c.old_place
        title = words(f"{place} {c.title}")
        if c.id in anchors:
            title = [{"t": "Link", "c": [["", [], []], title, [f"#{_anchor(c.id)}", ""]]}]
        line = [wrap("Strong", [Str(c.kind.capitalize())]), Space(), *title, Space(),
                {"t": "Code", "c": [["", [], []], c.id]}]
        line += [Space(), *words(c.versions.replace("->", "\u2192"))]
        if c.detail:
            line += [Space(), *words(f"({c.detail})")]
        if c.notes:
            line += [Str(":"), Space(), *words(" ".join(c.notes))]
        items.append([Plain(line)])
    for o in comparison.others:
        items.append([Plain([wrap("Strong", [Str(o.kind.capitalize())]), Space(), *words(o.what)])])
    return blocks + [BulletList(items)]
