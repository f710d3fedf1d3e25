"""The HTML and PDF redline: the change summary first, then the text with changes styled.

Insertions are underlined and deletions struck through, in colour, with `{+ +}` and `[- -]`
cues, so the changes read in greyscale, through a screen reader and in copied text too.
Moved clauses carry a note at their new place ("Moved here from 2.3") and their old one.
"""

from __future__ import annotations

from typing import AbstractSet, Callable

from policykit.compare.blocks import MARK
from policykit.compare.clauses import MOVED_AWAY, MOVED_HERE, Comparison
from policykit.compare.inlines import DEL, INS
from policykit.compare.pandoc_ast import (
    Blocks,
    BulletList,
    Header,
    Inlines,
    Node,
    Para,
    Plain,
    Space,
    Span,
    Str,
    map_inline_lists,
    words,
    wrap,
)

INSERTED, DELETED, CUE = "#1B5E20", "#B71C1C", "#555555"
CUES = {INS: ("{+", "+}"), DEL: ("[-", "-]")}

# --- one inline change, as every HTML and PDF redline shows it (policykit diff, the site, the pack)

Styles = Callable[[str, Inlines], Node]


def html_styles(kind: str, inlines: Inlines) -> Node:
    """`{+` <ins>text</ins> `+}` or `[-` <del>text</del> `-]`, coloured: the cues are text, so a
    change reads in greyscale, in copied text and on a screen reader; <ins>/<del> say what it is.
    (pandoc writes the underline as <u>; `html_ins` makes it the <ins> it is.)"""
    left, right = CUES[kind]
    cue = [("style", f"color:{CUE};font-size:.8em")]
    if kind == INS:
        return Span([Span([Str(left)], ["cue"], cue), wrap("Underline", inlines), Span([Str(right)], ["cue"], cue)],
                    ["inserted"], [("title", "inserted"), ("style", f"color:{INSERTED};background:#E8F5E9")])
    return Span([Span([Str(left)], ["cue"], cue), wrap("Strikeout", inlines), Span([Str(right)], ["cue"], cue)],
                ["deleted"], [("title", "deleted"), ("style", f"color:{DELETED};background:#FDECEA")])


def typst_styles(kind: str, inlines: Inlines) -> Node:
    """In a PDF: underline or strike in colour, between small grey `{+ +}` / `[- -]` cues."""
    colour = INSERTED if kind == INS else DELETED
    cue = {"typst:text:fill": f'rgb("{CUE}")', "typst:text:size": "0.8em"}
    left, right = CUES[kind]
    return Span([Span([Str(left)], attrs=list(cue.items())),
                 wrap("Underline" if kind == INS else "Strikeout", inlines),
                 Span([Str(right)], attrs=list(cue.items()))], attrs=[("typst:text:fill", f'rgb("{colour}")')])


def html_ins(html: str) -> str:
    """pandoc's <u> in a redline made <ins>: after `mark_changes`, every underline is an insertion."""
    return html.replace("<u>", "<ins>").replace("</u>", "</ins>")


def mark_changes(blocks: Blocks, style: Styles) -> Blocks:
    """Every change in a redline tree styled; whole-block markers dropped.

    A deletion followed at once by an insertion keeps a space between them in its closing cue
    (`[-calls-] {+every call+}`), so copied text never runs the two together; the space goes
    with the deletion, so the text without the deletions (or the insertions) is unchanged.
    For HTML, the text's own underline and strike become styled spans, so that <ins> and
    <del> mean a change and nothing else.
    """
    html = style is html_styles

    def kind_of(x: Node) -> str | None:
        classes = x["c"][0][1] if x["t"] == "Span" else []
        return INS if INS in classes else DEL if DEL in classes else None

    def spans(xs: Inlines) -> Inlines:
        xs = [x for x in xs if not (x["t"] == "Span" and MARK in x["c"][0][1])]
        result: Inlines = []
        for i, x in enumerate(xs):
            kind = kind_of(x)
            if kind is not None:
                styled = style(kind, x["c"][1])
                after = xs[i + 1] if i + 1 < len(xs) else None
                if kind == DEL and after is not None and kind_of(after) == INS and not _spaced(x, after):
                    styled["c"][1][-1]["c"][1].append(Space())  # the closing cue: "-] "
                result.append(styled)
            elif html and x["t"] in ("Underline", "Strikeout"):
                line = "underline" if x["t"] == "Underline" else "line-through"
                result.append(Span(x["c"], attrs=[("style", f"text-decoration:{line}")]))
            else:
                result.append(x)
        return result

    return map_inline_lists(blocks, spans, deep=True)


def _spaced(deletion: Node, insertion: Node) -> bool:
    """Whether a space already parts a deletion from the insertion after it."""
    a, b = deletion["c"][1], insertion["c"][1]
    return bool(a and a[-1]["t"] in ("Space", "SoftBreak") or b and b[0]["t"] in ("Space", "SoftBreak"))


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
            versions = f"{change.old_version} \u2192 {change.new_version}" + (" (reverted)" if change.reverted else "")
            out.append(_note(f"Library change {versions}: {change.why}"))
    return [banner, *summary(comparison, old, new, style, anchors), *mark_changes(out, style)]


def _anchor(cid: str) -> str:
    return f"pk-clause-{cid}"


def _note(text: str) -> Node:
    return Para([wrap("Emph", words(text))])


def summary(comparison: Comparison, old: str, new: str, style: Styles,
            anchors: AbstractSet[str] = frozenset()) -> Blocks:
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
        line = [wrap("Strong", [Str(c.label.capitalize())]), Space(), *title, Space(),
                {"t": "Code", "c": [["", [], []], c.id]}]
        line += [Space(), *words(c.versions.replace("->", "\u2192"))]
        if c.detail:
            line += [Space(), *words(f"({c.detail})")]
        if c.why:
            line += [Str(":"), Space(), *words(c.why)]
        items.append([Plain(line)])
    for o in comparison.others:
        items.append([Plain([wrap("Strong", [Str(o.kind.capitalize())]), Space(),
                             *words(o.what.replace(" -> ", " \u2192 "))])])
    return blocks + [BulletList(items)]
