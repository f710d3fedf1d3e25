"""Which characters a value may hold: the ones every output format can carry and show.

A value that validates must build. Three kinds of character do not:

- control characters (a NUL from `"\\0"` in YAML, say), which no document format holds;
- noncharacters (U+FFFE, U+FDD0...) and lone surrogates, which are not text at all;
- characters no font of the PDF can draw (glyphs.py says which those are).
"""

from __future__ import annotations

import re
import unicodedata

ALLOWED_CONTROLS = frozenset("\t\n\r")
_ASCII_SAFE = re.compile(r"[\x20-\x7e\t\n\r]*\Z")


def describe(char: str) -> str:
    """`'😀' (U+1F600 GRINNING FACE)`; control characters without the character itself."""
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "")
    if unicodedata.category(char) in ("Cc", "Cs") or _noncharacter(char):
        return code + (f" {name}" if name else "")
    return f"'{char}' ({code}{' ' + name if name else ''})"


def _noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def not_text(char: str) -> str:
    """Why `char` can never be in a document ('' when it can)."""
    category = unicodedata.category(char)
    if category == "Cc" and char not in ALLOWED_CONTROLS:
        return "a control character"
    if category == "Cs":
        return "a lone surrogate, not a character"
    if _noncharacter(char):
        return "a noncharacter, not text"
    return ""


def suspicious(text: str) -> bool:
    """Cheap first test: plain printable ASCII needs no further look."""
    return not _ASCII_SAFE.match(text)
