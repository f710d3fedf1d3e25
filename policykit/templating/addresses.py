"""Which words are email and web addresses, and those words as HTML links: the rule pandoc/links.lua applies.

The build makes addresses links in pandoc's tree (links.lua); the site's own pages (a school's key
people) are written here, so the same rule is written twice, and tests check that the two agree.
A word is an address only when, without the punctuation around it, it is wholly one of:

- an email address: a local part of letters, digits and `_ % + -`, in dot-separated pieces, at
  most 64 characters; `@`; a domain. Its link is `mailto:` and the address;
- `http://` or `https://`, a domain (with an optional port), then only the characters of a
  plain path, query and fragment (no quotes, brackets or spaces). Its link is the address.

A domain is two or more dot-separated labels of ASCII letters, digits and inner hyphens, the
last of two or more letters. Anything else (`javascript:`, `data:`, `file:`, `www.` without a
scheme, an address with a quote in it) stays text: a link made here can reach only a mailbox or
a web page, and its text is the word as written.
"""

from __future__ import annotations

import html
import re

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = rf"(?:{_LABEL}\.)+[A-Za-z]{{2,63}}"
_EMAIL = re.compile(rf"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@{_DOMAIN}", re.ASCII)
_URL = re.compile(rf"[hH][tT][tT][pP][sS]?://(?P<host>{_DOMAIN})(?::[0-9]{{1,5}})?"
                  r"(?:[/?#][A-Za-z0-9\-._~/%?#=&+:@!$,;*]*)?", re.ASCII)
_OPENING = ("(", "[", '"', "'", "<", "\u201c", "\u2018")
_CLOSING = (".", ",", ";", ":", "!", "?", ")", "]", '"', "'", ">", "\u201d", "\u2019")
_WORD = re.compile(r"([ \t\r\n]+)")  # pandoc's word breaks: a no-break space stays inside a word


def target(core: str) -> str | None:
    """Where the word `core` (punctuation already peeled off) links to, or None: not an address."""
    user, _, domain = core.partition("@")
    if len(core) <= 254 and len(user) <= 64 and len(domain) <= 253 and _EMAIL.fullmatch(core):
        return "mailto:" + core
    url = _URL.fullmatch(core)
    return core if url and len(url.group("host")) <= 253 else None


def peel(word: str) -> tuple[str, str, str]:
    """(punctuation before, the word itself, punctuation after), as links.lua peels them."""
    lead = trail = ""
    again = True
    while again:
        again = False
        for mark in _OPENING:
            if len(word) > len(mark) and word.startswith(mark):
                lead, word, again = lead + mark, word[len(mark):], True
    again = True
    while again:
        again = False
        for mark in _CLOSING:
            if len(word) > len(mark) and word.endswith(mark):
                trail, word, again = mark + trail, word[:-len(mark)], True
    return lead, word, trail


def linked_html(text: str) -> str:
    """`text` as HTML (escaped), each address in it an `<a href>` whose text is the address as written."""
    out = []
    for piece in _WORD.split(text):
        lead, core, trail = peel(piece)
        href = target(core)
        if href is None:
            out.append(html.escape(piece))
        else:
            out.append(f'{html.escape(lead)}<a href="{html.escape(href)}">{html.escape(core)}</a>{html.escape(trail)}')
    return "".join(out)
