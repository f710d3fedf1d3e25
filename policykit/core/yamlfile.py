"""Load YAML (and Markdown front matter) keeping the line and column of every key.

PyYAML alone forgets positions and silently accepts duplicate keys; we compose the node
tree ourselves so every later stage can point at `file:line:col`.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from policykit.errors import Problem

try:  # the C composer is several times faster on large trusts
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

Key = tuple[Any, ...]

# A settings file is small; a file that expands past this through aliases is an attack or a mistake.
MAX_NODES = 200_000
MAX_BYTES = 2_000_000
MAX_DEPTH = 40


@dataclass(frozen=True)
class YamlDoc:
    """Parsed YAML data plus where each key path sits in the file (1-based line, column)."""

    path: Path
    shown: str
    data: Any
    positions: dict[Key, tuple[int, int]] = field(default_factory=dict, compare=False)
    body: str = ""
    body_line: int = 0

    def where(self, key: Key) -> tuple[int, int]:
        """Position of `key`, or of its nearest ancestor that has one."""
        key = tuple(key)
        while key:
            if key in self.positions:
                return self.positions[key]
            key = key[:-1]
        return self.positions.get((), (1, 1))

    def problem(self, key: Key, message: str, hint: str = "") -> Problem:
        line, col = self.where(key)
        return Problem(self.shown, line, col, dotted(key), message, hint)


def leaves(data: Any, key: Key = ()) -> Iterator[tuple[Key, Any]]:
    """(key path, value) of every value in YAML data that is not a mapping or a list, in file order."""
    if isinstance(data, Mapping):
        for name, value in data.items():
            yield from leaves(value, key + (name,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from leaves(value, key + (index,))
    else:
        yield key, data


def dotted(key: Key) -> str:
    """`('people', 'deputy_dsls', 0, 'name')` -> `people.deputy_dsls[0].name`."""
    out = ""
    for part in key:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class YamlError(Exception):
    """A file that cannot be read as data at all; carries every problem found in it."""

    def __init__(self, problems: Problem | list[Problem]):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def read_text(path: Path, shown: str) -> str:
    """Read a file as UTF-8 (a BOM is allowed), or fail with a located problem.

    Only a regular file is opened (a FIFO would hang the read, a device never end it), and no
    more of it is read than the limit allows: a settings file that is a link to an endless
    device is refused before its first byte, a huge one after MAX_BYTES.
    """
    try:
        kind = path.stat().st_mode
        if not stat.S_ISREG(kind):
            raise YamlError(Problem(shown, message="is not a regular file (a device, a pipe or a folder)",
                                    hint="policykit reads only ordinary files: put the file itself here"))
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise YamlError(Problem(shown, message=f"cannot read file: {exc.strerror}")) from None
    if len(raw) > MAX_BYTES:
        raise YamlError(Problem(shown, message=f"file is too large (more than {MAX_BYTES} bytes)"))
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise YamlError(Problem(shown, 1, 1, "", "the file is saved as UTF-16", "save it as UTF-8"))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlError(
            Problem(shown, line, col, "", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", "save the file as UTF-8")
        ) from None


def parse_yaml(text: str, path: Path, shown: str, line_offset: int = 0) -> YamlDoc:
    """Parse one YAML document, rejecting duplicate keys and alias bombs."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise YamlError(_malformed(exc, text, shown, line_offset)) from None
    except yaml.reader.ReaderError as exc:  # a character YAML refuses: it has a position, not a mark
        line = text.count("\n", 0, exc.position) + 1 + line_offset
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)[:1] or "?"
        from policykit.core.characters import describe, not_text

        raise YamlError(Problem(shown, line, col, "", f"malformed YAML: contains {describe(char)}, "
                                f"{not_text(char) or 'a character YAML does not allow'}", "remove it")) from None
    except yaml.YAMLError as exc:
        raise YamlError(Problem(shown, message=f"malformed YAML: {' '.join(str(exc).split())}")) from None
    positions: dict[Key, tuple[int, int]] = {(): (1 + line_offset, 1)}
    if node is None:
        return YamlDoc(path, shown, None, positions)
    builder = _Builder(shown, positions, line_offset)
    data = builder.build(node, ())
    if builder.problems:
        raise YamlError(builder.problems)
    return YamlDoc(path, shown, data, positions)


# what was left open when the text ended: said from where it opened
_UNCLOSED = {
    "while scanning a quoted scalar": "a quoted value starts here and is never closed",
    "while parsing a flow sequence": "a list ('[') starts here and is never closed",
    "while parsing a flow mapping": "a mapping ('{') starts here and is never closed",
}


def _malformed(exc: yaml.MarkedYAMLError, text: str, shown: str, line_offset: int) -> Problem:
    """A parse error at the place to fix: where an unclosed quote or bracket opened (PyYAML's
    context mark) when the text ran out before it closed, else where the parser stopped."""
    problem, context = exc.problem_mark, exc.context_mark
    ended = problem is not None and problem.index >= len(text.rstrip())
    if context is not None and (problem is None or ended):
        end = text.rstrip().count("\n") + 1 + line_offset
        what = _UNCLOSED.get(exc.context or "", f"{exc.context} (from here), {exc.problem}")
        msg = f"malformed YAML: {what} ({'the front matter' if line_offset else 'the file'} ends at line {end})"
        mark = context
    else:
        msg = f"malformed YAML: {exc.problem or exc.context}"
        mark = problem
    line = (mark.line + 1 + line_offset) if mark else 0
    col = (mark.column + 1) if mark else 0
    lines = text.splitlines()
    bad_line = lines[mark.line] if mark and mark.line < len(lines) else ""
    hint = "use spaces, not tabs, to indent" if "\t" in bad_line else ""
    return Problem(shown, line, col, "", msg, hint)


_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)(?:^|\n)(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


def parse_front_matter(text: str, path: Path, shown: str) -> YamlDoc:
    """Split a Markdown file into YAML front matter and body (keeping body line numbers)."""
    match = _FRONT.match(text)
    if not match:
        msg = "no YAML front matter: the file must start with a line '---', the clause's keys, and a closing '---'"
        if text.startswith("---"):
            msg = "front matter is not closed: add a line '---' after the clause's keys"
        raise YamlError(Problem(shown, 1, 1, "", msg))
    doc = parse_yaml(match.group(1), path, shown, line_offset=1)
    body = text[match.end():]
    body_line = text[: match.end()].count("\n") + 1
    return YamlDoc(path, shown, doc.data, doc.positions, body, body_line)


class _Builder:
    """Turns a composed node tree into plain data, recording positions."""

    def __init__(self, shown: str, positions: dict[Key, tuple[int, int]], line_offset: int):
        self.shown = shown
        self.positions = positions
        self.offset = line_offset
        self.nodes = 0
        self.problems: list[Problem] = []
        self._scalar = yaml.SafeLoader("")

    def pos(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1 + self.offset, node.start_mark.column + 1

    def build(self, node: yaml.Node, key: Key) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            line, col = self.pos(node)
            raise YamlError(Problem(self.shown, line, col, dotted(key),
                                    "document expands to too many values (anchors and aliases?)"))
        if len(key) > MAX_DEPTH:
            line, col = self.pos(node)
            raise YamlError(Problem(self.shown, line, col, dotted(key), f"nested more than {MAX_DEPTH} levels deep"))
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, key)
        if isinstance(node, yaml.SequenceNode):
            out = []
            for i, item in enumerate(node.value):
                self.positions.setdefault(key + (i,), self.pos(item))
                out.append(self.build(item, key + (i,)))
            return out
        return self.scalar(node, key)

    def scalar(self, node: yaml.ScalarNode, key: Key) -> Any:
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # dates stay text: the schema checks their format
        try:
            return self._scalar.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            line, col = self.pos(node)
            raise YamlError(Problem(self.shown, line, col, dotted(key), f"bad value: {exc}")) from None
        except ValueError:  # Python refuses to read an integer of thousands of digits
            line, col = self.pos(node)
            raise YamlError(Problem(self.shown, line, col, dotted(key), f"a number of {len(node.value)} digits is "
                                    "too long to read", "no setting needs such a number: check the value")) from None

    def mapping(self, node: yaml.MappingNode, key: Key) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                line, col = self.pos(key_node)
                self.problems.append(Problem(self.shown, line, col, dotted(key),
                                             "merge keys ('<<') are not supported", "write the keys out"))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                line, col = self.pos(key_node)
                raise YamlError(Problem(self.shown, line, col, dotted(key), "a key must be plain text"))
            name = self.scalar(key_node, key)
            if not isinstance(name, (str, int)) or isinstance(name, bool):
                name = key_node.value
            path = key + (name,)
            if name in out:
                line, col = self.pos(key_node)
                first = self.positions.get(path, (0, 0))[0]
                self.problems.append(Problem(self.shown, line, col, dotted(path),
                                             f"duplicate key (first given on line {first})", "keep one of them"))
                continue
            self.positions[path] = self.pos(key_node)
            out[name] = self.build(value_node, path)
        return out
