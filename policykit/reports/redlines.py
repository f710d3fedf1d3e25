"""What changed since the last approval, for the site and the meeting pack.

`redlines_for` is the one place the site and the pack get a redline from. It asks
policykit.diff to compare each document's current text with its last full approval (the
text archived by `policykit approve`), and hands back:

- the clause-level summary (added, removed, changed, moved; with the changelog notes);
- the redline body as pandoc Markdown (the whole text, changes marked), in two styles:
  `markdown` for HTML and `print_markdown` for the PDF. Both mark a change as the diff's own
  HTML and PDF redlines do (policykit.diff.visual): additions underlined and between `{+ +}`,
  removals struck through and between `[- -]`, so the marks survive greyscale printing,
  copying and reading aloud; in HTML the underline becomes <ins> and the strike <del>.

Everything runs batched: one pandoc run to parse every text, one to write every redline.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Callable, Sequence

from policykit.compare.batch import compare_versions
from policykit.compare.clauses import CHANGED, MOVED, MOVED_AWAY, MOVED_HERE, Comparison
from policykit.compare.pandoc_ast import Blocks, Inlines, Node, Para, to_markdown, words, wrap
from policykit.compare.versions import Trust, version
from policykit.compare.visual import html_styles, mark_changes, typst_styles
from policykit.core.render import RenderedDocument
from policykit.errors import PolicykitError
from policykit.governance.standing import stages_reached

SAME_VERSION = ("Same clause version: the wording changed through this school's settings "
                "(names, contacts, options or its own local wording).")


@dataclass(frozen=True)
class ChangeItem:
    """One clause (or other part of the text) that differs from the approved text."""

    kind: str  # added | removed | changed | moved
    clause: str  # clause id; "" for a change outside the clauses (key people, a part heading)
    title: str
    old_version: str  # "" when added (or not a clause)
    new_version: str  # "" when removed (or not a clause)
    notes: tuple[str, ...]  # why: the library's changelog entries in between, or what else changed


@dataclass(frozen=True)
class Redline:
    """The current text of one school x policy against its last approved text."""

    setting: str
    policy: str
    approved_on: date
    approved_by: str  # body names, "A then B" for two stages
    minute: str
    old_sha256: str
    new_sha256: str
    changes: tuple[ChangeItem, ...] = ()
    markdown: str = ""  # the redline body for HTML; parts at level 1, clauses at level 2; "" when unchanged
    print_markdown: str = ""  # the same for the PDF, with textual cues
    problem: str = ""  # why there is no redline although an earlier text was approved
    stage: str = ""  # "first of two stages" when the text compared with was approved at a first stage only

    @property
    def unchanged(self) -> bool:
        return self.old_sha256 == self.new_sha256


def redlines_for(trust: Trust, docs: Sequence[RenderedDocument]) -> dict[str, Redline | None]:
    """Each document's redline by key (None: never approved), compared in one batch."""
    out: dict[str, Redline | None] = {}
    todo: list[tuple[RenderedDocument, Redline, int]] = []
    for doc in docs:
        place = doc.standing
        # the last full approval; failing that, a first stage that approved an earlier text
        # (the current text then changed before the later stages saw it)
        records = place.latest.records if place and place.latest else place.earlier if place else ()
        if not records:
            out[doc.key] = None
            continue
        partial = len(records) < len(place.stages)
        base = Redline(setting=doc.setting_id, policy=doc.policy_id, approved_on=max(r.date for r in records),
                       approved_by=" then ".join(r.body for r in records),
                       minute="; ".join(r.minute for r in records),
                       old_sha256=records[-1].text_sha256, new_sha256=doc.text_sha256,
                       stage=stages_reached(len(records), len(place.stages)) if partial else "")
        out[doc.key] = base
        if not base.unchanged:
            todo.append((doc, base, records[-1].seq))
    if not todo:
        return out
    pairs: list[tuple[Any, Any]] = []
    kept: list[tuple[RenderedDocument, Redline, tuple[Any, Any]]] = []
    for doc, base, seq in todo:
        try:
            # the approval this document's standing counts as its latest (as of the view's date),
            # not the ledger's latest: a view as of an earlier date compares with what stood then
            pair = (version(trust, doc.setting_id, doc.policy_id, f"approval:{seq}"),
                    version(trust, doc.setting_id, doc.policy_id, "current"))
        except PolicykitError as exc:  # the archived text is missing or altered
            out[doc.key] = _with(base, problem="; ".join(p.message for p in exc.problems))
            continue
        pairs.append(pair)
        kept.append((doc, base, pair))
    trees: list[Blocks] = []
    for (doc, _, _), comparison in zip(kept, compare_versions(trust, pairs)):
        trees += [styled(comparison, html_styles), styled(comparison, typst_styles)]
        out[doc.key] = _with(out[doc.key], changes=_changes(comparison))
    texts = iter(to_markdown(trees))
    for doc, _, _ in kept:
        out[doc.key] = _with(out[doc.key], markdown=next(texts), print_markdown=next(texts))
    return out


def _with(redline: Redline, **changes: Any) -> Redline:
    return replace(redline, **changes)


def styled(comparison: Comparison, style: Callable[[str, Inlines], Node]) -> Blocks:
    """The diff's redline tree made readable: each change styled, moves noted where the clause
    went and where it came from, and the library's reason under each changed clause's heading.

    Works on the tree as policykit.diff.compare documents it: changes are spans of class
    insertion/deletion, whole blocks carry an empty marker span, moved clauses sit in
    moved-away / moved-here divs, and clause headings carry `data-clause`.
    """
    why = {c.id: c for c in comparison.clauses if c.kind in (CHANGED, MOVED) and c.text_changed and c.notes}
    blocks: Blocks = []
    for block in comparison.blocks:
        classes = block["c"][0][1] if block["t"] == "Div" else []
        info = dict(block["c"][0][2]) if block["t"] == "Div" else {}
        if MOVED_AWAY in classes:
            blocks.append(_note(f"\u201c{info.get('title', '')}\u201d moved to {info.get('to', '')}."))
        elif MOVED_HERE in classes and block["c"][1]:
            head, *rest = block["c"][1]
            blocks += [head, _note(f"Moved here from {info.get('from', '')}."), *rest]
        else:
            blocks.append(block)
    out: Blocks = []
    for block in blocks:
        out.append(block)
        change = why.get(dict(block["c"][1][2]).get("data-clause", "")) if block["t"] == "Header" else None
        if change is not None:
            back = " back" if change.reverted else ""
            out.append(_note(f"Why ({change.old_version}{back} to {change.new_version}): {change.why}"))

    return mark_changes(out, style)


def _note(text: str) -> Node:
    return Para([wrap("Emph", words(text))])


def _changes(comparison: Comparison) -> tuple[ChangeItem, ...]:
    """The diff's clause and other changes, as the pages and the pack show them."""
    out = []
    for c in comparison.clauses:
        notes = tuple(c.notes)
        if c.reverted and notes:  # back to an older version (the library went back, or a clause was pinned)
            notes = ("Back to an older version, undoing:",) + notes
        if c.kind == MOVED:
            notes = (f"Moved from {c.old_place} to {c.new_place}"
                     + ("; its text changed" if c.text_changed else "") + ".",) + notes
        elif c.kind == CHANGED and not notes and c.old_version == c.new_version:
            notes = (SAME_VERSION,)
        out.append(ChangeItem(c.kind, c.id, c.title, c.old_version or "", c.new_version or "", notes))
    for o in comparison.others:
        what = o.what.replace(" -> ", " \u2192 ")  # "Key person DSL: Dev Lead → Sam Smith"
        out.append(ChangeItem(o.kind, "", what[:1].upper() + what[1:], "", "", ()))
    return tuple(out)
