"""Links, images and attributes in a rendered clause, title, heading or intro, found before the build.

The build's pandoc filter (pandoc/batch.lua) is the guarantee: on the parsed tree of every
document, whatever syntax made them, a link goes only to a web page, an email address or a
place in the document, an image is its description, and only `lang` and `dir` attributes stay.
This finds the same things in the text a clause renders to, so `validate` names the file and
line instead of the build quietly dropping them: inline, reference (full, collapsed, shortcut)
and autolinks, links the template assembles (`{{ 'javas' ~ 'cript:' }}`), images of every
syntax, and attributes (`{onclick=...}`, `::: {style=...}`). Escaped text (`\\[`, `\\<`, `\\{`),
which is how every settings value arrives, is never markup.
"""

from __future__ import annotations

import re

SCHEMES = ("http", "https", "mailto")
ATTRIBUTES = ("lang", "dir")  # a Welsh phrase may say so; nothing else reaches the documents

_NOT_ESCAPED = r"(?<!\\)"
_INLINE_TARGET = re.compile(_NOT_ESCAPED + r"\]\(\s*<?([^)\s>]*)")
_REFERENCE = re.compile(r"^ {0,3}" + _NOT_ESCAPED + r"\[[^\]]+\]:\s*<?(\S*)", re.M)
_AUTOLINK = re.compile(_NOT_ESCAPED + r"<([A-Za-z][A-Za-z0-9+.-]*:[^>\s]*)>")
_IMAGE = re.compile(_NOT_ESCAPED + r"!\[")
_ATTRIBUTES = re.compile(r"(?:" + _NOT_ESCAPED + r"[\]`]|^ {0,3}:{3,}\s*|^ {0,3}(?:`{3,}|~{3,})\s*)"
                         + _NOT_ESCAPED + r"\{([^}]*)\}", re.M)
_PAIR = re.compile(r"([^\s=#.]+)\s*=")
_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")


_FENCED = re.compile(r"^( {0,3}(`{3,}|~{3,})[^\n]*\n)(.*?)(^ {0,3}\2[`~]*[ \t]*$)", re.M | re.S)
_CODE = re.compile(r"(?<![`\\])(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)


def _without_code(text: str) -> str:
    """`text` with what code blocks and code spans hold blanked (same length, so offsets stay):
    pandoc reads no link inside code, only the attributes on the fence or after the span."""
    def blank(match: re.Match[str], group: int) -> str:
        start, end = match.span(group)
        inner = re.sub(r"[^\n]", " ", match.group(group))
        return match.group(0)[: start - match.start()] + inner + match.group(0)[end - match.start():]

    out, at = [], 0
    for fence in _FENCED.finditer(text):  # code spans only between fenced blocks, never across one
        out += [_CODE.sub(lambda m: blank(m, 2), text[at:fence.start()]), blank(fence, 3)]
        at = fence.end()
    return "".join([*out, _CODE.sub(lambda m: blank(m, 2), text[at:])])


def markup_problems(text: str) -> list[tuple[int, str, str]]:
    """Each link target, image or attribute `text` may not hold: (offset, message, hint)."""
    found: list[tuple[int, str, str]] = []
    text = _without_code(text)
    for pattern in (_INLINE_TARGET, _REFERENCE, _AUTOLINK):
        for match in pattern.finditer(text):
            target = match.group(1)
            if not _allowed(target):
                scheme = _SCHEME.match(target)
                what = f"'{scheme.group(1).lower()}:'" if scheme else "a relative path"
                found.append((match.start(1), f"link to {what} is not allowed",
                              "link only to web pages (https://) and email addresses (mailto:)"))
    for match in _IMAGE.finditer(text):
        found.append((match.start(), "images are not allowed in a clause",
                      "the trust's logo goes in settings/trust.yaml; describe anything else in words"))
    for match in _ATTRIBUTES.finditer(text):
        for pair in _PAIR.finditer(match.group(1)):
            if pair.group(1).lower() not in ATTRIBUTES:
                found.append((match.start(1) + pair.start(1), f"the attribute '{pair.group(1)}' is not allowed",
                              "only lang and dir attributes reach the documents (e.g. [Croeso]{lang=cy})"))
    return sorted(found)


def _allowed(target: str) -> bool:
    if target.startswith("#"):
        return True
    scheme = _SCHEME.match(target)
    return bool(scheme) and scheme.group(1).lower() in SCHEMES
