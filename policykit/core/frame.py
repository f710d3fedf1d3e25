"""The document frame every policy is rendered into: cover, tables, approval block (templates/policy.md.j2)."""

from __future__ import annotations

import re
from functools import lru_cache

from policykit.system.assets import read_asset


@lru_cache(maxsize=1)
def frame_source() -> str:
    """The document frame (cover, tables, approval block) every policy is rendered into."""
    return read_asset("templates/policy.md.j2")


# The frame opens with a YAML metadata block and, on a draft, a banner div (layout.lua moves
# it onto the cover); pages and packs that show the state themselves take both off.
FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
BANNER = re.compile(r"^::: \{\.draft-banner\}\n.*?^:::\n", re.M | re.S)


def without_banner(markdown: str) -> str:
    """A rendered document's Markdown without its draft banner."""
    return BANNER.sub("", markdown, count=1)


def body_only(markdown: str) -> str:
    """A rendered document's Markdown without its metadata block and draft banner."""
    return without_banner(FRONT_MATTER.sub("", markdown, count=1)).strip() + "\n"
