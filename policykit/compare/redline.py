"""Redline documents from a comparison: Word with tracked changes, HTML and PDF.

The comparison's tree becomes one tree per output, written back as Markdown and converted
with the build's own converters and renderers (cover, styles, fonts) in one pandoc run. For
Word, changes become spans of class `insertion`/`deletion` with an author and a date, which
pandoc writes as real tracked changes; `docx_track.py` then tracks the paragraph marks and
table rows of blocks that appear or go whole, and makes unchanged moved clauses Word moves.
HTML and PDF come from `visual.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from itertools import count
from typing import Mapping, Sequence

from policykit.compare.blocks import MARK, WAS_NUMBERED, mark_blocks, resolve_changes
from policykit.compare.clauses import MOVED_AWAY, MOVED_HERE, Comparison
from policykit.compare.docx_track import MOVE_FLAG, MOVE_RANGE, SECTION_TAB, track
from policykit.compare.inlines import DEL, INS, MOVED_SPAN
from policykit.compare.pandoc_ast import (
    Blocks,
    Div,
    Inlines,
    Node,
    Para,
    Space,
    Span,
    Str,
    map_inline_lists,
    to_markdown,
    words,
    wrap,
)
from policykit.compare.versions import Trust, Version
from policykit.compare.visual import html_ins, html_styles, typst_styles, visual_tree
from policykit.core.render import RenderedDocument
from policykit.dates import long_date, noon_epoch
from policykit.model import released_as
from policykit.outputs.formats import WRITERS
from policykit.outputs.pandoc import Converter, Job, Pandoc
from policykit.templating.markdown import yamlstr

FORMATS = ("docx", "html", "pdf")


@dataclass(frozen=True)
class Cover:
    """What a redline says about itself: its cover, author and date (never the clock)."""

    title: str
    school: str
    trust: str
    from_label: str
    to_label: str
    author: str  # who the tracked changes are attributed to, e.g. "Library release 2025.1"
    day: date  # the date of the changes: the newer text's release (or newest unreleased change) or approval
    versions: str = ""  # "1.0.0 -> 1.1.0"
    releases: str = ""  # "2024.1 -> 2025.1"
    key: str = "redline"  # e.g. "oakfield/redline/acceptable-use"
    colours: Mapping[str, str] | None = None
    logo: str | None = None

    @property
    def stamp(self) -> str:
        return f"{self.day.isoformat()}T00:00:00Z"


def redlines(items: Sequence[tuple[Comparison, Cover]], formats: Sequence[str] = FORMATS,
             converter: Converter | None = None) -> list[dict[str, bytes]]:
    """For each (comparison, cover), its redline files: format -> bytes. One pandoc run per step."""
    trees: list[Blocks] = []
    for comparison, cover in items:
        if "docx" in formats:
            trees.append(docx_tree(comparison, cover))
        if "html" in formats:
            trees.append(visual_tree(comparison, banner(cover), cover.from_label, cover.to_label, html_styles))
        if "pdf" in formats:
            trees.append(visual_tree(comparison, banner(cover), cover.from_label, cover.to_label, typst_styles))
    bodies = iter(to_markdown(trees))
    jobs, plans = [], []
    for _, cover in items:
        doc = _document(cover)
        plan = []
        for fmt in formats:
            out = WRITERS[fmt].pandoc_output(doc)
            assert out is not None
            if fmt == "docx":  # docx_tree numbers the headings itself, old and new numbers tracked
                out = replace(out, number_sections=False)
            else:  # the summary comes straight after the cover; the PDF's bookmarks list every heading
                out = replace(out, toc=False)
            markdown = _front_matter(cover) + next(bodies)
            jobs.append(Job(markdown, (out,), doc.epoch))
            plan.append((fmt, replace(doc, markdown=markdown)))
        plans.append(plan)
    converted = iter((converter or Pandoc()).convert(jobs))
    results = []
    for plan, (_, cover) in zip(plans, items):
        files = {}
        for fmt, doc in plan:
            data = next(converted)[0]
            if fmt == "docx":
                data = track(data, cover.stamp, cover.author)
            elif fmt == "html":
                data = html_ins(data.decode("utf-8")).encode("utf-8")
            files[fmt] = WRITERS[fmt].finish(doc, data)
        results.append(files)
    return results


def _document(cover: Cover) -> RenderedDocument:
    setting, _, policy = cover.key.partition("/redline/")
    return RenderedDocument(key=cover.key, setting_id=setting, policy_id=policy, markdown="", title=cover.title,
                            school=cover.school, trust=cover.trust, epoch=noon_epoch(cover.day), clause_versions={},
                            colours=dict(cover.colours or {}), issued=cover.day, logo=cover.logo)


def _front_matter(cover: Cover) -> str:
    """The redline's metadata (for the cover pages): every value escaped, as in the build."""
    status = "Redline: not for approval"
    fields = {
        "title": f"{cover.title}: changes", "subtitle": cover.school, "author": cover.trust,
        "date": long_date(cover.day), "school": cover.school, "trust": cover.trust,
        "policy-version": cover.versions, "library-release": cover.releases, "review-date": "not applicable",
        "approval-status": status, "subject": f"Changes to the {cover.title} for {cover.school}",
    }
    lines = ["---", *(f"{k}: {yamlstr(v)}" for k, v in fields.items()), "lang: en-GB", "approved: false",
             "keywords: [\"redline\", \"policy\"]", "---", "", ""]
    return "\n".join(lines)


# --- Word ----------------------------------------------------------------------------------------

def banner(cover: Cover) -> Node:
    """The note on the cover (layout.lua moves a `.draft-banner` there in every format)."""
    return Div([Para([wrap("Strong", [Str("Redline.")]), Space(),
                      *words(f"Changes from {cover.from_label} to {cover.to_label}. Not for approval: the "
                             "text to approve is the policy itself.")])], ["draft-banner"])


def docx_tree(comparison: Comparison, cover: Cover) -> Blocks:
    """Tracked changes: spans with author and date; whole blocks flagged by bookmarks for docx_track.

    A clause that moved without changing becomes a real Word move (docx_track turns its
    changes into `w:moveFrom`/`w:moveTo` between range markers); one that also changed is
    deleted at its old place and inserted, as changed, at its new one, attributed "(moved)".
    """
    ids = count(1)
    moves = {cid: n for n, cid in enumerate(sorted({dict(b["c"][0][2])["clause"] for b in comparison.blocks
                                                    if b["t"] == "Div" and MOVED_HERE in b["c"][0][1]
                                                    and dict(b["c"][0][2])["same"] == "1"}), 1)}
    blocks: Blocks = [banner(cover)]
    for b in comparison.blocks:
        classes = b["c"][0][1] if b["t"] == "Div" else []
        if MOVED_AWAY in classes or MOVED_HERE in classes:
            kv = dict(b["c"][0][2])
            if MOVED_AWAY in classes:
                moved = mark_blocks(DEL, b["c"][1], moved=True, unnumbered=True)
            else:
                moved = mark_blocks(INS, resolve_changes(b["c"][1], INS), moved=True)
            if kv["clause"] in moves:
                side = "from" if MOVED_AWAY in classes else "to"
                moved = _bracket(moved, f"{MOVE_RANGE}{side}-{moves[kv['clause']]}")
            blocks += moved
        else:
            blocks.append(b)
    blocks = _number_headings(blocks)

    def spans(xs: Inlines) -> Inlines:
        out: Inlines = []
        for x in xs:
            classes = x["c"][0][1] if x["t"] == "Span" else []
            author = cover.author
            if MOVED_SPAN in classes:  # a whole move (docx_track makes it one), or a moved and changed clause
                author = MOVE_FLAG + author if dict(x["c"][0][2]).get("move") else author + " (moved)"
            if MARK in classes:
                scope, kind = classes[1], classes[2]
                out.append(Span([], ident=f"pk-{scope}-{kind}-{next(ids)}"))
            elif INS in classes or DEL in classes:
                kind = INS if INS in classes else DEL
                out.append(Span(x["c"][1], [kind], [("author", author), ("date", cover.stamp)]))
            else:
                out.append(x)
        return out

    return map_inline_lists(blocks, spans, deep=True)


def _number_headings(blocks: Blocks) -> Blocks:
    """Each heading's number as text, as pandoc numbers the policy's (`1.2`, a tab, the title).

    Pandoc's own numbering would number the redline as one text; here a heading gets its number
    in the new text and in the old one: the same, plain; different, the old deleted and the new
    inserted; a heading only in the new text (or only in the old), its number inside the
    insertion (or deletion). So accepting every change gives the new numbers and rejecting
    every one the old. The number stays outside a moved clause's move range (it is not moved
    text) and is attributed as the rest of its heading.
    """
    counters = {"old": [0] * 7, "new": [0] * 7}

    def number(side: str, level: int) -> str:
        c = counters[side]
        c[level] += 1
        c[level + 1:] = [0] * (6 - level)
        return ".".join(str(n) for n in c[1:level + 1])

    def heading(b: Node) -> Node:
        level, (ident, classes, kvs), xs = b["c"]
        marks = [x["c"][0][1] for x in xs if x["t"] == "Span" and MARK in x["c"][0][1]]
        inserted, deleted = any(INS in m for m in marks), any(DEL in m for m in marks)
        old = None if inserted or "unnumbered" in classes and WAS_NUMBERED not in classes else number("old", level)
        new = None if deleted or "unnumbered" in classes else number("new", level)
        if old is None and new is None:
            return b
        moved = [MOVED_SPAN] if any(x["t"] == "Span" and MOVED_SPAN in x["c"][0][1] and not dict(x["c"][0][2]).get("move")
                               for x in xs) else []

        def secno(n: str) -> Node:
            # pandoc names a custom style by its name: "Section Number" is the reference's own
            # (styleId SectionNumber); "SectionNumber" would add a second style of that id
            return Span([Str(n)], attrs=[("custom-style", "Section Number")])

        if old == new:
            prefix = [secno(new), Str(SECTION_TAB)]
        elif old is None or new is None:
            prefix = [Span([secno(new or old or ""), Str(SECTION_TAB)], [INS if old is None else DEL, *moved])]
        else:
            prefix = [Span([secno(old)], [DEL, *moved]), Span([secno(new)], [INS, *moved]), Str(SECTION_TAB)]
        return {"t": "Header", "c": [level, [ident, classes, kvs], prefix + xs]}

    def walk(bs: Blocks) -> Blocks:
        out: Blocks = []
        for b in bs:
            if b["t"] == "Header":
                b = heading(b)
            elif b["t"] == "Div":
                b = {"t": "Div", "c": [b["c"][0], walk(b["c"][1])]}
            out.append(b)
        return out

    return walk(blocks)


def _bracket(blocks: Blocks, name: str) -> Blocks:
    """Range markers around a moved clause: an empty span at the start of its first paragraph
    and one at the end of its last (written as bookmarks; docx_track makes them move ranges);
    its changes are flagged to become moves."""
    total = 0

    def counting(xs: Inlines) -> Inlines:
        nonlocal total
        total += 1 if xs else 0
        return xs

    map_inline_lists(blocks, counting)
    seen = 0

    def place(xs: Inlines) -> Inlines:
        nonlocal seen
        if not xs:
            return xs
        seen += 1
        xs = [_flag_move(x) for x in xs]
        if seen == 1:
            xs = [Span([], ident=f"{name}-start"), *xs]
        if seen == total:
            xs = [*xs, Span([], ident=f"{name}-end")]
        return xs

    return map_inline_lists(blocks, place)


def _flag_move(x: Node) -> Node:
    if x["t"] == "Span" and MOVED_SPAN in x["c"][0][1]:
        return Span(x["c"][1], x["c"][0][1], [*map(tuple, x["c"][0][2]), ("move", "1")])
    if x["t"] == "Link":
        return {"t": "Link", "c": [x["c"][0], [_flag_move(y) for y in x["c"][1]], x["c"][2]]}
    return x


__all__ = ["Cover", "redlines", "docx_tree", "banner", "FORMATS"]


def cover_for(trust: Trust, setting: str, policy: str, a: Version, b: Version) -> Cover:
    """The redline's cover: the newer text's names; changes attributed to its library release, or,
    when it holds clause changes made since that release, to those ("Unreleased changes since
    library release 2025.1"), dated no earlier than the newest of them."""
    def span(x: str, y: str) -> str:
        return x if x == y else f"{x} \u2192 {y}"

    def release(v: Version) -> str:
        return f"{v.library_release} with unreleased changes" if v.unreleased else v.library_release

    author = released_as(b.library_release, b.unreleased)
    return Cover(
        title=str(b.content["title"]), school=str(b.content["school"]),
        trust=str(trust.project.trust["trust"]["name"]), from_label=a.label, to_label=b.label,
        author=author[:1].upper() + author[1:], day=max(a.day, b.day, b.unreleased or b.day),
        versions=span(str(a.content["version"]), str(b.content["version"])),
        releases=span(release(a), release(b)), key=f"{setting}/redline/{policy}",
        colours=trust.project.colours, logo=trust.project.logo,
    )
