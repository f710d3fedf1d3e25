"""Sandboxed Jinja for clause bodies: compile and render them, every problem located in the clause.

Every `{{ ... }}` result passes through `finalize`, which lets only data through and escapes
it for Markdown (markdown.py); the sandbox (sandbox.py) refuses everything but reading
settings, and bounds the work and the size of what a template makes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping  # not typing's: isinstance() on it is several times slower
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.runtime import Undefined

from policykit.dates import long_date
from policykit.templating.markdown import Markdown, escape, url, yamlstr
from policykit.templating.people import capfirst, who
from policykit.templating.sandbox import ClauseEnvironment, Refused, budget, describe, is_data, using
from policykit.templating.withheld import WithheldValue

__all__ = ["render", "compile_template", "environment", "TemplateProblem", "column_of", "MAX_CLAUSE_CHARS"]


# A clause is a few paragraphs (the longest in the library is about 2,000 characters); one that
# renders to more than this is a loop gone wrong, and would swamp every output format.
MAX_CLAUSE_CHARS = 100_000


def finalize(value: Any) -> str:
    """Every `{{ ... }}` result: data only (never a function's address), escaped for Markdown."""
    if isinstance(value, WithheldValue):
        return escape(str(value))  # a public copy's stand-in for a value it left out
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
    env.filters["capfirst"] = capfirst
    env.filters["url"] = url
    env.add_helper("who", who)
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
