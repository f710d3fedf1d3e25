"""Three-way merge of one library file: the release a trust started from, the trust's text, the new release.

The rule for a whole file is copier's: a file the trust did not touch takes the new text; a file
only the trust changed keeps the trust's. When both changed:

- YAML (library.yaml, requirements.yaml, policy definitions, a clause's front matter) is merged
  key by key, comparing what each key means rather than how it is written (a release rebuilt by
  policykit is written without comments; the file it came from has them): a key only one side
  changed takes that side's text; a key both changed is merged the same way one level down (the
  options of library.yaml, say), and in the end line by line. Some keys have their own rule: a
  clause's `changelog` is the union of both sides' entries, newest first; its `version` is the
  higher of the two (with a note), and its changelog is put highest version first, so that its
  first entry stays the clause's version; library.yaml's `changelog` keeps the trust's own releases
  beside the new release's entry, and `release` and `date` name the new release.
- Anything else (a clause's text) is merged line by line (merge3, the merge Breezy uses).
  Changes to different lines combine; changes to the same lines become a conflict, marked in the
  file as git marks one, which `policykit validate` then reports at its line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import merge3
import yaml

from policykit.core.releases import semver

START, MIDDLE, END = "<<<<<<< trust's version", "=======", ">>>>>>> "
_KEY = re.compile(r"^(?P<indent> *)(?P<key>[^\s#'\"\-][^:#]*?|'[^']*'|\"[^\"]*\")\s*:(\s|$)")


@dataclass(frozen=True)
class Merged:
    """One file's merged text, where it conflicts, and what the trust should know about it."""

    text: str
    conflicts: tuple[int, ...] = ()  # 1-based lines of the `<<<<<<<` markers
    notes: tuple[str, ...] = ()


def merge_file(name: str, base: str, ours: str, theirs: str, label: str) -> Merged:
    """Merge the trust's text `ours` of library file `name` (its path under clauses/) with the
    release's `theirs`, both descended from `base`; `label` names the release in conflict markers."""
    if ours == theirs or theirs == base:
        return Merged(ours)
    if ours == base:
        return Merged(theirs)
    if name.endswith(".md"):
        merged = _merge_clause(base, ours, theirs, label)
    elif name.endswith((".yaml", ".yml")):
        special = _LIBRARY if name == "library.yaml" else {}
        lines, notes = _merge_mapping(_lines(base), _lines(ours), _lines(theirs), label, special)
        merged = Merged("".join(lines), notes=tuple(notes))
    else:
        merged = Merged("".join(merge_lines(_lines(base), _lines(ours), _lines(theirs), label)))
    return Merged(merged.text, conflict_lines(merged.text), merged.notes)


def conflict_lines(text: str) -> tuple[int, ...]:
    """The 1-based lines where a conflict starts (a line beginning `<<<<<<< `)."""
    return tuple(i for i, line in enumerate(text.splitlines(), 1) if line.startswith("<<<<<<< "))


def merge_lines(base: Sequence[str], ours: Sequence[str], theirs: Sequence[str], label: str) -> list[str]:
    """A line-by-line three-way merge; overlapping changes become marked conflicts."""
    out: list[str] = []
    for group in merge3.Merge3(list(base), list(ours), list(theirs)).merge_groups():
        if group[0] == "conflict":
            out.extend(_conflict(group[2], group[3], label))
        else:
            out.extend(group[1])
    return out


def _conflict(ours: Sequence[str], theirs: Sequence[str], label: str) -> list[str]:
    return [START + "\n", *_ended(ours), MIDDLE + "\n", *_ended(theirs), f"{END}{label}\n"]


def _ended(lines: Sequence[str]) -> list[str]:
    return [*lines[:-1], lines[-1] if lines[-1].endswith("\n") else lines[-1] + "\n"] if lines else []


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


# --- a clause: front matter by key, text by line -----------------------------------------------

def _split_front(text: str) -> tuple[list[str], list[str]] | None:
    lines = _lines(text)
    if not lines or lines[0].rstrip("\r\n") != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].rstrip("\r\n") == "---":
            return lines[1:i], lines[i + 1:]
    return None


def _merge_clause(base: str, ours: str, theirs: str, label: str) -> Merged:
    parts = [_split_front(t) for t in (base, ours, theirs)]
    if any(p is None for p in parts):
        return Merged("".join(merge_lines(_lines(base), _lines(ours), _lines(theirs), label)))
    (bf, bb), (of, ob), (tf, tb) = parts  # type: ignore[misc]
    front, notes = _merge_mapping(bf, of, tf, label, _CLAUSE)
    body = merge_lines(bb, ob, tb, label)
    return Merged("".join(["---\n", *_ended(front), "---\n", *body]), notes=tuple(notes))


# --- YAML, key by key ---------------------------------------------------------------------------

Special = Callable[[list[str] | None, list[str] | None, list[str] | None, str], tuple[list[str], list[str]]]


@dataclass(frozen=True)
class _Block:
    key: str
    lines: list[str]


def _blocks(lines: Sequence[str]) -> tuple[list[str], list[_Block]] | None:
    """A mapping's lines as its preamble (comments before the first key) and one block per key
    (the key's line and every line below it up to the next key at the same indent); None when
    the lines are not a plain block mapping."""
    indent = next((len(m.group("indent")) for line in lines if (m := _KEY.match(line))), None)
    if indent is None:
        return None
    preamble: list[str] = []
    blocks: list[_Block] = []
    for line in lines:
        m = _KEY.match(line)
        if m and len(m.group("indent")) == indent:
            blocks.append(_Block(m.group("key").strip("'\""), [line]))
        elif blocks:
            blocks[-1].lines.append(line)
        elif line.strip() and not line.lstrip().startswith("#"):
            return None  # text before the first key that is not a comment
        else:
            preamble.append(line)
    keys = [b.key for b in blocks]
    return (preamble, blocks) if len(set(keys)) == len(keys) else None


def _meaning(lines: Sequence[str] | None) -> Any:
    """What a block says, for comparing: its parsed value (its text when it does not parse)."""
    if lines is None:
        return None
    text = "".join(lines)
    try:
        return ("yaml", yaml.safe_load(_dedent(text)))
    except yaml.YAMLError:
        return ("text", text)


def _dedent(text: str) -> str:
    lines = _lines(text)
    width = min((len(line) - len(line.lstrip(" ")) for line in lines if line.strip()), default=0)
    return "".join(line[width:] if line.strip() else line for line in lines)


def _merge_mapping(base: Sequence[str], ours: Sequence[str], theirs: Sequence[str], label: str,
                   special: dict[str, Special], depth: int = 0) -> tuple[list[str], list[str]]:
    """A YAML mapping's lines merged key by key (see the module's docstring), and notes."""
    split = [_blocks(x) for x in (base, ours, theirs)]
    if any(s is None for s in split[1:]) or (split[0] is None and any(x.strip() for x in base)):
        return merge_lines(base, ours, theirs, label), []
    (bpre, bblocks), (opre, oblocks), (tpre, tblocks) = [s or ([], []) for s in split]
    b = {x.key: x.lines for x in bblocks}
    o = {x.key: x.lines for x in oblocks}
    t = {x.key: x.lines for x in tblocks}
    out = list(opre if opre != bpre else tpre)
    notes: list[str] = []
    order = [x.key for x in tblocks] + [x.key for x in oblocks if x.key not in t]
    for key in order:
        lines, said = _merge_key(key, b.get(key), o.get(key), t.get(key), label, special, depth)
        out.extend(_ended(lines) if lines and key != order[-1] else lines)
        notes.extend(said)
    return out, notes


def _merge_key(key: str, base: list[str] | None, ours: list[str] | None, theirs: list[str] | None, label: str,
               special: dict[str, Special], depth: int) -> tuple[list[str], list[str]]:
    if key in special and depth == 0:
        return special[key](base, ours, theirs, label)
    mb, mo, mt = _meaning(base), _meaning(ours), _meaning(theirs)
    if mo == mb:
        return list(theirs or []), []  # the trust did not change it (or both removed it)
    if mt == mb or mo == mt:
        return list(ours or []), []
    if ours is None or theirs is None:  # one side removed what the other changed
        return _conflict(ours or [], theirs or [], label), []
    if mb is not None and mb[0] == mo[0] == mt[0] == "yaml":  # what each says, merged: lists item by item
        value = merge_data(mb[1], mo[1], mt[1])
        if value is not _CONFLICT:
            if value == mo[1]:
                return list(ours), []
            if value == mt[1]:
                return list(theirs), []
            return _dumped(value, ours[0]), [f"{key}: merged item by item and written out afresh (the same content "
                                             "in policykit's own layout, without comments)"]
    if base is not None and len(ours) > 1 and len(theirs) > 1 and len(base) > 1:
        head = (base[0], ours[0], theirs[0])
        if len(set(head)) == 1:  # a nested mapping: merge its keys
            inner, notes = _merge_mapping(base[1:], ours[1:], theirs[1:], label, {}, depth + 1)
            return [ours[0], *inner], notes
    return merge_lines(base or [], ours, theirs, label), []


_CONFLICT = object()


def merge_data(base: Any, ours: Any, theirs: Any) -> Any:
    """Three-way merge of parsed YAML values: mappings key by key, lists item by item (items both
    sides inserted at one place both kept, the trust's first); `_CONFLICT` where the two changed
    the same thing differently."""
    if ours == base:
        return theirs
    if theirs == base or ours == theirs:
        return ours
    if isinstance(base, dict) and isinstance(ours, dict) and isinstance(theirs, dict):
        out = {}
        for key in [*theirs, *(k for k in ours if k not in theirs)]:
            if key not in base and (key not in ours or key not in theirs):
                out[key] = ours.get(key, theirs.get(key))
                continue
            value = merge_data(base.get(key, _MISSING), ours.get(key, _MISSING), theirs.get(key, _MISSING))
            if value is _CONFLICT:
                return _CONFLICT
            if value is not _MISSING:
                out[key] = value
        return out
    if isinstance(base, list) and isinstance(ours, list) and isinstance(theirs, list):
        return _merge_list(base, ours, theirs)
    return _CONFLICT


_MISSING = object()


def _merge_list(base: list, ours: list, theirs: list) -> Any:
    def keyed(items: list) -> list[str]:
        return [json.dumps(item, sort_keys=True, default=str) for item in items]

    index = {k: item for items in (base, ours, theirs) for k, item in zip(keyed(items), items)}
    out: list = []
    for group in merge3.Merge3(keyed(base), keyed(ours), keyed(theirs)).merge_groups():
        if group[0] != "conflict":
            out.extend(index[k] for k in group[1])
            continue
        b, o, t = ([index[k] for k in seg] for seg in group[1:])
        if not b:  # both inserted here: keep both, once each
            out.extend([*o, *(item for item in t if item not in o)])
        else:
            merged = _merge_named(b, o, t)
            if merged is _CONFLICT:
                return _CONFLICT
            out.extend(merged)
    return out


def _name(item: Any) -> Any:
    """An item's identity in a list: a mapping's first key and its value (`heading: Review`)."""
    if isinstance(item, dict) and item:
        key, value = next(iter(item.items()))
        if isinstance(value, (str, int)):
            return (key, value)
    return None


def _merge_named(base: list, ours: list, theirs: list) -> Any:
    """Items both sides changed around one place, matched by their identity (see `_name`):
    each merged with its counterparts; the release's order, with the trust's own items after
    the item they follow in the trust's list."""
    named = [{_name(i): i for i in side} for side in (base, ours, theirs)]
    if any(None in n or len(n) != len(side) for n, side in zip(named, (base, ours, theirs))):
        return _CONFLICT
    b, o, t = named
    order = list(t)
    for i, key in enumerate(o):
        if key not in t and key not in b:
            before = next((k for k in reversed(list(o)[:i]) if k in order), None)
            order.insert(order.index(before) + 1 if before is not None else 0, key)
    out = []
    for key in order:
        value = merge_data(b.get(key, _MISSING), o.get(key, _MISSING), t.get(key, _MISSING))
        if value is _CONFLICT:
            return _CONFLICT
        if value is not _MISSING:
            out.append(value)
    return out


def _dumped(value: Any, first: str) -> list[str]:
    """A merged block written anew as YAML, at the indent of its key line `first`."""
    text = yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=100)  # {key: its value}
    return _shift(_lines(text), _indent(first))


def _one_sided(base: list[str] | None, ours: list[str] | None, theirs: list[str] | None) -> list[str] | None:
    """For the special keys: the side to take when only one side changed the key, or one side has
    none of it (the other's, then); None when both changed it, each its own way."""
    mb, mo, mt = (_meaning(x) for x in (base, ours, theirs))
    if mo == mb or ours is None:
        return list(theirs or [])
    if mt == mb or mo == mt or theirs is None:
        return list(ours)
    return None


def _version(base: list[str] | None, ours: list[str] | None, theirs: list[str] | None,
             label: str) -> tuple[list[str], list[str]]:
    """A clause's `version`: the higher of the trust's and the release's."""
    taken = _one_sided(base, ours, theirs)
    if taken is not None:
        return taken, []
    mo, mt = _meaning(ours), _meaning(theirs)
    vo, vt = _scalar(mo, "version"), _scalar(mt, "version")
    keep, higher = (ours, vo) if semver(vo) > semver(vt) else (theirs, vt)
    assert keep is not None
    return list(keep), [f"version {higher} taken, the higher of the trust's {vo} and {label}'s {vt}: the merged text "
                        "is new, so give it a version after both, with a changelog entry, before the next release"]


def _scalar(meaning: Any, key: str) -> str:
    value = meaning[1] if isinstance(meaning, tuple) else meaning
    return str(value.get(key) if isinstance(value, dict) else value)


def _union(by: Callable[[dict], Any], order: Callable[[dict], Any]) -> Special:
    """A changelog's rule: both sides' entries (the release's where both have one by `by`),
    sorted newest first by `order`, each entry's text as its side wrote it."""
    def merge(base: list[str] | None, ours: list[str] | None, theirs: list[str] | None,
              label: str) -> tuple[list[str], list[str]]:
        taken = _one_sided(base, ours, theirs)
        if taken is not None:
            return taken, []
        assert ours is not None and theirs is not None
        items_o, items_t = _items(ours), _items(theirs)
        if items_o is None or items_t is None:
            return merge_lines(base or [], ours, theirs, label), []
        if items_o and items_t:  # the trust's entries, indented as the release's are
            items_o = [(v, _shift(text, _indent(items_t[0][1][0]) - _indent(items_o[0][1][0]))) for v, text in items_o]
        seen = {_identity(by, v) for v, _ in items_t}
        dropped = {_identity(by, v) for v, _ in (_items(base) or [])} - {_identity(by, v) for v, _ in items_t}
        chosen = list(items_t) + [(v, text) for v, text in items_o
                                  if _identity(by, v) not in seen and _identity(by, v) not in dropped]
        chosen.sort(key=lambda item: order(item[0]), reverse=True)
        return [theirs[0], *(line for _, text in chosen for line in _ended(text))], []
    return merge


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _shift(lines: list[str], by: int) -> list[str]:
    if by >= 0:
        return [" " * by + line if line.strip() else line for line in lines]
    return [line[min(-by, _indent(line)):] for line in lines]


def _identity(by: Callable[[dict], Any], value: Any) -> Any:
    return by(value) if isinstance(value, dict) else repr(value)


def _items(lines: list[str] | None) -> list[tuple[Any, list[str]]] | None:
    """A block list's entries below its key line: (parsed value, lines), or None if not a block list."""
    if not lines or lines[0].split(":", 1)[1].strip() not in ("", "#"):
        return None
    items: list[tuple[Any, list[str]]] = []
    chunks: list[list[str]] = []
    indent = None
    for line in lines[1:]:
        stripped = line.lstrip(" ")
        width = len(line) - len(stripped)
        if stripped.startswith("- ") and (indent is None or width == indent):
            indent = width
            chunks.append([line])
        elif chunks:
            chunks[-1].append(line)
        elif line.strip():
            return None
    for chunk in chunks:
        try:
            value = yaml.safe_load(_dedent("".join(chunk)))
        except yaml.YAMLError:
            return None
        if not isinstance(value, list) or len(value) != 1:
            return None
        items.append((value[0], chunk))
    return items


def _day(value: Any) -> str:
    return str(value.get("date", "")) if isinstance(value, dict) else ""


def _semver_of(value: Any, key: str) -> tuple[int, ...]:
    try:
        return semver(str(value.get(key))) if isinstance(value, dict) else ()
    except (ValueError, TypeError):
        return ()


_CLAUSE: dict[str, Special] = {
    "version": _version,
    "changelog": _union(lambda e: (str(e.get("version")), str(e.get("date")), str(e.get("note"))),
                        lambda e: (_semver_of(e, "version"), _day(e))),  # the first is the highest version
}


def _release(base: list[str] | None, ours: list[str] | None, theirs: list[str] | None,
             label: str) -> tuple[list[str], list[str]]:
    """library.yaml's `release` and `date`: the new release's."""
    return list(theirs if theirs is not None else ours or []), []


_LIBRARY: dict[str, Special] = {
    "release": _release,
    "date": _release,
    "changelog": _union(lambda e: str(e.get("release")), lambda e: (_day(e), _semver_of(e, "release"))),
}
