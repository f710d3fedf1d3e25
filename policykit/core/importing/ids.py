"""Clause ids for imported text: the section's prefix and a slug of the heading, unique in the library."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Iterable

MAX_SLUG = 60  # the schema allows 80 characters; the prefix and a "-2" need room


def slug(text: str) -> str:
    """'Roles & responsibilities (staff)' -> 'roles-and-responsibilities-staff'."""
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    out = ""
    for word in words:
        if len(out) + len(word) + 1 > MAX_SLUG:
            break
        out = f"{out}-{word}" if out else word
    return out or (words[0][:MAX_SLUG] if words else "")


def section_prefix(section: str, existing: Iterable[str]) -> str:
    """The prefix the section's clauses share ('aup' for aup-personal-devices, ...), else one made
    from the section's name: its words' initials ('mobile-phones' -> 'mp'), or a one-word name itself."""
    firsts = Counter(cid.split("-", 1)[0] for cid in existing if "-" in cid)
    if firsts:
        prefix, count = firsts.most_common(1)[0]
        if count * 2 > sum(firsts.values()):
            return prefix
    words = section.split("-")
    return "".join(w[0] for w in words) if len(words) > 1 else section[:12]


def clause_id(prefix: str, title: str, taken: set[str]) -> str:
    """`prefix-slug(title)`, with -2, -3, ... when that is taken; added to `taken`."""
    base = slug(title) or "clause"
    if prefix and base != prefix and not base.startswith(prefix + "-"):
        base = f"{prefix}-{base}"
    cid, n = base, 2
    while cid in taken:
        cid, n = f"{base}-{n}", n + 1
    taken.add(cid)
    return cid
