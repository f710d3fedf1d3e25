"""Which characters the PDF's one font draws: validate refuses the others, so none falls back.

Every document is set in the bundled DejaVu Sans (policykit/system/fonts.py). Typst draws a
character the font lacks in a font built into it (Libertinus Serif, New Computer Modern) in
the middle of a line, or, for emoji and Chinese, Japanese and Korean, in no font at all,
which a tagged PDF (PDF/UA) may not do and Typst then refuses the whole document naming no
file or key. So validate accepts a character only when DejaVu Sans draws it, read from the
four font files' cmap tables:

- a letter or symbol any of the four styles has: Typst, asked for a style that lacks it,
  takes another style of the same family (DejaVu Sans has no oblique Arabic, and italic
  Arabic comes out upright);
- a space or combining mark only when all four have it: Typst does not look for those in
  another style;
- a default-ignorable character (joiners, direction marks, variation selectors), which is
  shaped without a glyph, whether the font has one or not; except U+FEFF, which Typst
  refuses anywhere in a tagged PDF's text.

tests/test_fonts.py checks these rules against Typst itself, character by character.

The cmap is read here by hand (subtable formats 4 and 12, all DejaVu Sans has)
rather than with fontTools: that would be a large dependency to read one table of four files.
"""

from __future__ import annotations

import struct
import unicodedata
from functools import lru_cache
from typing import Iterable

from policykit.core.characters import ALLOWED_CONTROLS, not_text
from policykit.system.fonts import font_files

# Default_Ignorable_Code_Point (Unicode 16, DerivedCoreProperties.txt)
IGNORABLE = ((0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
             (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
             (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
             (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF))
REFUSED = frozenset({0xFEFF})  # Typst: "the text contains the disallowed codepoint" (PDF/UA-1)


def undrawable(chars: Iterable[str]) -> set[str]:
    """The characters among `chars` that the PDF's font cannot draw."""
    covered = drawable()
    return {c for c in chars if ord(c) not in covered and c not in ALLOWED_CONTROLS and not not_text(c)}


@lru_cache(maxsize=1)
def drawable() -> frozenset[int]:
    """Every code point the bundled font draws in every style the documents use (see above)."""
    styles = [cmap(path.read_bytes()) for path in font_files()]
    every, some = frozenset.intersection(*styles), frozenset.union(*styles)
    alone = {c for c in some - every if not _attaches(chr(c))}
    ignorable = {c for start, end in IGNORABLE for c in range(start, end + 1)}
    return frozenset((every | alone | ignorable) - REFUSED)


def _attaches(char: str) -> bool:
    """A space or a combining mark: Typst takes either from the style the text asks for, or none."""
    return char.isspace() or unicodedata.category(char)[0] in "MZ"


def cmap(font: bytes) -> frozenset[int]:
    """The code points a TrueType font's cmap maps to a glyph, from its best Unicode subtable
    (format 12 over format 4, Windows over Unicode platform: the order fontTools' getBestCmap takes)."""
    count = struct.unpack_from(">H", font, 4)[0]
    tables = {struct.unpack_from(">4s", font, 12 + 16 * i)[0]: struct.unpack_from(">I", font, 12 + 16 * i + 8)[0]
              for i in range(count)}
    base = tables[b"cmap"]
    subtables = {}
    for i in range(struct.unpack_from(">H", font, base + 2)[0]):
        platform, encoding, offset = struct.unpack_from(">HHI", font, base + 4 + 8 * i)
        subtables[(platform, encoding)] = base + offset
    for at in (subtables[key] for key in _BEST if key in subtables):
        fmt = struct.unpack_from(">H", font, at)[0]
        if fmt in (4, 12):
            return frozenset(_format12(font, at) if fmt == 12 else _format4(font, at))
    return frozenset()


_BEST = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))


def _format12(font: bytes, at: int) -> set[int]:
    covered: set[int] = set()
    for k in range(struct.unpack_from(">I", font, at + 12)[0]):
        start, end, glyph = struct.unpack_from(">III", font, at + 16 + 12 * k)
        covered.update(range(start + (glyph == 0), end + 1))  # glyph 0 is "missing"
    return covered


def _format4(font: bytes, at: int) -> set[int]:
    segments = struct.unpack_from(">H", font, at + 6)[0] // 2
    ends = struct.unpack_from(f">{segments}H", font, at + 14)
    starts = struct.unpack_from(f">{segments}H", font, at + 16 + 2 * segments)
    deltas = struct.unpack_from(f">{segments}h", font, at + 16 + 4 * segments)
    range_at = at + 16 + 6 * segments
    offsets = struct.unpack_from(f">{segments}H", font, range_at)
    covered = set()
    for k in range(segments):
        for code in range(starts[k], ends[k] + 1):
            if code == 0xFFFF:
                continue
            if offsets[k] == 0:
                glyph = (code + deltas[k]) & 0xFFFF
            else:
                glyph = struct.unpack_from(">H", font, range_at + 2 * k + offsets[k] + 2 * (code - starts[k]))[0]
                glyph = (glyph + deltas[k]) & 0xFFFF if glyph else 0
            if glyph:
                covered.add(code)
    return covered
