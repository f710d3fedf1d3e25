"""The Jinja sandbox clause templates run in: they read settings, and nothing else.

Jinja's own sandbox stops templates reaching Python internals, but not from exhausting the
machine (`{{ 'a' * 10**9 }}`, nested loops over `range(99999)`), nor from printing a method
(`{{ school.name.format }}` shows a memory address, so two builds differ). Here:

- attribute access reads mapping keys first, and refuses methods: a template cannot call or
  print anything but data;
- every result a template computes (`*`, `+`, `**`, `~`, filters) is bounded in size before it is
  made, and `range()` in length;
- every value given to a filter is weighed (nested lists counted as often as they appear), and
  the filters that can make far more than they are given (`replace`, `join`, `indent`,
  `wordwrap`) have their result estimated, before they run;
- loop iterations, calls and the work of filters and operators draw on one budget per render,
  so no template runs for long; `render` in engine.py bounds the text rendered;
- the names a template sees are the settings, plus `range`: no `lipsum`, `cycler`, `joiner`,
  `namespace` or `dict`; filters that can be told to make huge text (`format`) or that are
  random (`random`) are gone;
- statements that build text out of sight of those bounds (`{% macro %}`, `{% call %}`,
  `{% filter %}`, `{% set %}...{% endset %}`, recursive loops) or reach other templates are
  refused when the template is compiled.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import date
from types import GeneratorType
from typing import Any, Callable, Iterable, Iterator

import jinja2.filters
from jinja2 import nodes
from jinja2.exceptions import SecurityError, TemplateRuntimeError, TemplateSyntaxError
from jinja2.runtime import LoopContext, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from policykit.templating.withheld import withheld

MAX_RANGE = 1000  # items from range(): clauses list people and options, not thousands of things
MAX_VALUE = 50_000  # characters (or items) in one value a template computes
MAX_INT_BITS = 1024  # about 300 digits: more than any count or year a policy needs
MAX_NUMBER_ARG = 1000  # a number given to a filter (a width, a length)
MAX_WORK = 200_000  # loop steps, calls and filter or operator work in one render
_CHARS_PER_UNIT = 64  # text a filter or operator makes costs a unit per 64 characters: at most ~13 MB a render

# filters a clause has no use for and that break the promises: huge or random text
DROPPED_FILTERS = ("format", "random")

# statements that build text out of sight of the bounds, or reach other templates
_REFUSED: dict[type[nodes.Node], str] = {
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.FilterBlock: "{% filter %}",
    nodes.AssignBlock: "{% set %}...{% endset %}",
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from ... import %}",
    nodes.Extends: "{% extends %}",
    nodes.Block: "{% block %}",
}


class Refused(TemplateSyntaxError):
    """A statement clause templates may not use (its message is complete as it is)."""


class _Budget:
    def __init__(self, work: int) -> None:
        self.left = work


_BUDGET: ContextVar[_Budget | None] = ContextVar("policykit_template_budget", default=None)


def budget(work: int = MAX_WORK) -> _Budget:
    """A fresh budget for one render; set it with `using`."""
    return _Budget(work)


def spend(units: int = 1) -> None:
    current = _BUDGET.get()
    if current is None:  # compile-time constant folding: no render in progress
        return
    current.left -= units
    if current.left < 0:
        raise SecurityError("the template does too much work (loops, calls or long text): "
                            "clause templates only read settings")


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, list, tuple, range)) else 0


def weight(value: Any, cap: int = MAX_VALUE) -> int:
    """Characters and items in a value, nested ones counted each time they appear, counted
    only until `cap` is passed: `[[1] * 50000] * 50000` holds two lists, but any filter,
    comparison or sort of it touches 2.5 billion items, so it weighs what it would cost.
    Stopping at the cap keeps the count itself cheap (at most `cap` steps)."""
    total, stack = 0, [value]
    while stack and total <= cap:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, (list, tuple)):
            total += len(item)
            stack.extend(item)
        elif isinstance(item, Mapping):
            total += len(item)
            stack.extend(item.values())
        elif isinstance(item, range):
            total += len(item)
    return total


def _estimate(name: str, values: list[Any], kwargs: dict[str, Any]) -> int:
    """How long a filter's result can be, known before it runs, for the filters that can make
    far more than they are given (a long `new` for each of many matches, a separator between
    each of many items): refused before the text is made, not after gigabytes of it."""
    def arg(i: int, key: str, default: Any) -> Any:
        return kwargs.get(key, values[i] if len(values) > i else default)

    text = values[0] if values else None
    if name == "replace" and isinstance(text, str):
        old, new, count = str(arg(1, "old", "")), str(arg(2, "new", "")), arg(3, "count", None)
        found = text.count(old) if old else len(text) + 1
        if isinstance(count, int) and count >= 0:
            found = min(found, count)
        return len(text) + found * max(len(new) - len(old), 0)
    if name == "join" and isinstance(text, (list, tuple)):
        separator = arg(1, "d", "")
        return weight(text) + len(str(separator)) * max(len(text) - 1, 0)
    if name == "indent" and isinstance(text, str):
        width = arg(1, "width", 4)
        pad = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        return len(text) + (text.count("\n") + 1) * max(pad, 0)
    if name == "wordwrap" and isinstance(text, str):
        width, wrap = arg(1, "width", 79), arg(4, "wrapstring", None)
        return len(text) + (len(text) // max(width, 1) + 1) * (len(str(wrap)) if wrap is not None else 1) \
            if isinstance(width, int) else 0
    return 0


def _check_size(size: int, what: str = "the result") -> None:
    if size > MAX_VALUE:
        raise SecurityError(f"{what} would be {size} characters or items long (at most {MAX_VALUE} "
                            f"in a clause template)")


def _counted(iterable: Iterable[Any]) -> Iterator[Any]:
    """A loop's items, each drawing on the render's budget."""
    for item in iterable:
        spend()
        yield item


def _bounded(text: Any) -> Any:
    """The result of `~`: refused when too long (each join at most doubles, so this is early)."""
    _check_size(_size(text))
    spend(1 + _size(text) // _CHARS_PER_UNIT)
    return text


def _range(*args: Any) -> range:  # shown to template authors as `range`
    rng = range(*args)
    try:
        count = len(rng)
    except OverflowError:
        count = MAX_RANGE + 1
    if count > MAX_RANGE:
        raise SecurityError(f"range() of more than {MAX_RANGE} items is not allowed in a clause template")
    return rng


_range.__name__ = _range.__qualname__ = "range"


def is_data(value: Any, depth: int = 0) -> bool:
    """Settings-like data: text, numbers, dates, and lists and mappings of them (never code)."""
    if value is None or isinstance(value, (str, int, float, date, range, Undefined)):
        return True
    if isinstance(value, GeneratorType) and value.gi_code.co_filename == _FILTERS_FILE or isinstance(value, _REVERSED):
        return True  # `map`, `select`, `reverse`... made it lazily from data: `|list` or `|join` it
    if depth > 50:
        return False
    if isinstance(value, Mapping):
        return all(is_data(k, depth + 1) and is_data(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(is_data(v, depth + 1) for v in value)
    return False


# the lazy results of Jinja's own filters, which only ever hold data they were given
_FILTERS_FILE = jinja2.filters.__file__
_REVERSED = (type(reversed([])), type(reversed(())), type(reversed(range(0))))


def describe(value: Any) -> str:
    """What a non-data value is, in words for the error message."""
    if isinstance(value, LoopContext):
        return "the loop object"
    if callable(value):
        name = getattr(value, "__name__", "")
        return f"a function or method{f' ({name})' if name else ''}"
    return f"a {type(value).__name__} object"


def _guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that takes only data, no huge numbers, and makes no huge result."""
    passes = getattr(func, "jinja_pass_arg", None) is not None

    @functools.wraps(func)  # keeps jinja_pass_arg, so Jinja still passes the context it asks for
    def guarded(*args: Any, **kwargs: Any) -> Any:
        values = args[1:] if passes else args
        for i, value in enumerate([*values, *kwargs.values()]):
            _check_size(weight(value), f"a value given to the '{name}' filter")
            if not is_data(value):
                raise SecurityError(f"the '{name}' filter cannot take {describe(value)}: "
                                    "clause templates only read settings")
            if i and isinstance(value, int) and abs(value) > MAX_NUMBER_ARG:
                raise SecurityError(f"{value} is too large for the '{name}' filter (at most {MAX_NUMBER_ARG})")
        _check_size(_estimate(name, list(values), kwargs), f"the result of the '{name}' filter")
        try:
            result = func(*args, **kwargs)
        except (AssertionError, OverflowError) as exc:  # e.g. truncate(-5): an assert, with no message
            raise TemplateRuntimeError(f"the '{name}' filter cannot take these arguments"
                                       + (f": {exc}" if str(exc) else "")) from None
        _check_size(_size(result), f"the result of the '{name}' filter")
        spend(1 + _size(result) // _CHARS_PER_UNIT)
        return result

    return guarded


class _Guards(NodeTransformer):
    """Every loop draws on the budget; every `~` is bounded (see `_counted`, `_bounded`)."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        node = self.generic_visit(node)
        node.iter = nodes.Call(nodes.EnvironmentAttribute("counted", lineno=node.lineno), [node.iter], [], None,
                               None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        node = self.generic_visit(node)
        return nodes.Call(nodes.EnvironmentAttribute("bounded", lineno=node.lineno), [node], [], None, None,
                          lineno=node.lineno)


class ClauseEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox for clause templates (and the engine's own document frame)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    counted = staticmethod(_counted)
    bounded = staticmethod(_bounded)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.globals.clear()  # lipsum, cycler, joiner, namespace, dict: nothing a clause needs
        self.globals["range"] = _range
        self.helpers: tuple[Callable[..., Any], ...] = ()  # globals a template may call (see add_helper)
        for name in DROPPED_FILTERS:
            self.filters.pop(name, None)

    def add_helper(self, name: str, func: Callable[..., Any]) -> None:
        """A global a template may call: it must only read what it is given and return data."""
        self.globals[name] = func
        self.helpers += (func,)

    def guard_filters(self) -> None:
        """Wrap every filter (call once all are added)."""
        self.filters = {name: _guard_filter(name, f) for name, f in self.filters.items()}

    # --- reading values -------------------------------------------------------------

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping):  # settings: the key, never a method of the mapping (`items`, `get`)
            try:
                return obj[attribute]
            except (TypeError, LookupError):
                stand_in = withheld(obj, attribute)  # (an Undefined: false, so not `or`)
                return stand_in if stand_in is not None else self.undefined(obj=obj, name=attribute)
        return self._no_methods(obj, attribute, super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, Mapping):
            try:
                return obj[argument]
            except (TypeError, LookupError):
                stand_in = withheld(obj, argument)  # (an Undefined: false, so not `or`)
                return stand_in if stand_in is not None else self.undefined(obj=obj, name=argument)
        return self._no_methods(obj, argument, super().getitem(obj, argument))

    def _no_methods(self, obj: Any, name: Any, value: Any) -> Any:
        if callable(value) and not isinstance(value, Undefined):
            return self._method(obj, str(name))
        return value

    def _method(self, obj: Any, name: str) -> Undefined:
        return self.undefined(f"'{name}' is a method of a {type(obj).__name__} value, not a setting "
                              "(clause templates only read settings)", obj=obj, name=name, exc=SecurityError)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        if not attribute.startswith("_") and callable(getattr(obj, attribute, None)):
            return self._method(obj, attribute)
        return super().unsafe_undefined(obj, attribute)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return not callable(value) and super().is_safe_attribute(obj, attr, value)

    def wrap_str_format(self, value: Any) -> None:
        return None  # str.format is a method like any other: refused, not wrapped

    # --- doing things ---------------------------------------------------------------

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's names)
        spend()
        if isinstance(__obj, Undefined) or __obj in (_range, _counted, _bounded) or __obj in __self.helpers:
            return __context.call(__obj, *args, **kwargs)  # an Undefined raises its own clear error
        raise SecurityError(f"calling {describe(__obj)} is not allowed: clause templates only read settings")

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            raise SecurityError("formatting text with % is not allowed in a clause template")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
                    _check_size(weight(seq) * max(times, 0))
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise SecurityError(f"the product would have more than {MAX_INT_BITS} bits")
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1 \
                    and (right > MAX_INT_BITS or right * left.bit_length() > MAX_INT_BITS):
                raise SecurityError(f"{left} ** {right} is too large (more than {MAX_INT_BITS} bits)")
        elif operator == "+":
            if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
                _check_size(weight(left) + weight(right))
        result = self.binop_table[operator](left, right)
        spend(1 + _size(result) // _CHARS_PER_UNIT)
        return result

    # --- compiling ------------------------------------------------------------------

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        try:
            tree = super()._parse(source, name, filename)
        except ValueError:  # the lexer's int(): Python refuses to read a number of over 4,300 digits
            long = re.search(r"\d{300,}", source)
            raise Refused(f"a number of more than {MAX_INT_BITS} bits is not allowed in a clause template",
                          source.count("\n", 0, long.start()) + 1 if long else 1, name, filename) from None
        for node in tree.find_all(tuple(_REFUSED)):
            raise Refused(f"{_REFUSED[type(node)]} is not allowed in a clause template (clause templates only "
                          "read settings: use {{ }}, {% if %}, {% for %} and {% set x = ... %})",
                          node.lineno, name, filename)
        for const in tree.find_all(nodes.Const):
            if isinstance(const.value, int) and const.value.bit_length() > MAX_INT_BITS:
                raise Refused(f"a number of more than {MAX_INT_BITS} bits is not allowed in a clause template",
                              const.lineno, name, filename)
        for node in tree.find_all(nodes.For):
            if node.recursive:
                raise Refused("a recursive loop is not allowed in a clause template", node.lineno, name, filename)
        tree = _Guards().visit(tree)
        tree.set_environment(self)
        return tree


class using:
    """`with using(budget()):` one render's budget, for the loops and filters it runs."""

    def __init__(self, current: _Budget) -> None:
        self.current = current

    def __enter__(self) -> _Budget:
        self.token = _BUDGET.set(self.current)
        return self.current

    def __exit__(self, *exc: object) -> None:
        _BUDGET.reset(self.token)
