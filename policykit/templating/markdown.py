"""Values as Markdown that pandoc reads back as exactly that text: settings are data, never markup.

A value such as `*Academy* <EYFS>` or `{{ 7*7 }}` is escaped so it reaches every output
format literally. Text the engine itself produced (a rendered clause) is marked `Markdown`
and passes as is.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote
from typing import Any

# Characters with inline meaning in pandoc Markdown (reader: READER in outputs/pandoc.py, which
# turns off smart quotes, raw HTML/TeX, math and citations), and those that start a block
# at the beginning of a line.
_INLINE = re.compile(r"([\\`*_{}\[\]<>|~^&])")
_LINE_START = re.compile(r"^(\s*)(\d*)((?<!\d)[#+\-=:]|(?<=\d)[.)](?=\s|$))")  # "11-16" starts nothing
# pandoc's other list markers (fancy_lists): a letter or a roman numeral before '.' or ')', and
# any marker in parentheses: 'A.  Patel', 'a) pupils', 'iv.', '(1)' would each start a list
_FANCY = re.compile(r"^(\s*)(?:(\()(?=(?:[A-Za-z]|[ivxlcdmIVXLCDM]+|\d+)\))|([A-Za-z]|[ivxlcdmIVXLCDM]+)([.)])(?=\s|$))")


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
    text = _LINE_START.sub(r"\1\2\\\3", text) if _LINE_START.search(text) else text
    return _FANCY.sub(_fancy, text, count=1) if _FANCY.search(text) else text


def _fancy(match: re.Match[str]) -> str:
    lead, paren, marker, delimiter = match.groups()
    return f"{lead}\\(" if paren else f"{lead}{marker}\\{delimiter}"


def yamlstr(value: Any) -> Markdown:
    """A value inside the YAML metadata block: escaped for Markdown, then quoted for YAML."""
    return Markdown(json.dumps(escape(value), ensure_ascii=False))


_WEB = re.compile(r"^https?://[^\s<>\"]+$")


def url(value: Any) -> Markdown:
    """A web address from settings as a Markdown link target: only http(s), and percent-encoded
    so no character of it can end the link or start markup."""
    text = str(value)
    if not _WEB.match(text):
        raise ValueError(f"'{text[:60]}' is not a web address (https://...)")
    return Markdown(quote(text, safe=":/?#@!$&'+,;=%-._~"))
