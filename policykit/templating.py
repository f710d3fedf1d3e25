"""Sandboxed Jinja for clause bodies: values are data, and variables are known statically.

Every `{{ ... }}` result passes through `finalize`, which escapes Markdown punctuation, so
a value such as `*Academy* <EYFS>` or `{{ 7*7 }}` reaches every output format literally.
Text the engine itself produced (a rendered clause) is marked `Markdown` and passes as is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from collections.abc import Iterator, Mapping  # not typing's: isinstance() on it is several times slower
from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.exceptions import SecurityError, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .dates import long_date

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


@lru_cache(maxsize=1)
def environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined,
        finalize=escape,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = escape
    env.filters["longdate"] = long_date
    env.filters["yamlstr"] = yamlstr
    env.filters["yamllist"] = lambda values: Markdown("[" + ", ".join(yamlstr(v) for v in values) + "]")
    return env


class TemplateProblem(Exception):
    """A template that cannot be parsed or rendered; `line` is within the template."""

    def __init__(self, message: str, line: int = 0, key: str = ""):
        super().__init__(message)
        self.message, self.line, self.key = message, line, key


@lru_cache(maxsize=4096)
def compile_template(source: str):  # type: ignore[no-untyped-def]
    try:
        return environment().from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax error: {exc.message}", exc.lineno) from None


def render(source: str, context: Mapping[str, Any]) -> str:
    """Render one template in the sandbox; any failure becomes a TemplateProblem."""
    template = compile_template(source)
    try:
        return template.render(context)
    except SecurityError as exc:
        raise TemplateProblem(f"unsafe template refused by the sandbox: {exc}", _lineno(exc)) from None
    except UndefinedError as exc:
        raise TemplateProblem(f"undefined value: {exc.message}", _lineno(exc)) from None
    except TemplateError as exc:
        raise TemplateProblem(f"template error: {exc}", _lineno(exc)) from None
    except (TypeError, ValueError, ArithmeticError, AttributeError, KeyError, IndexError, RecursionError) as exc:
        raise TemplateProblem(f"template error: {exc}", _lineno(exc)) from None


def _lineno(exc: BaseException) -> int:
    tb = exc.__traceback__
    line = 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


@dataclass(frozen=True)
class Variable:
    """A dotted path a template reads, e.g. ('people', 'dsl', 'name'), at a template line."""

    path: tuple[str, ...]
    line: int

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@lru_cache(maxsize=4096)
def variables(source: str) -> tuple[Variable, ...]:
    """Every settings path the template reads, except those it guards with `is defined`."""
    try:
        ast = environment().parse(source)
    except TemplateSyntaxError:
        return ()  # reported by compile_template
    local = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
    local |= {"loop", *environment().globals}  # Jinja's own names, not settings
    found: list[Variable] = []
    _walk(ast, frozenset(), local, found)
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


def _walk(node: nodes.Node, guarded: frozenset, local: set[str], found: list[Variable]) -> None:
    if isinstance(node, nodes.Test) and node.name in ("defined", "undefined"):
        chain = _chain(node.node)
        if chain and len(chain) > 1 and chain[0] not in local:
            # `a.b is defined` still needs `a` itself: StrictUndefined fails on `a.b` otherwise
            found.append(Variable(chain[:-1], node.lineno))
        return
    if isinstance(node, nodes.Filter) and node.name in ("default", "d"):
        return
    if isinstance(node, nodes.If):
        inner = guarded | _guards(node.test)
        _walk(node.test, guarded, local, found)
        for child in node.body:
            _walk(child, frozenset(inner), local, found)
        for child in list(node.elif_) + list(node.else_):
            _walk(child, guarded, local, found)
        return
    if isinstance(node, nodes.CondExpr):
        inner = guarded | _guards(node.test)
        _walk(node.test, guarded, local, found)
        _walk(node.expr1, frozenset(inner), local, found)
        if node.expr2 is not None:
            _walk(node.expr2, guarded, local, found)
        return
    chain = _chain(node) if isinstance(node, (nodes.Getattr, nodes.Getitem, nodes.Name)) else None
    if chain is not None:
        if chain[0] not in local and not any(chain[: len(g)] == g for g in guarded):
            found.append(Variable(chain, node.lineno))
        return
    for child in node.iter_child_nodes():
        _walk(child, guarded, local, found)


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


def iter_text_lines(source: str) -> Iterator[tuple[int, str]]:
    for i, line in enumerate(source.splitlines(), 1):
        yield i, line
