"""Sandboxed Jinja for clause bodies: values are data, and variables are known statically.

Every `{{ ... }}` result passes through `finalize`, which escapes Markdown punctuation, so
a value such as `*Academy* <EYFS>` or `{{ 7*7 }}` reaches every output format literally.
Text the engine itself produced (a rendered clause) is marked `Markdown` and passes as is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from collections.abc import Iterator, Mapping  # not typing's: isinstance() on it is several times slower
from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.runtime import Undefined

from policykit.dates import long_date
from policykit.templating.sandbox import ClauseEnvironment, Refused, budget, describe, is_data, using

# A clause is a few paragraphs (the longest in the library is about 2,000 characters); one that
# renders to more than this is a loop gone wrong, and would swamp every output format.
MAX_CLAUSE_CHARS = 100_000

# Characters with inline meaning in pandoc Markdown (reader: READER in convert.py, which
# turns off smart quotes, raw HTML/TeX, math and citations), and those that start a block
# at the beginning of a line.
_INLINE = re.compile(r"([\\`*_{}\[\]<>|~^&])")
_LINE_START = re.compile(r"^(\s*)(\d*)([#+\-=:]|(?<=\d)[.)](?=\s|$))")


class Markdown(str):
    """Markdown the engine trusts (library text); never escaped again."""


def escape(value: Any) -> str:
    """A setting's value as Markdown that pandoc reads back as exactly that text."""
    if isinstance(value, Markdown):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "yes" if value else "no"
    text = " ".join(str(value).splitlines())
    if _INLINE.search(text):  # most values have nothing to escape: skip sub's costly replacement
        text = _INLINE.sub(r"\\\1", text)
    return _LINE_START.sub(r"\1\2\\\3", text) if _LINE_START.search(text) else text


def yamlstr(value: Any) -> Markdown:
    """A value inside the YAML metadata block: escaped for Markdown, then quoted for YAML."""
    return Markdown(json.dumps(escape(value), ensure_ascii=False))


def finalize(value: Any) -> str:
    """Every `{{ ... }}` result: data only (never a function's address), escaped for Markdown."""
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined: raises the undefined-value error
    if isinstance(value, (Mapping, list, tuple)):
        kind = "mapping" if isinstance(value, Mapping) else "list"
        raise SecurityError(f"a {kind} cannot be shown as text: name one of its "
                            f"{'keys' if kind == 'mapping' else 'items'}, or loop over it with {{% for %}}")
    if not is_data(value) or isinstance(value, Iterator):
        raise SecurityError(f"{describe(value)} cannot be shown: clause templates only read settings")
    return escape(value)


@lru_cache(maxsize=1)
def environment() -> ClauseEnvironment:
    env = ClauseEnvironment(
        undefined=StrictUndefined,
        finalize=finalize,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = escape
    env.filters["longdate"] = long_date
    env.filters["yamlstr"] = yamlstr
    env.filters["yamllist"] = lambda values: Markdown("[" + ", ".join(yamlstr(v) for v in values) + "]")
    env.guard_filters()
    return env


class TemplateProblem(Exception):
    """A template that cannot be parsed or rendered; `line` and `column` are within the
    template (0 when not known), `key` the expression involved, when known."""

    def __init__(self, message: str, line: int = 0, key: str = "", column: int = 0):
        super().__init__(message)
        self.message, self.line, self.key, self.column = message, line, key, column


@lru_cache(maxsize=4096)
def compile_template(source: str):  # type: ignore[no-untyped-def]
    try:
        return environment().from_string(source)
    except Refused as exc:
        raise TemplateProblem(exc.message or "", exc.lineno) from None
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax error: {exc.message}", exc.lineno) from None
    except RecursionError:
        raise TemplateProblem("template syntax error: nested too deeply") from None
    except Exception as exc:  # e.g. a 5,000-digit number, which Python will not turn into text
        raise TemplateProblem(f"template error: {exc or type(exc).__name__}") from None


def render(source: str, context: Mapping[str, Any], limit: int | None = MAX_CLAUSE_CHARS) -> str:
    """Render one template in the sandbox, at most `limit` characters; any failure (whatever
    the template did) becomes a TemplateProblem, never a traceback."""
    template = compile_template(source)
    try:
        with using(budget()):
            pieces, size = [], 0
            stream = template.generate(context)
            for piece in stream:
                size += len(piece)
                if limit is not None and size > limit:
                    raise TemplateProblem(f"unsafe template refused by the sandbox: the text would be longer than "
                                          f"{limit} characters", _stream_line(template, stream))
                pieces.append(piece)
            return "".join(pieces)
    except TemplateProblem:
        raise
    except SecurityError as exc:
        raise _problem(source, exc, f"unsafe template refused by the sandbox: {exc}") from None
    except UndefinedError as exc:
        raise _problem(source, exc, f"undefined value: {exc.message}") from None
    except RecursionError as exc:
        raise _problem(source, exc, "template error: it nests or repeats too deeply") from None
    except MemoryError as exc:
        raise _problem(source, exc, "template error: it needs too much memory") from None
    except Exception as exc:  # anything else a template can make Python raise: still located
        raise _problem(source, exc, f"template error: {exc or type(exc).__name__}") from None


# a name in an error message: "'emial'", "attribute '__class__'"
_QUOTED = re.compile(r"'([A-Za-z_][A-Za-z0-9_]*)'")


def _problem(source: str, exc: BaseException, message: str) -> TemplateProblem:
    """The problem, at the template line the error came from and, when the message names
    something found on that line, at that expression (its column and dotted name)."""
    line = _lineno(exc)
    lines = source.splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    for name in _QUOTED.findall(str(exc)):
        match = re.search(rf"(?<![\w.])((?:[A-Za-z_]\w*\.)*){re.escape(name)}(?!\w)", text)
        if match:  # a dotted expression is the key; a lone name (a filter, say) only places it
            return TemplateProblem(message, line, match.group(0) if match.group(1) else "", match.start() + 1)
    return TemplateProblem(message, line)


def column_of(text: str, dotted: str) -> int:
    """1-based column of an expression on a template line, 0 when it is not written there as is."""
    match = re.search(rf"(?<![\w.]){re.escape(dotted)}(?!\w)", text)
    return match.start() + 1 if match else 0


def _stream_line(template: Any, stream: Any) -> int:
    """The template line a paused render is at (the generator chain's innermost template frame)."""
    line = 0
    while stream is not None and getattr(stream, "gi_frame", None) is not None:
        if stream.gi_frame.f_code.co_filename == "<template>":
            line = template.get_corresponding_lineno(stream.gi_frame.f_lineno)
        stream = stream.gi_yieldfrom
    return line


def _lineno(exc: BaseException) -> int:
    tb = exc.__traceback__
    line = 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


Condition = tuple[nodes.Expr, bool]  # an `if` test, and whether it holds (body) or not (else)


@dataclass(frozen=True)
class Variable:
    """A dotted path a template reads, e.g. ('people', 'dsl', 'name'), at a template line,
    and the `if` tests it sits under (`when`), so a school for which one of them is settled
    the other way is not asked for it (see `dead`)."""

    path: tuple[str, ...]
    line: int
    when: tuple[Condition, ...] = field(default=(), compare=False)

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@lru_cache(maxsize=4096)
def variables(source: str) -> tuple[Variable, ...]:
    """Every settings path the template reads, except those it guards with `is defined`."""
    try:
        ast = environment().parse(source)
    except Exception:  # a syntax error, a refused statement, nesting too deep: compile_template reports it
        return ()
    local = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
    local |= {"loop", *environment().globals}  # Jinja's own names, not settings
    found: list[Variable] = []
    _walk(ast, frozenset(), local, found, ())
    seen: set[tuple[tuple[str, ...], int]] = set()
    out = []
    for var in found:
        if (var.path, var.line) not in seen:
            seen.add((var.path, var.line))
            out.append(var)
    return tuple(out)


def _chain(node: nodes.Node) -> tuple[str, ...] | None:
    parts: list[str] = []
    while True:
        if isinstance(node, nodes.Getattr):
            parts.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            parts.append(node.arg.value)
            node = node.node
        elif isinstance(node, nodes.Name) and node.ctx == "load":
            parts.append(node.name)
            return tuple(reversed(parts))
        else:
            return None


def _guards(test: nodes.Node) -> set[tuple[str, ...]]:
    out = set()
    for t in [test, *test.find_all(nodes.Test)]:
        if not isinstance(t, nodes.Test):
            continue
        if t.name == "defined":
            chain = _chain(t.node)
            if chain:
                out.add(chain)
    return out


def _walk(node: nodes.Node, guarded: frozenset, local: set[str], found: list[Variable],
          when: tuple[Condition, ...]) -> None:
    if isinstance(node, nodes.Test) and node.name in ("defined", "undefined"):
        chain = _chain(node.node)
        if chain and len(chain) > 1 and chain[0] not in local:
            # `a.b is defined` still needs `a` itself: StrictUndefined fails on `a.b` otherwise
            found.append(Variable(chain[:-1], node.lineno, when))
        return
    if isinstance(node, nodes.Filter) and node.name in ("default", "d"):
        return
    if isinstance(node, nodes.If):
        inner = guarded | _guards(node.test)
        _walk(node.test, guarded, local, found, when)
        for child in node.body:
            _walk(child, frozenset(inner), local, found, when + _condition(node.test, True, local))
        otherwise = when + _condition(node.test, False, local)
        for branch in node.elif_:  # `elif b` holds when `a` did not
            _walk(branch, guarded, local, found, otherwise)
            otherwise += _condition(branch.test, False, local)
        for child in node.else_:
            _walk(child, guarded, local, found, otherwise)
        return
    if isinstance(node, nodes.CondExpr):
        inner = guarded | _guards(node.test)
        _walk(node.test, guarded, local, found, when)
        _walk(node.expr1, frozenset(inner), local, found, when + _condition(node.test, True, local))
        if node.expr2 is not None:
            _walk(node.expr2, guarded, local, found, when + _condition(node.test, False, local))
        return
    chain = _chain(node) if isinstance(node, (nodes.Getattr, nodes.Getitem, nodes.Name)) else None
    if chain is not None:
        if chain[0] not in local and not any(chain[: len(g)] == g for g in guarded):
            found.append(Variable(chain, node.lineno, when))
        return
    for child in node.iter_child_nodes():
        _walk(child, guarded, local, found, when)


def _condition(test: nodes.Expr, holds: bool, local: set[str]) -> tuple[Condition, ...]:
    """The test as a condition, unless it reads the template's own names (a loop variable):
    those are not settings, so nothing about them is known before rendering."""
    if any(n.name in local for n in test.find_all(nodes.Name)) or (isinstance(test, nodes.Name) and test.name in local):
        return ()
    return ((test, holds),)


def dead(when: tuple[Condition, ...], context: Mapping[str, Any]) -> bool:
    """Whether one of the `if` tests round a variable is settled against it by the settings
    alone (`{% if options.work_phones %}` for a school without work phones). A test the
    settings cannot settle (it reads anything else) leaves the variable checked."""
    return any(_truth(test, context) is (not holds) for test, holds in when)


_UNKNOWN = object()


def _truth(node: nodes.Expr, context: Mapping[str, Any]) -> bool | None:
    """The truth of a test from the settings alone, or None when they do not settle it."""
    if isinstance(node, nodes.Not):
        inner = _truth(node.node, context)
        return None if inner is None else not inner
    if isinstance(node, (nodes.And, nodes.Or)):
        left, right = _truth(node.left, context), _truth(node.right, context)
        settles = isinstance(node, nodes.Or)  # True settles `or`, False settles `and`
        if left is settles or right is settles:
            return settles
        return None if left is None or right is None else not settles
    if isinstance(node, nodes.Test) and node.name in ("defined", "undefined") and not node.args:
        chain = _chain(node.node)
        if chain is None:
            return None
        parent = _lookup(chain[:-1], context)
        if not isinstance(parent, Mapping):
            return None
        return (chain[-1] in parent) is (node.name == "defined")
    if isinstance(node, nodes.Compare) and len(node.ops) == 1:
        left, right = _lookup_expr(node.expr, context), _lookup_expr(node.ops[0].expr, context)
        ops = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
               "in": lambda a, b: a in b, "notin": lambda a, b: a not in b}
        if left is _UNKNOWN or right is _UNKNOWN or node.ops[0].op not in ops:
            return None
        try:
            return bool(ops[node.ops[0].op](left, right))
        except TypeError:
            return None
    value = _lookup_expr(node, context)
    return None if value is _UNKNOWN else bool(value)


def _lookup_expr(node: nodes.Expr, context: Mapping[str, Any]) -> Any:
    if isinstance(node, nodes.Const):
        return node.value
    if isinstance(node, (nodes.List, nodes.Tuple)):
        items = [_lookup_expr(item, context) for item in node.items]
        return _UNKNOWN if any(i is _UNKNOWN for i in items) else items
    chain = _chain(node)
    return _UNKNOWN if chain is None else _lookup(chain, context)


def _lookup(path: tuple[str, ...], context: Mapping[str, Any]) -> Any:
    value: Any = context
    for part in path:
        if not isinstance(value, Mapping) or part not in value:
            return _UNKNOWN
        value = value[part]
    return value


def missing(path: tuple[str, ...], context: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The shortest prefix of `path` that is not in `context`, or None when it resolves."""
    value: Any = context
    for i, part in enumerate(path):
        if isinstance(value, Mapping):
            if part not in value:
                return path[: i + 1]
            value = value[part]
        else:
            return None  # an attribute of a plain value (e.g. a string method): not a setting
    return None
