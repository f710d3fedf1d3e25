"""What a clause template reads, known without running it: every settings path, and the `if`s it sits under.

validate uses this to ask each school for exactly the values its clauses need: a variable
under an `if` the school's settings rule out is never rendered for it, so not required.
"""

from __future__ import annotations

from collections.abc import Mapping  # not typing's: isinstance() on it is several times slower
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jinja2 import nodes

from policykit.templating.engine import environment

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
