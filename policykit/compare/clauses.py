"""Compare two texts of one policy: clause by clause, then word by word in pandoc's tree.

The result is a redline tree (pandoc blocks) in which every change is a span of class
`insertion` or `deletion`; `redline.py` styles it per format. Whole blocks that appear or
go also carry a marker (an empty span of class `pk-mark`) so the Word writer can track
their paragraph marks or table rows; moved clauses sit in `pk-moved-away` / `pk-moved-here`
divs. Accepting every insertion and dropping every deletion gives exactly the new text;
the reverse gives exactly the old.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Callable, Mapping, Sequence

from policykit.compare.blocks import MARK, align, diff_blocks, mark_block, mark_blocks, resolve_changes
from policykit.compare.inlines import DEL, INS, MOVED_SPAN, diff_inlines
from policykit.compare.pandoc_ast import Blocks, Div, Header, Inlines, Node, Str, plain_text, words
from policykit.core.releases import semver
from policykit.templating.markdown import escape

ADDED, REMOVED, CHANGED, MOVED = "added", "removed", "changed", "moved"  # what happened to a clause
MOVED_AWAY, MOVED_HERE = "pk-moved-away", "pk-moved-here"  # attributes: clause, same (text unchanged: 1)
Notes = Callable[[str, str | None, str | None], tuple[str, ...]]


@dataclass(frozen=True)
class ClauseChange:
    """One clause that differs between the two texts."""

    kind: str  # added | removed | changed | moved
    id: str
    title: str
    old_version: str | None = None
    new_version: str | None = None
    notes: tuple[str, ...] = ()  # changelog notes between the two versions
    old_place: str = ""  # "2.3": part 2, clause 3 of the old text
    new_place: str = ""
    text_changed: bool = False

    @property
    def versions(self) -> str:
        """`1.0.0 -> 2.0.0`, or the one version."""
        if self.old_version and self.new_version and self.old_version != self.new_version:
            return f"{self.old_version} -> {self.new_version}"
        return self.new_version or self.old_version or ""

    @property
    def reverted(self) -> bool:
        """The newer text has an older version of the clause (a diff back to an earlier release)."""
        return bool(self.old_version and self.new_version and semver(self.new_version) < semver(self.old_version))

    @property
    def label(self) -> str:
        """What to call the change: its kind, or `reverted` for a change back to an older version."""
        return "reverted" if self.kind == "changed" and self.reverted else self.kind

    @property
    def why(self) -> str:
        """The changelog notes; going back to an older version, the notes it undoes."""
        notes = " ".join(self.notes)
        return f"undoes: {notes}" if notes and self.reverted else notes

    @property
    def detail(self) -> str:
        """Where a clause moved, or why a change has no new version or no new wording."""
        if self.kind == "moved":
            return f"from {self.old_place} to {self.new_place}" + ("; text changed" if self.text_changed else "")
        if self.kind == "changed" and self.old_version == self.new_version:
            return "same version: school settings or an unversioned edit"
        if self.kind == "changed" and not self.text_changed:
            return "same wording here"
        return ""

    def line(self) -> str:
        """`changed  aup-filtering-and-monitoring 1.0.0 -> 2.0.0: Updated for KCSIE 2025: ...`
        (`reverted ... 2.0.0 -> 1.0.0: undoes: Updated for KCSIE 2025: ...` going back)"""
        text = f"{self.label:<8} {self.id} {self.versions}".rstrip() + (f" ({self.detail})" if self.detail else "")
        return text + (f": {self.why}" if self.why else "")


@dataclass(frozen=True)
class OtherChange:
    """A change outside the clauses: key people, a part heading or introduction, the title."""

    kind: str  # added | removed | changed
    what: str

    def line(self) -> str:
        return f"{self.kind:<8} {self.what}"


@dataclass(frozen=True)
class Comparison:
    """What changed between two texts, and the redline tree."""

    clauses: tuple[ClauseChange, ...]
    others: tuple[OtherChange, ...]
    blocks: tuple[Node, ...] = field(compare=False, repr=False)

    @property
    def changed(self) -> bool:
        return bool(self.clauses or self.others)

    def lines(self) -> list[str]:
        return [c.line() for c in self.clauses] + [o.line() for o in self.others]


# --- the texts to parse ----------------------------------------------------------------------

def snippets(content: Mapping[str, Any]) -> list[str]:
    """Every Markdown text of an approvable content that `compare` needs parsed."""
    out = [_about(content), _people(content)]
    for part in content["parts"]:
        out += ["# " + part["heading"], part["intro"]]
        for _cid, _version, title, text in part["clauses"]:
            out += ["## " + title, text]
    return out


def _about(content: Mapping[str, Any]) -> str:
    rows = [("Policy", content["title"]), ("School", content["school"]), ("Version", content["version"])]
    return "| Item | Detail |\n|:--|:--|\n" + "".join(f"| {k} | {escape(v)} |\n" for k, v in rows)


def _people(content: Mapping[str, Any]) -> str:
    rows = "".join(f"| {escape(p['role'])} | {escape(p['name'])} | {escape(p['contact'])} |\n"
                   for p in content.get("key_people", ()))
    return "| Role | Name | Contact |\n|:--|:--|:--|\n" + rows


# --- comparing two contents ------------------------------------------------------------------

def compare(old: Mapping[str, Any], new: Mapping[str, Any], parsed: Mapping[str, Blocks],
            notes: Notes | None = None) -> Comparison:
    """Compare two approvable contents; `parsed` maps each of their `snippets` to its blocks."""
    return _Comparer(old, new, parsed, notes or (lambda cid, a, b: ())).run()


class _Comparer:
    """One comparison in progress: walks both texts part by part, clause by clause."""

    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any], parsed: Mapping[str, Blocks],
                 notes: Notes):
        self.old, self.new, self.parsed, self.notes = old, new, parsed, notes
        self.old_places, self.new_places = _places(old), _places(new)
        self.changes: list[ClauseChange] = []
        self.others: list[OtherChange] = []
        self.out: Blocks = []

    def run(self) -> Comparison:
        self.frame()
        for op, np_ in align(list(self.old["parts"]), list(self.new["parts"]), key=lambda p: p["heading"],
                             similar=lambda a, b: True):
            self.part(op, np_)
            self.clauses(list(op["clauses"]) if op else [], list(np_["clauses"]) if np_ else [])
        order = {"changed": 0, "moved": 1, "added": 2, "removed": 3}
        ordered = sorted(self.changes, key=lambda c: (order[c.kind], [int(n) for n in
                                                                      (c.new_place or c.old_place).split(".")]))
        return Comparison(tuple(ordered), tuple(self.others), tuple(self.out))

    def frame(self) -> None:
        """Title, school and version; the key people."""
        parsed, old, new = self.parsed, self.old, self.new
        if parsed[_about(old)] != parsed[_about(new)]:
            self.others.append(OtherChange("changed", "policy title, school or version"))
        if parsed[_people(old)] != parsed[_people(new)]:
            self.others += _people_changes(old.get("key_people", ()), new.get("key_people", ()))
        self.out += [Header(1, words("About this policy"), ["unnumbered"]),
                     *diff_blocks(parsed[_about(old)], parsed[_about(new)]),
                     Header(2, words("Key people"), ["unnumbered"]),
                     *diff_blocks(parsed[_people(old)], parsed[_people(new)])]

    def part(self, op: Mapping[str, Any] | None, np_: Mapping[str, Any] | None) -> None:
        """A part's heading and introduction."""
        def head(p: Mapping[str, Any]) -> Inlines:
            return _header(self.parsed["# " + p["heading"]])

        if op is None:
            assert np_ is not None
            self.others.append(OtherChange("added", f"part \u201c{np_['heading']}\u201d"))
            self.out += [mark_block(INS, Header(1, head(np_))), *mark_blocks(INS, self.parsed[np_["intro"]])]
        elif np_ is None:
            self.others.append(OtherChange("removed", f"part \u201c{op['heading']}\u201d"))
            self.out += [mark_block(DEL, Header(1, head(op)), unnumbered=True),
                         *mark_blocks(DEL, self.parsed[op["intro"]])]
        else:
            if op["heading"] != np_["heading"]:
                self.others.append(OtherChange("changed", f"part heading \u201c{op['heading']}\u201d to "
                                               f"\u201c{np_['heading']}\u201d"))
            if self.parsed[op["intro"]] != self.parsed[np_["intro"]]:
                self.others.append(OtherChange("changed", f"introduction to part \u201c{np_['heading']}\u201d"))
            self.out += [{"t": "Header", "c": [1, ["", [], []], diff_inlines(head(op), head(np_))]},
                         *diff_blocks(self.parsed[op["intro"]], self.parsed[np_["intro"]])]

    def clauses(self, olds: list[Sequence[Any]], news: list[Sequence[Any]]) -> None:
        """The clauses of a pair of parts: in place, removed, added, or moved away or here."""
        old_ids = {c[0] for p in self.old["parts"] for c in p["clauses"]}
        new_ids = {c[0] for p in self.new["parts"] for c in p["clauses"]}
        matcher = SequenceMatcher(None, [c[0] for c in olds], [c[0] for c in news], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                for oc, nc in zip(olds[i1:i2], news[j1:j2]):
                    self.in_place(oc, nc)
                continue
            for oc in olds[i1:i2]:
                if oc[0] in new_ids:
                    self.moved_away(oc)
                else:
                    self.changes.append(ClauseChange("removed", oc[0], oc[2], oc[1], None, (), self.old_places[oc[0]]))
                    self.out += mark_blocks(DEL, _clause_blocks(oc, self.parsed), unnumbered=True)
            for nc in news[j1:j2]:
                if nc[0] in old_ids:
                    self.moved_here(nc)
                else:
                    self.changes.append(ClauseChange("added", nc[0], nc[2], None, nc[1], self.notes(nc[0], None, nc[1]),
                                                     "", self.new_places[nc[0]]))
                    self.out += mark_blocks(INS, _clause_blocks(nc, self.parsed))

    def in_place(self, oc: Sequence[Any], nc: Sequence[Any]) -> None:
        changed = _clause_blocks(oc, self.parsed) != _clause_blocks(nc, self.parsed)
        if changed or oc[1] != nc[1]:  # a new version with the same wording here still changes the text
            self.changes.append(ClauseChange("changed", nc[0], nc[2], oc[1], nc[1], self.notes(nc[0], oc[1], nc[1]),
                                             self.old_places[oc[0]], self.new_places[nc[0]], changed))
        self.out += _clause_diff(oc, nc, self.parsed)

    def moved_away(self, oc: Sequence[Any]) -> None:
        same = _clause_blocks(oc, self.parsed) == _clause_blocks(_find_clause(self.new, oc[0]), self.parsed)
        self.out.append(Div(_clause_blocks(oc, self.parsed), [MOVED_AWAY], [
            ("to", self.new_places[oc[0]]), ("title", oc[2]), ("clause", oc[0]), ("same", str(int(same)))]))

    def moved_here(self, nc: Sequence[Any]) -> None:
        oc = _find_clause(self.old, nc[0])
        place = self.old_places[nc[0]]
        from_part = self.old["parts"][int(place.split(".")[0]) - 1]["heading"]
        changed = _clause_blocks(oc, self.parsed) != _clause_blocks(nc, self.parsed)
        self.changes.append(ClauseChange("moved", nc[0], nc[2], oc[1], nc[1],
                                         self.notes(nc[0], oc[1], nc[1]) if changed or oc[1] != nc[1] else (),
                                         place, self.new_places[nc[0]], changed))
        self.out.append(Div(_clause_diff(oc, nc, self.parsed), [MOVED_HERE], [
            ("from", place), ("part", from_part), ("clause", nc[0]), ("same", str(int(not changed)))]))


def _people_changes(old: Sequence[Mapping[str, str]], new: Sequence[Mapping[str, str]]) -> list[OtherChange]:
    """The rows of the key people that differ: `key person DSL: Dev Lead -> Sam Smith; contact changed`.

    Rows pair by role, or by name when the role was renamed; others were added or removed."""
    def fields(p: Mapping[str, str]) -> tuple[str, str, str]:
        return str(p.get("role", "")), str(p.get("name", "")), str(p.get("contact", ""))

    out = []
    pairs = align([fields(p) for p in old], [fields(p) for p in new], key=lambda p: p,
                  similar=lambda a, b: a[0] == b[0] or a[1] == b[1])
    for a, b in pairs:
        if a is None or b is None:
            role, name, _ = b or a  # type: ignore[misc]
            out.append(OtherChange("added" if a is None else "removed", f"key person {role}: {name}"))
        elif a != b:
            role = a[0] if a[0] == b[0] else f"{a[0]} -> {b[0]}"
            what = [f"{a[1]} -> {b[1]}"] if a[1] != b[1] else [b[1]] if a[0] != b[0] else []
            if a[2] != b[2]:
                what.append("contact changed")
            out.append(OtherChange("changed", f"key person {role}: {'; '.join(what)}"))
    return out or [OtherChange("changed", "key people")]


def _places(content: Mapping[str, Any]) -> dict[str, str]:
    """Clause id -> its number in the document, as the build numbers headings (part.clause)."""
    return {c[0]: f"{i}.{j}" for i, p in enumerate(content["parts"], 1) for j, c in enumerate(p["clauses"], 1)}


def _find_clause(content: Mapping[str, Any], cid: str) -> Sequence[Any]:
    return next(c for p in content["parts"] for c in p["clauses"] if c[0] == cid)


def _header(blocks: Blocks) -> Inlines:
    """The inlines of a parsed `# heading` line."""
    for b in blocks:
        if b["t"] == "Header":
            return list(b["c"][2])
    return [Str(plain_text(blocks))] if blocks else []


def _clause_blocks(clause: Sequence[Any], parsed: Mapping[str, Blocks]) -> Blocks:
    title = _clause_header(clause[0], _header(parsed["## " + clause[2]]))
    return [title, *parsed[clause[3]]]


def _clause_diff(old: Sequence[Any], new: Sequence[Any], parsed: Mapping[str, Blocks]) -> Blocks:
    title = diff_inlines(_header(parsed["## " + old[2]]), _header(parsed["## " + new[2]]))
    return [_clause_header(new[0], title), *diff_blocks(parsed[old[3]], parsed[new[3]])]


def _clause_header(cid: str, inlines: Inlines) -> Node:
    """A clause's heading, carrying its id (for the notes the HTML and PDF add under it)."""
    return {"t": "Header", "c": [2, ["", [], [["data-clause", cid]]], inlines]}


# the redline tree's vocabulary, for readers of `Comparison.blocks` (redline.py, reports/redlines.py)
__all__ = ["compare", "snippets", "Comparison", "ClauseChange", "OtherChange", "INS", "DEL", "MARK", "MOVED_SPAN",
           "MOVED_AWAY", "MOVED_HERE", "ADDED", "REMOVED", "CHANGED", "MOVED", "resolve_changes"]
